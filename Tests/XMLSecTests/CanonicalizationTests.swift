import XCTest
import Crypto
import XMLSec

/// Exclusive XML Canonicalization 1.0 vectors. The first two are the example of the
/// specification (https://www.w3.org/TR/xml-exc-c14n/ §2.2): the same element under two
/// different ancestors canonicalises the same way.
final class CanonicalizationTests: XCTestCase {
    static let specExample1 = """
        <n0:local xmlns:n0="foo:bar" xmlns:n3="ftp://example.org">
           <n1:elem2 xmlns:n1="http://example.net" xml:lang="en">
               <n3:stuff xmlns:n3="ftp://example.org"/>
           </n1:elem2>
        </n0:local>
        """
    static let specExample2 = """
        <n2:pdu xmlns:n1="http://example.com" xmlns:n2="http://foo.example" xml:lang="fr" xml:space="retain">
           <n1:elem2 xmlns:n1="http://example.net" xml:lang="en">
               <n3:stuff xmlns:n3="ftp://example.org"/>
           </n1:elem2>
        </n2:pdu>
        """
    static let specResult = """
        <n1:elem2 xmlns:n1="http://example.net" xml:lang="en">
               <n3:stuff xmlns:n3="ftp://example.org"></n3:stuff>
           </n1:elem2>
        """

    func c14n(_ text: String, path: [Int] = [], comments: Bool = false, prefixes: [String] = []) throws -> String {
        var element = try XMLDocument.parse(Array(text.utf8)).root
        for index in path { element = element.childElements[index] }
        return String(decoding: try element.exclusiveCanonicalForm(withComments: comments, inclusiveNamespacePrefixes: prefixes),
                      as: UTF8.self)
    }

    func testSpecificationExample() throws {
        XCTAssertEqual(try c14n(Self.specExample1, path: [0]), Self.specResult)
        // Ancestors' namespaces and xml:* attributes stay out (inclusive c14n would add them).
        XCTAssertEqual(try c14n(Self.specExample2, path: [0]), Self.specResult)
    }

    func testInclusiveNamespacesPrefixList() throws {
        XCTAssertEqual(try c14n(Self.specExample1, path: [0], prefixes: ["n0", "n3"]), """
            <n1:elem2 xmlns:n0="foo:bar" xmlns:n1="http://example.net" xmlns:n3="ftp://example.org" xml:lang="en">
                   <n3:stuff></n3:stuff>
               </n1:elem2>
            """)
        // A listed prefix that is not in scope adds nothing.
        XCTAssertEqual(try c14n(Self.specExample2, path: [0], prefixes: ["n0"]), Self.specResult)
    }

    func testCommentsKeptOnlyWhenAsked() throws {
        let text = "<r><!-- c --><a>t<!--x-->u</a></r>"
        XCTAssertEqual(try c14n(text), "<r><a>tu</a></r>")
        XCTAssertEqual(try c14n(text, comments: true), "<r><!-- c --><a>t<!--x-->u</a></r>")
    }

    func testAttributeOrderAndEscaping() throws {
        let text = "<r b=\"2\" a=\"1&#9;&#10;&#13;&quot;&lt;\" xmlns:z=\"urn:z\" z:c=\"3\" xmlns=\"urn:d\">x &amp; &lt; &gt; \" &#13;</r>"
        XCTAssertEqual(try c14n(text),
                       "<r xmlns=\"urn:d\" xmlns:z=\"urn:z\" a=\"1&#x9;&#xA;&#xD;&quot;&lt;\" b=\"2\" z:c=\"3\">x &amp; &lt; &gt; \" &#xD;</r>")
    }

    func testUnusedAncestorNamespacesAreDropped() throws {
        let text = "<p:Response xmlns:p=\"urn:p\" xmlns:s=\"urn:s\"><s:A   k = 'v' ><s:B/></s:A></p:Response>"
        XCTAssertEqual(try c14n(text, path: [0]), "<s:A xmlns:s=\"urn:s\" k=\"v\"><s:B></s:B></s:A>")
    }

    /// The DigestValue xmlsec writes is SHA-256 over our exclusive c14n of the element without
    /// its signature: the two code paths agree.
    func testDigestValueMatchesOurCanonicalForm() throws {
        let document = Samples.response()
        try XMLSigner(key: TestKeys.rsa.privateKey).sign(document.root, at: .after(Samples.issuer(of: document.root)))
        let received = try Samples.roundTrip(document)
        let signature = try XCTUnwrap(received.root.firstChildElement(named: "Signature", namespace: XMLNamespace.dsig))
        let digestValue = try XCTUnwrap(signature.childElements.first?.childElements.last?.childElements.last)
        XCTAssertEqual(digestValue.localName, "DigestValue")
        let expected = try digestValue.text()
        try signature.remove()
        XCTAssertEqual(Base64.encode(Digest.sha256(try received.root.exclusiveCanonicalForm())), expected)
    }
}
