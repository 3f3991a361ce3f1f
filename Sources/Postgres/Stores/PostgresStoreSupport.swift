public import Store

/// What the PostgreSQL stores share: where statements run and the mapping of failures to
/// `StoreError`.
///
/// A runner on a pool borrows a connection per call. A runner on one connection (a store made
/// with `init(connection:)`) runs every call on it, inside whatever transaction is open there;
/// its "transactions" become savepoints. Such a store must not outlive, or leave the thread of,
/// the caller that holds the connection: that is why the type is only `@unchecked Sendable`.
struct PGStoreRunner: @unchecked Sendable {
    enum Source {
        case pool(PGPool)
        case connection(PGConnection)
    }

    let source: Source

    init(pool: PGPool) { source = .pool(pool) }
    init(connection: PGConnection) { source = .connection(connection) }

    /// A read that may be repeated on a new connection if the first one broke (pool only).
    func read<T>(_ body: (PGConnection) throws -> T) throws(StoreError) -> T {
        do {
            switch source {
            case .pool(let pool): return try pool.read(body)
            case .connection(let connection): return try body(connection)
            }
        } catch { throw storeError(error) }
    }

    /// One statement (or several that need not be atomic).
    @discardableResult
    func write<T>(conflict field: String? = nil, _ body: (PGConnection) throws -> T) throws(StoreError) -> T {
        do {
            switch source {
            case .pool(let pool): return try pool.withConnection(body)
            case .connection(let connection): return try body(connection)
            }
        } catch { throw storeError(error, conflict: field) }
    }

    /// Several statements in one transaction (a savepoint inside an open one).
    @discardableResult
    func transaction<T>(conflict field: String? = nil, _ body: (PGConnection) throws -> T) throws(StoreError) -> T {
        do {
            switch source {
            case .pool(let pool): return try pool.transaction(body)
            case .connection(let connection): return try connection.transaction(body)
            }
        } catch { throw storeError(error, conflict: field) }
    }
}

/// Maps a failure to a `StoreError`; `conflict` names the unique field a 23505 can only mean.
func storeError(_ error: any Error, conflict field: String? = nil) -> StoreError {
    if let error = error as? StoreError { return error }
    guard let error = error as? PGError else { return .unavailable("\(error)") }
    switch error.sqlState {
    case "23505":
        // Migration 8's triggers name what clashed: an identifier another account holds, or a
        // group name that differs from another only in case.
        switch error.constraint {
        case GatehouseMigrations.userIdentifierConstraint: return .conflict(field: "username or e-mail address")
        case GatehouseMigrations.groupNameConstraint: return .conflict(field: "name")
        case GatehouseMigrations.externalIDConstraint: return .conflict(field: "externalId")
        default: return .conflict(field: field ?? "unique value")
        }
    case "23503": return .notFound("referenced record")
    // 22021/22P05: a NUL in text or JSON (PGValue refuses it before libpq would cut the text).
    case "22P02", "22023", "22007", "22008", "23502", "23514", "22001", "2201X", "22021", "22P05":
        return .invalid(error.message)
    default: return .unavailable(error.description)
    }
}

/// SQL selecting the instant column `column` as microseconds since 1970 (a bigint), so
/// reading it never depends on the session's DateStyle or TimeZone.
func micros(_ column: String, as name: String? = nil) -> String {
    "(extract(epoch FROM \(column)) * 1000000)::bigint AS \(name ?? column.split(separator: ".").last.map(String.init) ?? column)"
}

/// SQL selecting the text[] column `column` as `x<hex>` elements joined by commas (see `decodeTextArray`).
func textArray(_ column: String, as name: String) -> String {
    "coalesce((SELECT string_agg('x' || encode(convert_to(element, 'UTF8'), 'hex'), ',' ORDER BY ordinal) FROM unnest(\(column)) WITH ORDINALITY AS a(element, ordinal)), '') AS \(name)"
}

/// SQL turning parameter `$n` (a JSON array of strings, see `JSONText.array`) into a text[].
func textArrayParameter(_ n: Int) -> String {
    "ARRAY(SELECT jsonb_array_elements_text($\(n)::jsonb))"
}

extension PGResult {
    func text(_ row: Int, _ column: String) throws(StoreError) -> String {
        guard let value = value(row, column) else { throw .unavailable("column \(column) is NULL or missing") }
        return value
    }

    func bool(_ row: Int, _ column: String) throws(StoreError) -> Bool { try text(row, column) == "t" }

    func int(_ row: Int, _ column: String) throws(StoreError) -> Int {
        guard let number = Int(try text(row, column)) else { throw .unavailable("column \(column) is not an integer") }
        return number
    }

    func timestamp(_ row: Int, _ column: String) throws(StoreError) -> Timestamp {
        guard let optional = try optionalTimestamp(row, column) else { throw .unavailable("column \(column) is NULL") }
        return optional
    }

    func optionalTimestamp(_ row: Int, _ column: String) throws(StoreError) -> Timestamp? {
        guard let text = value(row, column) else { return nil }
        guard let micros = Int64(text) else { throw .unavailable("column \(column) is not a bigint") }
        return Timestamp(microsecondsSince1970: micros)
    }

    /// Reads a column written by `textArray(_:as:)`.
    func textArray(_ row: Int, _ column: String) throws(StoreError) -> [String] {
        let joined = try text(row, column)
        if joined.isEmpty { return [] }
        var elements: [String] = []
        for part in joined.split(separator: ",", omittingEmptySubsequences: false) {
            guard part.first == "x", let bytes = hexBytes(part.dropFirst()) else {
                throw .unavailable("column \(column) is not an encoded text array")
            }
            elements.append(String(decoding: bytes, as: UTF8.self))
        }
        return elements
    }
}

private func hexBytes(_ hex: Substring) -> [UInt8]? {
    let digits = Array(hex.utf8)
    guard digits.count % 2 == 0 else { return nil }
    var bytes: [UInt8] = []
    bytes.reserveCapacity(digits.count / 2)
    var index = 0
    while index < digits.count {
        guard let high = hexValue(digits[index]), let low = hexValue(digits[index + 1]) else { return nil }
        bytes.append(high << 4 | low)
        index += 2
    }
    return bytes
}

private func hexValue(_ c: UInt8) -> UInt8? {
    switch c {
    case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
    case UInt8(ascii: "a")...UInt8(ascii: "f"): c - UInt8(ascii: "a") + 10
    default: nil
    }
}

extension Timestamp {
    var pgValue: PGValue { .timestamptz(microsecondsSince1970: microsecondsSince1970) }
}

extension Optional where Wrapped == Timestamp {
    var pgValue: PGValue? { map(\.pgValue) }
}
