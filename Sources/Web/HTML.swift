/// A fragment of HTML that is safe to send. Interpolated `String`s are escaped; literal
/// template text is trusted (a developer wrote it); other `HTML` values are inserted as
/// they are, so composing fragments never double-escapes. Trusted markup from elsewhere
/// needs an explicit `\(raw: ...)` or `HTML(unsafeRaw:)`.
///
///     let page: HTML = "<p>Hello, \(user.name)</p>"   // name is escaped
public struct HTML: Sendable, Equatable, CustomStringConvertible, ExpressibleByStringInterpolation {
    public private(set) var rendered: String

    public init(unsafeRaw: String) { rendered = unsafeRaw }
    public init(stringLiteral value: String) { rendered = value }
    public init(stringInterpolation: StringInterpolation) { rendered = stringInterpolation.output }

    public static let empty = HTML(unsafeRaw: "")

    public var description: String { rendered }

    public static func + (lhs: HTML, rhs: HTML) -> HTML { HTML(unsafeRaw: lhs.rendered + rhs.rendered) }

    /// Escapes `& < > " '` for text and quoted attribute values.
    public static func escape(_ text: some StringProtocol) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    public struct StringInterpolation: StringInterpolationProtocol {
        var output = ""

        public init(literalCapacity: Int, interpolationCount: Int) {
            output.reserveCapacity(literalCapacity * 2)
        }

        public mutating func appendLiteral(_ literal: String) { output += literal }
        public mutating func appendInterpolation(_ text: String) { output += HTML.escape(text) }
        public mutating func appendInterpolation(_ text: Substring) { output += HTML.escape(text) }
        public mutating func appendInterpolation(_ value: Int) { output += String(value) }
        public mutating func appendInterpolation(_ html: HTML) { output += html.rendered }
        public mutating func appendInterpolation(_ html: HTML?) { output += html?.rendered ?? "" }
        public mutating func appendInterpolation(_ list: [HTML]) {
            for h in list { output += h.rendered }
        }
        /// Trusted markup, inserted without escaping.
        public mutating func appendInterpolation(raw: String) { output += raw }
    }
}

extension Array where Element == HTML {
    public func joined(separator: HTML = .empty) -> HTML {
        HTML(unsafeRaw: map(\.rendered).joined(separator: separator.rendered))
    }
}
