import Crypto
import Expressions
import Identity
import Store

/// The NameID an SP gets for a user (core §8.3).
///
/// - unspecified: `name_id` (CEL) or the username;
/// - emailAddress: `name_id` or the e-mail address (a user without one cannot sign in here);
/// - persistent: `name_id`, or HMAC-SHA256 under a key derived from the master key over the
///   SP's entity ID and the user's id: stable per user and SP, unrelated across SPs, and not
///   guessable from anything the SP sees (core §8.3.7: "Persistent name identifiers ... MUST
///   be ... opaque");
/// - transient: HMAC over the session id and the SP, so it is new for every session yet the
///   same within one (the SP's LogoutRequest can be matched to it); `name_id` is ignored.
struct NameIDMaker {
    /// 32 bytes derived from the master key (`gatehouse/saml/nameid/v1`).
    let key: [UInt8]
    let mapper: any AttributeMapper

    func nameID(for user: User, session: BrowserSession, provider: SAMLServiceProvider,
                context: MappingContext) throws(SAMLStatusError) -> (value: String, format: String) {
        let format = SAMLNameIDFormat(rawValue: provider.nameIDFormat) ?? .unspecified
        if format == .transient {
            let digest = HMAC.sha256(key: key, message: Array("transient\u{0}\(provider.audience)\u{0}\(session.sid)".utf8))
            return ("_" + Hex.encode(Array(digest.prefix(20))), format.rawValue)
        }
        if let expression = provider.nameIDExpression {
            let value: ExprValue
            do { value = try mapper.evaluate(expression, context) } catch {
                throw SAMLStatusError(topLevel: SAMLStatus.responder, secondLevel: nil, message: "The NameID mapping failed.")
            }
            guard let text = Self.text(of: value), !text.isEmpty else {
                throw SAMLStatusError(topLevel: SAMLStatus.responder, secondLevel: SAMLStatus.invalidNameIDPolicy,
                                      message: "The NameID mapping gave no value for this user.")
            }
            return (text, format.rawValue)
        }
        switch format {
        case .unspecified:
            return (user.username, format.rawValue)
        case .emailAddress:
            guard let email = user.email, !email.isEmpty else {
                throw SAMLStatusError(topLevel: SAMLStatus.responder, secondLevel: SAMLStatus.invalidNameIDPolicy,
                                      message: "The account has no e-mail address.")
            }
            return (email, format.rawValue)
        case .persistent, .transient:
            let digest = HMAC.sha256(key: key, message: Array("persistent\u{0}\(provider.audience)\u{0}\(user.id.rawValue)".utf8))
            return (Base64URL.encode(digest), SAMLNameIDFormat.persistent.rawValue)
        }
    }

    /// A scalar as text (lists and maps are not NameIDs).
    static func text(of value: ExprValue) -> String? {
        switch value {
        case .string(let s): return s
        case .int(let i): return String(i)
        case .bool(let b): return b ? "true" : "false"
        case .double(let d): return String(d)
        default: return nil
        }
    }
}
