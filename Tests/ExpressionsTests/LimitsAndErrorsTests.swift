import XCTest
@testable import Expressions

final class LimitsAndErrorsTests: XCTestCase {
    func testParseErrorsHaveColumns() {
        assertFails(#"{"a": user.name +}"#, .parse, column: 18, containing: "expected an expression, found '}'")
        assertFails("1 +", .parse, column: 4, containing: "end of the expression")
        assertFails("(1 + 2", .parse, column: 7, containing: "expected ')'")
        assertFails("[1, 2", .parse, column: 6, containing: "expected ','")
        assertFails("{'a' 1}", .parse, column: 6, containing: "expected ':'")
        assertFails("true ? 1", .parse, column: 9, containing: "expected ':'")
        assertFails("1 2", .parse, column: 3, containing: "expected an operator")
        assertFails("a = 1", .parse, column: 3, containing: "'=='")
        assertFails("'abc", .parse, column: 1, containing: "unterminated")
        assertFails(#""\q""#, .parse, column: 2, containing: "unknown escape")
        assertFails("1u", .parse, column: 1, containing: "unsigned")
        assertFails("9223372036854775808", .parse, column: 1, containing: "out of range")
        assertFails("var + 1", .parse, column: 1, containing: "reserved")
        assertFails("1 # 2", .parse, column: 3, containing: "unexpected character")
        assertFails("user.\n  groups.\n  + 1", .parse, column: 3, line: 3, containing: "field or method name")
    }

    func testTypeAndEvaluationErrorsHavePositions() {
        assertFails("1 + 'a'", .type, column: 3, containing: "int and string")
        assertFails("1 + 2.0", .type, column: 3)
        assertFails("'x' in 5", .type, column: 5)
        assertFails("[1] < [2]", .type, column: 5)
        assertFails("!1", .type, column: 1)
        assertFails("-'a'", .type, column: 1)
        assertFails("1.5 % 1.0", .type, column: 5)
        assertFails("10 / (2 - 2)", .evaluation, column: 4, containing: "division by zero")
        assertFails("10 % 0", .evaluation, column: 4, containing: "modulus by zero")
        assertFails("9223372036854775807 + 1", .evaluation, column: 21, containing: "overflow")
        assertFails("-9223372036854775807 - 2", .evaluation, column: 22, containing: "overflow")
        assertFails("4611686018427387904 * 2", .evaluation, column: 21, containing: "overflow")
        assertFails("-9223372036854775808 / -1", .evaluation, column: 22, containing: "overflow")
        assertFails("-(-9223372036854775808)", .evaluation, column: 1, containing: "overflow")
        assertFails("{1: 2}", .type, column: 2, containing: "keys must be strings")
        assertFails("{'a': 1, 'a': 2}", .evaluation, column: 10, containing: "twice")
        assertFails("{'a': 1}[0]", .type, column: 9)
    }

    func testErrorDescription() {
        XCTAssertEqual(ExpressionError(.parse, "expected x", line: 1, column: 17).description, "column 17: expected x")
        XCTAssertEqual(ExpressionError(.parse, "expected x", line: 2, column: 3).description, "line 2, column 3: expected x")
    }

    func testDeepNestingIsRejectedWithoutCrashing() {
        let unlimited = ExpressionLimits(maxSourceLength: 1_000_000)
        let deep = String(repeating: "(", count: 10_000) + "1" + String(repeating: ")", count: 10_000)
        assertFails(deep, .limit, column: 1, containing: "longer than")
        assertFails(deep, .limit, column: 65, containing: "nested deeper than 64 levels", limits: unlimited)
        assertFails(String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000), .limit, column: 65, limits: unlimited)
        assertFails(String(repeating: "!", count: 10_000) + "true", .limit, column: 66, limits: unlimited)
        assertFails(String(repeating: "1 + ", count: 10_000) + "1", .limit, column: 255, limits: unlimited)
        assertFails(String(repeating: "a.", count: 10_000) + "b", .limit, column: 128, limits: unlimited)
        assertFails(String(repeating: "true ? 1 : ", count: 10_000) + "2", .limit, limits: unlimited)
        // Within the limit, nesting works.
        let fine = String(repeating: "(", count: 50) + "1" + String(repeating: ")", count: 50)
        XCTAssertEqual(try eval(fine), .int(1))
        XCTAssertEqual(try eval(String(repeating: "-", count: 40) + "1"), .int(1))
    }

    func testStepLimitStopsBlowUps() {
        // 100 × 100 × 100 iterations through nested macros.
        let hundred = "[" + (1...100).map(String.init).joined(separator: ",") + "]"
        let blowUp = "\(hundred).map(a, \(hundred).map(b, \(hundred).filter(c, c > a + b)))"
        assertFails(blowUp, .limit, containing: "evaluation took more than 10000 steps")
        // The budget runs out inside the innermost macro, and the error points there.
        do {
            _ = try Expression.parse(blowUp).evaluate(userContext)
        } catch {
            XCTAssertGreaterThanOrEqual(error.column, column(of: ".filter", in: blowUp) ?? .max)
        }
        // The same shape, small, is fine.
        XCTAssertEqual(try eval("[1, 2].map(a, [1, 2].filter(b, b > a))"), .list([.list([.int(2)]), .list([])]))
    }

    func testWorkOnBigOperandsIsCharged() {
        // 100 iterations of a few nodes each fit the budget; the work on 5,000 elements or 60,000
        // bytes in each iteration does not.
        let big = ExprValue.list((0..<5000).map { .int(Int64($0)) })
        let hundred = ExprValue.list((0..<100).map { .int(Int64($0)) })
        let long = ExprValue.string(String(repeating: "a", count: 60_000))
        let start = ContinuousClock.now
        XCTAssertEqual(try eval("hundred.map(a, a in hundred).size()", ["hundred": hundred]), .int(100))
        assertFails("hundred.map(a, a in big)", .limit, containing: "steps", ["big": big, "hundred": hundred])
        assertFails("hundred.exists(a, s.contains('ab'))", .limit, containing: "steps", ["hundred": hundred, "s": long])
        assertFails("hundred.all(a, !s.matches('b'))", .limit, containing: "steps", ["hundred": hundred, "s": long])
        XCTAssertLessThan(ContinuousClock.now - start, .seconds(2))
        // One such operation is fine.
        XCTAssertEqual(try eval("4999 in big && !s.contains('b')", ["big": big, "s": long]), .bool(true))
    }

    func testGrowthIsCapped() throws {
        // Doubling a string: the step charge for building it stops this long before memory matters.
        var source = "'aaaaaaaaaaaaaaaa'"
        for _ in 0..<20 { source = "[\(source)].map(s, s + s)[0]" }
        assertFails(source, .limit, limits: ExpressionLimits(maxSteps: 1_000_000))
        // Lists built by concatenation are capped by maxCollectionSize.
        let small = ExpressionLimits(maxCollectionSize: 3)
        assertFails("[1, 2] + [3, 4]", .limit, column: 8, containing: "list longer", limits: small)
        assertFails("[1, 2, 3, 4]", .limit, column: 1, limits: small)
        assertFails("'ab' + 'cd'", .limit, column: 6, containing: "string longer", limits: ExpressionLimits(maxStringLength: 3))
    }

    func testSourceLengthLimit() {
        let long = "'" + String(repeating: "x", count: 5000) + "'"
        assertFails(long, .limit, column: 1, containing: "longer than 4096")
        XCTAssertNoThrow(try Expression.parse(long, limits: ExpressionLimits(maxSourceLength: 6000)))
    }
}
