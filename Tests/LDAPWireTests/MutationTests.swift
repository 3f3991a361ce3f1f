import XCTest
import LDAPWire

/// Seeded random mutations of valid PDUs: decoding never traps; it either throws, or what it
/// decoded encodes to bytes that decode to the same message (and encode the same again).
final class MutationTests: XCTestCase {

    func testMutatedPDUsEitherFailOrReencodeConsistently() {
        var rng = SeededGenerator(seed: 0x1DA9_5EED)
        let seeds = Samples.messages.map { $0.encode() }
        let limits = LDAPLimits(maxNestingDepth: 12, maxAttributes: 8, maxValuesPerAttribute: 8, maxFilterTerms: 64)
        var decoded = 0
        var refused = 0
        var framedDifferently = 0
        for round in 0..<20_000 {
            var bytes = seeds[Int(rng.next() % UInt64(seeds.count))]
            for _ in 0...(rng.next() % 4) { mutate(&bytes, &rng) }
            // Framing must agree with the decoder about where a whole PDU ends.
            let framing = LDAPFraming.frame(bytes, limits: limits)
            let message: LDAPMessage
            do {
                message = try LDAPMessage(decoding: bytes, limits: limits)
            } catch {
                XCTAssertFalse(error.description.isEmpty)
                refused += 1
                continue
            }
            decoded += 1
            if framing != .complete(length: bytes.count) {
                framedDifferently += 1
                XCTFail("round \(round): decoded but framed as \(framing): \(showHex(bytes))")
            }
            let encoded = message.encode()
            do {
                let again = try LDAPMessage(decoding: encoded, limits: limits)
                XCTAssertEqual(again, message, "round \(round): \(showHex(bytes))")
                XCTAssertEqual(again.encode(), encoded, "round \(round)")
            } catch {
                XCTFail("round \(round): re-encoding \(showHex(bytes)) gave undecodable \(showHex(encoded)): \(error)")
            }
        }
        // Both outcomes happen, so the test is exercising something.
        XCTAssertGreaterThan(decoded, 500)
        XCTAssertGreaterThan(refused, 5000)
        XCTAssertEqual(framedDifferently, 0)
    }

    func testMutatedFilterStringsNeverTrap() {
        var rng = SeededGenerator(seed: 4515)
        let seeds = Samples.operations.compactMap { op -> [UInt8]? in
            if case .searchRequest(let s) = op { return Array(s.filter.string.utf8) }
            return nil
        } + [Array("(memberOf:1.2.840.113556.1.4.1941:=cn=x,ou=groups,dc=ex)".utf8)]
        let alphabet = Array("()&|!=*~<>:\\0aF9 .;-".utf8)
        var parsed = 0
        for _ in 0..<10_000 {
            var bytes = seeds[Int(rng.next() % UInt64(seeds.count))]
            for _ in 0...(rng.next() % 3) {
                let at = Int(rng.next() % UInt64(bytes.count + 1))
                switch rng.next() % 3 {
                case 0 where at < bytes.count: bytes[at] = alphabet[Int(rng.next() % UInt64(alphabet.count))]
                case 1: bytes.insert(alphabet[Int(rng.next() % UInt64(alphabet.count))], at: at)
                default: if at < bytes.count { bytes.remove(at: at) }
                }
            }
            let text = String(decoding: bytes, as: UTF8.self)
            guard let filter = try? LDAPFilter(parsing: text) else { continue }
            parsed += 1
            // What parses renders to a string that parses to the same filter.
            XCTAssertEqual(try? LDAPFilter(parsing: filter.string), filter, text)
        }
        XCTAssertGreaterThan(parsed, 100)
    }

    private func mutate(_ bytes: inout [UInt8], _ rng: inout SeededGenerator) {
        guard !bytes.isEmpty else { return }
        let at = Int(rng.next() % UInt64(bytes.count))
        switch rng.next() % 8 {
        case 0: bytes[at] ^= UInt8(1 << (rng.next() % 8))               // flip a bit
        case 1: bytes[at] = UInt8(truncatingIfNeeded: rng.next())          // replace a byte
        case 2: bytes.insert(UInt8(truncatingIfNeeded: rng.next()), at: at) // insert a byte
        case 3: bytes.remove(at: at)                                        // delete a byte
        case 4: bytes.removeLast(Int(rng.next() % UInt64(min(bytes.count, 8))) + 1) // truncate
        case 5:                                                             // duplicate a slice
            let length = Int(rng.next() % 16) + 1
            bytes.insert(contentsOf: bytes[at..<min(bytes.count, at + length)], at: at)
        case 6: bytes[at] = [0x80, 0x81, 0x84, 0x85, 0xff, 0x00, 0x7f][Int(rng.next() % 7)] // hostile length octet
        default: bytes[at] = [0x30, 0x31, 0xa0, 0xa2, 0x04, 0x01, 0x02, 0x0a, 0x87, 0x1f][Int(rng.next() % 10)] // tag swap
        }
    }
}
