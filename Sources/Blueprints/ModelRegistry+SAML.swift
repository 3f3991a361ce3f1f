extension ModelSpec {
    /// A SAML 2.0 service provider (Docs/saml.md), bound to an application through
    /// `application.provider`. Certificates are public: literal PEM or `!Env NAME` both do.
    public static let samlProvider = ModelSpec(
        name: "saml-provider", identifiers: ["name"],
        fields: [
            FieldSpec("acs_url", .url),
            FieldSpec("acs_urls", .stringList),
            // The SP's entity ID: the Audience of every assertion.
            FieldSpec("audience", .string),
            // How LogoutResponses reach the SP (SSO responses are always HTTP-POST, profiles §4.1.2).
            FieldSpec("sp_binding", .choice(["post", "redirect"])),
            FieldSpec("sign_response", .bool),
            FieldSpec("sign_assertion", .bool),
            FieldSpec("signature_algorithm", .choice(["rsa-sha256", "rsa-sha512", "ecdsa-sha256"])),
            FieldSpec("name_id_format", .choice(samlNameIDFormats)),
            FieldSpec("name_id", .expression),
            FieldSpec("attribute_mappings", .listOf([
                FieldSpec("name", .string, requiredOnCreate: true),
                FieldSpec("expression", .expression, requiredOnCreate: true),
                FieldSpec("name_format", .string),
                FieldSpec("friendly_name", .string),
            ])),
            FieldSpec("encryption_certificate", .string),
            FieldSpec("verification_certificate", .string),
            // The SP's metadata XML: fills what the entry leaves out (ACS URLs, audience, certificates, SLO).
            FieldSpec("sp_metadata", .string),
            FieldSpec("default_relay_state", .string),
            FieldSpec("session_valid_not_on_or_after", .duration),
            FieldSpec("slo_url", .url),
            FieldSpec("slo_binding", .choice(["post", "redirect"])),
            FieldSpec("sign_metadata", .bool),
        ],
        isApplied: true,
        checks: [{ attrs in
            var problems: [(field: String, message: String)] = []
            let metadata = attrs["sp_metadata"] != nil
            if attrs["acs_url"] != nil, attrs["acs_urls"] != nil {
                problems.append(("attrs.acs_urls", "give acs_url or acs_urls, not both"))
            }
            if !metadata, attrs["acs_url"] == nil, attrs["acs_urls"] == nil {
                problems.append(("attrs.acs_url", "needs acs_url, acs_urls or sp_metadata: assertions go only to registered ACS URLs"))
            }
            if !metadata, attrs["audience"] == nil {
                problems.append(("attrs.audience", "needs the SP's entity ID (audience) or sp_metadata"))
            }
            if case .list(let urls)? = attrs["acs_urls"] {
                if urls.isEmpty { problems.append(("attrs.acs_urls", "must list at least one URL")) }
                for case .string(let url) in urls where !(url.hasPrefix("https://") || url.hasPrefix("http://")) {
                    problems.append(("attrs.acs_urls", "\(url) is not an http(s) URL"))
                }
            }
            for field in ["encryption_certificate", "verification_certificate"] {
                if case .string(let pem)? = attrs[field], !pem.contains("-----BEGIN CERTIFICATE-----") {
                    problems.append(("attrs.\(field)", "must be a PEM certificate (-----BEGIN CERTIFICATE-----)"))
                }
            }
            if case .string(let xml)? = attrs["sp_metadata"], !xml.drop(while: { $0.isWhitespace }).hasPrefix("<") {
                problems.append(("attrs.sp_metadata", "must be the SP's metadata XML"))
            }
            if case .list(let mappings)? = attrs["attribute_mappings"] {
                var names = Set<String>()
                for case (let index, .map(let mapping)) in mappings.enumerated() {
                    guard case .string(let name)? = mapping["name"] else { continue }
                    if name.isEmpty { problems.append(("attrs.attribute_mappings[\(index)].name", "must not be empty")) }
                    if !names.insert(name).inserted {
                        problems.append(("attrs.attribute_mappings[\(index)].name", "\(name) is mapped twice"))
                    }
                }
            }
            return problems
        }])

    /// The NameID formats a saml-provider may use.
    public static let samlNameIDFormats = [
        "urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified",
        "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress",
        "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent",
        "urn:oasis:names:tc:SAML:2.0:nameid-format:transient",
    ]
}
