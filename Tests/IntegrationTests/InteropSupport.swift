import GatehouseTesting
import Foundation
import XCTest

/// Runs one of the Python interop clients in `Tests/Interop/` with the virtualenv's Python
/// (`GATEHOUSE_TEST_PYTHON`, set by Deploy/test.sh). The script prints one JSON object on
/// stdout and exits non-zero when something it checks is wrong; a failure shows its stderr.
struct InteropScript {
    let python: String
    let directory: String

    static func locate() throws -> InteropScript {
        let python = try TestEnvironment.python()
        // Tests/IntegrationTests/InteropSupport.swift → Tests/Interop
        let here = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        return InteropScript(python: python, directory: here.appendingPathComponent("Interop").path)
    }

    struct Result {
        let status: Int32
        let stdout: String
        let stderr: String
        /// The last line of stdout parsed as a JSON object, if it is one.
        var json: [String: Any]? {
            guard let line = stdout.split(separator: "\n").last,
                  let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else { return nil }
            return object
        }
    }

    /// Runs `<script> <arguments>` and waits at most `timeout` seconds (then kills it).
    func run(_ script: String, _ arguments: [String], environment extra: [String: String] = [:], timeout: Double = 120) throws -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = [directory + "/" + script] + arguments
        var env = ProcessInfo.processInfo.environment
        env["PYTHONUNBUFFERED"] = "1"
        for (key, value) in extra { env[key] = value }
        process.environment = env
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("interop-" + UUID().uuidString)
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        let out = scratch.appendingPathComponent("stdout"), err = scratch.appendingPathComponent("stderr")
        FileManager.default.createFile(atPath: out.path, contents: nil)
        FileManager.default.createFile(atPath: err.path, contents: nil)
        process.standardOutput = try FileHandle(forWritingTo: out)
        process.standardError = try FileHandle(forWritingTo: err)
        try process.run()
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { usleep(50_000) }
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
        }
        let stdout = (try? String(contentsOf: out, encoding: .utf8)) ?? ""
        let stderr = (try? String(contentsOf: err, encoding: .utf8)) ?? ""
        return Result(status: process.terminationStatus, stdout: stdout, stderr: stderr)
    }
}
