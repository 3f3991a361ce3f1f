import Foundation
import Logging
import XCTest
@testable import App
import Postgres

/// The running server re-applies its blueprint directory when a file changes (live PostgreSQL).
final class BlueprintWatcherTests: XCTestCase {
    func testChangedFileIsAppliedAndABadOneIsRejectedWhole() throws {
        let scratch = try ScratchDatabase()
        defer { scratch.drop() }
        let pool = PGPool(url: scratch.url)
        defer { pool.close() }
        try pool.withConnection { try Migrator().migrate(on: $0) }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("bpwatch-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let file = directory + "/groups.yaml"
        try "version: 1\nmetadata: {name: g}\nentries:\n  - model: group\n    identifiers: {name: finance}\n"
            .write(toFile: file, atomically: true, encoding: .utf8)

        let watcher = BlueprintWatcher(directory: directory, databaseURL: try DatabaseURL(validating: scratch.url),
                                       environment: [:], logger: Logger(label: "test"), interval: 0.2)
        defer { watcher.stop() }
        func groups() throws -> [String] {
            try pool.withConnection { try $0.query("SELECT name FROM groups ORDER BY name").rows.map { $0[0] ?? "" } }
        }
        func waitFor(_ expected: [String]) throws {
            let deadline = Date().addingTimeInterval(10)
            while try groups() != expected && Date() < deadline { usleep(100_000) }
            XCTAssertEqual(try groups(), expected)
        }
        // Started on an existing file: nothing happens until something changes.
        usleep(500_000)
        XCTAssertEqual(try groups(), [])

        try "version: 1\nmetadata: {name: g}\nentries:\n  - model: group\n    identifiers: {name: finance}\n  - model: group\n    identifiers: {name: it}\n"
            .write(toFile: file, atomically: true, encoding: .utf8)
        try waitFor(["finance", "it"])

        // A bad change (dangling parent) is rejected whole: the new group is not created either.
        try "version: 1\nmetadata: {name: g}\nentries:\n  - model: group\n    identifiers: {name: warehouse}\n  - model: group\n    identifiers: {name: it}\n    attrs: {parent: nowhere}\n"
            .write(toFile: file, atomically: true, encoding: .utf8)
        usleep(1_000_000)
        XCTAssertEqual(try groups(), ["finance", "it"])
    }
}
