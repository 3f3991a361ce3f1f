public import Crypto
public import Postgres

/// `gatehouse secrets rotate-master-key`: reseals every stored secret that is sealed under a
/// previous master key with the current one.
///
/// Walks each location in `SealedColumns.all` in primary-key order, `batchSize` rows per
/// transaction; the rows of a batch are locked (`FOR UPDATE`) while their values are resealed,
/// so a concurrent writer waits rather than being overwritten. Each value is:
///
/// - **resealed** when its key id is not the current key's and it opens (with the current or a
///   previous key) under its context;
/// - **current** when it is sealed under the current key and opens;
/// - **failed** otherwise (unknown key, wrong context, altered, or not a sealed value at all).
///   A failed value is left exactly as it was and reported by location, never by content.
///
/// A dry run opens but writes nothing (and takes no row locks).
public struct MasterKeyRotation: Sendable {
    public struct Failure: Sendable, Equatable, CustomStringConvertible {
        /// The value's context (`<table>/<row id>/<column or JSON key>`).
        public let location: String
        public let problem: String
        public var description: String { "\(location): \(problem)" }
    }

    public struct Report: Sendable, Equatable {
        public var resealed = 0
        public var alreadyCurrent = 0
        public var failures: [Failure] = []
        public var failed: Int { failures.count }
        public init() {}
    }

    public let pool: PGPool
    public let sealer: SecretSealer
    public let batchSize: Int

    public init(pool: PGPool, sealer: SecretSealer, batchSize: Int = 100) {
        self.pool = pool
        self.sealer = sealer
        self.batchSize = max(1, batchSize)
    }

    /// Walks every location; `dryRun` counts what would be resealed without writing.
    public func run(dryRun: Bool) throws -> Report {
        var report = Report()
        for location in SealedColumns.all {
            var after: String?
            while true {
                let last = try pool.transaction { connection in
                    try batch(location, after: after, dryRun: dryRun, on: connection, into: &report)
                }
                guard let last else { break }
                after = last
            }
        }
        return report
    }

    /// One batch of rows after `after`; returns the last row id seen, nil when there were none.
    private func batch(_ location: SealedColumns.Location, after: String?, dryRun: Bool,
                       on connection: PGConnection, into report: inout Report) throws -> String? {
        // Table and column names come from `SealedColumns`, never from input.
        let lock = dryRun ? "" : "FOR UPDATE"
        let rows = "SELECT id, \(location.column) AS value FROM \(location.table) WHERE ($1::uuid IS NULL OR id > $1::uuid) ORDER BY id LIMIT $2 \(lock)"
        let sql: String
        switch location.shape {
        case .text:
            sql = "SELECT r.id::text AS id, NULL::text AS key, r.value AS value FROM (\(rows)) r ORDER BY r.id"
        case .jsonObject:
            sql = """
                SELECT r.id::text AS id, e.key AS key, e.value #>> '{}' AS value
                FROM (\(rows)) r
                LEFT JOIN LATERAL jsonb_each(CASE WHEN jsonb_typeof(r.value) = 'object' THEN r.value ELSE '{}'::jsonb END) e
                       ON jsonb_typeof(e.value) = 'string'
                ORDER BY r.id, e.key
                """
        }
        let result = try connection.query(sql, [after.map(PGValue.uuid), .int(batchSize)])
        var last: String?
        for row in result.rows.indices {
            guard let id = result.value(row, "id") else { continue }
            last = id
            let key = result.value(row, "key")
            if location.shape == .jsonObject && key == nil { continue } // a row without string values
            guard let value = result.value(row, "value") else { continue }
            let context = location.context(rowID: id, field: key)
            if sealer.needsResealing(value) {
                do {
                    if dryRun {
                        _ = try sealer.open(value, context: context)
                    } else {
                        let resealed = try sealer.reseal(value, context: context)
                        try write(resealed, to: location, id: id, key: key, on: connection)
                    }
                    report.resealed += 1
                } catch let error as SecretSealerError {
                    report.failures.append(Failure(location: context, problem: error.description))
                }
            } else {
                do {
                    _ = try sealer.open(value, context: context)
                    report.alreadyCurrent += 1
                } catch {
                    report.failures.append(Failure(location: context, problem: error.description))
                }
            }
        }
        return last
    }

    private func write(_ sealed: String, to location: SealedColumns.Location, id: String, key: String?,
                       on connection: PGConnection) throws {
        switch location.shape {
        case .text:
            try connection.query("UPDATE \(location.table) SET \(location.column) = $2 WHERE id = $1::uuid",
                                 [.uuid(id), .text(sealed)])
        case .jsonObject:
            try connection.query("""
                UPDATE \(location.table) SET \(location.column) = jsonb_set(\(location.column), ARRAY[$2::text], to_jsonb($3::text))
                WHERE id = $1::uuid
                """, [.uuid(id), .text(key ?? ""), .text(sealed)])
        }
    }
}
