import Expressions
import Synchronization
import XCTest
@testable import Policies

final class PolicyEngineTests: XCTestCase {
    static let somchai = PolicyContext.UserInfo(username: "somchai", email: "somchai@example.co.th",
                                                groups: ["finance", "staff"])
    static let nok = PolicyContext.UserInfo(username: "nok", groups: ["warehouse", "staff"])
    // 2027-01-15 03:00:00 UTC, a Friday: 10:00 in Bangkok.
    static let friday10Bangkok: Int64 = 1_800_000_000 - (1_800_000_000 % 86_400) + 3 * 3600

    func context(_ user: PolicyContext.UserInfo?, ip: String? = "10.1.2.3", failures: Int = 0,
                 now: Int64 = friday10Bangkok) -> PolicyContext {
        PolicyContext(user: user, clientIP: ip, userAgent: "curl/8", application: .init(slug: "ar-aging", name: "A/R Aging"),
                      auth: .init(methods: ["pwd"], lastMFAAt: nil, upstreamAMR: []), now: now, recentFailures: failures)
    }

    func binding(_ kind: PolicyKind, name: String = "p", negate: Bool = false, failureResult: Bool = false,
                 order: Int = 0) -> PolicyBinding {
        PolicyBinding(policy: Policy(name: name, kind: kind), order: order, negate: negate, failureResult: failureResult)
    }

    func testNoBindingsPass() {
        XCTAssertTrue(PolicyEngine().evaluate([], mode: .all, context: context(Self.nok)).passing)
    }

    func testGroupRuleAsBuiltInAndAsExpression() {
        let engine = PolicyEngine()
        for kind in [PolicyKind.groupMembership(group: "finance"), .expression("user.is_in_group('finance')"),
                     .expression("'finance' in user.groups")] {
            XCTAssertTrue(engine.evaluate([binding(kind)], mode: .any, context: context(Self.somchai)).passing, "\(kind)")
            XCTAssertFalse(engine.evaluate([binding(kind)], mode: .any, context: context(Self.nok)).passing, "\(kind)")
        }
    }

    func testIPRuleBuiltInAndExpression() {
        let engine = PolicyEngine()
        let kinds = [PolicyKind.ipNetwork(["192.168.0.0/16", "10.0.0.0/8"]),
                     .expression(#"user.is_in_group("finance") && ip_in(request.ip, "10.0.0.0/8")"#)]
        for kind in kinds {
            XCTAssertTrue(engine.evaluate([binding(kind)], mode: .all, context: context(Self.somchai, ip: "10.9.9.9")).passing)
            XCTAssertFalse(engine.evaluate([binding(kind)], mode: .all, context: context(Self.somchai, ip: "203.0.113.9")).passing)
        }
        // No known client IP: the built-in kind fails closed.
        XCTAssertFalse(engine.evaluate([binding(kinds[0])], mode: .all, context: context(Self.somchai, ip: nil)).passing)
    }

    func testNegate() {
        let engine = PolicyEngine()
        let notWarehouse = binding(.groupMembership(group: "warehouse"), negate: true)
        XCTAssertTrue(engine.evaluate([notWarehouse], mode: .all, context: context(Self.somchai)).passing)
        XCTAssertFalse(engine.evaluate([notWarehouse], mode: .all, context: context(Self.nok)).passing)
    }

    func testAnyAndAll() {
        let engine = PolicyEngine()
        let finance = binding(.groupMembership(group: "finance"), name: "finance")
        let lan = binding(.ipNetwork(["10.0.0.0/8"]), name: "lan")
        let outside = context(Self.somchai, ip: "198.51.100.1")
        XCTAssertTrue(engine.evaluate([finance, lan], mode: .any, context: outside).passing)
        XCTAssertFalse(engine.evaluate([finance, lan], mode: .all, context: outside).passing)
        XCTAssertTrue(engine.evaluate([finance, lan], mode: .all, context: context(Self.somchai)).passing)
        XCTAssertFalse(engine.evaluate([finance, lan], mode: .any, context: context(Self.nok, ip: "198.51.100.1")).passing)
    }

    func testOrderDecidesWhatRunsFirst() {
        let engine = PolicyEngine()
        let decision = engine.evaluate([binding(.groupMembership(group: "staff"), name: "second", order: 20),
                                        binding(.groupMembership(group: "nope"), name: "first", order: 10)],
                                       mode: .all, context: context(Self.somchai))
        XCTAssertEqual(decision.results.map(\.policyName), ["first"])
        XCTAssertFalse(decision.passing)
    }

    func testAPolicyThatErrsIsLoggedAndCountsAsItsFailureResult() {
        let logged = Mutex<[String]>([])
        let engine = PolicyEngine(log: { line in logged.withLock { $0.append(line) } })
        // Reading a field that is not there, a non-bool result, a parse error, a runaway loop.
        let broken = ["int(user.username) > 0", "user.username", "user.groups.exists(g, ", "[1,2,3,4,5,6,7,8,9,10].all(a, [1,2,3,4,5,6,7,8,9,10].all(b, [1,2,3,4,5,6,7,8,9,10].all(c, [1,2,3,4,5,6,7,8,9,10].all(d, a+b+c+d > 0))))"]
        for source in broken {
            let failClosed = engine.evaluate([binding(.expression(source), name: "broken")], mode: .all,
                                             context: context(Self.somchai))
            XCTAssertFalse(failClosed.passing, source)
            XCTAssertNotNil(failClosed.results.first?.error, source)
            // failure_result true, and negate does not flip it.
            let failOpen = engine.evaluate([binding(.expression(source), name: "broken", negate: true, failureResult: true)],
                                           mode: .all, context: context(Self.somchai))
            XCTAssertTrue(failOpen.passing, source)
        }
        XCTAssertEqual(logged.withLock { $0.count }, broken.count * 2)
        XCTAssertTrue(logged.withLock { $0[0] }.contains("policy broken failed"))
        XCTAssertTrue(logged.withLock { $0[6] }.contains("steps"), logged.withLock { $0[6] })
    }

    func testTimeBudgetSpentCountsAsFailure() {
        let engine = PolicyEngine(timeBudget: .zero)
        let decision = engine.evaluate([binding(.groupMembership(group: "finance"))], mode: .all, context: context(Self.somchai))
        XCTAssertFalse(decision.passing)
        XCTAssertTrue(decision.results[0].error?.contains("time budget") ?? false)
    }

    func testTimeWindowWithOffsetAndWeekdays() {
        let office = TimeWindow(startMinute: 8 * 60, endMinute: 18 * 60, utcOffsetMinutes: 420, weekdays: [0, 1, 2, 3, 4])
        let t = Self.friday10Bangkok
        XCTAssertTrue(office.contains(unixSeconds: t))
        XCTAssertFalse(office.contains(unixSeconds: t + 8 * 3600))          // 18:00 Friday: end is exclusive
        XCTAssertTrue(office.contains(unixSeconds: t + 8 * 3600 - 1))
        XCTAssertFalse(office.contains(unixSeconds: t + 86_400))            // Saturday 10:00
        XCTAssertFalse(office.contains(unixSeconds: t - 2 * 3600 - 1))      // 07:59:59
        let night = TimeWindow(startMinute: 22 * 60, endMinute: 6 * 60, utcOffsetMinutes: 420, weekdays: [4])
        XCTAssertTrue(night.contains(unixSeconds: t + 13 * 3600))           // Friday 23:00
        XCTAssertTrue(night.contains(unixSeconds: t + 19 * 3600))           // Saturday 05:00, window began Friday
        XCTAssertFalse(night.contains(unixSeconds: t + 20 * 3600))          // Saturday 06:00
        XCTAssertFalse(night.contains(unixSeconds: t - 6 * 3600))           // Friday 04:00, began Thursday
    }

    func testReputation() {
        let engine = PolicyEngine()
        let rep = binding(.reputation(maxFailures: 5))
        XCTAssertTrue(engine.evaluate([rep], mode: .all, context: context(Self.somchai, failures: 4)).passing)
        XCTAssertFalse(engine.evaluate([rep], mode: .all, context: context(Self.somchai, failures: 5)).passing)
    }

    func testContextVariablesForStepUp() {
        let engine = PolicyEngine()
        var ctx = context(Self.somchai)
        let fresh = binding(.expression("auth.last_mfa_at != null && now - auth.last_mfa_at < 1800 || 'mfa' in auth.upstream_amr"))
        XCTAssertFalse(engine.evaluate([fresh], mode: .all, context: ctx).passing)
        ctx.auth.lastMFAAt = ctx.now - 600
        XCTAssertTrue(engine.evaluate([fresh], mode: .all, context: ctx).passing)
        ctx.auth.lastMFAAt = ctx.now - 1860
        XCTAssertFalse(engine.evaluate([fresh], mode: .all, context: ctx).passing)
        ctx.auth.upstreamAMR = ["pwd", "mfa"]
        XCTAssertTrue(engine.evaluate([fresh], mode: .all, context: ctx).passing)
        let ua = binding(.expression("request.user_agent.startsWith('curl') && application.slug == 'ar-aging'"))
        XCTAssertTrue(engine.evaluate([ua], mode: .all, context: ctx).passing)
    }

    func testStoredConfigsAreReadAndBadOnesRefused() throws {
        XCTAssertEqual(try Policy(name: "a", kind: "ip-network", configJSON: #"{"networks":["10.0.0.0/8"]}"#).kind,
                       .ipNetwork(["10.0.0.0/8"]))
        XCTAssertEqual(try Policy(name: "w", kind: "time-window",
                                  configJSON: #"{"start":"08:00","end":"18:00","utc_offset_minutes":420,"weekdays":["mon","fri"]}"#).kind,
                       .timeWindow(TimeWindow(startMinute: 480, endMinute: 1080, utcOffsetMinutes: 420, weekdays: [0, 4])))
        XCTAssertEqual(try Policy(name: "r", kind: "reputation", configJSON: #"{"max_failures":5}"#).kind, .reputation(maxFailures: 5))
        for (kind, json) in [("ip-network", #"{"networks":["10.0.0.0/33"]}"#), ("time-window", #"{"start":"8:00","end":"18:00"}"#),
                             ("group-membership", "{}"), ("nope", "{}"), ("expression", "[1]"), ("reputation", #"{"max_failures":0}"#)] {
            XCTAssertThrowsError(try Policy(name: "x", kind: kind, configJSON: json), "\(kind) \(json)")
        }
    }

    func testStoredConfigWithADuplicateMemberIsRefused() {
        // One reader for every room: a duplicate member is an error, never "the last one wins".
        XCTAssertThrowsError(try Policy(name: "d", kind: "group-membership", configJSON: #"{"group":"staff","group":"admins"}"#)) {
            XCTAssertEqual(($0 as? PolicyConfigError)?.message, "config is not JSON")
        }
    }
}
