/// Numbers by value, across kinds, for callers that filter or sort (a SCIM `gt`). Equality
/// of `JSONNumber` itself stays by kind (`1 != 1.0`); this is the arithmetic view.
extension JSONNumber {
    public enum Order: Sendable, Hashable {
        case less, equal, greater
    }

    /// How `self` compares to `other` as numbers; nil when either is NaN. Exact between
    /// integers and doubles (no rounding through `Double`); a big integer and a double are
    /// exact too unless the double is the big integer's nearest `Double`, which counts as equal.
    public func order(comparedTo other: JSONNumber) -> Order? {
        switch (self, other) {
        case (.int(let a), .int(let b)):
            return Self.order(a, b)
        case (.double(let a), .double(let b)):
            if a.isNaN || b.isNaN { return nil }
            return a < b ? .less : a > b ? .greater : .equal
        case (.int(let a), .double(let b)):
            return Self.order(a, b)
        case (.double(let a), .int(let b)):
            return Self.order(b, a).map(\.reversed)
        case (.bigInteger(let a), .bigInteger(let b)):
            return Self.order(bigInteger: a, b)
        case (.bigInteger(let a), .int):
            // Outside Int64 on one side or the other: the sign decides.
            return a.hasPrefix("-") ? .less : .greater
        case (.int, .bigInteger(let b)):
            return b.hasPrefix("-") ? .greater : .less
        case (.bigInteger, .double(let b)):
            if b.isNaN { return nil }
            let a = doubleValue
            return a < b ? .less : a > b ? .greater : .equal
        case (.double, .bigInteger):
            return other.order(comparedTo: self).map(\.reversed)
        }
    }

    /// An integer against a double, without rounding either.
    private static func order(_ a: Int64, _ b: Double) -> Order? {
        if b.isNaN { return nil }
        // 2^63 is exact as a Double; every Int64 lies in [-2^63, 2^63).
        if b >= 9_223_372_036_854_775_808.0 { return .less }
        if b < -9_223_372_036_854_775_808.0 { return .greater }
        // The conversion truncates toward zero (no libm `trunc`, see `exactInt64`), and a
        // truncated Double is itself exact, so `whole` is b without its fraction.
        let integer = Int64(b)
        let whole = Double(integer)
        if a != integer { return order(a, integer) }
        return b > whole ? .less : b < whole ? .greater : .equal
    }

    private static func order(_ a: Int64, _ b: Int64) -> Order {
        a < b ? .less : a > b ? .greater : .equal
    }

    /// Two big integers' texts (no leading zeros): sign, then length, then digits.
    private static func order(bigInteger a: String, _ b: String) -> Order {
        let negativeA = a.hasPrefix("-"), negativeB = b.hasPrefix("-")
        if negativeA != negativeB { return negativeA ? .less : .greater }
        let digitsA = a.utf8.drop { $0 == UInt8(ascii: "-") }, digitsB = b.utf8.drop { $0 == UInt8(ascii: "-") }
        var magnitude: Order = .equal
        if digitsA.count != digitsB.count {
            magnitude = digitsA.count < digitsB.count ? .less : .greater
        } else if let (x, y) = zip(digitsA, digitsB).first(where: { $0 != $1 }) {
            magnitude = x < y ? .less : .greater
        }
        return negativeA ? magnitude.reversed : magnitude
    }
}

extension JSONNumber.Order {
    var reversed: JSONNumber.Order {
        switch self {
        case .less: return .greater
        case .equal: return .equal
        case .greater: return .less
        }
    }
}

extension JSONNumber {
    /// The number `text` spells, by RFC 8259's grammar and nothing looser (no `+1`, `.5`,
    /// `0x10`, `NaN`, spaces); nil otherwise. For number literals outside a document, such
    /// as the operand of a SCIM filter.
    public init?(_ text: some StringProtocol) {
        // A number starts with `-` or a digit and ends with a digit: this keeps out the
        // whitespace the reader would allow around a document.
        let bytes = Array(text.utf8)
        let digits = UInt8(ascii: "0")...UInt8(ascii: "9")
        guard let first = bytes.first, let last = bytes.last, first == UInt8(ascii: "-") || digits.contains(first),
              digits.contains(last), case .number(let number)? = try? JSONValue(parsing: bytes)
        else { return nil }
        self = number
    }
}
