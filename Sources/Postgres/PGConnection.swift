#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
internal import CPostgres

/// One libpq connection, used by one thread at a time.
///
/// Statements with values go through `execute(_:params:)`, which sends the values separately
/// from the SQL text (PQexecParams); SQL is never assembled from values.
public final class PGConnection {
    // Module-internal so that the statement cache, transactions and the pool (other files) can
    // reach libpq; no C type leaves the module.
    var connection: OpaquePointer?
    /// Prepared statements of this session, by SQL text and parameter types (see `query`).
    var statements = PGStatementCache()
    /// Savepoint depth of `transaction(_:)` calls nested inside one another.
    var savepointDepth = 0

    /// How many prepared statements `query(_:_:)` keeps on this connection before it deallocates
    /// the least recently used one.
    public var statementCacheCapacity = 100

    /// Connects with a libpq URI (`postgresql://user@host:5432/db?sslmode=…`).
    /// - Parameter connectTimeout: seconds to wait for the connection (libpq treats values below 2 as 2).
    public init(url: String, connectTimeout: Int = 10, applicationName: String = "gatehouse") throws(PGError) {
        // Later keywords override earlier ones: application_name is a default the URI may
        // override; connect_timeout is ours.
        let keywords = ["application_name", "dbname", "connect_timeout"]
        let values = [applicationName, url, String(max(1, connectTimeout))]
        let conn = withCStringArray(keywords) { keywordPointers in
            withCStringArray(values) { valuePointers in
                PQconnectdbParams(keywordPointers, valuePointers, 1)
            }
        }
        guard let conn else { throw PGError(kind: .connection, message: "out of memory") }
        guard PQstatus(conn) == CONNECTION_OK else {
            let message = PGError.oneLine(String(cString: PQerrorMessage(conn)))
            PQfinish(conn)
            throw PGError(kind: .connection, message: message.isEmpty ? "connection failed" : message)
        }
        // Notices (e.g. "relation already exists, skipping") would go to stderr; drop them.
        PQsetNoticeProcessor(conn, { _, _ in }, nil)
        connection = conn
    }

    deinit { close() }

    /// Closes the connection; further calls fail with a `.connection` error.
    public func close() {
        if let connection { PQfinish(connection) }
        connection = nil
        statements.removeAll()
    }

    public var isOpen: Bool {
        guard let connection else { return false }
        return PQstatus(connection) == CONNECTION_OK
    }

    /// The server's version as an integer, e.g. 150004 for 15.4.
    public var serverVersion: Int {
        guard let connection else { return 0 }
        return Int(PQserverVersion(connection))
    }

    /// Runs one statement. `$1`, `$2`, … in `sql` refer to `params` (text format; nil is NULL).
    @discardableResult
    public func execute(_ sql: String, params: [String?] = []) throws(PGError) -> PGResult {
        let connection = try open()
        // C strings end at NUL: a value with one inside would be cut short silently, so refuse it.
        if sql.utf8.contains(0) || params.contains(where: { $0?.utf8.contains(0) ?? false }) {
            throw PGError(kind: .query, sqlState: "22021", message: "a statement or parameter contains a NUL character")
        }
        let result: OpaquePointer? = withOptionalCStringArray(params) { paramPointers in
            PQexecParams(connection, sql, Int32(params.count), nil, paramPointers, nil, nil, 0)
        }
        return try consume(result, connection: connection)
    }

    /// Runs a script of several statements with no parameters (PQexec). Only for SQL compiled into
    /// the binary, such as migrations: never pass text that contains values.
    public func executeTrustedScript(_ sql: String) throws(PGError) {
        let connection = try open()
        _ = try consume(PQexec(connection, sql), connection: connection)
    }

    /// `SELECT 1` that gives up after `timeout` seconds even if the server stops answering.
    /// After a timeout the connection is closed.
    public func ping(timeout: Double) throws(PGError) {
        let connection = try open()
        guard PQsendQuery(connection, "SELECT 1") == 1 else { throw lastError(connection) }
        var deadline = timespec()
        clock_gettime(CLOCK_MONOTONIC, &deadline)
        let start = Double(deadline.tv_sec) + Double(deadline.tv_nsec) / 1e9
        while PQisBusy(connection) == 1 {
            var now = timespec()
            clock_gettime(CLOCK_MONOTONIC, &now)
            let remaining = timeout - (Double(now.tv_sec) + Double(now.tv_nsec) / 1e9 - start)
            if remaining <= 0 {
                close()
                throw PGError(kind: .timeout, message: "no answer to SELECT 1 within \(timeout) s")
            }
            var descriptor = pollfd(fd: PQsocket(connection), events: Int16(POLLIN), revents: 0)
            let ready = poll(&descriptor, 1, Int32(max(1, remaining * 1000)))
            if ready < 0 && errno != EINTR { throw PGError(kind: .connection, message: "poll failed: errno \(errno)") }
            if ready > 0 && PQconsumeInput(connection) == 0 { throw lastError(connection) }
        }
        var failure: PGError?
        while let result = PQgetResult(connection) {
            let status = PQresultStatus(result)
            if status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK && failure == nil {
                failure = error(from: result, connection: connection)
            }
            PQclear(result)
        }
        if let failure { throw failure }
    }

    /// The server process serving this session (`pg_backend_pid()`), 0 when closed.
    public var backendPID: Int {
        guard let connection else { return 0 }
        return Int(PQbackendPID(connection))
    }

    /// True between BEGIN and COMMIT/ROLLBACK, including a transaction that failed and awaits ROLLBACK.
    public var inTransaction: Bool {
        guard let connection else { return false }
        let status = PQtransactionStatus(connection)
        return status == PQTRANS_INTRANS || status == PQTRANS_INERROR || status == PQTRANS_ACTIVE
    }

    /// Open, and idle between transactions: what a pooled connection must be when handed out.
    var isIdle: Bool {
        guard let connection else { return false }
        return PQstatus(connection) == CONNECTION_OK && PQtransactionStatus(connection) == PQTRANS_IDLE
    }

    /// Reads whatever the server sent while the connection sat idle, without waiting. A backend
    /// that was terminated (or a server that shut down) has sent an error and closed the socket;
    /// reading that turns the connection bad here instead of failing the caller's first statement.
    /// No round trip. Returns whether the connection is still usable.
    func absorbPendingInput() -> Bool {
        guard let connection, PQstatus(connection) == CONNECTION_OK else { return false }
        // A few rounds: the first read may take the server's error message, the next its EOF.
        for _ in 0..<4 {
            var descriptor = pollfd(fd: PQsocket(connection), events: Int16(POLLIN), revents: 0)
            guard poll(&descriptor, 1, 0) > 0 else { break }
            if PQconsumeInput(connection) == 0 { return false }
            // LISTEN is not used; drop any notification so it cannot pile up.
            while let notification = PQnotifies(connection) { PQfreemem(notification) }
        }
        return isIdle
    }

    // MARK: - module-internal

    func open() throws(PGError) -> OpaquePointer {
        guard let connection else { throw PGError(kind: .connection, message: "connection is closed") }
        return connection
    }

    func consume(_ result: OpaquePointer?, connection: OpaquePointer) throws(PGError) -> PGResult {
        guard let result else { throw lastError(connection) }
        defer { PQclear(result) }
        let status = PQresultStatus(result)
        guard status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK || status == PGRES_EMPTY_QUERY else {
            throw error(from: result, connection: connection)
        }
        let columnCount = PQnfields(result)
        let rowCount = PQntuples(result)
        var columns: [String] = []
        columns.reserveCapacity(Int(columnCount))
        for column in 0..<columnCount { columns.append(String(cString: PQfname(result, column))) }
        var rows: [[String?]] = []
        rows.reserveCapacity(Int(rowCount))
        for row in 0..<rowCount {
            var values: [String?] = []
            values.reserveCapacity(Int(columnCount))
            for column in 0..<columnCount {
                if PQgetisnull(result, row, column) == 1 {
                    values.append(nil)
                } else {
                    values.append(String(cString: PQgetvalue(result, row, column)))
                }
            }
            rows.append(values)
        }
        let tag = String(cString: PQcmdStatus(result))
        let affected = Int(String(cString: PQcmdTuples(result)))
        return PGResult(columns: columns, rows: rows, commandTag: tag, affectedRows: affected)
    }

    func error(from result: OpaquePointer, connection: OpaquePointer) -> PGError {
        func field(_ code: Character) -> String? {
            guard let pointer = PQresultErrorField(result, Int32(code.asciiValue!)) else { return nil }
            return String(cString: pointer)
        }
        let sqlState = field("C")
        let message = field("M") ?? PGError.oneLine(String(cString: PQresultErrorMessage(result)))
        let lost = PQstatus(connection) != CONNECTION_OK
        return PGError(kind: lost ? .connection : .query, sqlState: sqlState,
                       message: message.isEmpty ? "statement failed" : PGError.oneLine(message), detail: field("D"),
                       constraint: field("n"))
    }

    func lastError(_ connection: OpaquePointer) -> PGError {
        let message = PGError.oneLine(String(cString: PQerrorMessage(connection)))
        let lost = PQstatus(connection) != CONNECTION_OK
        return PGError(kind: lost ? .connection : .query, message: message.isEmpty ? "libpq call failed" : message)
    }
}

/// Calls `body` with a NULL-terminated array of C strings that live for the call.
private func withCStringArray<R>(_ strings: [String], _ body: (UnsafePointer<UnsafePointer<CChar>?>) -> R) -> R {
    withOptionalCStringArray(strings.map { Optional($0) }) { pointers in
        body(pointers!)
    }
}

private func withOptionalCStringArray<R>(_ strings: [String?], _ body: (UnsafePointer<UnsafePointer<CChar>?>?) -> R) -> R {
    let copies: [UnsafeMutablePointer<CChar>?] = strings.map { $0.flatMap { strdup($0) } }
    defer { copies.forEach { free($0) } }
    var pointers: [UnsafePointer<CChar>?] = copies.map { $0.map { UnsafePointer($0) } }
    pointers.append(nil)
    return pointers.withUnsafeBufferPointer { body($0.baseAddress) }
}
