import JSON
import Store

/// A broken promise of a store; the suite throws it, and the test that ran the suite fails
/// with where and why. (The suite is a library of its own, shared by two test targets, so it
/// cannot use XCTest's assertions, which a plain target may not link.)
public struct ConformanceFailure: Error, CustomStringConvertible {
    public let description: String

    init(_ message: String, file: StaticString, line: UInt) {
        description = "\(file):\(line): \(message)"
    }
}

func expect(_ condition: Bool, _ message: @autoclosure () -> String = "", file: StaticString = #filePath,
            line: UInt = #line) throws(ConformanceFailure) {
    if !condition { throw ConformanceFailure("expectation failed: \(message())", file: file, line: line) }
}

func expectEqual<T: Equatable>(_ actual: T, _ expected: T, _ message: @autoclosure () -> String = "",
                               file: StaticString = #filePath, line: UInt = #line) throws(ConformanceFailure) {
    if actual != expected {
        throw ConformanceFailure("\(actual) is not \(expected) \(message())", file: file, line: line)
    }
}

func unwrap<T>(_ value: T?, _ message: @autoclosure () -> String = "", file: StaticString = #filePath,
               line: UInt = #line) throws(ConformanceFailure) -> T {
    guard let value else { throw ConformanceFailure("unexpected nil \(message())", file: file, line: line) }
    return value
}

/// Two JSON texts with the same meaning (stores may respell a document).
func expectSameJSON(_ actual: JSONText, _ expected: String, _ message: @autoclosure () -> String = "",
                    file: StaticString = #filePath, line: UInt = #line) throws(ConformanceFailure) {
    let a = try? JSON.JSONValue(parsing: actual.text), b = try? JSON.JSONValue(parsing: expected)
    if a == nil || a != b {
        throw ConformanceFailure("\(actual.text) does not mean \(expected) \(message())", file: file, line: line)
    }
}

/// `body` fails with a store error of `expected`'s kind (the text it carries may differ between stores).
func expectStoreError<T>(_ expected: StoreError, _ message: @autoclosure () -> String = "", file: StaticString = #filePath,
                         line: UInt = #line, _ body: () throws(StoreError) -> T) throws(ConformanceFailure) {
    switch Result(catching: body) {
    case .success:
        throw ConformanceFailure("no \(expected) \(message())", file: file, line: line)
    case .failure(let error):
        try expect(sameKind(error, expected), "\(error) is not \(expected) \(message())", file: file, line: line)
    }
}

func sameKind(_ a: StoreError, _ b: StoreError) -> Bool {
    switch (a, b) {
    case (.conflict, .conflict), (.notFound, .notFound), (.invalid, .invalid), (.unavailable, .unavailable): true
    default: false
    }
}
