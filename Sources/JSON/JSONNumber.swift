/// A JSON number, kept as exactly as it was written.
///
/// The reader decides by the number's spelling: an integer literal (no `.`, no exponent) that
/// fits `Int64` is `.int`; an integer literal beyond `Int64` keeps its decimal text as
/// `.bigInteger`, so an id or a counter larger than 2^63 survives a read and a write unchanged
/// instead of being rounded to a `Double`; every other number is `.double` (the nearest one;
/// a number too large for a `Double` is refused, one too small becomes ±0).
///
/// Equality is by case and value: `1` and `1.0` are different values (as in the expression
/// language), because the writer spells them differently and each reads back as itself.
public enum JSONNumber: Sendable, Hashable {
    case int(Int64)
    case double(Double)
    /// An integer literal outside `Int64`: an optional `-` and digits, no leading zero.
    case bigInteger(String)

    /// The integer, when the number is one that fits `Int64` (an integral `Double` too).
    public var int64Value: Int64? {
        switch self {
        case .int(let i): return i
        case .double(let d): return Int64(exactly: d)
        case .bigInteger: return nil
        }
    }

    /// The integer as an `Int`, when it fits.
    public var intValue: Int? { int64Value.flatMap { Int(exactly: $0) } }

    /// The nearest `Double` (a big integer rounds; one beyond `Double`'s range is infinite).
    public var doubleValue: Double {
        switch self {
        case .int(let i): return Double(i)
        case .double(let d): return d
        case .bigInteger(let text): return Double(text) ?? (text.hasPrefix("-") ? -.infinity : .infinity)
        }
    }

    /// The number as the writer spells it.
    public var text: String {
        var out: [UInt8] = []
        JSONWriter.appendNumber(self, to: &out)
        return String(decoding: out, as: UTF8.self)
    }
}
