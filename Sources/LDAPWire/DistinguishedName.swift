/// A distinguished name, RFC 4514: RDNs from the entry up to the root
/// (`cn=ada,ou=users,dc=example,dc=org` has four).
public struct DistinguishedName: Hashable, Sendable, CustomStringConvertible {
    public var rdns: [RelativeDistinguishedName]

    public init(rdns: [RelativeDistinguishedName]) {
        self.rdns = rdns
    }

    /// The empty DN (the root DSE).
    public static let root = DistinguishedName(rdns: [])

    /// The RFC 4514 string form: attribute types as written, values escaped per §2.4.
    public var string: String { rdns.map(\.string).joined(separator: ",") }
    public var description: String { string }

    /// The DN one level up, nil for the root.
    public var parent: DistinguishedName? {
        rdns.isEmpty ? nil : DistinguishedName(rdns: Array(rdns.dropFirst()))
    }

    /// A child of this DN.
    public func appending(_ rdn: RelativeDistinguishedName) -> DistinguishedName {
        DistinguishedName(rdns: [rdn] + rdns)
    }
}

/// One RDN: usually one type and value, several joined by `+` when multi-valued.
public struct RelativeDistinguishedName: Hashable, Sendable {
    public var attributes: [AttributeTypeAndValue]

    public init(_ attributes: [AttributeTypeAndValue]) {
        self.attributes = attributes
    }

    public init(type: String, value: String) {
        self.init([AttributeTypeAndValue(type: type, value: value)])
    }

    public var string: String { attributes.map(\.string).joined(separator: "+") }
}

/// `attributeType=attributeValue`.
public struct AttributeTypeAndValue: Hashable, Sendable {
    public enum Value: Hashable, Sendable {
        /// The usual string form, unescaped.
        case string(String)
        /// RFC 4514 §2.4's `#` form: the BER encoding of the value, for types without a
        /// string representation (and, by choice of the writer, for any type).
        case ber([UInt8])
    }

    public var type: String
    public var value: Value

    public init(type: String, value: Value) {
        self.type = type
        self.value = value
    }

    public init(type: String, value: String) {
        self.init(type: type, value: .string(value))
    }

    public var string: String {
        switch value {
        case .string(let s):
            return "\(type)=\(DistinguishedName.escapeValue(s))"
        case .ber(let bytes):
            let digits = Array("0123456789abcdef")
            return "\(type)=#" + String(bytes.flatMap { [digits[Int($0 >> 4)], digits[Int($0 & 0x0F)]] })
        }
    }
}

extension DistinguishedName {
    /// Escapes a value for use in a DN string (RFC 4514 §2.4), e.g. when building
    /// `cn=<user input>,ou=users,…`:
    /// "- a space (' ' U+0020) or number sign ('#' U+0023) occurring at the beginning of the
    /// string; - a space (' ' U+0020) character occurring at the end of the string; - one of
    /// the characters '"', '+', ',', ';', '<', '>', or '\' (U+0022, U+002B, U+002C, U+003B,
    /// U+003C, U+003E, or U+005C, respectively); - the null (U+0000) character."
    /// Other control characters are hex-escaped too ("Other characters may be escaped"), so
    /// a DN in a log line stays on one line.
    public static func escapeValue(_ value: String) -> String {
        let bytes = Array(value.utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        let digits = Array("0123456789ABCDEF".utf8)
        for (i, b) in bytes.enumerated() {
            switch b {
            case 0x22, 0x2B, 0x2C, 0x3B, 0x3C, 0x3E, 0x5C:
                out += [0x5C, b]
            case 0x20 where i == 0 || i == bytes.count - 1:
                out += [0x5C, b]
            case 0x23 where i == 0:
                out += [0x5C, b]
            case 0x00..<0x20, 0x7F:
                out += [0x5C, digits[Int(b >> 4)], digits[Int(b & 0x0F)]]
            default:
                out.append(b)
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}
