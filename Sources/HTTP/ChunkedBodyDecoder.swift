/// Incremental decoder for the chunked transfer coding (RFC 9112 §7.1), shared by the
/// request parser and the outbound client's response parser. Strict: CRLF only, hex sizes
/// of at most 15 digits, chunk extensions skipped but checked for control bytes, trailer
/// fields checked like header fields (token name, colon, no control bytes) and then discarded.
public struct ChunkedBodyDecoder: Sendable {
    public enum Outcome: Sendable, Equatable {
        case needMore
        case done
    }

    private enum State: Sendable {
        case size(digits: Int)
        case sizeWhitespace
        case extensionBytes
        case sizeLF
        case data(remaining: Int)
        case dataCR
        case dataLF
        case trailerLineStart
        case trailerLine
        case trailerLF(lineIsEmpty: Bool)
        case finished
    }

    private var state: State = .size(digits: 0)
    private var size = 0
    private var trailerBytes = 0
    private var trailerLineLength = 0
    /// Whether the current trailer line has reached its colon (the name before it must be a token).
    private var trailerInValue = false
    private var trailerCount = 0
    public private(set) var body: [UInt8] = []
    private let maxBody: Int
    private let maxTrailerBytes: Int
    private let maxTrailerCount: Int
    /// Status to use when the body grows past `maxBody` (413 for requests).
    private let tooLarge: HTTPStatus

    public init(maxBodySize: Int, maxTrailerBytes: Int = 8 * 1024, maxTrailerCount: Int = 32,
                tooLargeStatus: HTTPStatus = .contentTooLarge) {
        self.maxBody = maxBodySize
        self.maxTrailerBytes = maxTrailerBytes
        self.maxTrailerCount = maxTrailerCount
        self.tooLarge = tooLargeStatus
    }

    /// Consumes bytes from `input` starting at `index`, advancing it. Returns `.done` once the
    /// last chunk and trailer section are complete; `index` then points just past them.
    public mutating func decode(_ input: [UInt8], index: inout Int) throws(HTTPParseError) -> Outcome {
        let end = input.count
        while index < end {
            let byte = input[index]
            switch state {
            case .size(let digits):
                if let v = ChunkedBodyDecoder.hexValue(byte) {
                    guard digits < 15 else { throw HTTPParseError(.badRequest, "chunk size too long") }
                    size = size * 16 + v
                    state = .size(digits: digits + 1)
                } else if digits == 0 {
                    throw HTTPParseError(.badRequest, "chunk size is not hexadecimal")
                } else if byte == UInt8(ascii: ";") {
                    state = .extensionBytes
                } else if byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") {
                    // Only whitespace and then `;` may follow a size (chunk-ext BWS).
                    state = .sizeWhitespace
                } else if byte == UInt8(ascii: "\r") {
                    state = .sizeLF
                } else {
                    throw HTTPParseError(.badRequest, "invalid byte in chunk size line")
                }
                index += 1
            case .sizeWhitespace:
                if byte == UInt8(ascii: ";") {
                    state = .extensionBytes
                } else if byte != UInt8(ascii: " ") && byte != UInt8(ascii: "\t") {
                    throw HTTPParseError(.badRequest, "junk after chunk size")
                }
                trailerLineLength += 1
                guard trailerLineLength <= 4096 else { throw HTTPParseError(.badRequest, "chunk extension too long") }
                index += 1
            case .extensionBytes:
                if byte == UInt8(ascii: "\r") {
                    state = .sizeLF
                } else if byte == UInt8(ascii: "\n") || byte == 0 || (byte < 0x20 && byte != 0x09) || byte == 0x7F {
                    throw HTTPParseError(.badRequest, "invalid byte in chunk extension")
                } else {
                    trailerLineLength += 1
                    guard trailerLineLength <= 4096 else { throw HTTPParseError(.badRequest, "chunk extension too long") }
                }
                index += 1
            case .sizeLF:
                guard byte == UInt8(ascii: "\n") else { throw HTTPParseError(.badRequest, "bare CR in chunk size line") }
                index += 1
                trailerLineLength = 0
                if size == 0 {
                    state = .trailerLineStart
                } else {
                    guard body.count + size <= maxBody else { throw HTTPParseError(tooLarge, "body exceeds limit") }
                    state = .data(remaining: size)
                    size = 0
                }
            case .data(let remaining):
                let n = min(remaining, end - index)
                body.append(contentsOf: input[index..<(index + n)])
                index += n
                state = remaining - n == 0 ? .dataCR : .data(remaining: remaining - n)
            case .dataCR:
                guard byte == UInt8(ascii: "\r") else { throw HTTPParseError(.badRequest, "chunk data not followed by CRLF") }
                index += 1
                state = .dataLF
            case .dataLF:
                guard byte == UInt8(ascii: "\n") else { throw HTTPParseError(.badRequest, "chunk data not followed by CRLF") }
                index += 1
                state = .size(digits: 0)
            case .trailerLineStart:
                if byte == UInt8(ascii: "\r") {
                    state = .trailerLF(lineIsEmpty: true)
                } else if byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") {
                    throw HTTPParseError(.badRequest, "obsolete line folding in trailer")
                } else {
                    // A trailer field is a header field: token name, colon, value.
                    guard HTTPRequestParser.isTokenByte(byte) else {
                        throw HTTPParseError(.badRequest, "invalid trailer field name")
                    }
                    trailerLineLength = 1
                    trailerInValue = false
                    state = .trailerLine
                }
                index += 1
                try countTrailerByte()
            case .trailerLine:
                if byte == UInt8(ascii: "\r") {
                    guard trailerInValue else { throw HTTPParseError(.badRequest, "trailer field without colon") }
                    state = .trailerLF(lineIsEmpty: false)
                } else if trailerInValue {
                    try checkTrailerByte(byte)
                    trailerLineLength += 1
                } else if byte == UInt8(ascii: ":") {
                    trailerInValue = true
                    trailerLineLength += 1
                } else {
                    guard HTTPRequestParser.isTokenByte(byte) else {
                        throw HTTPParseError(.badRequest, "invalid trailer field name")
                    }
                    trailerLineLength += 1
                }
                index += 1
                try countTrailerByte()
            case .trailerLF(let empty):
                guard byte == UInt8(ascii: "\n") else { throw HTTPParseError(.badRequest, "bare CR in trailer section") }
                index += 1
                if empty {
                    state = .finished
                    return .done
                }
                trailerCount += 1
                guard trailerCount <= maxTrailerCount else {
                    throw HTTPParseError(.requestHeaderFieldsTooLarge, "too many trailer fields")
                }
                state = .trailerLineStart
            case .finished:
                return .done
            }
        }
        if case .finished = state { return .done }
        return .needMore
    }

    private func checkTrailerByte(_ byte: UInt8) throws(HTTPParseError) {
        if byte == UInt8(ascii: "\n") { throw HTTPParseError(.badRequest, "bare LF in trailer section") }
        if byte == 0 || (byte < 0x20 && byte != 0x09) || byte == 0x7F {
            throw HTTPParseError(.badRequest, "control byte in trailer field")
        }
    }

    private mutating func countTrailerByte() throws(HTTPParseError) {
        trailerBytes += 1
        if trailerBytes > maxTrailerBytes {
            throw HTTPParseError(.requestHeaderFieldsTooLarge, "trailer section too large")
        }
    }

    static func hexValue(_ b: UInt8) -> Int? {
        switch b {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return Int(b - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return Int(b - UInt8(ascii: "a") + 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return Int(b - UInt8(ascii: "A") + 10)
        default: return nil
        }
    }
}
