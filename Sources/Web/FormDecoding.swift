import HTTP
/// Name/value pairs from a query string or an `application/x-www-form-urlencoded` body.
/// Every value of a repeated name is kept, in order; protocols that forbid repeats
/// (OAuth 2.0 §3.1) check `values(_:)` themselves.
public struct FormData: Sendable, Equatable {
    public private(set) var fields: [String: [String]] = [:]
    public private(set) var count = 0

    public init() {}
    public init(_ fields: [String: [String]]) {
        self.fields = fields
        self.count = fields.values.reduce(0) { $0 + $1.count }
    }

    /// The first value of `name`.
    public subscript(name: String) -> String? { fields[name]?.first }
    public func values(_ name: String) -> [String] { fields[name] ?? [] }

    mutating func append(_ name: String, _ value: String) {
        fields[name, default: []].append(value)
        count += 1
    }

    /// The most fields a query or form may carry.
    public static let maxFields = 1000

    /// Parses `a=1&b=two+words&c`. `+` is a space; a malformed escape, invalid UTF-8 or
    /// more than `maxFields` pairs throws `WebError.badRequest`.
    public static func parse(_ encoded: String) throws(WebError) -> FormData {
        var form = FormData()
        for pair in encoded.split(separator: "&", omittingEmptySubsequences: true) {
            guard form.count < maxFields else { throw WebError.badRequest("too many fields") }
            let name: Substring, value: Substring
            if let eq = pair.firstIndex(of: "=") {
                name = pair[..<eq]
                value = pair[pair.index(after: eq)...]
            } else {
                name = pair
                value = ""
            }
            guard let n = PercentEncoding.decode(name, plusAsSpace: true),
                  let v = PercentEncoding.decode(value, plusAsSpace: true) else {
                throw WebError.badRequest("malformed percent-encoding")
            }
            form.append(n, v)
        }
        return form
    }
}
