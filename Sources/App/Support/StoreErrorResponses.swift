import Flows
import HTTP
import Store
import Web

// How store failures look on the wire when a route lets one through. Refused values (a NUL
// PostgreSQL cannot store, a malformed id) are the client's fault: 400, never a 500. What is
// left (the database gone) stays a logged 5xx that reveals nothing.
extension StoreError: HTTPErrorConvertible {
    public var status: HTTPStatus {
        switch self {
        case .invalid: .badRequest
        case .notFound: .notFound
        case .conflict: .conflict
        case .unavailable: .serviceUnavailable
        }
    }

    public var errorCode: String {
        switch self {
        case .invalid: "invalid_input"
        case .notFound: "not_found"
        case .conflict: "conflict"
        case .unavailable: "unavailable"
        }
    }

    public var detail: String? {
        switch self {
        case .invalid: "The request holds a value that cannot be stored."
        case .conflict(let field): "\(field) is already taken."
        case .notFound, .unavailable: nil
        }
    }
}

extension FlowError: HTTPErrorConvertible {
    public var status: HTTPStatus {
        switch self {
        case .store(let error): error.status
        case .unknownFlow: .notFound
        case .invalidPlan: .internalServerError
        }
    }

    public var errorCode: String {
        if case .store(let error) = self { return error.errorCode }
        return status.code == 404 ? "not_found" : "server_error"
    }

    public var detail: String? {
        if case .store(let error) = self { return error.detail }
        return nil
    }
}
