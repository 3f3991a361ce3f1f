/// The identifier octet of a BER element (X.690 §8.1.2). LDAP's tags all fit the one-octet
/// form (numbers 0–30), so the multi-byte form is refused rather than supported.
public struct BERTag: Hashable, Sendable, CustomStringConvertible {
    public enum TagClass: UInt8, Sendable {
        case universal = 0, application = 1, contextSpecific = 2, `private` = 3
    }

    public let tagClass: TagClass
    public let isConstructed: Bool
    /// 0...30.
    public let number: UInt8

    /// `number` is masked to its five bits; 31 would mean the multi-byte form.
    public init(_ tagClass: TagClass, _ number: UInt8, constructed: Bool = false) {
        self.tagClass = tagClass
        self.isConstructed = constructed
        self.number = min(number & 0x1F, 30)
    }

    /// Nil for the multi-byte form (low five bits all ones).
    public init?(byte: UInt8) {
        guard byte & 0x1F != 0x1F else { return nil }
        self.tagClass = TagClass(rawValue: byte >> 6)!
        self.isConstructed = byte & 0x20 != 0
        self.number = byte & 0x1F
    }

    public var byte: UInt8 { tagClass.rawValue << 6 | (isConstructed ? 0x20 : 0) | number }

    public static let boolean = BERTag(.universal, 1)
    public static let integer = BERTag(.universal, 2)
    public static let octetString = BERTag(.universal, 4)
    public static let null = BERTag(.universal, 5)
    public static let enumerated = BERTag(.universal, 10)
    public static let sequence = BERTag(.universal, 16, constructed: true)
    public static let set = BERTag(.universal, 17, constructed: true)

    public static func application(_ number: UInt8, constructed: Bool) -> BERTag {
        BERTag(.application, number, constructed: constructed)
    }
    public static func context(_ number: UInt8, constructed: Bool = false) -> BERTag {
        BERTag(.contextSpecific, number, constructed: constructed)
    }

    public var description: String {
        let hex = String(byte, radix: 16)
        let name: String
        switch tagClass {
        case .universal:
            let names: [UInt8: String] = [1: "BOOLEAN", 2: "INTEGER", 4: "OCTET STRING", 5: "NULL",
                                          10: "ENUMERATED", 16: "SEQUENCE", 17: "SET"]
            name = names[number] ?? "UNIVERSAL \(number)"
        case .application: name = "[APPLICATION \(number)]"
        case .contextSpecific: name = "[\(number)]"
        case .private: name = "[PRIVATE \(number)]"
        }
        return "\(name)\(isConstructed ? " constructed" : "") (0x\(hex.count == 1 ? "0" : "")\(hex))"
    }
}
