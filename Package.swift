// swift-tools-version:6.0
// Gatehouse: one self-hosted identity provider binary (OIDC, SAML, LDAP, SCIM).
// Rooms import downward only; see Docs/architecture.md.
import PackageDescription

let package = Package(
    name: "gatehouse",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "gatehouse", targets: ["gatehouse"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "5.0.1"),
    ],
    targets: [
        // C libraries, found by pkg-config. Each is wrapped by exactly one Swift room.
        .systemLibrary(name: "COpenSSL", pkgConfig: "openssl",
                       providers: [.apt(["libssl-dev"])]),
        .systemLibrary(name: "CPostgres", pkgConfig: "libpq",
                       providers: [.apt(["libpq-dev"])]),
        .systemLibrary(name: "CRedis", pkgConfig: "hiredis",
                       providers: [.apt(["libhiredis-dev"])]),
        .systemLibrary(name: "CXMLSec", pkgConfig: "xmlsec1",
                       providers: [.apt(["libxml2-dev", "libxmlsec1-dev", "zlib1g-dev"])]),
        .systemLibrary(name: "CLDAP", pkgConfig: "ldap",
                       providers: [.apt(["libldap2-dev"])]),
        .systemLibrary(name: "CArgon2", pkgConfig: "libargon2",
                       providers: [.apt(["libargon2-dev"])]),
        .systemLibrary(name: "CQREncode", pkgConfig: "libqrencode",
                       providers: [.apt(["libqrencode-dev"])]),
        // Wraps C macros and variadic functions Swift cannot call directly.
        .target(name: "CGatehouseShims", dependencies: ["COpenSSL", "CRedis"]),

        // wire: pure Swift, no I/O
        .target(name: "HTTP"),
        // one JSON value type, one strict reader, one writer (imports nothing)
        .target(name: "JSON"),
        .target(name: "LDAPWire"),
        // platform
        .target(name: "Crypto", dependencies: ["JSON", "COpenSSL", "CGatehouseShims", "CArgon2"]),
        .target(name: "Net", dependencies: [
            "HTTP", "COpenSSL", "CGatehouseShims",
            .product(name: "Logging", package: "swift-log"),
        ]),
        // the only room that imports CXMLSec: hardened XML, c14n, XML signatures and encryption
        .target(name: "XMLSec", dependencies: ["CXMLSec", "Crypto"]),
        .target(name: "Web", dependencies: [
            "HTTP", "JSON", "Crypto",
            .product(name: "Logging", package: "swift-log"),
        ]),
        // store
        .target(name: "Store", dependencies: ["JSON"]),
        .target(name: "Postgres", dependencies: ["CPostgres", "JSON", "Store"]),
        .target(name: "Redis", dependencies: ["CRedis", .product(name: "Logging", package: "swift-log")]),
        // domain: what every protocol shares (applications and access, step-up, browser sessions,
        // attribute mapping, the password check); no HTTP, no SQL
        .target(name: "Identity", dependencies: ["JSON", "Store", "Crypto", "Policies", "Expressions"]),
        .target(name: "Flows", dependencies: ["JSON", "Store", "Crypto", "Policies", "Expressions", "Identity"]),
        // upstream identity sources (Entra ID, Google, Okta, OIDC): no sockets, no HTTP types
        .target(name: "Federation", dependencies: ["JSON", "HTTP", "Store", "Crypto", "Expressions", "Identity", "CLDAP"]),
        // protocols: each mounts its own routes
        .target(name: "OIDC", dependencies: ["JSON", "HTTP", "Crypto", "Store", "Web", "Identity", "Expressions"]),
        // SAML 2.0 identity provider: metadata, SSO (Redirect, POST, IdP-initiated), SLO
        .target(name: "SAML", dependencies: ["JSON", "HTTP", "Crypto", "Store", "Web", "Identity", "Expressions", "XMLSec"]),
        // the user-facing pages: flow page and executor, upstream-source routes, account and authenticators
        .target(name: "Portal", dependencies: ["JSON", "HTTP", "Crypto", "Store", "Web", "Flows", "Federation", "Identity", "CQREncode"]),
        // config as code: YAML blueprints parsed, validated and planned (no store access)
        .target(name: "Blueprints", dependencies: ["Expressions", "Policies", .product(name: "Yams", package: "Yams")]),
        // safe expression language (a CEL subset): pure Swift, no I/O
        .target(name: "Expressions", dependencies: ["JSON"]),
        // protocol: SCIM 2.0 service provider; storage only through Store's ProvisioningStore
        .target(name: "SCIM", dependencies: ["JSON", "Identity", "HTTP", "Web", "Store", "Crypto"]),
        // access policies (expression and built-in kinds, bindings): pure Swift, no I/O
        .target(name: "Policies", dependencies: ["Expressions"]),
        // root
        .target(name: "App", dependencies: [
            "JSON", "HTTP", "Crypto", "Net", "Web", "Store", "Postgres", "Redis", "Flows", "Federation", "Blueprints", "OIDC", "Expressions", "SCIM", "Policies",
            "Identity", "Portal", "SAML", "XMLSec",
            .product(name: "Logging", package: "swift-log"),
        ]),
        .executableTarget(name: "gatehouse", dependencies: [
            "App", "Blueprints", "Crypto", "Postgres", "Redis", "Store",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
        ]),

        // what every test target shares: test environment, failures instead of skips, polling
        .target(name: "GatehouseTesting", path: "Tests/GatehouseTesting"),

        .testTarget(name: "HTTPTests", dependencies: ["HTTP"]),
        .testTarget(name: "JSONTests", dependencies: ["JSON"]),
        .testTarget(name: "LDAPWireTests", dependencies: ["LDAPWire"]),
        .testTarget(name: "CryptoTests", dependencies: ["GatehouseTesting", "Crypto", "JSON"]),
        .testTarget(name: "XMLSecTests", dependencies: ["XMLSec", "Crypto"]),
        .testTarget(name: "NetTests", dependencies: ["GatehouseTesting", "Net", "HTTP"]),
        .testTarget(name: "WebTests", dependencies: ["Web", "HTTP", "Crypto"]),
        .testTarget(name: "RedisTests", dependencies: ["GatehouseTesting", "Redis", .product(name: "Logging", package: "swift-log")]),
        .testTarget(name: "AppTests", dependencies: ["GatehouseTesting", "JSON",
            "App", "HTTP", "Net", "Web", "Postgres", "Store", "Crypto", "Redis", "Flows", "SCIM", "Federation", "OIDC", "Policies",
            "Identity", "Portal", "SAML", "XMLSec", "ProvisioningStoreConformance",
            .product(name: "Logging", package: "swift-log"),
        ]),
        .testTarget(name: "BlueprintsTests", dependencies: ["Blueprints"]),
        .testTarget(name: "SAMLTests", dependencies: ["GatehouseTesting", "SAML", "XMLSec", "Identity", "Expressions", "Store", "Crypto", "Web", "HTTP"]),
        .testTarget(name: "OIDCTests", dependencies: ["GatehouseTesting", "JSON", "OIDC", "Identity", "Expressions", "Store", "Crypto", "Web", "HTTP"]),
        .testTarget(name: "ExpressionsTests", dependencies: ["Expressions", "JSON"]),
        .testTarget(name: "SCIMTests", dependencies: ["SCIM", "JSON", "Store", "Web", "HTTP", "Crypto", "ProvisioningStoreConformance",
                                                     .product(name: "Logging", package: "swift-log")]),
        // what every ProvisioningStore must do, run on the in-memory one (SCIMTests) and PostgreSQL (AppTests)
        .target(name: "ProvisioningStoreConformance", dependencies: ["Store", "JSON"], path: "Tests/ProvisioningStoreConformance"),
        .testTarget(name: "PoliciesTests", dependencies: ["Policies", "Expressions"]),
        .testTarget(name: "FlowsTests", dependencies: ["GatehouseTesting", "Flows", "Identity", "Store", "Crypto", "Policies"]),
        .testTarget(name: "FederationTests", dependencies: ["Federation", "Identity", "Store", "Crypto"]),
        .testTarget(name: "IntegrationTests", dependencies: ["GatehouseTesting", "App", "HTTP", "Net", "Postgres", "Store", "Crypto"]),
    ],
    swiftLanguageModes: [.v6]
)
