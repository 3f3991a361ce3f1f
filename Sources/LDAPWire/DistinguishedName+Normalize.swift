/// A normalised form for comparing DNs without a schema: attribute types lower-cased and
/// their common aliases and OIDs mapped to one short name, the values of the usual
/// case-insensitive (caseIgnoreMatch) attributes lower-cased with insignificant spaces
/// removed, and the parts of a multi-valued RDN in a fixed order. Values of other types
/// compare exactly.
extension DistinguishedName {
    public var normalized: DistinguishedName {
        DistinguishedName(rdns: rdns.map(\.normalized))
    }

    /// True when both name the same entry by the rules of `normalized`.
    public func isEquivalent(to other: DistinguishedName) -> Bool {
        rdns.count == other.rdns.count && normalized == other.normalized
    }

    /// True when this DN is `base` or lies below it (what a wholeSubtree search of `base` covers).
    public func isWithin(_ base: DistinguishedName) -> Bool {
        guard rdns.count >= base.rdns.count else { return false }
        return zip(rdns.suffix(base.rdns.count), base.rdns).allSatisfy { $0.normalized == $1.normalized }
    }
}

extension RelativeDistinguishedName {
    public var normalized: RelativeDistinguishedName {
        RelativeDistinguishedName(attributes.map(\.normalized).sorted { $0.string < $1.string })
    }
}

extension AttributeTypeAndValue {
    public var normalized: AttributeTypeAndValue {
        let lowered = type.lowercased()
        let name = AttributeTypeAndValue.canonicalNames[lowered] ?? lowered
        guard case .string(let value) = value, AttributeTypeAndValue.caseIgnore.contains(name) else {
            return AttributeTypeAndValue(type: name, value: value)
        }
        return AttributeTypeAndValue(type: name, value: .string(AttributeTypeAndValue.foldSpaces(value.lowercased())))
    }

    /// RFC 4518 §2.6.1 (insignificant space handling): leading and trailing spaces go,
    /// inner runs of spaces count as one.
    static func foldSpaces(_ value: String) -> String {
        value.split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ")
    }

    /// Aliases and OIDs (RFC 4519, RFC 4524, PKCS #9) of the attributes DNs use, lower-cased.
    static let canonicalNames: [String: String] = [
        "commonname": "cn", "2.5.4.3": "cn",
        "surname": "sn", "2.5.4.4": "sn",
        "countryname": "c", "2.5.4.6": "c",
        "localityname": "l", "2.5.4.7": "l",
        "stateorprovincename": "st", "2.5.4.8": "st",
        "streetaddress": "street", "2.5.4.9": "street",
        "organizationname": "o", "2.5.4.10": "o",
        "organizationalunitname": "ou", "2.5.4.11": "ou",
        "2.5.4.12": "title",
        "gn": "givenname", "2.5.4.42": "givenname",
        "userid": "uid", "0.9.2342.19200300.100.1.1": "uid",
        "domaincomponent": "dc", "0.9.2342.19200300.100.1.25": "dc",
        "rfc822mailbox": "mail", "0.9.2342.19200300.100.1.3": "mail",
        "emailaddress": "email", "1.2.840.113549.1.9.1": "email",
    ]

    /// Attributes whose equality rule ignores case (caseIgnoreMatch, caseIgnoreIA5Match).
    static let caseIgnore: Set<String> = [
        "cn", "sn", "c", "l", "st", "street", "o", "ou", "title", "givenname", "uid", "dc", "mail", "email",
        "name", "displayname", "initials", "samaccountname", "userprincipalname",
    ]
}
