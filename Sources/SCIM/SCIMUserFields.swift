import Foundation
import Store

/// What the store keeps of a user resource in the account's own columns, derived from the
/// stored form of the resource (`SCIMValues.resource`, or a PATCH applied to it).
enum SCIMUserFields {
    /// Checks the stored form and derives the account's fields; the whole document is kept as
    /// sent. An unassigned `active` (never sent, or removed) means active, as for a new user.
    /// Throws `invalidValue`.
    static func fields(of doc: [String: JSONValue]) throws(SCIMError) -> ProvisionedUserFields {
        guard let raw = doc["userName"]?.stringValue else { throw .invalidValue("userName is required") }
        let username = try SCIMNames.normalized(raw, attribute: "userName")
        let emails = doc["emails"]?.arrayValue ?? []
        var email = (emails.first { $0.member("primary") == .bool(true) } ?? emails.first { $0.member("type") == "work" } ?? emails.first)?
            .member("value")?.stringValue?.trimmingCharacters(in: .whitespaces)
        if email?.isEmpty == true { email = nil }
        if let email, email.utf8.count > 320 || email.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
            throw .invalidValue("emails[].value must be at most 320 bytes without control characters")
        }
        let name = doc["name"]
        var display = doc["displayName"]?.stringValue ?? name?.member("formatted")?.stringValue ?? ""
        if display.isEmpty {
            display = [name?.member("givenName")?.stringValue, name?.member("familyName")?.stringValue]
                .compactMap { $0 }.joined(separator: " ")
        }
        return ProvisionedUserFields(username: username, email: email, name: display, isActive: doc["active"]?.boolValue ?? true,
                                     profile: profile(of: doc), externalID: doc["externalId"]?.stringValue,
                                     document: SCIMDocuments.text(doc))
    }

    /// The profile attributes applications and mappings read (`user.attributes.department`):
    /// `name.givenName`/`familyName` (the OIDC `given_name`/`family_name` claims), `title`, the
    /// work phone, and the enterprise extension's (RFC 7643 §4.3) employeeNumber, costCenter,
    /// organization, division, department and manager (its display name, else its id).
    static func profile(of doc: [String: JSONValue]) -> [String: String] {
        func clean(_ value: JSONValue?) -> String? {
            guard let text = value?.stringValue?.trimmingCharacters(in: .whitespaces), !text.isEmpty else { return nil }
            return String(text.unicodeScalars.filter { $0.properties.generalCategory != .control }.prefix(255).map(Character.init))
        }
        let enterprise = doc.first { $0.key.lowercased() == SCIMSchema.enterpriseURN.lowercased() }?.value
        let phones = doc["phoneNumbers"]?.arrayValue ?? []
        let workPhone = phones.first { $0.member("type") == "work" } ?? phones.first { $0.member("primary") == .bool(true) } ?? phones.first
        let manager = enterprise?.member("manager")
        var profile: [String: String] = [:]
        profile["given_name"] = clean(doc["name"]?.member("givenName"))
        profile["family_name"] = clean(doc["name"]?.member("familyName"))
        profile["title"] = clean(doc["title"])
        profile["phone_number"] = clean(workPhone?.member("value"))
        profile["employee_number"] = clean(enterprise?.member("employeeNumber"))
        profile["cost_center"] = clean(enterprise?.member("costCenter"))
        profile["organization"] = clean(enterprise?.member("organization"))
        profile["division"] = clean(enterprise?.member("division"))
        profile["department"] = clean(enterprise?.member("department"))
        profile["manager"] = clean(manager?.member("displayName")) ?? clean(manager?.member("value"))
        return profile
    }
}
