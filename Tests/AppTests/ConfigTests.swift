import Net
import Web
import XCTest
@testable import App

final class ConfigTests: XCTestCase {
    static let hexKey = String(repeating: "ab", count: 32)

    /// Every key set to a valid value.
    func fullEnvironment(_ directory: String) -> [String: String] {
        [
            "GATEHOUSE_LISTEN": "0.0.0.0:8080, [::]:8080",
            "GATEHOUSE_EXTERNAL_URL": "https://id.example.com/",
            "GATEHOUSE_DATABASE_URL": "postgresql://gh:dbsecret@db.internal:5432/gatehouse?sslmode=require",
            "GATEHOUSE_REDIS_URL": "redis://:redissecret@cache.internal:6380/3",
            "GATEHOUSE_SECRET_KEY": Self.hexKey,
            "GATEHOUSE_BLUEPRINTS_DIR": directory,
            "GATEHOUSE_LDAP_LISTEN": "127.0.0.1:3389",
            "GATEHOUSE_TRUSTED_PROXIES": "127.0.0.1, 10.0.0.0/8, ::1, fd00::/8",
            "GATEHOUSE_TLS_CERT": directory + "/cert.pem",
            "GATEHOUSE_TLS_KEY": directory + "/key.pem",
            "GATEHOUSE_LOG_LEVEL": "debug",
            "GATEHOUSE_LOG_FORMAT": "text",
            "GATEHOUSE_MAX_CONNECTIONS": "500",
            "GATEHOUSE_BRAND_NAME": "Acme Login",
            "GATEHOUSE_BRAND_LOGO_URL": "https://cdn.example.com/logo.svg",
            "GATEHOUSE_BRAND_PRIMARY_COLOR": "#1F6FEB",
            "GATEHOUSE_AUTHENTICATION_FLOW": "default-authentication-mfa-flow",
        ]
    }

    var temporaryDirectory: String!

    override func setUpWithError() throws {
        temporaryDirectory = NSTemporaryDirectory() + "gatehouse-config-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: temporaryDirectory, withIntermediateDirectories: true)
        FileManager.default.createFile(atPath: temporaryDirectory + "/cert.pem", contents: Data("cert".utf8))
        FileManager.default.createFile(atPath: temporaryDirectory + "/key.pem", contents: Data("key".utf8))
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: temporaryDirectory)
    }

    func load(_ environment: [String: String]) throws -> GatehouseConfig {
        try GatehouseConfig.load(environment: environment, readFile: { path throws(ValueProblem) in
            throw ValueProblem("unexpected read of \(path)")
        })
    }

    /// The one-line error for `environment`, or a failure if it loads.
    func error(_ environment: [String: String], file: StaticString = #filePath, line: UInt = #line) -> String {
        do {
            _ = try load(environment)
            XCTFail("expected a configuration error", file: file, line: line)
            return ""
        } catch {
            let text = "\(error)"
            XCTAssertFalse(text.contains("\n"), "error must be one line: \(text)", file: file, line: line)
            return text
        }
    }

    func testDefaults() throws {
        let config = try load([:])
        XCTAssertEqual(config.listen, [ListenAddress(host: "0.0.0.0", port: 9000)])
        XCTAssertEqual(config.externalURL, "http://localhost:9000")
        XCTAssertNil(config.databaseURL)
        XCTAssertNil(config.redisURL)
        XCTAssertNil(config.secretKey)
        XCTAssertEqual(config.logLevel, .info)
        XCTAssertEqual(config.logFormat, .json)
        XCTAssertEqual(config.maxConnections, 10000)
        XCTAssertEqual(config.brandName, "Gatehouse")
        XCTAssertEqual(config.authenticationFlow, "default-authentication-flow")
        XCTAssertTrue(config.trustedProxies.isEmpty)
        XCTAssertTrue(config.ldapListen.isEmpty)
        XCTAssertNil(config.tls)
        XCTAssertTrue(config.warnings.isEmpty)
        XCTAssertThrowsError(try config.validateForServe()) { error in
            XCTAssertEqual((error as? ConfigError)?.key, "GATEHOUSE_DATABASE_URL")
        }
    }

    func testExternalURLDefaultFollowsFirstListenPort() throws {
        XCTAssertEqual(try load(["GATEHOUSE_LISTEN": "127.0.0.1:8443,[::1]:9443"]).externalURL, "http://localhost:8443")
    }

    func testEveryKeyValid() throws {
        let config = try load(fullEnvironment(temporaryDirectory))
        XCTAssertEqual(config.listen.map(\.description), ["0.0.0.0:8080", "[::]:8080"])
        XCTAssertEqual(config.externalURL, "https://id.example.com")
        XCTAssertEqual(config.databaseURL?.unredactedURL, "postgresql://gh:dbsecret@db.internal:5432/gatehouse?sslmode=require")
        XCTAssertEqual(config.redisURL, RedisURL(host: "cache.internal", port: 6380, password: "redissecret", database: 3))
        XCTAssertEqual(config.secretKey?.bytes, [UInt8](repeating: 0xAB, count: 32))
        XCTAssertEqual(config.blueprintsDirectory, temporaryDirectory)
        XCTAssertEqual(config.ldapListen, [ListenAddress(host: "127.0.0.1", port: 3389)])
        XCTAssertEqual(config.trustedProxies.map(\.description), ["127.0.0.1/32", "10.0.0.0/8", "::1/128", "fd00::/8"])
        XCTAssertEqual(config.tls, .init(certificatePath: temporaryDirectory + "/cert.pem", privateKeyPath: temporaryDirectory + "/key.pem"))
        XCTAssertEqual(config.logLevel, .debug)
        XCTAssertEqual(config.logFormat, .text)
        XCTAssertEqual(config.maxConnections, 500)
        XCTAssertEqual(config.brandName, "Acme Login")
        XCTAssertEqual(config.authenticationFlow, "default-authentication-mfa-flow")
        XCTAssertEqual(config.brandLogoURL, "https://cdn.example.com/logo.svg")
        XCTAssertEqual(config.brandPrimaryColor, "#1f6feb")
        XCTAssertTrue(config.warnings.isEmpty, "\(config.warnings)")
        XCTAssertEqual(config.explicitKeys.count, 17)
        XCTAssertNoThrow(try config.validateForServe())
    }

    func testMalformedValuesNameTheKey() throws {
        let base = fullEnvironment(temporaryDirectory)
        let cases: [(String, String, String)] = [
            ("GATEHOUSE_LISTEN", "9000", "expected host:port"),
            ("GATEHOUSE_LISTEN", "0.0.0.0:70000", "port must be 1-65535"),
            ("GATEHOUSE_LISTEN", "0.0.0.0:0", "port must be 1-65535"),
            ("GATEHOUSE_LISTEN", ":::9000", "brackets"),
            ("GATEHOUSE_LISTEN", "0.0.0.0:9000,", "empty address"),
            ("GATEHOUSE_EXTERNAL_URL", "ftp://id.example.com", "https://"),
            ("GATEHOUSE_EXTERNAL_URL", "https://id.example.com/?x=1", "query"),
            ("GATEHOUSE_EXTERNAL_URL", "id.example.com", "absolute"),
            ("GATEHOUSE_DATABASE_URL", "mysql://root:hunter2@db/x", "must start with postgresql:// (got \"mysql://…\")"),
            ("GATEHOUSE_REDIS_URL", "http://cache:6379", "must start with redis://"),
            ("GATEHOUSE_REDIS_URL", "redis://cache:99999", "port must be 1-65535"),
            ("GATEHOUSE_REDIS_URL", "redis://cache/x", "database must be a number"),
            ("GATEHOUSE_SECRET_KEY", "abcd", "32 bytes"),
            ("GATEHOUSE_SECRET_KEY", "not base64 at all!!", "32 bytes"),
            ("GATEHOUSE_BLUEPRINTS_DIR", "/nonexistent/blueprints", "does not exist"),
            ("GATEHOUSE_LDAP_LISTEN", "ldap.example.com", "expected host:port"),
            ("GATEHOUSE_TRUSTED_PROXIES", "10.0.0.0/33", "invalid IP address or CIDR"),
            ("GATEHOUSE_TRUSTED_PROXIES", "10.0.0.1, example.com", "invalid IP address or CIDR \"example.com\""),
            ("GATEHOUSE_TRUSTED_PROXIES", "fd00::/129", "invalid IP address or CIDR"),
            ("GATEHOUSE_TLS_CERT", "/nonexistent/cert.pem", "does not exist"),
            ("GATEHOUSE_LOG_LEVEL", "verbose", "must be one of trace"),
            ("GATEHOUSE_LOG_FORMAT", "xml", "must be json or text"),
            ("GATEHOUSE_MAX_CONNECTIONS", "0", "whole number"),
            ("GATEHOUSE_MAX_CONNECTIONS", "lots", "whole number"),
            ("GATEHOUSE_BRAND_NAME", String(repeating: "x", count: 101), "at most 100"),
            ("GATEHOUSE_BRAND_LOGO_URL", "javascript:alert(1)", "http(s) URL"),
            ("GATEHOUSE_BRAND_PRIMARY_COLOR", "blue", "#1f6feb"),
            ("GATEHOUSE_AUTHENTICATION_FLOW", "default-invalidation-flow", "must be one of default-authentication-flow"),
            ("GATEHOUSE_BRAND_PRIMARY_COLOR", "#12345", "#1f6feb"),
            ("GATEHOUSE_BRAND_PRIMARY_COLOR", "#１２３４５６", "#1f6feb"),
        ]
        for (key, value, expected) in cases {
            var environment = base
            environment[key] = value
            let message = error(environment)
            XCTAssertTrue(message.hasPrefix(key + ": "), "\(key)=\(value) gave \(message)")
            XCTAssertTrue(message.contains(expected), "\(key)=\(value) gave \(message), expected to contain \(expected)")
        }
    }

    func testTLSNeedsBothFiles() {
        var environment = fullEnvironment(temporaryDirectory)
        environment["GATEHOUSE_TLS_KEY"] = nil
        XCTAssertTrue(error(environment).hasPrefix("GATEHOUSE_TLS_KEY: must be set when GATEHOUSE_TLS_CERT is set"))
        environment = fullEnvironment(temporaryDirectory)
        environment["GATEHOUSE_TLS_CERT"] = nil
        XCTAssertTrue(error(environment).hasPrefix("GATEHOUSE_TLS_CERT: must be set when GATEHOUSE_TLS_KEY is set"))
        environment = fullEnvironment(temporaryDirectory)
        environment["GATEHOUSE_TLS_KEY"] = temporaryDirectory
        XCTAssertTrue(error(environment).contains("is a directory"))
    }

    func testErrorsNeverEchoSecrets() {
        let secrets = ["hunter2", "s3cr3t-redis", "0123456789abcdef0123"]
        let cases = [
            ["GATEHOUSE_DATABASE_URL": "mysql://root:hunter2@db/x"],
            ["GATEHOUSE_DATABASE_URL": "root:hunter2@db/x"],
            ["GATEHOUSE_REDIS_URL": "rediss://:s3cr3t-redis@cache"],
            ["GATEHOUSE_REDIS_URL": "http://:s3cr3t-redis@cache"],
            ["GATEHOUSE_SECRET_KEY": "0123456789abcdef0123"],
            ["GATEHOUSE_REDIS_URL": "redis://:s3cr3t-redis/x@cache:bad"],
            ["GATEHOUSE_REDIS_URL": "redis://:s3cr3t-redis:1@"],
            ["GATEHOUSE_SECRET_KEY": String(repeating: "０", count: 64)],
        ]
        for environment in cases {
            let message = error(environment)
            for secret in secrets { XCTAssertFalse(message.contains(secret), message) }
        }
    }

    func testSecretKeyForms() throws {
        let bytes = (0..<32).map { UInt8($0 * 7 % 256) }
        let base64 = Data(bytes).base64EncodedString()
        let base64URL = base64.replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
        for form in [base64, base64URL, bytes.map { String(format: "%02x", $0) }.joined(), bytes.map { String(format: "%02X", $0) }.joined()] {
            XCTAssertEqual(try load(["GATEHOUSE_SECRET_KEY": form]).secretKey?.bytes, bytes, form)
        }
        XCTAssertTrue(error(["GATEHOUSE_SECRET_KEY": Data(bytes.prefix(16)).base64EncodedString()]).contains("got 16"))
    }

    func testDescriptionMasksSecrets() throws {
        let config = try load(fullEnvironment(temporaryDirectory))
        let text = config.description
        XCTAssertFalse(text.contains("dbsecret"), text)
        XCTAssertFalse(text.contains("redissecret"), text)
        XCTAssertFalse(text.contains(Self.hexKey), text)
        XCTAssertFalse("\(config)".contains("dbsecret"))
        XCTAssertFalse(String(reflecting: config.secretKey!).contains("abab"))
        XCTAssertTrue(text.contains("GATEHOUSE_DATABASE_URL=postgresql://gh:****@db.internal:5432/gatehouse?sslmode=require"), text)
        XCTAssertTrue(text.contains("GATEHOUSE_REDIS_URL=redis://:****@cache.internal:6380/3"), text)
        XCTAssertTrue(text.contains("GATEHOUSE_SECRET_KEY=****"), text)
        XCTAssertEqual(config.redacted().count, 18)
    }

    func testDatabaseURLMasking() throws {
        let cases = [
            ("postgresql://u:p%40ss@h/db", "postgresql://u:****@h/db"),
            ("postgres://u@h:5432/db", "postgres://u@h:5432/db"),
            ("postgresql://h/db?user=u&password=secret&sslmode=verify-full", "postgresql://h/db?user=u&password=****&sslmode=verify-full"),
            ("postgresql:///db?host=/var/run/postgresql", "postgresql:///db?host=/var/run/postgresql"),
            ("postgresql://u:a@b@h/db", "postgresql://u:****@h/db"),
            ("postgresql://u:pa/ss@h/db", "postgresql://u:****@h/db"),
        ]
        for (input, masked) in cases {
            XCTAssertEqual(try DatabaseURL(validating: input).description, masked)
        }
    }

    func testUnknownKeysWarn() throws {
        let config = try load(["GATEHOUSE_LISTN": "0.0.0.0:1", "GATEHOUSE_TOTALLY_NEW": "x", "GATEHOUSE_TEST_DATABASE_URL": "y", "HOME": "/root"])
        XCTAssertEqual(config.warnings.count, 2, "\(config.warnings)")
        XCTAssertTrue(config.warnings.contains { $0.contains("GATEHOUSE_LISTN") && $0.contains("did you mean GATEHOUSE_LISTEN?") })
        XCTAssertTrue(config.warnings.contains { $0.contains("GATEHOUSE_TOTALLY_NEW") })
    }

    func testEmptyValuesCountAsUnset() throws {
        let config = try load(["GATEHOUSE_DATABASE_URL": "", "GATEHOUSE_LOG_LEVEL": "  "])
        XCTAssertNil(config.databaseURL)
        XCTAssertEqual(config.logLevel, .info)
    }
}
