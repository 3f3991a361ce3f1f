import XCTest
@testable import Expressions
#if canImport(Glibc)
import Glibc
#endif

/// The examples of Docs/expressions.md, and the depth bound holding on a small thread stack.
final class DocumentedExamplesTests: XCTestCase {
    let context: [String: ExprValue] = {
        var c = userContext
        c["request"] = .map(["ip": .string("10.20.30.40")])
        if case .map(var user) = c["user"] {
            user["groups"] = .list([.string("finance"), .string("erp-AP"), .string("erp-AR")])
            c["user"] = .map(user)
        }
        return c
    }()

    func testDocumentedExamples() throws {
        XCTAssertEqual(try eval(#"{"team": has(user.attributes.team) ? user.attributes.team : "unassigned"}"#, context).jsonText(),
                       #"{"team":"unassigned"}"#)
        XCTAssertEqual(try eval(#"{"erp_groups": user.groups.filter(g, g.startsWith("erp-")).map(g, g.lowerAscii())}"#, context).jsonText(),
                       #"{"erp_groups":["erp-ap","erp-ar"]}"#)
        XCTAssertEqual(try eval(#"user.is_superuser || ("finance" in user.groups && ip_in(request.ip, "10.0.0.0/8"))"#, context), .bool(true))
        XCTAssertEqual(try eval(#"user.email.matches("@example\\.co\\.th$") && size(user.groups) > 0"#, context), .bool(true))
        XCTAssertEqual(try eval(#"scopes.exists(s, s == "erp")"#, context), .bool(true))
    }

    #if canImport(Glibc)
    /// Expressions at the depth limit evaluate on a 512 KiB stack (a worker thread's size), in a debug build.
    func testDeepestAllowedExpressionsFitASmallStack() throws {
        let sources = [
            String(repeating: "[", count: 63) + "1" + String(repeating: "]", count: 63),
            String(repeating: "1 + ", count: 63) + "1",
            String(repeating: "false ? 1 : ", count: 63) + "2",
            String(repeating: "[1].map(x, ", count: 62) + "x" + String(repeating: ")", count: 62),
            String(repeating: "[true].all(x, ", count: 62) + "x" + String(repeating: ")", count: 62),
        ]
        for source in sources {
            let expression = try Expression.parse(source)
            let outcome = onSmallStack { () -> String in
                do { return try expression.evaluate([:]).jsonText() } catch { return "error: \(error)" }
            }
            XCTAssertFalse(outcome.hasPrefix("error"), "\(source.prefix(30)): \(outcome)")
        }
    }

    /// Parsing recurses about nine frames per bracket level; it too must fit, up to the limit and past it.
    func testDeepParsesFitASmallStack() {
        let limits = ExpressionLimits(maxSourceLength: 100_000)
        let allowed = String(repeating: "(", count: 63) + "1" + String(repeating: ")", count: 63)
        let tooDeep = String(repeating: "(", count: 10_000) + "1" + String(repeating: ")", count: 10_000)
        let outcome = onSmallStack { () -> String in
            var text = ""
            do {
                let value = try Expression.parse(allowed, limits: limits).evaluate([:])
                text += value.jsonText()
            } catch {
                text += "error: \(error)"
            }
            do throws(ExpressionError) { _ = try Expression.parse(tooDeep, limits: limits) } catch { text.append(" / " + error.kind.rawValue) }
            return text
        }
        XCTAssertEqual(outcome, "1 / limit")
    }

    private final class Job: @unchecked Sendable {
        let body: () -> String
        var result = ""
        init(_ body: @escaping () -> String) { self.body = body }
    }

    private func onSmallStack(_ body: @escaping () -> String) -> String {
        var attributes = pthread_attr_t()
        pthread_attr_init(&attributes)
        pthread_attr_setstacksize(&attributes, 512 * 1024)
        let job = Job(body)
        var thread = pthread_t()
        let started = pthread_create(&thread, &attributes, { raw in
            guard let raw else { return nil }
            let job = Unmanaged<Job>.fromOpaque(raw).takeUnretainedValue()
            job.result = job.body()
            return nil
        }, Unmanaged.passUnretained(job).toOpaque())
        XCTAssertEqual(started, 0)
        pthread_join(thread, nil)
        pthread_attr_destroy(&attributes)
        return job.result
    }
    #endif
}
