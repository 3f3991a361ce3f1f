import Identity
import Crypto
import Store
import XCTest
@testable import Flows

final class FlowsTests: XCTestCase {
    /// Cheap argon2id for tests (64 KiB, t=2); `weak` (t=1) hashes need a rehash under it.
    static let testParameters = PasswordHasher.Parameters(memoryKiB: 64, iterations: 2, parallelism: 1)
    static let weakParameters = PasswordHasher.Parameters(memoryKiB: 64, iterations: 1, parallelism: 1)
    static let password = "correct horse battery staple"

    var users: FakeUserStore!
    var sessions: FakeSessionStore!
    var events: FakeEventStore!
    var throttle: InMemoryLoginThrottle!
    var executor: FlowExecutor!
    let hasher = PasswordHasher(parameters: FlowsTests.testParameters)
    /// The test's clock: every step runs at `now`.
    var now = Timestamp(secondsSince1970: 1_800_000_000)
    var somchai: User!

    override func setUpWithError() throws {
        try setUp(limits: ThrottleLimits())
    }

    func setUp(limits: ThrottleLimits) throws {
        users = FakeUserStore()
        sessions = FakeSessionStore(users: users)
        events = FakeEventStore()
        throttle = InMemoryLoginThrottle(limits: limits)
        executor = FlowExecutor(users: users, sessions: sessions, events: events, hasher: hasher, throttle: throttle)
        somchai = try users.createUser(NewUser(username: "somchai", email: "somchai@example.co.th",
                                               name: "Somchai Prasert", passwordHash: hasher.hash(Self.password)))
    }

    // MARK: helpers

    /// One request: the plan goes through JSON first, as it does through `flow_state`.
    func step(_ plan: FlowPlan, _ input: FlowInput, ip: String? = "192.0.2.10",
              session: [UInt8]? = nil) throws -> FlowOutcome {
        let stored = JSONText(plan.jsonText().text)
        let restored = try XCTUnwrap(FlowPlan(json: stored))
        XCTAssertEqual(restored, plan, "plan changed through JSON")
        return try executor.execute(plan: restored, input: input,
                                    context: FlowContext(clientIP: ip, userAgent: "XCTest", now: now,
                                                         currentSessionIDHash: session))
    }

    /// identification → password on the default authentication flow; the outcome of the password step.
    func login(_ uid: String, _ password: String, next: String? = nil, ip: String? = "192.0.2.10",
               session: [UInt8]? = nil) throws -> FlowOutcome {
        let plan = try XCTUnwrap(executor.start(flowSlug: "default-authentication-flow", next: next))
        let first = try step(plan, .none, ip: ip, session: session)
        XCTAssertEqual(first.challenge.component, "ak-stage-identification")
        let identified = try step(XCTUnwrap(first.plan), .identification(uid: uid), ip: ip, session: session)
        XCTAssertEqual(identified.challenge, .password(pendingUser: uid, flowTitle: Flow.defaultAuthentication.title))
        XCTAssertEqual(identified.errors, [])
        return try step(XCTUnwrap(identified.plan), .password(password), ip: ip, session: session)
    }

    func issued(_ outcome: FlowOutcome, file: StaticString = #filePath, line: UInt = #line) throws -> FlowCompletion {
        guard case .completed(let done) = outcome.step else {
            XCTFail("not completed: \(outcome)", file: file, line: line)
            throw StoreError.invalid("not completed")
        }
        return done
    }

    // MARK: the happy path

    func testLoginCreatesSessionStoredUnderTheTokensHash() throws {
        let outcome = try login("somchai", Self.password)
        let done = try issued(outcome)
        XCTAssertNil(outcome.plan)
        XCTAssertEqual(outcome.challenge, .redirect(to: "/"))
        XCTAssertEqual(outcome.challenge.component, "xak-flow-redirect")
        let token = try XCTUnwrap(done.issued?.token)
        XCTAssertEqual(Base64URL.decode(token)?.count, 32)
        XCTAssertFalse(done.issued!.description.contains(token))

        let stored = sessions.all
        XCTAssertEqual(stored.count, 1)
        XCTAssertEqual(stored[0].idHash, Digest.sha256(token))
        XCTAssertEqual(stored[0].userID, somchai.id)
        XCTAssertEqual(stored[0].authMethods, ["pwd"])
        XCTAssertEqual(stored[0].authTime, now)
        XCTAssertEqual(stored[0].clientIP, "192.0.2.10")
        XCTAssertEqual(stored[0].userAgent, "XCTest")
        XCTAssertEqual(stored[0].expiresAt, now.adding(seconds: 86_400))
        XCTAssertEqual(stored[0].idleTimeoutSeconds, 28_800)
        XCTAssertNotNil(try sessions.session(idHash: Digest.sha256(token), at: now))
        XCTAssertEqual(try users.user(id: somchai.id)?.lastLoginAt, now)
        XCTAssertEqual(events.all.map(\.action), ["login"])
        XCTAssertEqual(events.all.last?.actorUserID, somchai.id)
    }

    func testLoginByEmailAndAnyCase() throws {
        XCTAssertNotNil(try issued(login("Somchai@Example.co.th", Self.password)).issued)
        XCTAssertNotNil(try issued(login("SOMCHAI", Self.password)).issued)
    }

    func testLoginReplacesTheAnonymousSession() throws {
        let anonymous = Digest.sha256("pre-login-token")
        try sessions.createSession(Session(idHash: anonymous, userID: nil, createdAt: now, lastSeenAt: now,
                                           expiresAt: now.adding(seconds: 600), idleTimeoutSeconds: 600))
        let done = try issued(login("somchai", Self.password, session: anonymous))
        XCTAssertTrue(done.endedCurrentSession)
        XCTAssertEqual(sessions.all.map(\.idHash), [done.issued!.session.idHash])
    }

    func testEmptyIdentifierIsRequired() throws {
        let plan = try XCTUnwrap(executor.start(flowSlug: "default-authentication-flow", next: nil))
        let outcome = try step(plan, .identification(uid: "  "))
        XCTAssertEqual(outcome.challenge.component, "ak-stage-identification")
        XCTAssertEqual(outcome.errors.map(\.field), ["uid_field"])
        XCTAssertEqual(outcome.plan?.stageIndex, 0)
    }

    func testResponseForAnotherStageShowsTheCurrentChallengeAgain() throws {
        let plan = try XCTUnwrap(executor.start(flowSlug: "default-authentication-flow", next: nil))
        let outcome = try step(plan, .password(Self.password))
        XCTAssertEqual(outcome.challenge.component, "ak-stage-identification")
        XCTAssertEqual(outcome.errors, [])
        XCTAssertTrue(sessions.all.isEmpty)
    }

    // MARK: refusals

    func testUnknownUserAndWrongPasswordGetTheSameAnswer() throws {
        let wrong = try login("somchai", "not the password")
        let unknown = try login("nobody", "not the password")
        XCTAssertEqual(wrong.errors, unknown.errors)
        XCTAssertEqual(wrong.errors, [FieldError(field: "password", message: FlowExecutor.invalidCredentialsMessage,
                                                 code: "invalid")])
        XCTAssertEqual(wrong.challenge.component, unknown.challenge.component)
        XCTAssertEqual(wrong.challenge.component, "ak-stage-password")
        XCTAssertNotNil(wrong.plan)
        XCTAssertNotNil(unknown.plan)
        XCTAssertTrue(sessions.all.isEmpty)
        XCTAssertEqual(events.all.map(\.action), ["login_failed", "login_failed"])
        XCTAssertEqual(events.all.map(\.outcome), ["failure", "failure"])
    }

    func testInactiveUserIsRefusedWithTheSameMessage() throws {
        try users.deactivateUser(somchai.id, at: now)
        let outcome = try login("somchai", Self.password)
        XCTAssertEqual(outcome.errors.map(\.message), [FlowExecutor.invalidCredentialsMessage])
        XCTAssertTrue(sessions.all.isEmpty)
    }

    func testUserDeactivatedBetweenPasswordAndLoginGetsNoSession() throws {
        // A flow with a stage between password and login would let this happen; here the
        // user-login stage itself re-checks.
        let flow = Flow(slug: "check", title: "t", designation: .authentication, bindings: [
            StageBinding(name: "id", stage: .identification(fields: [.username])),
            StageBinding(name: "login", stage: .userLogin(SessionLifetime())),
        ])
        executor = FlowExecutor(users: users, sessions: sessions, events: events, hasher: hasher, throttle: throttle,
                                flows: [flow])
        let plan = try XCTUnwrap(executor.start(flowSlug: "check", next: nil))
        // No authentication method passed: identification alone never signs anyone in.
        let outcome = try step(plan, .identification(uid: "somchai"))
        XCTAssertEqual(outcome.challenge, .accessDenied(message: FlowExecutor.noUserMessage))
        XCTAssertNil(outcome.plan)
        XCTAssertTrue(sessions.all.isEmpty)
    }

    func testDenyStage() throws {
        let flow = Flow(slug: "closed", title: "t", designation: .authentication,
                        bindings: [StageBinding(name: "no", stage: .deny(message: "Closed for maintenance."))])
        executor = FlowExecutor(users: users, sessions: sessions, events: events, hasher: hasher, throttle: throttle,
                                flows: [flow])
        let outcome = try step(XCTUnwrap(executor.start(flowSlug: "closed", next: nil)), .none)
        XCTAssertEqual(outcome.challenge, .accessDenied(message: "Closed for maintenance."))
        XCTAssertEqual(outcome.challenge.component, "ak-stage-access-denied")
        XCTAssertNil(outcome.plan)
    }

    func testUnknownFlowAndBrokenPlan() throws {
        XCTAssertNil(executor.start(flowSlug: "nope", next: nil))
        var plan = try XCTUnwrap(executor.start(flowSlug: "default-authentication-flow", next: nil))
        plan.stageIndex = 7
        XCTAssertThrowsError(try executor.execute(plan: plan, input: .none,
                                                  context: FlowContext(clientIP: nil, userAgent: nil, now: now)))
        plan.flowSlug = "nope"
        plan.stageIndex = 0
        XCTAssertThrowsError(try executor.execute(plan: plan, input: .none,
                                                  context: FlowContext(clientIP: nil, userAgent: nil, now: now))) {
            XCTAssertEqual($0 as? FlowError, .unknownFlow("nope"))
        }
        XCTAssertNil(FlowPlan(json: JSONText("{\"flowSlug\": 3}")))
        XCTAssertNil(FlowPlan(json: JSONText("not json")))
    }

    // MARK: throttling

    func testAccountThrottleBlocksWithoutVerifyingAndExpires() throws {
        try setUp(limits: ThrottleLimits(maxFailuresPerAccount: 3, maxFailuresPerIP: 100, windowSeconds: 60))
        for _ in 0..<3 {
            XCTAssertEqual(try login("somchai", "wrong").errors.map(\.code), ["invalid"])
            now = now.adding(seconds: 1)
        }
        // At the limit: even the right password is refused, and the refusal is not counted.
        let blocked = try login("somchai", Self.password)
        XCTAssertEqual(blocked.errors, [FieldError(field: "password", message: FlowExecutor.throttledMessage,
                                                   code: "throttled")])
        XCTAssertTrue(sessions.all.isEmpty)
        XCTAssertEqual(throttle.failureCount(account: "user:\(somchai.id)", at: now), 3)
        // Typing the name differently is the same account.
        XCTAssertEqual(try login("somchai@example.co.th", Self.password).errors.map(\.code), ["throttled"])
        XCTAssertEqual(events.all.last?.outcome, "denied")

        // The first failure leaves the window 60 s after it happened: one more try is allowed.
        now = now.adding(seconds: 57)
        XCTAssertNotNil(try issued(login("somchai", Self.password)).issued)
        // Success reset the account counter.
        XCTAssertEqual(throttle.failureCount(account: "user:\(somchai.id)", at: now), 0)
    }

    func testIPThrottleCoversUnknownAccounts() throws {
        try setUp(limits: ThrottleLimits(maxFailuresPerAccount: 100, maxFailuresPerIP: 3, windowSeconds: 60))
        for name in ["a", "b", "c"] { _ = try login(name, "wrong", ip: "198.51.100.7") }
        XCTAssertEqual(try login("somchai", Self.password, ip: "198.51.100.7").errors.map(\.code), ["throttled"])
        // Another address is not affected.
        XCTAssertNotNil(try issued(login("somchai", Self.password, ip: "198.51.100.8")).issued)
        now = now.adding(seconds: 61)
        XCTAssertNotNil(try issued(login("somchai", Self.password, ip: "198.51.100.7")).issued)
    }

    func testInMemoryThrottleSlidingWindow() {
        let throttle = InMemoryLoginThrottle(limits: ThrottleLimits(maxFailuresPerAccount: 2, maxFailuresPerIP: 5,
                                                                    windowSeconds: 10), sweepThreshold: 2)
        let t0 = Timestamp(secondsSince1970: 100)
        throttle.recordFailure(account: "x", ip: nil, at: t0)
        XCTAssertFalse(throttle.isBlocked(account: "x", ip: nil, at: t0))
        throttle.recordFailure(account: "x", ip: nil, at: t0.adding(seconds: 5))
        XCTAssertTrue(throttle.isBlocked(account: "x", ip: nil, at: t0.adding(seconds: 9)))
        XCTAssertFalse(throttle.isBlocked(account: "x", ip: nil, at: t0.adding(seconds: 10)))
        XCTAssertFalse(throttle.isBlocked(account: "y", ip: "1.2.3.4", at: t0))
        // Sweeping (threshold 2) drops expired keys but keeps live ones.
        throttle.recordFailure(account: "z", ip: nil, at: t0.adding(seconds: 14))
        throttle.recordFailure(account: "z", ip: nil, at: t0.adding(seconds: 30))
        XCTAssertEqual(throttle.failureCount(account: "z", at: t0.adding(seconds: 30)), 1)
        XCTAssertEqual(throttle.failureCount(account: "x", at: t0.adding(seconds: 30)), 0)
    }

    // MARK: rehash

    func testWeakHashIsReplacedAtLogin() throws {
        let weak = try PasswordHasher(parameters: Self.weakParameters).hash(Self.password)
        try users.setPassword(userID: somchai.id, hash: weak, at: now)
        XCTAssertNotNil(try issued(login("somchai", Self.password)).issued)
        let stored = try XCTUnwrap(users.user(id: somchai.id)?.passwordHash)
        XCTAssertNotEqual(stored, weak)
        XCTAssertTrue(stored.hasPrefix("$argon2id$v=19$m=64,t=2,p=1$"))
        XCTAssertEqual(hasher.verify(Self.password, against: stored), .valid(needsRehash: false))
        XCTAssertEqual(events.all.map(\.action), ["password_rehashed", "login"])
        // A current hash is left alone.
        XCTAssertNotNil(try issued(login("somchai", Self.password)).issued)
        XCTAssertEqual(try users.user(id: somchai.id)?.passwordHash, stored)
    }

    // MARK: next

    func testNextMustBeALocalPath() throws {
        for evil in ["https://evil.example", "//evil.example", "/\\evil", "\\\\evil", "/\t/evil.example",
                     "javascript:alert(1)", "", "evil.example/x", "/a\nb", "/ok\u{7f}"] {
            XCTAssertEqual(LocalPath.sanitize(evil), "/", evil)
        }
        XCTAssertEqual(LocalPath.sanitize(nil), "/")
        for good in ["/", "/application/o/authorize/?client_id=x&next=%2F%2Fa", "/if/user/#/settings"] {
            XCTAssertEqual(LocalPath.sanitize(good), good)
        }
        XCTAssertEqual(try issued(login("somchai", Self.password, next: "https://evil.example")).redirect, "/")
        XCTAssertEqual(try issued(login("somchai", Self.password, next: "//evil.example")).redirect, "/")
        XCTAssertEqual(try issued(login("somchai", Self.password, next: "/\\evil")).redirect, "/")
        XCTAssertEqual(try issued(login("somchai", Self.password, next: "/if/user/?a=1")).redirect, "/if/user/?a=1")
    }

    func testTamperedNextInStoredPlanIsRechecked() throws {
        var plan = try XCTUnwrap(executor.start(flowSlug: "default-authentication-flow", next: "/x"))
        plan.next = "//evil.example"
        XCTAssertEqual(FlowPlan(json: plan.jsonText())?.next, "/")
    }

    // MARK: logout

    func testLogoutDeletesTheCurrentSession() throws {
        let token = try XCTUnwrap(issued(login("somchai", Self.password)).issued?.token)
        let other = try XCTUnwrap(issued(login("somchai", Self.password)).issued?.token)
        let plan = try XCTUnwrap(executor.start(flowSlug: "default-invalidation-flow", next: "/if/flow/default-authentication-flow/"))
        let outcome = try step(plan, .none, session: Digest.sha256(token))
        let done = try issued(outcome)
        XCTAssertTrue(done.endedCurrentSession)
        XCTAssertNil(done.issued)
        XCTAssertEqual(done.redirect, "/if/flow/default-authentication-flow/")
        XCTAssertNil(try sessions.session(idHash: Digest.sha256(token), at: now))
        XCTAssertNotNil(try sessions.session(idHash: Digest.sha256(other), at: now), "only the current session ends")
        let last = try XCTUnwrap(events.all.last)
        XCTAssertEqual(last.action, "logout")
        XCTAssertEqual(last.actorUserID, somchai.id)
    }

    func testLogoutWithoutSessionJustRedirects() throws {
        let outcome = try step(XCTUnwrap(executor.start(flowSlug: "default-invalidation-flow", next: nil)), .none)
        XCTAssertEqual(try issued(outcome), FlowCompletion(redirect: "/"))
        XCTAssertTrue(events.all.isEmpty)
    }

    // MARK: audit

    func testEventsNeverHoldSecrets() throws {
        try setUp(limits: ThrottleLimits(maxFailuresPerAccount: 1, maxFailuresPerIP: 100, windowSeconds: 60))
        _ = try login("somchai", "wrong-\(Self.password)")
        _ = try login("somchai", Self.password)    // throttled
        now = now.adding(seconds: 61)
        let token = try XCTUnwrap(issued(login("somchai", Self.password)).issued?.token)
        _ = try step(XCTUnwrap(executor.start(flowSlug: "default-invalidation-flow", next: nil)), .none,
                     session: Digest.sha256(token))
        XCTAssertEqual(events.all.map(\.action), ["login_failed", "login_failed", "login", "logout"])
        XCTAssertEqual(events.all.map(\.outcome), ["failure", "denied", "success", "success"])
        let hashHex = Hex.encode(Digest.sha256(token))
        for event in events.all {
            XCTAssertEqual(event.clientIP, "192.0.2.10")
            for secret in [Self.password, token, hashHex, "$argon2"] {
                XCTAssertFalse(event.context.text.contains(secret), "\(event.action) holds a secret")
            }
        }
        XCTAssertTrue(events.all[0].context.text.contains("\"username\":\"somchai\""))
        XCTAssertFalse(FlowInput.password(Self.password).description.contains(Self.password))
    }

    /// Issue 11, item 10: a failed identifier that names nobody (often a password typed into
    /// the username field) is kept as a short hash, not verbatim.
    func testUnknownIdentifierIsKeptHashed() throws {
        _ = try login(Self.password, "anything")
        let failed = try XCTUnwrap(events.all.last { $0.action == "login_failed" })
        XCTAssertFalse(failed.context.text.contains(Self.password), failed.context.text)
        let expected = String(Hex.encode(Digest.sha256(Self.password.lowercased())).prefix(16))
        XCTAssertTrue(failed.context.text.contains("\"uid_sha256\":\"\(expected)\""), failed.context.text)
    }

    /// Issue 11, item 7: a NUL (or another control character) in the identifier names nobody
    /// and is answered like any wrong login; the stored plan holds no NUL.
    func testControlCharactersInTheIdentifierAreAnOrdinaryFailure() throws {
        let plan = try XCTUnwrap(executor.start(flowSlug: "default-authentication-flow", next: nil))
        let identified = try step(plan, .identification(uid: "some\u{0}chai"))
        let next = try XCTUnwrap(identified.plan)
        XCTAssertNil(next.pendingUser)
        XCTAssertFalse(next.jsonText().text.contains("\\u0000"), next.jsonText().text)
        let refused = try step(next, .password(Self.password))
        XCTAssertEqual(refused.errors.first?.message, FlowExecutor.invalidCredentialsMessage)
    }

    // MARK: plan

    func testPlanRoundTripsThroughJSON() throws {
        var plan = try XCTUnwrap(executor.start(flowSlug: "default-authentication-flow", next: "/after"))
        plan.stageIndex = 1
        plan.uid = "somchai \"quoted\" ไทย"
        plan.pendingUser = somchai.id
        plan.methods = ["pwd"]
        let json = plan.jsonText()
        XCTAssertEqual(FlowPlan(json: json), plan)
        XCTAssertFalse(json.text.contains(Self.password))
        // Mid-flow, the stored plan after identification carries the user and no secret.
        let identified = try step(XCTUnwrap(executor.start(flowSlug: "default-authentication-flow", next: nil)),
                                  .identification(uid: "somchai"))
        XCTAssertEqual(identified.plan?.pendingUser, somchai.id)
        XCTAssertEqual(identified.plan?.stageIndex, 1)
    }
}
