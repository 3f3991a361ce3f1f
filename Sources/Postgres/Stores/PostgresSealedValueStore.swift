public import Store

/// `SealedValueStore` on PostgreSQL: every `SealedLocation` is a table with a uuid `id` and a
/// text or jsonb column. Table and column names come from `SealedLocation`, whose values are
/// fixed in Store, never from input.
public struct PostgresSealedValueStore: SealedValueStore {
    let pool: PGPool

    public init(pool: PGPool) { self.pool = pool }

    public func withBatch(of location: SealedLocation, after: String?, limit: Int, lock: Bool,
                          _ body: (_ values: [SealedValue], _ replace: (SealedValue, String) throws(StoreError) -> Void) throws -> Void)
        throws -> String? {
        do {
            return try pool.transaction { connection in
                let result = try connection.query(Self.select(location, lock: lock), [after.map(PGValue.uuid), .int(max(1, limit))])
                var last: String?
                var values: [SealedValue] = []
                for row in result.rows.indices {
                    guard let id = result.value(row, "id") else { continue }
                    last = id
                    let field = result.value(row, "key")
                    if location.shape == .jsonObject && field == nil { continue } // a row without string values
                    guard let sealed = result.value(row, "value") else { continue }
                    values.append(SealedValue(rowID: id, field: field, sealed: sealed))
                }
                try body(values) { (value: SealedValue, sealed: String) throws(StoreError) in
                    do {
                        try Self.replace(value, with: sealed, at: location, on: connection)
                    } catch {
                        throw storeError(error)
                    }
                }
                return last
            }
        } catch let error as PGError {
            throw storeError(error)
        }
    }

    /// The rows after `$1` (a uuid, or NULL for the first batch), at most `$2`, one result row
    /// per sealed value: `id`, `key` (the JSON key, NULL for a text column) and `value`.
    static func select(_ location: SealedLocation, lock: Bool) -> String {
        let rows = """
            SELECT id, \(location.column) AS value FROM \(location.table) WHERE ($1::uuid IS NULL OR id > $1::uuid) \
            ORDER BY id LIMIT $2 \(lock ? "FOR UPDATE" : "")
            """
        switch location.shape {
        case .text:
            return "SELECT r.id::text AS id, NULL::text AS key, r.value AS value FROM (\(rows)) r ORDER BY r.id"
        case .jsonObject:
            return """
                SELECT r.id::text AS id, e.key AS key, e.value #>> '{}' AS value
                FROM (\(rows)) r
                LEFT JOIN LATERAL jsonb_each(CASE WHEN jsonb_typeof(r.value) = 'object' THEN r.value ELSE '{}'::jsonb END) e
                       ON jsonb_typeof(e.value) = 'string'
                ORDER BY r.id, e.key
                """
        }
    }

    static func replace(_ value: SealedValue, with sealed: String, at location: SealedLocation,
                        on connection: PGConnection) throws {
        switch location.shape {
        case .text:
            try connection.query("UPDATE \(location.table) SET \(location.column) = $2 WHERE id = $1::uuid",
                                 [.uuid(value.rowID), .text(sealed)])
        case .jsonObject:
            try connection.query("""
                UPDATE \(location.table) SET \(location.column) = jsonb_set(\(location.column), ARRAY[$2::text], to_jsonb($3::text))
                WHERE id = $1::uuid
                """, [.uuid(value.rowID), .text(value.field ?? ""), .text(sealed)])
        }
    }
}
