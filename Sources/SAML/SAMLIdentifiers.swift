import Crypto

/// Identifiers of the messages we build. Core §1.3.4: "Any party that assigns an identifier
/// MUST ensure that there is negligible probability that that party or any other party will
/// accidentally assign the same identifier to a different data object" — 160 random bits;
/// a leading underscore because xs:ID is an NCName and cannot start with a digit.
enum SAMLIdentifier {
    static func make() -> String { "_" + Hex.encode(SecureRandom.bytes(20)) }
}
