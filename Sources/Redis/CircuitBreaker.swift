/// When to talk to Redis at all. Pure state, no I/O and no clock of its own: `RedisClient`
/// keeps one under its lock and passes the time in.
///
/// - up: every call goes through.
/// - down (after a call could not reach Redis): calls are refused at once, except one "probe"
///   call per retry time, which reconnects. The first retry is `initialDelay` after the
///   failure; each failed probe doubles the wait, up to `maxDelay`. A successful probe brings
///   the breaker up again.
struct CircuitBreaker: Sendable {
    enum Admission: Equatable {
        case proceed
        /// Down, but it is time to try again: this caller reconnects.
        case probe
        /// Down: fail without touching the network.
        case reject(retryIn: Double)
    }

    enum Transition: Equatable {
        case none
        case wentDown
        case cameBack(downFor: Double)
    }

    let initialDelay: Double
    let maxDelay: Double
    private(set) var isUp = true
    /// Failed attempts since the breaker went down (the failure that tripped it is the first).
    private(set) var failures = 0
    private(set) var retryAt = 0.0
    private(set) var downSince = 0.0
    private var probing = false

    init(initialDelay: Double, maxDelay: Double) {
        self.initialDelay = max(0, initialDelay)
        self.maxDelay = max(self.initialDelay, maxDelay)
    }

    mutating func admit(now: Double) -> Admission {
        if isUp { return .proceed }
        if probing || now < retryAt { return .reject(retryIn: max(0, retryAt - now)) }
        probing = true
        return .probe
    }

    /// A call could not reach Redis. Failures of calls that were already under way when the
    /// breaker went down do not push the next retry further out; only probes do.
    mutating func recordFailure(now: Double, wasProbe: Bool) -> Transition {
        if isUp {
            isUp = false
            downSince = now
            failures = 1
            retryAt = now + delay(afterFailures: 1)
            probing = false
            return .wentDown
        }
        if wasProbe {
            failures += 1
            retryAt = now + delay(afterFailures: failures)
            probing = false
        }
        return .none
    }

    /// A call got a reply. Only a probe brings the breaker up: a straggler that was sent before
    /// the breaker went down says little about now.
    mutating func recordSuccess(now: Double, wasProbe: Bool) -> Transition {
        guard !isUp, wasProbe else { return .none }
        isUp = true
        failures = 0
        probing = false
        return .cameBack(downFor: now - downSince)
    }

    /// The probe never reached the network (no free connection slot); the next caller may probe.
    mutating func abandonProbe() { probing = false }

    func delay(afterFailures failures: Int) -> Double {
        var delay = initialDelay
        for _ in 1..<max(1, failures) where delay < maxDelay { delay *= 2 }
        return min(delay, maxDelay)
    }
}
