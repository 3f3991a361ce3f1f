import XCTest
import LDAPWire

/// encode → decode → equal, for every operation (the server decodes requests and encodes
/// responses; the upstream client the other way round, so both directions are covered).
final class RoundTripTests: XCTestCase {

    func testEveryOperationRoundTrips() throws {
        var seen = Set<String>()
        for message in Samples.messages {
            let bytes = message.encode()
            XCTAssertEqual(LDAPFraming.frame(bytes), .complete(length: bytes.count), message.protocolOp.name)
            let decoded = try LDAPMessage(decoding: bytes)
            XCTAssertEqual(decoded, message, message.protocolOp.name)
            XCTAssertEqual(decoded.encode(), bytes, message.protocolOp.name)
            seen.insert(message.protocolOp.name)
        }
        // All 21 operations of RFC 4511 are among the samples.
        XCTAssertEqual(seen.count, 21, "\(seen.sorted())")
    }

    func testRequestsAndResponsesAreTold() {
        XCTAssertTrue(LDAPProtocolOp.unbindRequest.isRequest)
        XCTAssertTrue(LDAPProtocolOp.abandonRequest(messageID: 1).isRequest)
        XCTAssertFalse(LDAPProtocolOp.searchResultDone(.success).isRequest)
        XCTAssertFalse(LDAPProtocolOp.intermediateResponse(IntermediateResponse()).isRequest)
    }

    func testFilterRoundTripsThroughBERAndString() throws {
        let filter = Samples.filter
        XCTAssertEqual(try LDAPFilter(decoding: filter.berEncoded), filter)
        XCTAssertEqual(try LDAPFilter(parsing: filter.string), filter)
    }

    func testLargeMessagesUseLongLengths() throws {
        let values = (0..<2000).map { Array("member-\($0)".utf8) }
        let message = LDAPMessage(messageID: 9, protocolOp: .searchResultEntry(SearchResultEntry(
            objectName: "cn=big,dc=ex", attributes: [PartialAttribute(type: "member", values: values)])))
        let bytes = message.encode()
        XCTAssertEqual(Array(bytes.prefix(2)), [0x30, 0x82])
        XCTAssertEqual(try LDAPMessage(decoding: bytes), message)
    }
}
