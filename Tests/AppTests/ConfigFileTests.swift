import XCTest
@testable import App

final class ConfigFileTests: XCTestCase {
    func testFormat() throws {
        let text = """
            # Gatehouse settings
            GATEHOUSE_LISTEN=127.0.0.1:9100

              GATEHOUSE_BRAND_NAME = "Acme \\"Blue\\" Login"
            GATEHOUSE_BRAND_PRIMARY_COLOR=#aabbcc
            export GATEHOUSE_LOG_LEVEL='warning'
            GATEHOUSE_EXTERNAL_URL="https://id.example.com"
            OTHER_TOOL_SETTING=1
            """
        let values = try ConfigFile.parse(text, path: "gh.env")
        XCTAssertEqual(values["GATEHOUSE_LISTEN"], "127.0.0.1:9100")
        XCTAssertEqual(values["GATEHOUSE_BRAND_NAME"], "Acme \"Blue\" Login")
        XCTAssertEqual(values["GATEHOUSE_BRAND_PRIMARY_COLOR"], "#aabbcc")
        XCTAssertEqual(values["GATEHOUSE_LOG_LEVEL"], "warning")
        XCTAssertEqual(values["GATEHOUSE_EXTERNAL_URL"], "https://id.example.com")
        XCTAssertEqual(values.count, 6)
    }

    func testFileErrorsNameTheLine() {
        let cases = [
            ("GATEHOUSE_LISTEN 127.0.0.1:1", "gh.env line 1: expected KEY=value"),
            ("A=1\nGATEHOUSE_X=\"open", "gh.env line 2: unterminated"),
            ("gatehouse_listen=1", "invalid key"),
            ("GATEHOUSE_LISTEN=1\nGATEHOUSE_LISTEN=2", "line 2: GATEHOUSE_LISTEN is set twice"),
        ]
        for (text, expected) in cases {
            XCTAssertThrowsError(try ConfigFile.parse(text, path: "gh.env")) { error in
                let message = "\(error)"
                XCTAssertTrue(message.hasPrefix("GATEHOUSE_CONFIG_FILE: "), message)
                XCTAssertTrue(message.contains(expected), "\(message) should contain \(expected)")
            }
        }
    }

    func testEnvironmentOverridesFile() throws {
        let file = """
            GATEHOUSE_LISTEN=127.0.0.1:9100
            GATEHOUSE_BRAND_NAME=From File
            GATEHOUSE_LOG_LEVEL=debug
            NOT_OURS=1
            """
        var read: [String] = []
        let config = try GatehouseConfig.load(
            environment: ["GATEHOUSE_CONFIG_FILE": "/etc/gatehouse/gatehouse.env", "GATEHOUSE_BRAND_NAME": "From Env", "GATEHOUSE_LOG_LEVEL": ""],
            readFile: { path throws(ValueProblem) in read.append(path); return file })
        XCTAssertEqual(read, ["/etc/gatehouse/gatehouse.env"])
        XCTAssertEqual(config.listen.map(\.description), ["127.0.0.1:9100"])
        XCTAssertEqual(config.brandName, "From Env")
        XCTAssertEqual(config.logLevel, .debug, "an empty environment value does not override the file")
        XCTAssertEqual(config.externalURL, "http://localhost:9100")
        XCTAssertTrue(config.warnings.contains { $0.contains("NOT_OURS") }, "\(config.warnings)")
    }

    func testExplicitPathWinsOverVariable() throws {
        var read: [String] = []
        _ = try GatehouseConfig.load(environment: ["GATEHOUSE_CONFIG_FILE": "/from/env"], configFile: "/from/flag",
                                     readFile: { path throws(ValueProblem) in read.append(path); return "" })
        XCTAssertEqual(read, ["/from/flag"])
    }

    func testBadValueInFileNamesTheKey() {
        XCTAssertThrowsError(try GatehouseConfig.load(environment: [:], configFile: "x.env",
                                                      readFile: { _ throws(ValueProblem) in "GATEHOUSE_MAX_CONNECTIONS=-1" })) { error in
            XCTAssertTrue("\(error)".hasPrefix("GATEHOUSE_MAX_CONNECTIONS: "), "\(error)")
        }
    }

    func testMissingFile() throws {
        XCTAssertThrowsError(try GatehouseConfig.load(environment: [:], configFile: "/nonexistent/gatehouse.env")) { error in
            XCTAssertEqual("\(error)", "GATEHOUSE_CONFIG_FILE: cannot read \"/nonexistent/gatehouse.env\": no such file or directory")
        }
    }

    func testRealFile() throws {
        let path = NSTemporaryDirectory() + "gatehouse-\(UUID().uuidString).env"
        try "GATEHOUSE_BRAND_NAME='On Disk'\n".write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        XCTAssertEqual(try GatehouseConfig.load(environment: [:], configFile: path).brandName, "On Disk")
    }
}
