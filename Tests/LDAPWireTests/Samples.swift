import LDAPWire

/// One message of every operation, with optional fields both present and absent: the round
/// trip tests and the mutation test start from these.
enum Samples {
    static let result = LDAPResult(resultCode: .noSuchObject, matchedDN: "dc=example,dc=org",
                                   diagnosticMessage: "no such entry", referral: ["ldap://other.example/dc=example,dc=org"])
    static let filter = LDAPFilter.and([
        .or([.equal("uid", "ada"), .present("mail"), .and([])]),
        .not(.approxMatch(AttributeValueAssertion(attribute: "sn", string: "lovelace"))),
        .greaterOrEqual(AttributeValueAssertion(attribute: "age", string: "18")),
        .lessOrEqual(AttributeValueAssertion(attribute: "age", string: "99")),
        .substrings(SubstringFilter(type: "cn", initial: ascii("a"), any: [ascii("d"), ascii("e")], final: ascii("z"))),
        .substrings(SubstringFilter(type: "cn", final: ascii("z"))),
        .extensibleMatch(MatchingRuleAssertion(matchingRule: LDAPOID.matchingRuleInChain, type: "memberOf",
                                               matchValue: ascii("cn=x,ou=groups,dc=ex"), dnAttributes: true)),
        .extensibleMatch(MatchingRuleAssertion(type: "cn", matchValue: ascii("Fred"))),
        .or([]),
    ])
    static let controls = [
        PagedResultsControl(size: 100, cookie: [1, 2, 3]).control(criticality: true),
        LDAPControl(controlType: "1.3.6.1.4.1.42.2.27.8.5.1"),
    ]

    static let operations: [LDAPProtocolOp] = [
        .bindRequest(.simple(name: "cn=admin,dc=example,dc=org", password: "secret")),
        .bindRequest(BindRequest(version: 2, name: "", authentication: .sasl(mechanism: "GSSAPI", credentials: [0, 1]))),
        .bindRequest(BindRequest(name: "", authentication: .sasl(mechanism: "EXTERNAL", credentials: nil))),
        .bindResponse(BindResponse(result: .success, serverSaslCreds: [9, 8, 7])),
        .bindResponse(BindResponse(result: result)),
        .unbindRequest,
        .searchRequest(SearchRequest(baseObject: "dc=example,dc=org", scope: .singleLevel, derefAliases: .derefAlways,
                                     sizeLimit: 500, timeLimit: 2_147_483_647, typesOnly: true, filter: filter,
                                     attributes: ["cn", "memberOf", "1.1", "*", "+"])),
        .searchRequest(SearchRequest(baseObject: "", scope: .baseObject, filter: .present("objectClass"))),
        .searchResultEntry(SearchResultEntry(objectName: "cn=ada,ou=users,dc=example,dc=org", attributes: [
            PartialAttribute(type: "cn", strings: ["ada"]),
            PartialAttribute(type: "jpegPhoto", values: [[0xFF, 0xD8, 0x00, 0x80]]),
            PartialAttribute(type: "memberOf", strings: ["cn=a,ou=groups,dc=ex", "cn=b,ou=groups,dc=ex"]),
            PartialAttribute(type: "description"),
        ])),
        .searchResultEntry(SearchResultEntry(objectName: "")),
        .searchResultDone(result),
        .searchResultDone(.success),
        .searchResultReference(uris: ["ldap://a.example/ou=x", "ldap://b.example/ou=x"]),
        .modifyRequest(ModifyRequest(object: "cn=ada,dc=ex", changes: [
            .init(operation: .add, modification: PartialAttribute(type: "mail", strings: ["ada@example.org"])),
            .init(operation: .delete, modification: PartialAttribute(type: "description")),
            .init(operation: .replace, modification: PartialAttribute(type: "sn", strings: ["Lovelace", "King"])),
            .init(operation: .increment, modification: PartialAttribute(type: "uidNumber", strings: ["1"])),
        ])),
        .modifyResponse(result),
        .addRequest(AddRequest(entry: "cn=new,dc=ex", attributes: [
            PartialAttribute(type: "objectClass", strings: ["top", "person"]),
            PartialAttribute(type: "cn", strings: ["new"]),
        ])),
        .addResponse(.success),
        .delRequest(dn: "cn=old,dc=ex"),
        .delResponse(LDAPResult(resultCode: .notAllowedOnNonLeaf)),
        .modifyDNRequest(ModifyDNRequest(entry: "cn=a,dc=ex", newRDN: "cn=b", deleteOldRDN: true)),
        .modifyDNRequest(ModifyDNRequest(entry: "cn=a,dc=ex", newRDN: "cn=a", deleteOldRDN: false, newSuperior: "ou=x,dc=ex")),
        .modifyDNResponse(LDAPResult(resultCode: .entryAlreadyExists, diagnosticMessage: "exists")),
        .compareRequest(CompareRequest(entry: "cn=ada,dc=ex", assertion: AttributeValueAssertion(attribute: "uid", string: "ada"))),
        .compareResponse(LDAPResult(resultCode: .compareTrue)),
        .abandonRequest(messageID: 41),
        .extendedRequest(ExtendedRequest(requestName: LDAPOID.startTLS)),
        .extendedRequest(ExtendedRequest(requestName: "1.3.6.1.4.1.4203.1.11.1", requestValue: [0x30, 0x00])),
        .extendedResponse(ExtendedResponse(result: .success, responseName: LDAPOID.startTLS)),
        .extendedResponse(ExtendedResponse(result: .success, responseValue: ascii("dn:cn=ada,dc=ex"))),
        .extendedResponse(ExtendedResponse(result: LDAPResult(resultCode: .other(4096)), responseName: "1.2.3",
                                           responseValue: [])),
        .intermediateResponse(IntermediateResponse()),
        .intermediateResponse(IntermediateResponse(responseName: "1.3.6.1.4.1.4203.1.9.1.4", responseValue: [1])),
        .intermediateResponse(IntermediateResponse(responseValue: [2])),
    ]

    static var messages: [LDAPMessage] {
        operations.enumerated().map { i, op in
            LDAPMessage(messageID: Int32(i + 1), protocolOp: op, controls: i % 3 == 0 ? controls : [])
        } + [LDAPMessage(messageID: 2_147_483_647, protocolOp: .unbindRequest), .noticeOfDisconnection()]
    }
}
