import XCTest
import LDAPWire

/// RFC 4515 filter strings: parse, render, escapes, and the examples of its §4.
final class FilterStringTests: XCTestCase {

    private func parse(_ text: String, file: StaticString = #filePath, line: UInt = #line) -> LDAPFilter? {
        do {
            return try LDAPFilter(parsing: text)
        } catch {
            XCTFail("\(text): \(error)", file: file, line: line)
            return nil
        }
    }

    /// Parses, checks the value, renders back to `rendered` (default: the input) and checks
    /// the BER form decodes to the same filter.
    private func check(_ text: String, _ expected: LDAPFilter, rendered: String? = nil,
                       file: StaticString = #filePath, line: UInt = #line) {
        guard let filter = parse(text, file: file, line: line) else { return }
        XCTAssertEqual(filter, expected, text, file: file, line: line)
        XCTAssertEqual(filter.string, rendered ?? text, file: file, line: line)
        XCTAssertEqual(try LDAPFilter(decoding: filter.berEncoded), filter, file: file, line: line)
    }

    private func ava(_ a: String, _ v: String) -> AttributeValueAssertion { AttributeValueAssertion(attribute: a, string: v) }

    func testItems() {
        check("(cn=Babs Jensen)", .equal("cn", "Babs Jensen"))
        check("(!(cn=Tim Howes))", .not(.equal("cn", "Tim Howes")))
        check("(objectClass=*)", .present("objectClass"))
        check("(age>=18)", .greaterOrEqual(ava("age", "18")))
        check("(age<=99)", .lessOrEqual(ava("age", "99")))
        check("(sn~=lovelace)", .approxMatch(ava("sn", "lovelace")))
        check("(cn=)", .equal("cn", ""))
        check("(cn;lang-en=x)", .equal("cn;lang-en", "x"))
        check("(2.5.4.3=x)", .equal("2.5.4.3", "x"))
    }

    func testSubstrings() {
        check("(cn=a*)", .substrings(SubstringFilter(type: "cn", initial: ascii("a"))))
        check("(cn=*z)", .substrings(SubstringFilter(type: "cn", final: ascii("z"))))
        check("(cn=*m*)", .substrings(SubstringFilter(type: "cn", any: [ascii("m")])))
        check("(cn=a*b*c*d)", .substrings(SubstringFilter(type: "cn", initial: ascii("a"), any: [ascii("b"), ascii("c")], final: ascii("d"))))
        check("(o=univ*of*mich*)", .substrings(SubstringFilter(type: "o", initial: ascii("univ"), any: [ascii("of"), ascii("mich")])))
        check("(seeAlso=)", .equal("seeAlso", ""))
    }

    func testNested() {
        check("(&(objectClass=Person)(|(sn=Jensen)(cn=Babs J*)))",
              .and([.equal("objectClass", "Person"),
                    .or([.equal("sn", "Jensen"), .substrings(SubstringFilter(type: "cn", initial: ascii("Babs J")))])]))
        // RFC 4526 absolute true and false.
        check("(&)", .and([]))
        check("(|)", .or([]))
    }

    func testExtensibleMatch() {
        // Active Directory's transitive group membership (LDAP_MATCHING_RULE_IN_CHAIN).
        check("(memberOf:1.2.840.113556.1.4.1941:=cn=x,ou=groups,dc=ex)",
              .extensibleMatch(MatchingRuleAssertion(matchingRule: "1.2.840.113556.1.4.1941", type: "memberOf",
                                                     matchValue: ascii("cn=x,ou=groups,dc=ex"))))
        // The examples of RFC 4515 §4.
        check("(cn:caseExactMatch:=Fred Flintstone)",
              .extensibleMatch(MatchingRuleAssertion(matchingRule: "caseExactMatch", type: "cn", matchValue: ascii("Fred Flintstone"))))
        check("(cn:=Betty Rubble)", .extensibleMatch(MatchingRuleAssertion(type: "cn", matchValue: ascii("Betty Rubble"))))
        check("(sn:dn:2.4.6.8.10:=Barney Rubble)",
              .extensibleMatch(MatchingRuleAssertion(matchingRule: "2.4.6.8.10", type: "sn", matchValue: ascii("Barney Rubble"), dnAttributes: true)))
        check("(o:dn:=Ace Industry)", .extensibleMatch(MatchingRuleAssertion(type: "o", matchValue: ascii("Ace Industry"), dnAttributes: true)))
        check("(:1.2.3:=Wilma Flintstone)", .extensibleMatch(MatchingRuleAssertion(matchingRule: "1.2.3", matchValue: ascii("Wilma Flintstone"))))
        check("(:DN:2.4.6.8.10:=Dino)",
              .extensibleMatch(MatchingRuleAssertion(matchingRule: "2.4.6.8.10", matchValue: ascii("Dino"), dnAttributes: true)),
              rendered: "(:dn:2.4.6.8.10:=Dino)")
    }

    func testEscapes() {
        // RFC 4515 §4's escaping examples.
        check("(o=Parens R Us \\28for all your parenthetical needs\\29)", .equal("o", "Parens R Us (for all your parenthetical needs)"))
        check("(cn=*\\2A*)", .substrings(SubstringFilter(type: "cn", any: [ascii("*")])), rendered: "(cn=*\\2a*)")
        check("(filename=C:\\5cMyFile)", .equal("filename", "C:\\MyFile"))
        check("(bin=\\00\\00\\00\\04)", .equalityMatch(AttributeValueAssertion(attribute: "bin", value: [0, 0, 0, 4])))
        check("(sn=Lu\\c4\\8di\\c4\\87)", .equal("sn", "Lučić"), rendered: "(sn=Lučić)")
        // Upper-case hex reads the same and renders lower-case.
        check("(cn=a\\2Ab)", .equal("cn", "a*b"), rendered: "(cn=a\\2ab)")
        // Non-ASCII UTF-8 stays as it is; octets that are not UTF-8 are escaped.
        check("(cn=Jürgen)", .equal("cn", "Jürgen"))
        check("(objectGUID=\\ff\\c3)", .equalityMatch(AttributeValueAssertion(attribute: "objectGUID", value: [0xff, 0xc3])))
        XCTAssertEqual(LDAPFilter.escape(ascii("a*(b)\\") + [0]), "a\\2a\\28b\\29\\5c\\00")
        XCTAssertEqual(LDAPFilter.equal("cn", "x)(uid=*").string, "(cn=x\\29\\28uid=\\2a)")
    }

    func testRenderingEscapesEveryValueKind() {
        let filter = LDAPFilter.and([
            .substrings(SubstringFilter(type: "cn", initial: ascii("("), any: [ascii(")")], final: ascii("*"))),
            .extensibleMatch(MatchingRuleAssertion(type: "cn", matchValue: ascii("\\"))),
            .greaterOrEqual(AttributeValueAssertion(attribute: "n", value: [0])),
        ])
        XCTAssertEqual(filter.string, "(&(cn=\\28*\\29*\\2a)(cn:=\\5c)(n>=\\00))")
        XCTAssertEqual(try LDAPFilter(parsing: filter.string), filter)
    }

    func testSyntaxErrors() {
        let bad = [
            "", "cn=a", "(cn=a", "(cn=a))", "(cn=a)(cn=b)", "(cn=a(b)", "(cn=\\4)", "(cn=\\4g)", "(cn=\\)",
            "(=a)", "(cn~=a*)", "(cn>=*)", "(:=x)", "(cn=a**b)", "((cn=a))", "(&(a=b)", "(!)", "(!(a=b)(c=d))",
            "(cn:dn:1.2:3.4:=x)", "(cn:=a*)", "(cn)", "(c n=a)", "(cn=a\u{0}b)", "(cn:x)", "( cn=a)",
        ]
        for text in bad {
            XCTAssertThrowsError(try LDAPFilter(parsing: text), text) { error in
                guard let e = error as? LDAPWireError else { return XCTFail("\(text): \(error)") }
                switch e {
                case .filterSyntax: break
                default: XCTFail("\(text): \(e)")
                }
            }
        }
    }

    func testErrorsSayWhere() {
        XCTAssertThrowsError(try LDAPFilter(parsing: "(&(cn=a)(sn=b\\zz))")) { error in
            XCTAssertEqual(error as? LDAPWireError, .filterSyntax(reason: "'\\' must be followed by two hex digits", offset: 13))
            XCTAssertEqual("\(error)", "filter string, at byte 13: '\\' must be followed by two hex digits")
        }
    }

    func testLimits() throws {
        let deep = String(repeating: "(!", count: 32) + "(a=*)" + String(repeating: ")", count: 32)
        XCTAssertThrowsError(try LDAPFilter(parsing: deep))
        let ok = String(repeating: "(!", count: 31) + "(a=*)" + String(repeating: ")", count: 31)
        XCTAssertNoThrow(try LDAPFilter(parsing: ok))
        let wide = "(|" + String(repeating: "(a=b)", count: 100) + ")"
        XCTAssertThrowsError(try LDAPFilter(parsing: wide, limits: LDAPLimits(maxFilterTerms: 50))) { error in
            XCTAssertEqual(error as? LDAPWireError, .tooMany(what: "filter string", limit: 50))
        }
    }
}
