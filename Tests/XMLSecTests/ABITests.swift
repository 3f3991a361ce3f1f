import XCTest
import Foundation
@testable import XMLSec

/// The C view of xmlsec must match the library: SwiftPM drops pkg-config's -D flags, so
/// Sources/CXMLSec/shim.h restates them, and these tests fail when the two drift apart.
final class ABITests: XCTestCase {
    func testLibraryStartsAndStructLayoutsMatch() throws {
        try XMLSecLibrary.start()
        XCTAssertNil(ABICheck.firstMismatch())
    }

    func testShimDefinesEveryPkgConfigDefineWithTheSameValue() throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["pkg-config", "--cflags", "xmlsec1"]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let flags = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0)
        var expected: [String: String] = [:]
        for flag in flags.split(separator: " ") where flag.hasPrefix("-D") {
            let definition = flag.dropFirst(2)
            let parts = definition.split(separator: "=", maxSplits: 1)
            // -DNAME means NAME=1 for the C preprocessor.
            expected[String(parts[0])] = parts.count == 2 ? String(parts[1]) : "1"
        }
        XCTAssertFalse(expected.isEmpty, flags)

        let shimURL = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../../Sources/CXMLSec/shim.h").standardized
        let shim = try String(contentsOf: shimURL, encoding: .utf8)
        var defined: [String: String] = [:]
        for line in shim.split(separator: "\n") where line.hasPrefix("#define XMLSEC") || line.hasPrefix("#define __XMLSEC") {
            let parts = line.split(separator: " ")
            defined[String(parts[1])] = parts.count > 2 ? String(parts[2]) : ""
        }
        for (name, value) in expected {
            XCTAssertEqual(defined[name], value, "shim.h must #define \(name) \(value) as pkg-config does")
        }
    }

    func testVersionsAreReported() {
        let versions = XMLSecLibrary.versions()
        XCTAssertTrue(versions.contains { $0.hasPrefix("libxml2 2.") }, "\(versions)")
        XCTAssertTrue(versions.contains { $0.hasPrefix("xmlsec 1.") }, "\(versions)")
        XCTAssertTrue(versions.contains { $0.hasPrefix("zlib 1.") }, "\(versions)")
    }
}
