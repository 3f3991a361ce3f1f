import XCTest
import XMLSec

final class DOMTests: XCTestCase {
    static let saml = "urn:oasis:names:tc:SAML:2.0:assertion"

    func parse(_ text: String) throws -> XMLDocument { try XMLDocument.parse(Array(text.utf8)) }

    func testCommentInsideNameIDDoesNotTruncateIt() throws {
        let document = try parse("<NameID>admin@x<!---->.evil</NameID>")
        XCTAssertEqual(try document.root.text(), "admin@x.evil")
        let cdata = try parse("<NameID>a<![CDATA[<b>]]>c<!-- x -->d</NameID>")
        XCTAssertEqual(try cdata.root.text(), "a<b>cd")
    }

    func testTextWithChildElementsIsRefused() throws {
        let document = try parse("<NameID>admin<b/>@evil</NameID>")
        XCTAssertThrowsError(try document.root.text()) { error in
            XCTAssertEqual(error as? XMLContentError, .childElementInText(parent: "NameID", child: "b"))
        }
    }

    func testChildrenAreFoundByNamespaceURINotPrefix() throws {
        let document = try parse("""
            <p:Response xmlns:p="urn:p" xmlns:a="\(Self.saml)" xmlns:fake="urn:fake">\
            <fake:Assertion/><a:Assertion ID="real"/><Assertion/></p:Response>
            """)
        let found = document.root.childElements(named: "Assertion", namespace: Self.saml)
        XCTAssertEqual(found.count, 1)
        XCTAssertEqual(found.first?.attribute("ID"), "real")
        XCTAssertEqual(document.root.childElements(named: "Assertion", namespace: nil).count, 1)
        XCTAssertEqual(document.root.childElements.count, 3)
    }

    func testAttributesWithAndWithoutNamespaces() throws {
        let document = try parse("""
            <r xmlns:x="urn:x" ID="plain" x:ID="qualified" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" \
            xmlns:xs="http://www.w3.org/2001/XMLSchema" xsi:type="xs:string"/>
            """)
        let root = document.root
        XCTAssertEqual(root.attribute("ID"), "plain")
        XCTAssertEqual(root.attribute("ID", namespace: "urn:x"), "qualified")
        XCTAssertNil(root.attribute("ID", namespace: "urn:other"))
        XCTAssertEqual(root.attribute("type", namespace: "http://www.w3.org/2001/XMLSchema-instance"), "xs:string")
        XCTAssertEqual(root.namespaceURI(forPrefix: "xs"), "http://www.w3.org/2001/XMLSchema")
        XCTAssertEqual(root.attributes.count, 3)
    }

    func testQualifiedIDDoesNotStandInForID() throws {
        let document = try parse("<r xmlns:x=\"urn:x\" x:ID=\"evil\"/>")
        XCTAssertNil(document.root.attribute("ID"))
    }

    func testBuildAndSerializeRoundTrip() throws {
        let document = try XMLDocument(rootLocalName: "Response", namespaceURI: "urn:p", prefix: "samlp")
        let root = document.root
        try root.setAttribute("ID", value: "_r1")
        try root.declareNamespace(prefix: "saml", uri: Self.saml)
        let issuer = try root.appendElement("Issuer", namespace: Self.saml, prefix: "saml")
        try issuer.appendText("https://idp.example/ & <co>")
        let assertion = try root.appendElement("Assertion", namespace: Self.saml, prefix: "saml")
        try assertion.setAttribute("type", namespace: "http://www.w3.org/2001/XMLSchema-instance", prefix: "xsi",
                                   value: "a\"b'c&d<e\tf\ng")
        let status = try root.appendElement("Status", namespace: "urn:p", prefix: "samlp", at: .after(issuer))
        try root.appendElement("Plain", namespace: nil)

        let text = String(decoding: document.serialized(), as: UTF8.self)
        XCTAssertTrue(text.hasPrefix("<?xml version=\"1.0\" encoding=\"UTF-8\"?>"), text)
        // The saml prefix is declared once, on the root, not again on each child.
        XCTAssertEqual(text.components(separatedBy: "xmlns:saml=").count, 2, text)

        let back = try XMLDocument.parse(document.serialized())
        XCTAssertEqual(back.root.childElements.map(\.localName), ["Issuer", "Status", "Assertion", "Plain"])
        XCTAssertEqual(try back.root.childElements[0].text(), "https://idp.example/ & <co>")
        XCTAssertEqual(back.root.childElements[2].attribute("type", namespace: "http://www.w3.org/2001/XMLSchema-instance"),
                       "a\"b'c&d<e\tf\ng")
        XCTAssertEqual(back.root.childElements[1].namespaceURI, "urn:p")
        XCTAssertNil(back.root.childElements[3].namespaceURI)
        _ = status
    }

    func testNoNamespaceChildUnderDefaultNamespaceStaysInNoNamespace() throws {
        let document = try XMLDocument(rootLocalName: "r", namespaceURI: "urn:default")
        try document.root.appendElement("child", namespace: nil)
        let back = try XMLDocument.parse(document.serialized())
        XCTAssertEqual(back.root.namespaceURI, "urn:default")
        XCTAssertNil(back.root.childElements[0].namespaceURI)
    }

    func testBuildingRefusesWhatXMLCannotCarry() throws {
        let document = try XMLDocument(rootLocalName: "r", namespaceURI: nil)
        XCTAssertThrowsError(try document.root.appendText("bad\u{1}char"))
        XCTAssertThrowsError(try document.root.setAttribute("a", value: "nul\u{0}"))
        XCTAssertThrowsError(try document.root.appendElement("1bad", namespace: nil))
        XCTAssertThrowsError(try document.root.appendElement("a:b", namespace: nil))
        XCTAssertThrowsError(try document.root.setAttribute("xmlns", value: "urn:x"))
        XCTAssertThrowsError(try document.root.appendElement("x", namespace: "urn:x", prefix: "xmlns"))
    }

    func testElementSerializationIsStandalone() throws {
        let document = try parse("""
            <p:Response xmlns:p="urn:p" xmlns:saml="\(Self.saml)" xmlns:xs="http://www.w3.org/2001/XMLSchema" \
            xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><saml:Assertion ID="a"><saml:AttributeValue \
            xsi:type="xs:string">v</saml:AttributeValue></saml:Assertion></p:Response>
            """)
        let assertion = document.root.childElements[0]
        let standalone = try XMLDocument.parse(assertion.serialized())
        XCTAssertEqual(standalone.root.namespaceURI, Self.saml)
        let value = standalone.root.childElements[0]
        // xs is used only inside an attribute value, and still resolves.
        XCTAssertEqual(value.namespaceURI(forPrefix: "xs"), "http://www.w3.org/2001/XMLSchema")
    }

    func testHandlesOutliveTheirDocumentVariableAndRemovedNodes() throws {
        var element: XMLElement?
        var removed: XMLElement?
        do {
            let document = try parse("<r><a><b>deep</b></a><c/></r>")
            element = document.root.childElements[0].childElements[0]
            removed = document.root.childElements[1]
            try removed?.remove()
        }
        XCTAssertEqual(try element?.text(), "deep")
        XCTAssertEqual(element?.parent?.localName, "a")
        XCTAssertEqual(removed?.localName, "c")
        XCTAssertNil(removed?.parent)
        XCTAssertEqual(element?.document.root.childElements.count, 1)
    }

    func testMovingAndCopyingElements() throws {
        let source = try parse("<p:x xmlns:p=\"urn:p\"><p:y k=\"v\"><p:z/></p:y></p:x>")
        let target = try parse("<t/>")
        let copy = try target.root.appendCopy(of: source.root.childElements[0])
        XCTAssertEqual(copy.namespaceURI, "urn:p")
        XCTAssertEqual(copy.childElements[0].namespaceURI, "urn:p")
        XCTAssertEqual(try XMLDocument.parse(target.serialized()).root.childElements[0].attribute("k"), "v")

        let y = source.root.childElements[0]
        let z = y.childElements[0]
        try source.root.insert(z, at: .first)
        XCTAssertEqual(source.root.childElements.map(\.localName), ["z", "y"])
        XCTAssertThrowsError(try z.insert(source.root), "an element cannot go inside itself")
        XCTAssertThrowsError(try target.root.insert(y), "nodes do not cross documents")
        XCTAssertEqual(z, source.root.childElements[0])
        XCTAssertNotEqual(z, y)
    }

    /// A node removed, moved back in and removed again is freed once, when its document goes.
    func testRemovingTheSameElementTwiceIsSafe() throws {
        for _ in 0..<3 {
            let document = try parse("<r><a/><b/></r>")
            let a = document.root.childElements[0]
            try a.remove()
            try document.root.insert(a)
            try a.remove()
            try a.remove()
            let copy = try document.root.appendCopy(of: a)
            try copy.remove()
            XCTAssertEqual(document.root.childElements.map(\.localName), ["b"])
        }
    }

    /// An element moved out from under the element that declared its prefix keeps its namespace.
    func testMovedElementKeepsANamespaceDeclaredOnItsOldAncestor() throws {
        let document = try parse("<r><a xmlns:p=\"urn:p\"><p:b p:k=\"v\"/></a></r>")
        let a = document.root.childElements[0]
        let b = a.childElements[0]
        try document.root.insert(b, at: .first)
        try a.remove()
        let back = try XMLDocument.parse(document.serialized())
        XCTAssertEqual(back.root.childElements.count, 1)
        XCTAssertEqual(back.root.childElements[0].namespaceURI, "urn:p")
        XCTAssertEqual(back.root.childElements[0].attribute("k", namespace: "urn:p"), "v")
    }
}
