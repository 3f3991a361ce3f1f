#if canImport(Glibc)
import Glibc
#endif

/// A test that cannot reach what it checks fails with this, never skips: a missing service,
/// a missing tool, an answer that was not what the test needed to go on. The message says what
/// was missing and how the suite provides it.
public struct TestPrecondition: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// What `Deploy/test.sh` gives the suite: the binary, PostgreSQL, Redis, the interop venv.
public enum TestEnvironment {
    public static func value(_ name: String) -> String? {
        guard let pointer = getenv(name) else { return nil }
        let value = String(cString: pointer)
        return value.isEmpty ? nil : value
    }

    /// The variable's value, or a failure naming it.
    public static func required(_ name: String, _ why: String = "Deploy/test.sh sets it") throws -> String {
        guard let value = value(name) else { throw TestPrecondition("\(name) is not set (\(why))") }
        return value
    }

    public static func databaseURL() throws -> String { try required("GATEHOUSE_TEST_DATABASE_URL") }
    public static func redisURL() throws -> String { try required("GATEHOUSE_TEST_REDIS_URL") }
    public static func binary() throws -> String { try required("GATEHOUSE_TEST_BINARY") }
    public static func python() throws -> String { try required("GATEHOUSE_TEST_PYTHON", "Deploy/test.sh makes the interop virtualenv") }

    /// An executable on PATH or in the usual places; a failure naming the package otherwise.
    public static func executable(_ name: String, package: String) throws -> String {
        let path = value("PATH") ?? "/usr/bin:/bin"
        for directory in path.split(separator: ":").map(String.init) + ["/usr/bin", "/usr/local/bin", "/usr/sbin"] {
            let candidate = directory + "/" + name
            if access(candidate, X_OK) == 0 { return candidate }
        }
        throw TestPrecondition("\(name) is not installed (Debian package \(package); Deploy/test.sh installs it)")
    }
}

/// A platform that cannot run a test at all (no IPv6 loopback, say): the one honest reason to
/// skip. `Deploy/test.sh` lets skips through only when their message starts with this marker.
public let platformSkipMarker = "[platform]"

/// Polls `condition` until it holds or `timeout` seconds pass; true when it held. Tests wait
/// for a condition this way, never with a fixed sleep.
public func eventually(timeout: Double = 10, every interval: Double = 0.02, _ condition: () throws -> Bool) rethrows -> Bool {
    var now = timespec()
    clock_gettime(CLOCK_MONOTONIC, &now)
    let deadline = Double(now.tv_sec) + Double(now.tv_nsec) / 1e9 + timeout
    while true {
        if try condition() { return true }
        clock_gettime(CLOCK_MONOTONIC, &now)
        if Double(now.tv_sec) + Double(now.tv_nsec) / 1e9 >= deadline { return false }
        usleep(useconds_t(interval * 1_000_000))
    }
}
