import XCTest
@testable import Expressions

/// The context an OIDC scope mapping sees, as the example expects it.
let userContext: [String: ExprValue] = [
    "user": .map([
        "username": .string("somchai"),
        "email": .string("somchai@example.co.th"),
        "groups": .list([.string("finance"), .string("staff")]),
        "is_superuser": .bool(false),
        "attributes": .map([
            "m3_roles": .list([.string("AR_CLERK"), .string("AR_VIEW")]),
            "m3_company": .int(100),
        ]),
    ]),
    "scopes": .list([.string("openid"), .string("erp")]),
]

func eval(_ source: String, _ variables: [String: ExprValue] = userContext,
          functions: ExpressionFunctions = .standard, limits: ExpressionLimits = .default,
          file: StaticString = #filePath, line: UInt = #line) throws -> ExprValue {
    try Expression.parse(source, limits: limits).evaluate(variables, functions: functions, limits: limits)
}

/// Asserts that parsing or evaluating `source` fails with `kind` at `column` (and optionally a message part).
func assertFails(_ source: String, _ kind: ExpressionError.Kind, column: Int? = nil, line: Int = 1, containing text: String? = nil,
                 _ variables: [String: ExprValue] = userContext, limits: ExpressionLimits = .default,
                 file: StaticString = #filePath, testLine: UInt = #line) {
    do {
        let value = try Expression.parse(source, limits: limits).evaluate(variables, limits: limits)
        XCTFail("\(source) gave \(value), expected a \(kind) error", file: file, line: testLine)
    } catch {
        XCTAssertEqual(error.kind, kind, "\(source): \(error)", file: file, line: testLine)
        if let column { XCTAssertEqual(error.column, column, "\(source): \(error)", file: file, line: testLine) }
        XCTAssertEqual(error.line, line, "\(source): \(error)", file: file, line: testLine)
        if let text {
            XCTAssertTrue(error.message.contains(text), "\(source): \(error)", file: file, line: testLine)
        }
    }
}

/// The 1-based column where `needle` first occurs in the one-line `text`.
func column(of needle: String, in text: String) -> Int? {
    let t = Array(text.unicodeScalars), n = Array(needle.unicodeScalars)
    guard t.count >= n.count else { return nil }
    for i in 0...(t.count - n.count) where Array(t[i..<i + n.count]) == n { return i + 1 }
    return nil
}
