import XCTest
import LDAPWire

/// Broken and hostile PDUs: each must be refused with an error that says why, never a trap.
final class MalformedPDUTests: XCTestCase {

    private let unbind = hex("30 05 02 01 03 42 00")

    private func assertRefused(_ bytes: [UInt8], limits: LDAPLimits = .default, file: StaticString = #filePath,
                               line: UInt = #line, _ check: (LDAPWireError) -> Bool) {
        guard let error = decodeError(bytes, limits: limits) else {
            return XCTFail("decoded \(showHex(bytes))", file: file, line: line)
        }
        XCTAssertTrue(check(error), "unexpected error: \(error)", file: file, line: line)
        XCTAssertFalse(error.description.isEmpty, file: file, line: line)
    }

    func testTruncatedLengthAndBody() {
        for cut in 0..<unbind.count {
            assertRefused(Array(unbind.prefix(cut))) { if case .truncated = $0 { return true }; return false }
        }
        // Long-form length with its octets missing.
        assertRefused(hex("30 84 00 00")) { if case .truncated = $0 { return true }; return false }
    }

    func testOversizedLength() {
        assertRefused(hex("30 84 7f ff ff ff 02 01 01")) { $0 == .tooLarge(what: "LDAPMessage", length: 0x7fff_ffff, limit: 1 << 20) }
        // Within the limit but beyond the bytes there are.
        assertRefused(hex("30 82 10 00 02 01 01")) { if case .truncated = $0 { return true }; return false }
        // An inner element may not claim more than the limit either.
        assertRefused(hex("30 0b 02 01 01 4a 86 00 00 00 00 00 01")) { if case .lengthTooLong = $0 { return true }; return false }
        // A whole PDU over a small limit.
        let bind = LDAPMessage(messageID: 1, protocolOp: .bindRequest(.simple(name: String(repeating: "a", count: 200), password: "x")))
        assertRefused(bind.encode(), limits: LDAPLimits(maxMessageSize: 100)) { if case .tooLarge = $0 { return true }; return false }
    }

    func testIndefiniteLength() {
        assertRefused(hex("30 80 02 01 03 42 00 00 00")) { $0 == .indefiniteLength(what: "LDAPMessage") }
        assertRefused(hex("30 0a 02 01 01 63 80 04 00 00 00 00")) { $0 == .indefiniteLength(what: "searchRequest") }
    }

    func testWrongTags() {
        // Not a SEQUENCE.
        assertRefused(hex("31 05 02 01 03 42 00")) { if case .unexpectedTag("LDAPMessage", _, _) = $0 { return true }; return false }
        // messageID as an OCTET STRING.
        assertRefused(hex("30 05 04 01 03 42 00")) { if case .unexpectedTag("messageID", _, _) = $0 { return true }; return false }
        // An unknown operation ([APPLICATION 30]) and a universal one in its place.
        assertRefused(hex("30 05 02 01 03 5e 00")) { if case .unexpectedTag("protocolOp", _, _) = $0 { return true }; return false }
        assertRefused(hex("30 05 02 01 03 05 00")) { if case .unexpectedTag("protocolOp", _, _) = $0 { return true }; return false }
        // unbindRequest written constructed.
        assertRefused(hex("30 05 02 01 03 62 00")) { if case .unexpectedTag("protocolOp", _, _) = $0 { return true }; return false }
        // Bind with authentication [1] (reserved, Kerberos v4).
        assertRefused(hex("30 0c 02 01 01 60 07 02 01 03 04 00 81 00")) {
            if case .unexpectedTag("bindRequest.authentication", _, _) = $0 { return true }; return false
        }
        // Controls under [1] instead of [0].
        assertRefused(hex("30 07 02 01 03 42 00 a1 00")) { if case .unexpectedTag("controls", _, _) = $0 { return true }; return false }
    }

    func testTrailingGarbage() {
        // Inside the bindRequest SEQUENCE, after authentication.
        assertRefused(hex("30 0e 02 01 01 60 09 02 01 03 04 00 80 00 05 00")) { $0 == .trailingBytes(what: "bindRequest", count: 2) }
        // Inside the LDAPMessage SEQUENCE, after the controls.
        assertRefused(hex("30 09 02 01 03 42 00 a0 00 05 00")) { $0 == .trailingBytes(what: "LDAPMessage", count: 2) }
        // After the PDU.
        assertRefused(unbind + [0]) { $0 == .trailingBytes(what: "after LDAPMessage", count: 1) }
    }

    func testIntegerTooLongAndOutOfRange() {
        assertRefused(hex("30 0d 02 09 00 00 00 00 00 00 00 00 01 42 00")) { $0 == .integerTooLong(what: "messageID", octets: 9) }
        assertRefused(hex("30 05 02 01 ff 42 00")) { if case .outOfRange("messageID", -1, _) = $0 { return true }; return false }
        assertRefused(hex("30 09 02 05 00 80 00 00 00 42 00")) { if case .outOfRange("messageID", 2_147_483_648, _) = $0 { return true }; return false }
        // Bind version 0 and 128 are outside 1..127.
        assertRefused(hex("30 0c 02 01 01 60 07 02 01 00 04 00 80 00")) { if case .outOfRange("bindRequest.version", 0, _) = $0 { return true }; return false }
        assertRefused(hex("30 0d 02 01 01 60 08 02 02 00 80 04 00 80 00")) { if case .outOfRange("bindRequest.version", 128, _) = $0 { return true }; return false }
    }

    func testBooleanOfWrongLength() {
        var search = Samples.messages.first { if case .searchRequest = $0.protocolOp { return true }; return false }!.encode()
        // typesOnly is the first BOOLEAN in a searchRequest: 01 01 ff.
        let at = search.indices.first { search[$0...].starts(with: [0x01, 0x01, 0xff]) }!
        XCTAssertEqual(Array(search[at..<at + 3]), [0x01, 0x01, 0xff])
        search[at + 1] = 0x02 // claims two octets; the next element is eaten and the rest misparses
        assertRefused(search) { if case .invalidLength("searchRequest.typesOnly", 2) = $0 { return true }; return false }
        assertRefused(hex("30 12 02 01 01 6c 0d 04 01 61 04 01 62 01 02 00 ff 80 01 63")) {
            if case .invalidLength("modDNRequest.deleteoldrdn", 2) = $0 { return true }; return false
        }
    }

    func testBadEnumerationsAndEmptySets() {
        let search = { (scope: UInt8) in hex("30 1b 02 01 01 63 16 04 00 0a 01") + [scope] + hex("0a 01 00 02 01 00 02 01 00 01 01 00 87 01 61 30 00") }
        XCTAssertNil(decodeError(search(2)))
        assertRefused(search(9)) { if case .outOfRange("searchRequest.scope", 9, _) = $0 { return true }; return false }
        // searchResRef needs at least one URI; a referral too.
        assertRefused(hex("30 05 02 01 01 73 00")) { if case .invalidValue("searchResRef", _) = $0 { return true }; return false }
        assertRefused(hex("30 0e 02 01 01 65 09 0a 01 0a 04 00 04 00 a3 00")) { if case .invalidValue("searchResDone.referral", _) = $0 { return true }; return false }
    }

    func testStringsThatAreNotUTF8() {
        assertRefused(hex("30 08 02 01 05 4a 03 61 ff 62")) { $0 == .invalidUTF8(what: "delRequest") }
    }

    func testFilterNestedAThousandDeepIsRefusedWithoutOverflow() {
        var filter = hex("87 01 61")
        for _ in 0..<1000 {
            var w = BERWriter()
            w.writePrimitive(.context(2, constructed: true), filter)
            filter = w.bytes
        }
        XCTAssertThrowsError(try LDAPFilter(decoding: filter)) { error in
            guard case .tooDeep? = error as? LDAPWireError else { return XCTFail("\(error)") }
        }
        let pdu = filterInSearch(filter)
        XCTAssertEqual(LDAPFraming.frame(pdu), .complete(length: pdu.count))
        assertRefused(pdu) { if case .tooDeep = $0 { return true }; return false }
        // And as a filter string.
        let text = String(repeating: "(!", count: 1000) + "(a=*)" + String(repeating: ")", count: 1000)
        XCTAssertThrowsError(try LDAPFilter(parsing: text)) { error in
            XCTAssertEqual(error as? LDAPWireError, .tooDeep(what: "filter string", limit: 32))
        }
    }

    func testFilterDeepButWithinTheLimitIsRead() throws {
        var filter = LDAPFilter.present("a")
        for _ in 0..<25 { filter = .not(filter) }
        let message = LDAPMessage(messageID: 1, protocolOp: .searchRequest(SearchRequest(baseObject: "", filter: filter)))
        XCTAssertEqual(try LDAPMessage(decoding: message.encode()), message)
        // The same filter is refused under a tighter limit.
        assertRefused(message.encode(), limits: LDAPLimits(maxNestingDepth: 20)) { if case .tooDeep = $0 { return true }; return false }
    }

    func testCountLimits() {
        let entry = LDAPMessage(messageID: 1, protocolOp: .searchResultEntry(SearchResultEntry(objectName: "", attributes: [
            PartialAttribute(type: "a", strings: ["1", "2", "3"]), PartialAttribute(type: "b"),
        ])))
        assertRefused(entry.encode(), limits: LDAPLimits(maxValuesPerAttribute: 2)) { if case .tooMany = $0 { return true }; return false }
        assertRefused(entry.encode(), limits: LDAPLimits(maxAttributes: 1)) { if case .tooMany = $0 { return true }; return false }
        let wide = LDAPMessage(messageID: 1, protocolOp: .searchRequest(SearchRequest(
            baseObject: "", filter: .or((0..<50).map { .equal("uid", "u\($0)") }))))
        assertRefused(wide.encode(), limits: LDAPLimits(maxFilterTerms: 40)) { if case .tooMany("filter", 40) = $0 { return true }; return false }
        let controls = LDAPMessage(messageID: 1, protocolOp: .unbindRequest,
                                   controls: Array(repeating: LDAPControl(controlType: "1.2"), count: 3))
        assertRefused(controls.encode(), limits: LDAPLimits(maxControls: 2)) { if case .tooMany("controls", 2) = $0 { return true }; return false }
    }

    func testSubstringOrderAndExtensibleMatchRules() {
        // final [2] before any [1].
        assertRefused(filterInSearch(hex("a4 0c 04 02 63 6e 30 06 82 01 61 81 01 62"))) {
            if case .unexpectedTag("filter substring", _, _) = $0 { return true }; return false
        }
        // No substrings at all.
        assertRefused(filterInSearch(hex("a4 06 04 02 63 6e 30 00"))) { if case .invalidValue = $0 { return true }; return false }
        // extensibleMatch with neither matchingRule nor type.
        assertRefused(filterInSearch(hex("a9 03 83 01 61"))) { if case .invalidValue = $0 { return true }; return false }
    }

    /// A searchRequest around raw filter bytes.
    private func filterInSearch(_ filter: [UInt8]) -> [UInt8] {
        var op = BERWriter()
        op.writePrimitive(.application(3, constructed: true),
                          hex("04 00 0a 01 02 0a 01 00 02 01 00 02 01 00 01 01 00") + filter + hex("30 00"))
        var message = BERWriter()
        message.writePrimitive(.sequence, hex("02 01 01") + op.bytes)
        return message.bytes
    }
}
