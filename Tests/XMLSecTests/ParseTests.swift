import XCTest
@testable import XMLSec

final class ParseTests: XCTestCase {
    func parse(_ text: String, limits: XMLParseLimits = .default) throws -> XMLDocument {
        try XMLDocument.parse(Array(text.utf8), limits: limits)
    }

    func assertRefused(_ text: String, _ expected: XMLParseError, limits: XMLParseLimits = .default,
                       file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try parse(text, limits: limits), file: file, line: line) { error in
            XCTAssertEqual(error as? XMLParseError, expected, file: file, line: line)
        }
    }

    func testParsesAPlainDocument() throws {
        let document = try parse("""
            <?xml version="1.0" encoding="UTF-8"?>
            <samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" ID="_1"><x>y</x></samlp:Response>
            """)
        XCTAssertEqual(document.root.localName, "Response")
        XCTAssertEqual(document.root.namespaceURI, "urn:oasis:names:tc:SAML:2.0:protocol")
        XCTAssertEqual(document.root.attribute("ID"), "_1")
    }

    func testDoctypeIsRefusedEvenWithoutEntities() {
        assertRefused("<!DOCTYPE r><r/>", .doctypeNotAllowed)
        assertRefused("<?xml version=\"1.0\"?>\n<!DOCTYPE r SYSTEM \"r.dtd\"><r/>", .doctypeNotAllowed)
    }

    /// Without the byte scan, the SAX hook stops libxml2 at the DOCTYPE, before any entity
    /// declaration is read.
    func testDoctypeHookHoldsWithoutTheByteScan() {
        for text in ["<!DOCTYPE r><r/>", "<!DOCTYPE r [<!ENTITY e \"admin\">]><r>&e;</r>",
                     "<!DOCTYPE r [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]><r>&xxe;</r>"] {
            XCTAssertThrowsError(try XMLDocument.parseWithoutScan(Array(text.utf8), limits: .default)) { error in
                XCTAssertEqual(error as? XMLParseError, .doctypeNotAllowed, text)
            }
        }
    }

    func testInternalEntityIsRefused() {
        assertRefused("<!DOCTYPE r [<!ENTITY e \"admin\">]><r>&e;</r>", .doctypeNotAllowed)
    }

    func testExternalEntityXXEIsRefused() {
        assertRefused("<!DOCTYPE r [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]><r>&xxe;</r>", .doctypeNotAllowed)
        assertRefused("<!DOCTYPE r [<!ENTITY % p SYSTEM \"http://127.0.0.1:1/x.dtd\"> %p;]><r/>", .doctypeNotAllowed)
    }

    func testBillionLaughsIsRefused() {
        var text = "<!DOCTYPE lolz [<!ENTITY lol \"lol\">"
        for level in 1...9 {
            let previous = level == 1 ? "lol" : "lol\(level - 1)"
            text += "<!ENTITY lol\(level) \"" + String(repeating: "&\(previous);", count: 10) + "\">"
        }
        text += "]><lolz>&lol9;</lolz>"
        assertRefused(text, .doctypeNotAllowed)
    }

    /// A DOCTYPE the byte scan cannot see (UTF-16) still never reaches a DTD: the input must be
    /// UTF-8, so it fails to parse at all.
    func testUTF16DoctypeIsRefused() {
        let text = "<!DOCTYPE r [<!ENTITY e \"x\">]><r>&e;</r>"
        var bytes: [UInt8] = [0xFF, 0xFE]
        for unit in text.utf16 { bytes += [UInt8(unit & 0xFF), UInt8(unit >> 8)] }
        XCTAssertThrowsError(try XMLDocument.parse(bytes))
    }

    func testUndeclaredEntityReferenceIsNotWellFormed() {
        XCTAssertThrowsError(try parse("<r>&nope;</r>")) { error in
            guard case .notWellFormed = error as? XMLParseError else { return XCTFail("\(error)") }
        }
    }

    func testPredefinedAndCharacterReferencesStillWork() throws {
        XCTAssertEqual(try parse("<r>a&amp;b&#x41;&lt;</r>").root.text(), "a&bA<")
    }

    func testTooDeepIsRefused() throws {
        let depth = 30
        let text = String(repeating: "<a>", count: depth) + String(repeating: "</a>", count: depth)
        assertRefused(text, .tooDeep(limit: 29), limits: XMLParseLimits(maxDepth: 29))
        XCTAssertNoThrow(try parse(text, limits: XMLParseLimits(maxDepth: 30)))
        // Far past libxml2's own ceiling: refused by our hook, not by running out of stack.
        let deep = String(repeating: "<a>", count: 100_000) + String(repeating: "</a>", count: 100_000)
        assertRefused(deep, .tooDeep(limit: 64), limits: XMLParseLimits(maxBytes: 1 << 21))
    }

    func testTooBigIsRefused() {
        let text = "<r>" + String(repeating: "x", count: 2000) + "</r>"
        assertRefused(text, .tooLarge(limit: 1000), limits: XMLParseLimits(maxBytes: 1000))
        XCTAssertNoThrow(try parse(text, limits: XMLParseLimits(maxBytes: 2007)))
        assertRefused(text, .tooLarge(limit: 2006), limits: XMLParseLimits(maxBytes: 2006))
    }

    func testProcessingInstructionIsRefused() {
        assertRefused("<r><?php echo 1; ?></r>", .processingInstructionNotAllowed)
        assertRefused("<?xml-stylesheet href=\"x.xsl\"?><r/>", .processingInstructionNotAllowed)
    }

    func testXIncludeIsNotProcessed() throws {
        let document = try parse("""
            <r xmlns:xi="http://www.w3.org/2001/XInclude"><xi:include href="file:///etc/passwd" parse="text"/></r>
            """)
        let include = try XCTUnwrap(document.root.childElements.first)
        XCTAssertEqual(include.localName, "include")
        XCTAssertEqual(document.root.childElements.count, 1)
        XCTAssertEqual(try include.text(), "", "no file content may appear")
    }

    func testUndeclaredPrefixIsRefused() {
        XCTAssertThrowsError(try parse("<saml:Assertion/>")) { error in
            guard case .namespaceError = error as? XMLParseError else { return XCTFail("\(error)") }
        }
    }

    func testEmptyAndMalformedInputs() {
        assertRefused("", .empty)
        XCTAssertThrowsError(try parse("<r>"))
        XCTAssertThrowsError(try parse("<a></b>"))
        XCTAssertThrowsError(try parse("<r/><r/>"))
    }

    func testOtherDeclaredEncodingIsReadAsUTF8() throws {
        // The declaration is ignored: Latin-1 bytes that are not UTF-8 fail...
        XCTAssertThrowsError(try XMLDocument.parse(Array("<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><r>".utf8) + [0xE9] + Array("</r>".utf8)))
        // ...and ASCII content parses the same as UTF-8.
        XCTAssertEqual(try parse("<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><r>ok</r>").root.text(), "ok")
    }

    func testErrorsCarryLibxml2Messages() {
        XCTAssertThrowsError(try parse("<a>\n<b></c></a>")) { error in
            guard case .notWellFormed(let detail) = error as? XMLParseError else { return XCTFail("\(error)") }
            XCTAssertTrue(detail.contains("line 2"), detail)
        }
    }
}
