/// Numbers: the RFC 8259 grammar, then the exact kind (see `JSONNumber`).
extension JSONReader {
    /// The number starting at `index` (a `-` or a digit).
    mutating func number() throws(JSONError) -> JSONNumber {
        let start = index
        let negative = bytes[index] == UInt8(ascii: "-")
        if negative { index += 1 }
        guard let first = next, isDigit(first) else { throw JSONError(.invalidNumber, at: start) }

        // Integer part, accumulated while it fits (the magnitude of Int64.min is 2^63).
        var magnitude: UInt64 = 0
        var overflow = false
        if first == UInt8(ascii: "0") {
            index += 1
            if let after = next, isDigit(after) { throw JSONError(.invalidNumber, at: start) }
        } else {
            while let byte = next, isDigit(byte) {
                let (times10, o1) = magnitude.multipliedReportingOverflow(by: 10)
                let (sum, o2) = times10.addingReportingOverflow(UInt64(byte - UInt8(ascii: "0")))
                magnitude = sum
                overflow = overflow || o1 || o2
                index += 1
            }
        }

        var isInteger = true
        if next == UInt8(ascii: ".") {
            isInteger = false
            index += 1
            guard skipDigits() > 0 else { throw JSONError(.invalidNumber, at: start) }
        }
        if next == UInt8(ascii: "e") || next == UInt8(ascii: "E") {
            isInteger = false
            index += 1
            if next == UInt8(ascii: "+") || next == UInt8(ascii: "-") { index += 1 }
            guard skipDigits() > 0 else { throw JSONError(.invalidNumber, at: start) }
        }

        if isInteger && !overflow {
            if !negative, magnitude <= UInt64(Int64.max) { return .int(Int64(magnitude)) }
            if negative, magnitude <= UInt64(Int64.max) { return .int(-Int64(magnitude)) }
            if negative, magnitude == UInt64(Int64.max) + 1 { return .int(.min) }
        }
        let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
        if isInteger { return .bigInteger(text) }
        // The grammar is checked, so the standard library's conversion sees only JSON numbers.
        guard let double = Double(text), double.isFinite else { throw JSONError(.numberOutOfRange, at: start) }
        return .double(double)
    }

    private mutating func skipDigits() -> Int {
        let start = index
        while let byte = next, isDigit(byte) { index += 1 }
        return index - start
    }

    private func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }
}
