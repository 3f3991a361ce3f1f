/// A configuration problem, reported as one line: `KEY: what is wrong`.
///
/// Messages never contain secret values; non-secret values are quoted, shortened to a few
/// dozen characters, with control characters escaped.
public struct ConfigError: Error, Equatable, Sendable, CustomStringConvertible {
    public let key: String
    public let problem: String

    public init(key: String, problem: String) {
        self.key = key
        self.problem = problem
    }

    public var description: String { "\(key): \(problem)" }
}

/// A value-level problem, before it is attached to a key.
public struct ValueProblem: Error, Equatable, Sendable, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// Quotes a (non-secret) value for an error message: at most `limit` characters, control characters escaped.
func shown(_ value: String, limit: Int = 40) -> String {
    var out = ""
    var count = 0
    for scalar in value.unicodeScalars {
        if count == limit { out += "…"; break }
        switch scalar {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case "\r": out += "\\r"
        case "\t": out += "\\t"
        default:
            if scalar.value < 0x20 || scalar.value == 0x7F {
                out += "\\u{\(String(scalar.value, radix: 16))}"
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        count += 1
    }
    return "\"\(out)\""
}

/// Shows only the scheme of a URL that may carry credentials: `"mysql://…"`.
func shownScheme(_ value: String) -> String {
    if let range = value.firstRange(of: "://") {
        return shown(String(value[..<range.upperBound]) + "…", limit: 24)
    }
    // No scheme separator: show nothing of the value beyond its first few characters,
    // which cannot be a password (passwords come after "://user:").
    return shown(String(value.prefix(8)) + (value.count > 8 ? "…" : ""), limit: 12)
}
