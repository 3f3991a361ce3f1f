/// A key for per-request values that middleware hands to handlers (session, CSRF state…).
///
///     enum SessionKey: RequestStorageKey { typealias Value = Session }
///     request.storage[SessionKey.self] = session
public protocol RequestStorageKey {
    associatedtype Value
}

/// Typed per-request storage. A request lives on one queue, so this needs no lock.
public struct RequestStorage {
    private var values: [ObjectIdentifier: Any] = [:]

    public init() {}

    public subscript<Key: RequestStorageKey>(_ key: Key.Type) -> Key.Value? {
        get { values[ObjectIdentifier(key)] as? Key.Value }
        set { values[ObjectIdentifier(key)] = newValue }
    }
}
