import XCTest
import LDAPWire

/// Splitting a TCP stream into PDUs from the outer header alone.
final class FramingTests: XCTestCase {

    func testPDUsArriveInPieces() throws {
        let first = LDAPMessage(messageID: 1, protocolOp: .bindRequest(.simple(name: "cn=a", password: "b"))).encode()
        let second = LDAPMessage(messageID: 2, protocolOp: .unbindRequest).encode()
        let stream = first + second
        // Every prefix shorter than the first PDU needs more; from its length on it is complete.
        for cut in 0...stream.count {
            let status = LDAPFraming.frame(Array(stream.prefix(cut)))
            XCTAssertEqual(status, cut < first.count ? .needMore : .complete(length: first.count), "cut \(cut)")
        }
        // Splitting as a connection handler would: frame, decode, drop, repeat.
        var buffer = stream[...]
        var decoded: [LDAPMessage] = []
        while case .complete(let length) = LDAPFraming.frame(buffer) {
            decoded.append(try LDAPMessage(decoding: buffer.prefix(length)))
            buffer = buffer.dropFirst(length)
        }
        XCTAssertEqual(decoded.map(\.messageID), [1, 2])
        XCTAssertTrue(buffer.isEmpty)
    }

    func testAHugeLengthIsRefusedBeforeTheBody() {
        // 2 GiB announced: refused from six bytes, nothing buffered.
        guard case .invalid(let error) = LDAPFraming.frame(hex("30 84 7f ff ff ff")) else { return XCTFail() }
        XCTAssertEqual(error, .tooLarge(what: "LDAPMessage", length: 0x7fff_ffff, limit: 1 << 20))
        // The limit counts the header too.
        let limits = LDAPLimits(maxMessageSize: 100)
        XCTAssertEqual(LDAPFraming.frame(hex("30 62"), limits: limits), .needMore)
        guard case .invalid = LDAPFraming.frame(hex("30 63"), limits: limits) else { return XCTFail() }
    }

    func testHeadersThatCannotBeLDAP() {
        for bytes in ["31 05", "02 01 01", "00", "ff", "30 80", "30 85 00 00 00 00 01", "30 ff"] {
            guard case .invalid(let error) = LDAPFraming.frame(hex(bytes)) else { return XCTFail(bytes) }
            XCTAssertFalse(error.description.isEmpty)
        }
        XCTAssertEqual(LDAPFraming.frame(hex("ff 05")), .invalid(.highTagNumber(what: "LDAPMessage")))
        XCTAssertEqual(LDAPFraming.frame(hex("31 05")), .invalid(.unexpectedTag(
            what: "LDAPMessage", expected: "SEQUENCE constructed (0x30)", found: BERTag.set)))
        // Incomplete long-form lengths wait.
        XCTAssertEqual(LDAPFraming.frame(hex("30 84 00 00")), .needMore)
        XCTAssertEqual(LDAPFraming.frame(hex("30")), .needMore)
        XCTAssertEqual(LDAPFraming.frame([]), .needMore)
    }

    func testFramingASliceInTheMiddleOfABuffer() {
        let bytes = hex("ff ff 30 05 02 01 03 42 00 99")
        XCTAssertEqual(LDAPFraming.frame(bytes[2...]), .complete(length: 7))
    }

    func testLimitsCarryTheOutstandingOperationCount() {
        XCTAssertEqual(LDAPLimits.default.maxOutstandingOperations, 32)
        XCTAssertEqual(LDAPLimits(maxOutstandingOperations: 4).maxOutstandingOperations, 4)
    }
}
