/// Why a request could not be read. Every parse error is answered with `status`
/// and the connection is closed: after a framing error nothing later on the wire can be trusted.
public struct HTTPParseError: Error, Sendable, Equatable, CustomStringConvertible {
    public let status: HTTPStatus
    public let reason: String
    public init(_ status: HTTPStatus, _ reason: String) {
        self.status = status
        self.reason = reason
    }
    public var description: String { "\(status.code): \(reason)" }
}
