import Expressions

/// A stored policy that cannot be read: bad kind, missing or malformed config.
public struct PolicyConfigError: Error, Sendable, Hashable, CustomStringConvertible {
    public var policy: String
    public var message: String
    public var description: String { "policy \(policy): \(message)" }
}

extension Policy {
    /// The kinds a blueprint or the `policies.kind` column may name.
    public static let kindNames = ["expression", "group-membership", "ip-network", "time-window", "reputation"]
    static let weekdayNames = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]

    /// A policy from its stored row: `kind` and the `config` JSON object.
    ///
    /// - expression: `{"expression": "…"}`
    /// - group-membership: `{"group": "finance"}`
    /// - ip-network: `{"networks": ["10.0.0.0/8", "2001:db8::/32"]}`
    /// - time-window: `{"start": "08:00", "end": "18:00", "utc_offset_minutes": 420, "weekdays": ["mon", …]}`
    /// - reputation: `{"max_failures": 5}`
    public init(name: String, kind: String, configJSON: String) throws(PolicyConfigError) {
        func fail(_ message: String) -> PolicyConfigError { PolicyConfigError(policy: name, message: message) }
        let config: [String: ExprValue]
        do {
            guard case .map(let members) = try ExprValue(jsonText: configJSON) else { throw fail("config is not an object") }
            config = members
        } catch let error as PolicyConfigError {
            throw error
        } catch {
            throw fail("config is not JSON")
        }
        func string(_ key: String) throws(PolicyConfigError) -> String {
            guard case .string(let s)? = config[key], !s.isEmpty else { throw fail("\(key) is required") }
            return s
        }
        func strings(_ key: String) throws(PolicyConfigError) -> [String] {
            guard case .list(let items)? = config[key] else { return [] }
            var out: [String] = []
            for item in items {
                guard case .string(let s) = item else { throw fail("\(key) must be a list of strings") }
                out.append(s)
            }
            return out
        }
        switch kind {
        case "expression":
            self.init(name: name, kind: .expression(try string("expression")))
        case "group-membership":
            self.init(name: name, kind: .groupMembership(group: try string("group")))
        case "ip-network":
            let networks = try strings("networks")
            guard !networks.isEmpty else { throw fail("networks is required") }
            for cidr in networks where !Self.isCIDR(cidr) { throw fail("\(cidr) is not a CIDR block like 10.0.0.0/8") }
            self.init(name: name, kind: .ipNetwork(networks))
        case "time-window":
            guard let start = Self.minuteOfDay(try string("start")) else { throw fail("start must be HH:MM") }
            guard let end = Self.minuteOfDay(try string("end")) else { throw fail("end must be HH:MM") }
            var offset = 0
            if let value = config["utc_offset_minutes"] {
                guard case .int(let minutes) = value, abs(minutes) <= 14 * 60 else {
                    throw fail("utc_offset_minutes must be an integer within ±840")
                }
                offset = Int(minutes)
            }
            var days: Set<Int> = []
            for day in try strings("weekdays") {
                guard let index = Self.weekdayNames.firstIndex(of: day.lowercased()) else {
                    throw fail("\(day) is not a weekday (mon … sun)")
                }
                days.insert(index)
            }
            self.init(name: name, kind: .timeWindow(TimeWindow(startMinute: start, endMinute: end,
                                                               utcOffsetMinutes: offset, weekdays: days)))
        case "reputation":
            guard case .int(let max)? = config["max_failures"], max > 0, max <= 1_000_000 else {
                throw fail("max_failures must be a positive integer")
            }
            self.init(name: name, kind: .reputation(maxFailures: Int(max)))
        default:
            throw fail("unknown kind \(kind) (one of \(Self.kindNames.joined(separator: ", ")))")
        }
    }

    /// "HH:MM" (00:00–24:00) as minutes after midnight.
    public static func minuteOfDay(_ text: String) -> Int? {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0].count == 2, parts[1].count == 2,
              parts.allSatisfy({ $0.allSatisfy { $0.isASCII && $0.isNumber } }),
              let h = Int(parts[0]), let m = Int(parts[1]), m < 60, h < 24 || (h == 24 && m == 0) else { return nil }
        return h * 60 + m
    }

    /// Whether `ip_in` accepts `text` as a block.
    public static func isCIDR(_ text: String) -> Bool {
        guard let ipIn = ExpressionFunctions.standard["ip_in"] else { return false }
        do {
            _ = try ipIn([.string("0.0.0.0"), .string(text)])
            return true
        } catch {
            return false
        }
    }
}
