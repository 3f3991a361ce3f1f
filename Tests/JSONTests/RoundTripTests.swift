import JSON
import XCTest

/// Seeded random values: written with every option, read back equal; written again, the
/// same bytes.
final class RoundTripTests: XCTestCase {
    func testRandomValuesRoundTrip() throws {
        var random = SplitMix64(seed: 20_260_612)
        let optionSets: [JSONWriteOptions] = [[], .insertionOrder, .escapeHTML, .pretty, [.pretty, .insertionOrder, .escapeHTML]]
        for round in 0..<2000 {
            let value = random.value(depth: 5)
            for options in optionSets {
                let bytes = value.bytes(options)
                let back: JSONValue
                do {
                    back = try JSONValue(parsing: bytes)
                } catch {
                    return XCTFail("round \(round) \(options): \(error) reading \(String(decoding: bytes, as: UTF8.self))")
                }
                XCTAssertEqual(back, value, "round \(round) \(options)")
                XCTAssertEqual(back.bytes(options), bytes, "round \(round) \(options): written again differently")
                if options.contains(.insertionOrder) { XCTAssertTrue(sameOrder(back, value), "round \(round)") }
            }
        }
    }

    /// Text that reads, written compactly, reads back equal and then writes the same bytes.
    func testTextRoundTrip() throws {
        let texts = [
            #"{"b":[1,-2,3.5e-9,"\u00e9\ud83d\ude00",{"":null}],"a":true}"#,
            #"[9223372036854775808, -0.0, 1e300, "\u2028", "</script>"]"#,
            "  [ ]  ", #"{"x":{"y":{"z":[[[]]]}}}"#,
        ]
        for text in texts {
            let value = try JSONValue(parsing: text)
            let written = value.serialized
            XCTAssertEqual(try JSONValue(parsing: written), value, text)
            XCTAssertEqual(try JSONValue(parsing: written).serialized, written, text)
        }
    }

    private func sameOrder(_ a: JSONValue, _ b: JSONValue) -> Bool {
        switch (a, b) {
        case (.object(let x), .object(let y)):
            return x.keys == y.keys && zip(x.values, y.values).allSatisfy(sameOrder)
        case (.array(let x), .array(let y)):
            return x.count == y.count && zip(x, y).allSatisfy(sameOrder)
        default:
            return a == b
        }
    }
}

extension SplitMix64 {
    /// A random value at most `depth` containers deep (only finite doubles: JSON has no others).
    mutating func value(depth: Int) -> JSONValue {
        switch Int.random(in: 0..<(depth > 0 ? 9 : 6), using: &self) {
        case 0: return .null
        case 1: return .bool(Bool.random(using: &self))
        case 2: return .number(number())
        case 3: return .number(number())
        case 4, 5: return .string(string(maxLength: 12))
        case 6, 7:
            return .array((0..<Int.random(in: 0...5, using: &self)).map { _ in value(depth: depth - 1) })
        default:
            var object = JSONObject()
            for _ in 0..<Int.random(in: 0...6, using: &self) { object[string(maxLength: 6)] = value(depth: depth - 1) }
            return .object(object)
        }
    }

    mutating func number() -> JSONNumber {
        switch Int.random(in: 0..<6, using: &self) {
        case 0: return .int([0, 1, -1, .max, .min, 9_007_199_254_740_993].randomElement(using: &self)!)
        case 1: return .int(Int64(bitPattern: next()))
        case 2:
            var double: Double
            repeat { double = Double(bitPattern: next()) } while !double.isFinite
            return .double(double)
        case 3: return .double([0.0, -0.0, 0.1, 1.0, 1e20, .leastNonzeroMagnitude, .greatestFiniteMagnitude].randomElement(using: &self)!)
        case 4: return .double(Double(Int32(truncatingIfNeeded: next())) / 64)
        default:
            let digits = (0..<Int.random(in: 20...40, using: &self)).map { _ in String(Int.random(in: 0...9, using: &self)) }
            return .bigInteger((Bool.random(using: &self) ? "-" : "") + "9" + digits.joined())
        }
    }
}
