internal import CPostgres

extension PGConnection {
    /// Runs one statement as a prepared statement of this session: the first call with a given
    /// SQL text (and parameter types) prepares it under a generated name (PQprepare), every call
    /// executes it (PQexecPrepared). `$1`, `$2`, … refer to `params`; values never enter the SQL.
    ///
    /// At most `statementCacheCapacity` statements stay prepared; beyond that the least recently
    /// used is deallocated (between transactions). A statement the session lost (DEALLOCATE ALL)
    /// or whose plan no longer fits a changed table is prepared again once, outside transactions.
    @discardableResult
    public func query(_ sql: String, _ params: [PGValue?] = []) throws(PGError) -> PGResult {
        _ = try open()
        if sql.utf8.contains(0) {
            throw PGError(kind: .query, sqlState: "22021", message: "a statement contains a NUL character")
        }
        let parameters = try PGParameters(params)
        let key = PGStatementCache.Key(sql: sql, types: parameters.types)
        guard let name = statements.name(for: key) else {
            return try prepareAndRun(key, parameters)
        }
        do {
            return try runPrepared(name, parameters)
        } catch {
            // 26000: no such prepared statement; 0A000 here: "cached plan must not change result type".
            guard error.sqlState == "26000" || error.sqlState == "0A000" else { throw error }
            if error.sqlState == "26000" { statements.removeAll() } else { statements.discard(key) }
            guard isIdle else { throw error }
            return try prepareAndRun(key, parameters)
        }
    }

    /// How many statements `query` currently keeps prepared on this connection.
    public var preparedStatementCount: Int { statements.count }

    // MARK: - private

    private func prepareAndRun(_ key: PGStatementCache.Key, _ parameters: PGParameters) throws(PGError) -> PGResult {
        try makeRoom()
        let connection = try open()
        let name = statements.newName()
        let prepared = key.types.withUnsafeBufferPointer { types in
            PQprepare(connection, name, key.sql, Int32(key.types.count), types.baseAddress)
        }
        _ = try consume(prepared, connection: connection)
        statements.insert(key, name: name)
        return try runPrepared(name, parameters)
    }

    private func runPrepared(_ name: String, _ parameters: PGParameters) throws(PGError) -> PGResult {
        let connection = try open()
        let result = parameters.withPointers { values, lengths, formats in
            PQexecPrepared(connection, name, Int32(parameters.count), values, lengths, formats, 0)
        }
        return try consume(result, connection: connection)
    }

    /// Deallocates orphaned statements and, at capacity, the least recently used one. Only
    /// between transactions: a failing DEALLOCATE inside one would abort the caller's work, so
    /// there the cache may run over until the next statement outside a transaction.
    private func makeRoom() throws(PGError) {
        guard isIdle else { return }
        var names = statements.takeOrphans()
        while statements.count >= max(1, statementCacheCapacity), let name = statements.evictLeastRecentlyUsed() {
            names.append(name)
        }
        let connection = try open()
        for name in names {
            // The name is generated here (gh_<number>), never taken from input; identifiers cannot be parameters.
            let result = PQexec(connection, "DEALLOCATE \(name)")
            if let result { PQclear(result) }
            if PQstatus(connection) != CONNECTION_OK { throw lastError(connection) }
        }
    }
}
