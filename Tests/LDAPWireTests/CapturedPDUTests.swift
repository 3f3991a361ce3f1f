import XCTest
import LDAPWire

/// PDUs written out by hand from RFC 4511's ASN.1, in the shapes real clients send: each is
/// decoded to the value it must mean, and that value encodes back to the same bytes.
final class CapturedPDUTests: XCTestCase {

    private func check(_ bytes: [UInt8], _ expected: LDAPMessage, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(LDAPFraming.frame(bytes), .complete(length: bytes.count), file: file, line: line)
        do {
            let message = try LDAPMessage(decoding: bytes)
            XCTAssertEqual(message, expected, file: file, line: line)
        } catch {
            XCTFail("decode failed: \(error)", file: file, line: line)
        }
        XCTAssertEqual(showHex(expected.encode()), showHex(bytes), file: file, line: line)
    }

    func testSimpleBind() {
        let bytes = hex("30 2c 02 01 01 60 27 02 01 03 04 1a") + ascii("cn=admin,dc=example,dc=org")
            + hex("80 06") + ascii("secret")
        check(bytes, LDAPMessage(messageID: 1, protocolOp: .bindRequest(
            .simple(name: "cn=admin,dc=example,dc=org", password: "secret"))))
    }

    func testAnonymousBindAndItsResponse() {
        check(hex("30 0c 02 01 01 60 07 02 01 03 04 00 80 00"),
              LDAPMessage(messageID: 1, protocolOp: .bindRequest(BindRequest(name: "", authentication: .simple(password: [])))))
        check(hex("30 0c 02 01 01 61 07 0a 01 00 04 00 04 00"),
              LDAPMessage(messageID: 1, protocolOp: .bindResponse(BindResponse(result: .success))))
    }

    func testFailedBindResponseCarriesTheDiagnostic() {
        let bytes = hex("30 1a 02 01 01 61 15 0a 01 31 04 00 04 0e") + ascii("bad credential")
        check(bytes, LDAPMessage(messageID: 1, protocolOp: .bindResponse(BindResponse(
            result: LDAPResult(resultCode: .invalidCredentials, diagnosticMessage: "bad credential")))))
    }

    func testSaslBindWithAndWithoutCredentials() {
        let external = hex("30 16 02 01 02 60 11 02 01 03 04 00 a3 0a 04 08") + ascii("EXTERNAL")
        check(external, LDAPMessage(messageID: 2, protocolOp: .bindRequest(BindRequest(
            name: "", authentication: .sasl(mechanism: "EXTERNAL", credentials: nil)))))
        let plain = hex("30 1a 02 01 02 60 15 02 01 03 04 00 a3 0e 04 05") + ascii("PLAIN") + hex("04 05 00 61 00 62 63")
        check(plain, LDAPMessage(messageID: 2, protocolOp: .bindRequest(BindRequest(
            name: "", authentication: .sasl(mechanism: "PLAIN", credentials: [0, 0x61, 0, 0x62, 0x63])))))
    }

    /// A subtree search with a nested filter and an attribute list:
    /// (&(objectClass=person)(|(uid=ada)(mail=ada@example.org))(!(cn=x*)))
    func testSearchWithNestedFilterAndAttributeList() throws {
        let filter = hex("a0 4b")
            + hex("a3 15 04 0b") + ascii("objectClass") + hex("04 06") + ascii("person")
            + hex("a1 25")
            + hex("a3 0a 04 03") + ascii("uid") + hex("04 03") + ascii("ada")
            + hex("a3 17 04 04") + ascii("mail") + hex("04 0f") + ascii("ada@example.org")
            + hex("a2 0b a4 09 04 02") + ascii("cn") + hex("30 03 80 01") + ascii("x")
        let attributes = hex("30 14 04 02") + ascii("cn") + hex("04 04") + ascii("mail") + hex("04 08") + ascii("memberOf")
        let bytes = hex("30 81 8b 02 01 02 63 81 85 04 11") + ascii("dc=example,dc=org")
            + hex("0a 01 02 0a 01 00 02 01 00 02 01 00 01 01 00") + filter + attributes
        let expectedFilter = LDAPFilter.and([
            .equal("objectClass", "person"),
            .or([.equal("uid", "ada"), .equal("mail", "ada@example.org")]),
            .not(.substrings(SubstringFilter(type: "cn", initial: ascii("x")))),
        ])
        check(bytes, LDAPMessage(messageID: 2, protocolOp: .searchRequest(SearchRequest(
            baseObject: "dc=example,dc=org", scope: .wholeSubtree, filter: expectedFilter,
            attributes: ["cn", "mail", "memberOf"]))))
        XCTAssertEqual(try LDAPFilter(parsing: "(&(objectClass=person)(|(uid=ada)(mail=ada@example.org))(!(cn=x*)))"),
                       expectedFilter)
    }

    func testSearchResultEntry() {
        let bytes = hex("30 55 02 01 02 64 50 04 21") + ascii("cn=ada,ou=users,dc=example,dc=org")
            + hex("30 2b")
            + hex("30 0b 04 02") + ascii("cn") + hex("31 05 04 03") + ascii("ada")
            + hex("30 1c 04 0b") + ascii("objectClass") + hex("31 0d 04 03") + ascii("top") + hex("04 06") + ascii("person")
        check(bytes, LDAPMessage(messageID: 2, protocolOp: .searchResultEntry(SearchResultEntry(
            objectName: "cn=ada,ou=users,dc=example,dc=org",
            attributes: [PartialAttribute(type: "cn", strings: ["ada"]),
                         PartialAttribute(type: "objectClass", strings: ["top", "person"])]))))
    }

    /// searchResDone carrying the paged-results control with the cookie for the next page.
    func testSearchDoneWithPagedResultsControl() throws {
        let bytes = hex("30 35 02 01 02 65 07 0a 01 00 04 00 04 00")
            + hex("a0 27 30 25 04 16") + ascii("1.2.840.113556.1.4.319")
            + hex("04 0b 30 09 02 01 00 04 04 de ad be ef")
        let paged = PagedResultsControl(size: 0, cookie: hex("de ad be ef"))
        check(bytes, LDAPMessage(messageID: 2, protocolOp: .searchResultDone(.success), controls: [paged.control()]))
        let message = try LDAPMessage(decoding: bytes)
        XCTAssertEqual(try PagedResultsControl(from: message.controls), paged)
    }

    func testPagedResultsRequestValue() throws {
        // A client asking for pages of 500, first page (empty cookie).
        let value = hex("30 06 02 02 01 f4 04 00")
        XCTAssertEqual(try PagedResultsControl(controlValue: value), PagedResultsControl(size: 500))
        XCTAssertEqual(PagedResultsControl(size: 500).controlValue, value)
        XCTAssertEqual(PagedResultsControl.oid, "1.2.840.113556.1.4.319")
        XCTAssertNil(try PagedResultsControl(from: [LDAPControl(controlType: "1.2.3")]))
        XCTAssertThrowsError(try PagedResultsControl(controlValue: hex("30 03 02 01 ff")))
        XCTAssertThrowsError(try PagedResultsControl(controlValue: hex("30 08 02 02 01 f4 04 00 05 00")))
    }

    func testCriticalControlWithExplicitFalseIsRead() throws {
        // Some clients write criticality FALSE although it is the default.
        let bytes = hex("30 19 02 01 05 42 00 a0 12 30 10 04 0b") + ascii("1.2.3.4.5.6") + hex("01 01 00")
        let message = try LDAPMessage(decoding: bytes)
        XCTAssertEqual(message.controls, [LDAPControl(controlType: "1.2.3.4.5.6", criticality: false)])
    }

    func testUnbindAbandonAndDelete() {
        check(hex("30 05 02 01 03 42 00"), LDAPMessage(messageID: 3, protocolOp: .unbindRequest))
        check(hex("30 06 02 01 04 50 01 02"), LDAPMessage(messageID: 4, protocolOp: .abandonRequest(messageID: 2)))
        check(hex("30 0d 02 01 05 4a 08") + ascii("cn=x,o=y"), LDAPMessage(messageID: 5, protocolOp: .delRequest(dn: "cn=x,o=y")))
    }

    func testStartTLSAndWhoAmIRequests() {
        check(hex("30 1d 02 01 01 77 18 80 16") + ascii("1.3.6.1.4.1.1466.20037"),
              LDAPMessage(messageID: 1, protocolOp: .extendedRequest(ExtendedRequest(requestName: LDAPOID.startTLS))))
        check(hex("30 1e 02 01 07 77 19 80 17") + ascii("1.3.6.1.4.1.4203.1.11.3"),
              LDAPMessage(messageID: 7, protocolOp: .extendedRequest(ExtendedRequest(requestName: LDAPOID.whoAmI))))
    }

    func testNoticeOfDisconnection() {
        let notice = LDAPMessage.noticeOfDisconnection(diagnosticMessage: "bad PDU")
        let bytes = hex("30 2b 02 01 00 78 26 0a 01 02 04 00 04 07") + ascii("bad PDU")
            + hex("8a 16") + ascii("1.3.6.1.4.1.1466.20036")
        check(bytes, notice)
        let unavailable = LDAPMessage.noticeOfDisconnection(resultCode: .unavailable, diagnosticMessage: "shutting down")
        guard case .extendedResponse(let r) = unavailable.protocolOp else { return XCTFail() }
        XCTAssertEqual(unavailable.messageID, 0)
        XCTAssertEqual(r.result.resultCode, .unavailable)
        XCTAssertEqual(r.responseName, "1.3.6.1.4.1.1466.20036")
        XCTAssertNil(r.responseValue)
    }

    func testResultCodesKeepTheirNumbers() {
        XCTAssertEqual(LDAPResultCode.allNamed.count, 39)
        for code in LDAPResultCode.allNamed {
            XCTAssertEqual(LDAPResultCode(code: code.code), code)
            if case .other = code { XCTFail("\(code) is named") }
        }
        XCTAssertEqual(LDAPResultCode.invalidCredentials.code, 49)
        XCTAssertEqual(LDAPResultCode.otherError.code, 80)
        XCTAssertEqual(LDAPResultCode(code: 118), .other(118))
        XCTAssertEqual(LDAPResultCode.other(49), .invalidCredentials)
        XCTAssertEqual(LDAPResultCode.invalidCredentials.description, "invalidCredentials (49)")
    }
}
