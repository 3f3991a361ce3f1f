import XCTest
import LDAPWire

/// RFC 4514 DN strings: parse, render, escapeValue, and the normalised comparison.
final class DistinguishedNameTests: XCTestCase {

    private func dn(_ text: String, file: StaticString = #filePath, line: UInt = #line) -> DistinguishedName {
        do {
            return try DistinguishedName(parsing: text)
        } catch {
            XCTFail("\(text): \(error)", file: file, line: line)
            return .root
        }
    }

    private func values(_ name: DistinguishedName) -> [[String]] {
        name.rdns.map { $0.attributes.map { atv in
            switch atv.value {
            case .string(let s): return "\(atv.type)=\(s)"
            case .ber(let b): return "\(atv.type)=#\(showHex(b))"
            }
        } }
    }

    func testPlainDN() {
        let name = dn("cn=Ada Lovelace,ou=users,dc=example,dc=org")
        XCTAssertEqual(values(name), [["cn=Ada Lovelace"], ["ou=users"], ["dc=example"], ["dc=org"]])
        XCTAssertEqual(name.string, "cn=Ada Lovelace,ou=users,dc=example,dc=org")
        XCTAssertEqual(name.parent?.string, "ou=users,dc=example,dc=org")
        XCTAssertEqual(dn(""), .root)
        XCTAssertEqual(dn("   "), .root)
        XCTAssertNil(DistinguishedName.root.parent)
    }

    func testEscapedCommasAndPlusSigns() {
        let name = dn("cn=Lovelace\\, Ada\\+1,ou=users")
        XCTAssertEqual(values(name), [["cn=Lovelace, Ada+1"], ["ou=users"]])
        XCTAssertEqual(name.string, "cn=Lovelace\\, Ada\\+1,ou=users")
        // Hex-escaped comma reads the same.
        XCTAssertEqual(dn("cn=Lovelace\\2C Ada\\2b1,ou=users"), name)
    }

    func testMultiValuedRDN() {
        let name = dn("cn=Ada+uid=ada1,dc=example")
        XCTAssertEqual(values(name), [["cn=Ada", "uid=ada1"], ["dc=example"]])
        XCTAssertEqual(name.string, "cn=Ada+uid=ada1,dc=example")
        XCTAssertTrue(name.isEquivalent(to: dn("UID=ADA1+CN=ada,DC=Example")))
    }

    func testEverySpecialEscape() {
        let name = dn("cn=\\\"q\\\" \\\\ \\< \\> \\; \\= \\# \\+ \\,")
        XCTAssertEqual(values(name), [["cn=\"q\" \\ < > ; = # + ,"]])
        XCTAssertEqual(name.string, "cn=\\\"q\\\" \\\\ \\< \\> \\; = # \\+ \\,")
        XCTAssertEqual(dn(name.string), name)
    }

    func testHexEscapesSpellUTF8() {
        XCTAssertEqual(values(dn("cn=L\\C3\\A9a")), [["cn=Léa"]])
        XCTAssertEqual(dn("cn=Léa").string, "cn=Léa")
        XCTAssertThrowsError(try DistinguishedName(parsing: "cn=\\ff"))
    }

    func testLeadingHashAndTheHexForm() {
        XCTAssertEqual(values(dn("cn=\\#hash")), [["cn=#hash"]])
        XCTAssertEqual(dn("cn=\\#hash").string, "cn=\\#hash")
        let ber = dn("1.3.6.1.4.1.1466.0=#04024869,dc=example")
        XCTAssertEqual(ber.rdns[0].attributes[0].value, .ber([0x04, 0x02, 0x48, 0x69]))
        XCTAssertEqual(ber.string, "1.3.6.1.4.1.1466.0=#04024869,dc=example")
        // '#' inside a value needs no escape.
        XCTAssertEqual(values(dn("cn=a#b")), [["cn=a#b"]])
    }

    func testLeadingAndTrailingSpaces() {
        XCTAssertEqual(values(dn("cn=\\ ada\\ ,dc=ex")), [["cn= ada "], ["dc=ex"]])
        XCTAssertEqual(dn("cn=\\ ada\\ ,dc=ex").string, "cn=\\ ada\\ ,dc=ex")
        // Unescaped spaces around '=', ',' and '+' are not part of the value.
        XCTAssertEqual(values(dn("  cn = ada lovelace  ,  dc = ex  ")), [["cn=ada lovelace"], ["dc=ex"]])
        XCTAssertEqual(values(dn("cn=a + uid=b")), [["cn=a", "uid=b"]])
        // An escaped space then unescaped ones: the escaped one stays.
        XCTAssertEqual(values(dn("cn=a\\  ,dc=ex")), [["cn=a "], ["dc=ex"]])
    }

    func testEscapeValue() {
        XCTAssertEqual(DistinguishedName.escapeValue("Lovelace, Ada"), "Lovelace\\, Ada")
        XCTAssertEqual(DistinguishedName.escapeValue(" #lead"), "\\ #lead")
        XCTAssertEqual(DistinguishedName.escapeValue("#lead"), "\\#lead")
        XCTAssertEqual(DistinguishedName.escapeValue("trail "), "trail\\ ")
        XCTAssertEqual(DistinguishedName.escapeValue("a+b=c\"d\\e<f>g;h"), "a\\+b=c\\\"d\\\\e\\<f\\>g\\;h")
        XCTAssertEqual(DistinguishedName.escapeValue("nul\u{0}\n"), "nul\\00\\0A")
        XCTAssertEqual(DistinguishedName.escapeValue(" "), "\\ ")
        // Whatever a user typed, the escaped value parses back to itself as one RDN.
        for value in ["x,cn=admin", "a+uid=root", " spaced ", "#", "\\", "é ü", "=", "a\u{0}b"] {
            let built = dn("cn=\(DistinguishedName.escapeValue(value)),ou=users")
            XCTAssertEqual(values(built), [["cn=\(value)"], ["ou=users"]], value)
        }
    }

    func testNormalisedComparison() {
        let a = dn("CN=Ada  Lovelace , OU=Users,DC=Example,DC=ORG")
        let b = dn("cn=ada lovelace,ou=users,dc=example,dc=org")
        XCTAssertTrue(a.isEquivalent(to: b))
        XCTAssertNotEqual(a, b)
        XCTAssertEqual(a.normalized.string, "cn=ada lovelace,ou=users,dc=example,dc=org")
        // Aliases and OIDs of the same attribute.
        XCTAssertTrue(dn("commonName=x,domainComponent=ex").isEquivalent(to: dn("2.5.4.3=X,0.9.2342.19200300.100.1.25=EX")))
        XCTAssertTrue(dn("userid=ada").isEquivalent(to: dn("uid=ADA")))
        // Types outside the case-insensitive list compare exactly.
        XCTAssertFalse(dn("x-opaque=ABC").isEquivalent(to: dn("x-opaque=abc")))
        XCTAssertTrue(dn("X-Opaque=ABC").isEquivalent(to: dn("x-opaque=ABC")))
        // A different number of RDNs or a different value is a different entry.
        XCTAssertFalse(dn("cn=a,dc=ex").isEquivalent(to: dn("cn=a")))
        XCTAssertFalse(dn("cn=a,dc=ex").isEquivalent(to: dn("cn=b,dc=ex")))
        // An escaped comma is not a separator.
        XCTAssertFalse(dn("cn=a\\,dc=ex").isEquivalent(to: dn("cn=a,dc=ex")))
    }

    func testIsWithin() {
        let base = dn("dc=Example,dc=org")
        XCTAssertTrue(dn("cn=ada,ou=users,dc=example,dc=org").isWithin(base))
        XCTAssertTrue(dn("dc=example,dc=org").isWithin(base))
        XCTAssertFalse(dn("dc=org").isWithin(base))
        XCTAssertFalse(dn("cn=ada,dc=other,dc=org").isWithin(base))
        XCTAssertTrue(dn("cn=ada").isWithin(.root))
    }

    func testSyntaxErrors() {
        let bad = ["cn", "=a", "cn=a,", "cn=a,,dc=b", "cn=a;dc=b", "cn=a\\", "cn=\\zz", "cn=\"quoted\"", "cn=a<b",
                   "01.2=x", "1=x", "1..2=x", "-cn=x", "cn=#", "cn=#0", "cn=#zz", "cn=a+", "cn=a\u{0}"]
        for text in bad {
            XCTAssertThrowsError(try DistinguishedName(parsing: text), text) { error in
                guard case .dnSyntax? = error as? LDAPWireError else { return XCTFail("\(text): \(error)") }
            }
        }
    }
}
