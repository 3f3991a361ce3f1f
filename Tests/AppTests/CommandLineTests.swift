import XCTest

/// Runs the built `gatehouse` binary (GATEHOUSE_TEST_BINARY, set by Deploy/test.sh).
final class CommandLineTests: XCTestCase {
    struct Outcome {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    func binary() throws -> String {
        guard let path = ProcessInfo.processInfo.environment["GATEHOUSE_TEST_BINARY"], !path.isEmpty else {
            throw XCTSkip("GATEHOUSE_TEST_BINARY is not set (Deploy/test.sh sets it)")
        }
        return path
    }

    func run(_ arguments: [String], environment: [String: String]) throws -> Outcome {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try binary())
        process.arguments = arguments
        process.environment = environment.merging(["PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"]) { a, _ in a }
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Outcome(status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
                       stderr: String(decoding: stderr, as: UTF8.self))
    }

    func testConfigCheckReportsOneLine() throws {
        let outcome = try run(["config", "check"], environment: ["GATEHOUSE_DATABASE_URL": "mysql://root:hunter2@db/x"])
        XCTAssertEqual(outcome.status, 1)
        XCTAssertEqual(outcome.stderr, "GATEHOUSE_DATABASE_URL: must start with postgresql:// (got \"mysql://…\")\n")
        XCTAssertEqual(outcome.stdout, "")
    }

    func testConfigCheckPrintsMaskedConfig() throws {
        let outcome = try run(["config", "check"], environment: [
            "GATEHOUSE_DATABASE_URL": "postgresql://gh:hunter2@db/gatehouse",
            "GATEHOUSE_REDIS_URL": "redis://:redispw@cache:6379/0",
            "GATEHOUSE_SECRET_KEY": String(repeating: "7", count: 64),
            "GATEHOUSE_LISTN": "typo",
        ])
        XCTAssertEqual(outcome.status, 0, outcome.stderr)
        XCTAssertTrue(outcome.stdout.contains("GATEHOUSE_DATABASE_URL=postgresql://gh:****@db/gatehouse"), outcome.stdout)
        XCTAssertFalse(outcome.stdout.contains("hunter2") || outcome.stdout.contains("redispw") || outcome.stdout.contains("7777"))
        XCTAssertTrue(outcome.stderr.contains("did you mean GATEHOUSE_LISTEN?"), outcome.stderr)
    }

    func testMigrateAgainstLiveDatabase() throws {
        let scratch = try ScratchDatabase()
        defer { scratch.drop() }
        let environment = ["GATEHOUSE_DATABASE_URL": scratch.url]
        let status = try run(["migrate", "--status"], environment: environment)
        XCTAssertEqual(status.status, 0, status.stderr)
        XCTAssertTrue(status.stdout.contains("pending  1  meta"), status.stdout)
        let first = try run(["migrate"], environment: environment)
        XCTAssertEqual(first.status, 0, first.stderr)
        XCTAssertTrue(first.stdout.contains("applying 1  meta"), first.stdout)
        let second = try run(["migrate"], environment: environment)
        XCTAssertTrue(second.stdout.contains("up to date"), second.stdout)
    }

    func testVersion() throws {
        let outcome = try run(["version"], environment: [:])
        XCTAssertEqual(outcome.status, 0)
        XCTAssertTrue(outcome.stdout.hasPrefix("gatehouse "), outcome.stdout)
        XCTAssertTrue(outcome.stdout.contains("libpq"), outcome.stdout)
    }

    /// `dev services` starts, writes the env file, stops cleanly on SIGTERM, and reuses its data.
    func testDevServicesStartStopRestart() throws {
        _ = try binary()
        guard ProcessInfo.processInfo.environment["GATEHOUSE_TEST_DATABASE_URL"] != nil else {
            throw XCTSkip("needs the PostgreSQL and Redis packages that Deploy/test.sh installs")
        }
        let data = NSTemporaryDirectory() + "gatehouse-dev-\(UUID().uuidString.prefix(8))"
        defer { try? FileManager.default.removeItem(atPath: data) }
        var firstURL = ""
        for round in 0..<2 {
            let envFile = data + ".env"
            try? FileManager.default.removeItem(atPath: envFile)
            let process = Process()
            process.executableURL = URL(fileURLWithPath: try binary())
            process.arguments = ["dev", "services", "--data-dir", data, "--env-file", envFile]
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            let deadline = Date().addingTimeInterval(60)
            while !FileManager.default.fileExists(atPath: envFile) && process.isRunning && Date() < deadline {
                Thread.sleep(forTimeInterval: 0.1)
            }
            let text = try String(contentsOfFile: envFile, encoding: .utf8)
            defer { try? FileManager.default.removeItem(atPath: envFile) }
            let lines = text.split(separator: "\n").map(String.init)
            XCTAssertEqual(lines.map { $0.split(separator: "=")[0] }, ["GATEHOUSE_DATABASE_URL", "GATEHOUSE_REDIS_URL", "GATEHOUSE_SECRET_KEY"])
            let attributes = try FileManager.default.attributesOfItem(atPath: data + "/secret_key")
            XCTAssertEqual((attributes[.posixPermissions] as? NSNumber)?.intValue, 0o600)
            if round == 0 { firstURL = lines[0] } else { XCTAssertEqual(lines[0], firstURL, "the port is remembered") }
            process.terminate()
            process.waitUntilExit()
            XCTAssertEqual(process.terminationStatus, 0)
            XCTAssertFalse(FileManager.default.fileExists(atPath: data + "/postgres/data/postmaster.pid"), "PostgreSQL stopped")
        }
    }
}
