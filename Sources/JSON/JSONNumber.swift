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
        case .double(let d): return Self.exactInt64(d)
        case .bigInteger: return nil
        }
    }

    /// `d` as an Int64 when it is a whole number in range. Written with a plain conversion
    /// rather than `Int64(exactly:)`, which calls libm's `trunc` on baseline x86-64: this
    /// room links nothing but the standard library.
    static func exactInt64(_ d: Double) -> Int64? {
        // -2^63 and 2^63 are exact as Doubles; NaN fails both comparisons.
        guard d >= -9_223_372_036_854_775_808.0, d < 9_223_372_036_854_775_808.0 else { return nil }
        let i = Int64(d)  // toward zero
        return Double(i) == d ? i : nil
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
