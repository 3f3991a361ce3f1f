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
        Migration(version: 4, name: "oauth provider", sql: oauthProvider),
        Migration(version: 5, name: "scim", sql: scim),
        Migration(version: 6, name: "mfa", sql: mfa),
        Migration(version: 7, name: "policy change notices", sql: policyNotify),
        Migration(version: 8, name: "one identifier, one account", sql: identifiers),
        Migration(version: 9, name: "oauth subjects", sql: subjects),
        Migration(version: 10, name: "scim external ids", sql: externalIDs),
        Migration(version: 11, name: "saml", sql: saml),
    ]
}

