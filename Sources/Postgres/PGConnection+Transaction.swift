public enum PGIsolationLevel: String, Sendable {
    case readCommitted = "READ COMMITTED"
    case repeatableRead = "REPEATABLE READ"
    case serializable = "SERIALIZABLE"
}

extension PGConnection {
    /// Runs `body` in a transaction: BEGIN, then COMMIT when it returns, ROLLBACK when it throws.
    ///
    /// Called while a transaction is already open on this connection (a nested call), it runs
    /// `body` under a SAVEPOINT instead: a throw rolls back to the savepoint and rethrows, and
    /// the outer transaction goes on. `isolation` and `readOnly` apply to the outermost call
    /// only; passing them to a nested call is an error.
    ///
    /// A COMMIT that the server turns into a ROLLBACK (a statement failed and `body` swallowed
    /// the error) throws with SQLSTATE 25P02 rather than reporting success.
    @discardableResult
    public func transaction<T>(isolation: PGIsolationLevel? = nil, readOnly: Bool = false,
                               _ body: (PGConnection) throws -> T) throws -> T {
        if inTransaction {
            return try savepoint(isolation: isolation, readOnly: readOnly, body)
        }
        var begin = "BEGIN"
        if let isolation { begin += " ISOLATION LEVEL " + isolation.rawValue }
        if readOnly { begin += " READ ONLY" }
        try execute(begin)
        let value: T
        do {
            value = try body(self)
        } catch {
            rollbackQuietly()
            throw error
        }
        do {
            let result = try execute("COMMIT")
            if result.commandTag == "ROLLBACK" {
                throw PGError(kind: .query, sqlState: "25P02",
                              message: "transaction rolled back at COMMIT: a statement in it had failed")
            }
        } catch {
            rollbackQuietly()
            throw error
        }
        return value
    }

    private func savepoint<T>(isolation: PGIsolationLevel?, readOnly: Bool,
                              _ body: (PGConnection) throws -> T) throws -> T {
        guard isolation == nil, !readOnly else {
            throw PGError(kind: .query, sqlState: "25001",
                          message: "isolation level and read-only apply to the outermost transaction only")
        }
        savepointDepth += 1
        defer { savepointDepth -= 1 }
        // Generated from a counter, never from input; savepoint names cannot be parameters.
        let name = "gh_sp_\(savepointDepth)"
        try execute("SAVEPOINT \(name)")
        do {
            let value = try body(self)
            try execute("RELEASE SAVEPOINT \(name)")
            return value
        } catch {
            if isOpen {
                _ = try? execute("ROLLBACK TO SAVEPOINT \(name)")
                _ = try? execute("RELEASE SAVEPOINT \(name)")
            }
            throw error
        }
    }

    /// ROLLBACK if a transaction is still open; a broken connection is left for the pool to drop.
    func rollbackQuietly() {
        guard isOpen, inTransaction else { return }
        _ = try? execute("ROLLBACK")
    }
}
