// Policies: who may pass a binding point (an application, later a stage binding). Pure
// domain: no store, no HTTP. The App room loads policies and bindings and builds the context.

/// What a policy checks. Each kind answers pass or fail for one `PolicyContext`, or errs.
public enum PolicyKind: Sendable, Hashable, Codable {
    /// A CEL-subset expression (Docs/expressions.md) that must return a bool; the context is
    /// described in Docs/policies.md.
    case expression(String)
    /// The user is a member of the group (directly or through a child group).
    case groupMembership(group: String)
    /// The client IP lies in one of the CIDR blocks.
    case ipNetwork([String])
    /// `now` lies in a daily window, on the listed weekdays.
    case timeWindow(TimeWindow)
    /// Fewer than `maxFailures` failed logins for this user or from this IP recently.
    case reputation(maxFailures: Int)
    /// A stored policy that could not be read: it always errs, so its binding's failure result counts.
    case invalid(reason: String)

    /// The kind's name in blueprints and in the `policies.kind` column.
    public var name: String {
        switch self {
        case .expression: "expression"
        case .groupMembership: "group-membership"
        case .ipNetwork: "ip-network"
        case .timeWindow: "time-window"
        case .reputation: "reputation"
        case .invalid: "invalid"
        }
    }
}

/// A daily window `start..<end` in minutes after local midnight, local being UTC plus
/// `utcOffsetMinutes` (Bangkok: 420). `end < start` wraps past midnight (22:00–06:00).
public struct TimeWindow: Sendable, Hashable, Codable {
    public var startMinute: Int
    public var endMinute: Int
    public var utcOffsetMinutes: Int
    /// 0 = Monday … 6 = Sunday; empty means every day. For a window that wraps, the day is the
    /// one the window started on.
    public var weekdays: Set<Int>

    public init(startMinute: Int, endMinute: Int, utcOffsetMinutes: Int = 0, weekdays: Set<Int> = []) {
        self.startMinute = startMinute
        self.endMinute = endMinute
        self.utcOffsetMinutes = utcOffsetMinutes
        self.weekdays = weekdays
    }

    /// Whether the Unix time `seconds` lies inside.
    public func contains(unixSeconds seconds: Int64) -> Bool {
        let local = seconds + Int64(utcOffsetMinutes) * 60
        let day = Self.floorDiv(local, 86_400)
        let minute = Int((local - day * 86_400) / 60)
        // 1970-01-01 was a Thursday (3 when Monday is 0).
        func weekday(_ day: Int64) -> Int { Int(((day % 7) + 7 + 3) % 7) }
        func dayAllowed(_ day: Int64) -> Bool { weekdays.isEmpty || weekdays.contains(weekday(day)) }
        if startMinute == endMinute { return dayAllowed(day) }
        if startMinute < endMinute {
            return minute >= startMinute && minute < endMinute && dayAllowed(day)
        }
        if minute >= startMinute { return dayAllowed(day) }
        if minute < endMinute { return dayAllowed(day - 1) }
        return false
    }

    static func floorDiv(_ a: Int64, _ b: Int64) -> Int64 {
        let q = a / b
        return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q
    }
}

/// A named policy.
public struct Policy: Sendable, Hashable, Codable {
    public var name: String
    public var kind: PolicyKind

    public init(name: String, kind: PolicyKind) {
        self.name = name
        self.kind = kind
    }
}

/// A policy bound to a target, with its place in the order and how its result counts.
public struct PolicyBinding: Sendable, Hashable, Codable {
    public var policy: Policy
    /// Lower runs first (ties keep the given order).
    public var order: Int
    /// Turns pass into fail and fail into pass (not applied to `failureResult`).
    public var negate: Bool
    /// The binding's result when its policy errs (or the time budget is spent before it runs).
    public var failureResult: Bool

    public init(policy: Policy, order: Int = 0, negate: Bool = false, failureResult: Bool = false) {
        self.policy = policy
        self.order = order
        self.negate = negate
        self.failureResult = failureResult
    }
}

/// How the bindings of one target combine.
public enum PolicyEngineMode: String, Sendable, Hashable, CaseIterable, Codable {
    /// At least one binding passes.
    case any
    /// Every binding passes.
    case all
}
