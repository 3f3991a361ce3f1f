import JSON
import XCTest

/// Reads `text` and fails the test (returning nil) when it is refused.
func read(_ text: String, limits: JSONLimits = .default, file: StaticString = #filePath, line: UInt = #line) -> JSONValue? {
    do {
        return try JSONValue(parsing: text, limits: limits)
    } catch {
        XCTFail("refused \(text.debugDescription.prefix(80)): \(error)", file: file, line: line)
        return nil
    }
}

/// The error reading `bytes` gives; fails the test when they are accepted.
func refusal(_ bytes: [UInt8], limits: JSONLimits = .default, file: StaticString = #filePath, line: UInt = #line) -> JSONError? {
    do {
        let value = try JSONValue(parsing: bytes, limits: limits)
        XCTFail("accepted \(String(decoding: bytes.prefix(80), as: UTF8.self).debugDescription) as \(value)", file: file, line: line)
        return nil
    } catch {
        return error
    }
}

func refusal(_ text: String, limits: JSONLimits = .default, file: StaticString = #filePath, line: UInt = #line) -> JSONError? {
    refusal(Array(text.utf8), limits: limits, file: file, line: line)
}
