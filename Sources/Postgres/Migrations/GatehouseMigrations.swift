/// Every schema migration, in order. Append new ones; never edit or reorder released ones.
public enum GatehouseMigrations {
    public static let all: [Migration] = [
        Migration(version: 1, name: "meta", sql: """
            CREATE TABLE gatehouse_meta (
                key text PRIMARY KEY,
                value text NOT NULL
            );
            INSERT INTO gatehouse_meta (key, value) VALUES ('installation_id', gen_random_uuid()::text);
            """),
        Migration(version: 2, name: "core tables", sql: coreTables),
        Migration(version: 3, name: "login failures", sql: loginFailures),
        // wip-scim placeholder: version 4 belongs to the OAuth branch; the integrator replaces this line with it.
        Migration(version: 4, name: "reserved for oauth", sql: "SELECT 1"),
        Migration(version: 5, name: "scim", sql: scim),
    ]
}

