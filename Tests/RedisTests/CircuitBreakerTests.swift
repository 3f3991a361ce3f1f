import XCTest
@testable import Redis

final class CircuitBreakerTests: XCTestCase {
    func testBackoffDoublesToTheCap() {
        let breaker = CircuitBreaker(initialDelay: 1, maxDelay: 5)
        XCTAssertEqual((1...6).map { breaker.delay(afterFailures: $0) }, [1, 2, 4, 5, 5, 5])
    }

    func testDownRejectsUntilRetryThenOneProbe() {
        var breaker = CircuitBreaker(initialDelay: 1, maxDelay: 5)
        XCTAssertEqual(breaker.admit(now: 0), .proceed)
        XCTAssertEqual(breaker.recordFailure(now: 10, wasProbe: false), .wentDown)
        XCTAssertFalse(breaker.isUp)
        XCTAssertEqual(breaker.admit(now: 10.5), .reject(retryIn: 0.5))
        // A call that was already under way fails too: no second "went down", no later retry.
        XCTAssertEqual(breaker.recordFailure(now: 10.6, wasProbe: false), .none)
        XCTAssertEqual(breaker.retryAt, 11)
        XCTAssertEqual(breaker.admit(now: 11), .probe)
        XCTAssertEqual(breaker.admit(now: 11.1), .reject(retryIn: 0), "only one probe at a time")
        XCTAssertEqual(breaker.recordFailure(now: 11.5, wasProbe: true), .none)
        XCTAssertEqual(breaker.retryAt, 13.5, "second failure waits 2 s")
        XCTAssertEqual(breaker.admit(now: 13.5), .probe)
        XCTAssertEqual(breaker.recordFailure(now: 13.5, wasProbe: true), .none)
        XCTAssertEqual(breaker.retryAt, 17.5, "third failure waits 4 s")
        XCTAssertEqual(breaker.admit(now: 17.5), .probe)
        XCTAssertEqual(breaker.recordSuccess(now: 18, wasProbe: true), .cameBack(downFor: 8))
        XCTAssertTrue(breaker.isUp)
        XCTAssertEqual(breaker.admit(now: 18), .proceed)
        XCTAssertEqual(breaker.recordFailure(now: 20, wasProbe: false), .wentDown)
        XCTAssertEqual(breaker.retryAt, 21, "a new outage starts at 1 s again")
    }

    func testStragglerSuccessDoesNotCloseTheBreaker() {
        var breaker = CircuitBreaker(initialDelay: 1, maxDelay: 5)
        _ = breaker.recordFailure(now: 0, wasProbe: false)
        XCTAssertEqual(breaker.recordSuccess(now: 0.1, wasProbe: false), .none)
        XCTAssertFalse(breaker.isUp)
    }

    func testAbandonedProbeLetsTheNextCallerProbe() {
        var breaker = CircuitBreaker(initialDelay: 1, maxDelay: 5)
        _ = breaker.recordFailure(now: 0, wasProbe: false)
        XCTAssertEqual(breaker.admit(now: 1), .probe)
        breaker.abandonProbe()
        XCTAssertEqual(breaker.admit(now: 1), .probe)
    }

    func testCacheTTLRoundsUpToWholeSeconds() {
        XCTAssertEqual(Cache.seconds(.seconds(30)), 30)
        XCTAssertEqual(Cache.seconds(.milliseconds(1500)), 2)
        XCTAssertEqual(Cache.seconds(.zero), 1)
        XCTAssertEqual(Cache.key(namespace: "session", key: "abc"), "gh:session:abc")
    }
}
