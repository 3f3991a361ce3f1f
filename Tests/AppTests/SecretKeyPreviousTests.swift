import XCTest
@testable import App
import Crypto

/// GATEHOUSE_SECRET_KEY_PREVIOUS and the sealer built from the configuration (no database).
final class SecretKeyPreviousTests: XCTestCase {
    static let current = String(repeating: "ab", count: 32)
    static let older = String(repeating: "cd", count: 32)
    static let oldest = String(repeating: "ef", count: 32)

    func load(_ environment: [String: String]) throws -> GatehouseConfig {
        try GatehouseConfig.load(environment: environment, readFile: { path throws(ValueProblem) in
            throw ValueProblem("unexpected read of \(path)")
        })
    }

    func problem(_ environment: [String: String], file: StaticString = #filePath, line: UInt = #line) -> String {
        do {
            _ = try load(environment)
            XCTFail("expected a configuration error", file: file, line: line)
            return ""
        } catch {
            let text = "\(error)"
            XCTAssertFalse(text.contains("\n"), "one line: \(text)", file: file, line: line)
            return text
        }
    }

    func testParsesAListAndMasksIt() throws {
        let base64 = Data([UInt8](repeating: 0xEF, count: 32)).base64EncodedString()
        let config = try load(["GATEHOUSE_SECRET_KEY": Self.current,
                               "GATEHOUSE_SECRET_KEY_PREVIOUS": " \(Self.older) , \(base64)"])
        XCTAssertEqual(config.secretKeyPrevious.map(\.bytes),
                       [[UInt8](repeating: 0xCD, count: 32), [UInt8](repeating: 0xEF, count: 32)])
        XCTAssertTrue(config.description.contains("GATEHOUSE_SECRET_KEY_PREVIOUS=**** (2 keys)"), config.description)
        XCTAssertFalse(config.description.contains("cdcd") || config.description.contains(base64))
        XCTAssertEqual(try load([:]).secretKeyPrevious, [])
        XCTAssertTrue(try load([:]).description.contains("GATEHOUSE_SECRET_KEY_PREVIOUS=(none)"))
        XCTAssertTrue(config.warnings.isEmpty, "\(config.warnings)")
    }

    func testProblemsAreOneLineWithoutValues() {
        let bad = problem(["GATEHOUSE_SECRET_KEY": Self.current, "GATEHOUSE_SECRET_KEY_PREVIOUS": "\(Self.older),abcd"])
        XCTAssertTrue(bad.hasPrefix("GATEHOUSE_SECRET_KEY_PREVIOUS: entry 2 of 2 must be"), bad)
        XCTAssertFalse(bad.contains("cdcd") || bad.contains("abcd"), bad)
        XCTAssertEqual(problem(["GATEHOUSE_SECRET_KEY": Self.current, "GATEHOUSE_SECRET_KEY_PREVIOUS": "\(Self.older),"]),
                       "GATEHOUSE_SECRET_KEY_PREVIOUS: entry 2 of 2 is empty")
        XCTAssertEqual(problem(["GATEHOUSE_SECRET_KEY": Self.current,
                                "GATEHOUSE_SECRET_KEY_PREVIOUS": "\(Self.older),\(Self.older)"]),
                       "GATEHOUSE_SECRET_KEY_PREVIOUS: entry 2 repeats entry 1 (values not shown)")
        XCTAssertTrue(problem(["GATEHOUSE_SECRET_KEY_PREVIOUS": Self.older]).contains("GATEHOUSE_SECRET_KEY is not"))
        XCTAssertTrue(problem(["GATEHOUSE_SECRET_KEY": Self.current,
                               "GATEHOUSE_SECRET_KEY_PREVIOUS": "\(Self.older),\(Self.current)"])
            .hasPrefix("GATEHOUSE_SECRET_KEY_PREVIOUS: entry 2 is the same key as GATEHOUSE_SECRET_KEY"))
    }

    func testSealerFromConfigOpensWithPreviousKeys() throws {
        let old = try load(["GATEHOUSE_SECRET_KEY": Self.older]).secretSealer()
        let sealed = SealedColumns.seal("s3cret", with: old, at: SealedColumns.providerSecrets,
                                        rowID: "0B0E5F3C-0000-4000-8000-000000000001", field: "client_secret")
        let rotated = try load(["GATEHOUSE_SECRET_KEY": Self.current,
                                "GATEHOUSE_SECRET_KEY_PREVIOUS": "\(Self.oldest),\(Self.older)"]).secretSealer()
        XCTAssertEqual(rotated.previousKeyIDs.count, 2)
        XCTAssertTrue(rotated.needsResealing(sealed))
        XCTAssertEqual(try rotated.openString(sealed, context: "providers/0b0e5f3c-0000-4000-8000-000000000001/client_secret"),
                       "s3cret")
        XCTAssertThrowsError(try SealedColumns.open(sealed, with: rotated, at: SealedColumns.sourceSecrets,
                                                    rowID: "0b0e5f3c-0000-4000-8000-000000000001", field: "client_secret"))
        XCTAssertEqual(SealedColumns.signingKeyPrivateKey.context(rowID: "ID", field: "ignored"), "signing_keys/id/private_key_sealed")
        XCTAssertThrowsError(try load([:]).secretSealer()) { error in
            XCTAssertTrue("\(error)".hasPrefix("GATEHOUSE_SECRET_KEY: is required"), "\(error)")
        }
    }
}
