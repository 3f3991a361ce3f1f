/// Why a response from an upstream server could not be read.
public enum HTTPResponseParseError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The bytes are not a valid HTTP/1.x response; nothing after this can be trusted.
    case malformed(String)
    /// Head plus body would exceed the configured cap (or the head alone its own limit).
    case tooLarge
    /// The peer closed the connection before the response was complete.
    case truncated

    public var description: String {
        switch self {
        case .malformed(let reason): return "malformed response: \(reason)"
        case .tooLarge: return "response too large"
        case .truncated: return "response truncated"
        }
    }
}

/// Strict, incremental parser for one HTTP/1.x response, for the outbound client.
///
/// Feed it bytes as they arrive; it returns the response once complete. Call `finish()` when
/// the peer closes the connection: that completes a read-until-close body and reports a
/// truncated one. Interim (1xx) responses are read and skipped. The rules match a strict server:
/// CRLF line endings only, no obs-fold, no whitespace before the colon, conflicting
/// Content-Length values rejected, Transfer-Encoding other than exactly `chunked` rejected,
/// and a cap on the total bytes (head plus body as sent on the wire).
public struct HTTPResponseParser: Sendable {
    public struct Limits: Sendable, Equatable {
        /// Cap on the whole response as received: every head (interim ones included) and the body.
        public var maxResponseBytes: Int
        /// Cap on one response head (status line and header fields).
        public var maxHeaderBytes: Int
        /// Most header fields in one head.
        public var maxHeaderCount: Int

        public init(maxResponseBytes: Int = 4 * 1024 * 1024, maxHeaderBytes: Int = 64 * 1024,
                    maxHeaderCount: Int = 100) {
            self.maxResponseBytes = maxResponseBytes
            self.maxHeaderBytes = maxHeaderBytes
            self.maxHeaderCount = maxHeaderCount
        }
    }

    private enum BodyMode: Sendable {
        case length(remaining: Int)
        case chunked(ChunkedBodyDecoder)
        case untilClose
    }

    private enum State: Sendable {
        case statusLine
        case headers
        case body(BodyMode)
        case done
        case failed
    }

    private let limits: Limits
    private let isHeadRequest: Bool
    private var state: State = .statusLine
    /// Received bytes not yet consumed start at `pos`.
    private var buffer: [UInt8] = []
    private var pos = 0
    /// Where the search for the next LF resumes (avoids rescanning on tiny feeds).
    private var scanFrom = 0
    /// Bytes consumed so far, over every head and the body framing.
    private var consumed = 0
    private var headBytes = 0

    /// HTTP version of the final response, once its status line was read.
    public private(set) var version: HTTPVersion?
    private var status = HTTPStatus(200)
    private var headers = HTTPHeaders()
    private var body: [UInt8] = []
    private var result: HTTPResponse?

    /// - Parameter requestMethod: the method of the request being answered; a HEAD response has no body.
    public init(requestMethod: HTTPMethod = .get, limits: Limits = Limits()) {
        self.limits = limits
        self.isHeadRequest = requestMethod == .head
    }

    /// True once a complete final response was parsed.
    public var isComplete: Bool { result != nil }

    /// Adds received bytes. Returns the response once it is complete (and on every later call).
    /// Bytes after the end of the response are ignored.
    public mutating func feed<C: Collection>(_ bytes: C) throws(HTTPResponseParseError) -> HTTPResponse?
    where C.Element == UInt8 {
        if let result { return result }
        if case .failed = state { throw .malformed("parser already failed") }
        buffer.append(contentsOf: bytes)
        do {
            try advance()
        } catch {
            state = .failed
            buffer = []
            throw error
        }
        compact()
        return result
    }

    /// The peer closed the connection: completes a read-until-close body, else reports truncation.
    public mutating func finish() throws(HTTPResponseParseError) -> HTTPResponse {
        if let result { return result }
        switch state {
        case .body(.untilClose):
            complete()
            return result!
        case .failed:
            throw .malformed("parser already failed")
        default:
            state = .failed
            throw .truncated
        }
    }

    // MARK: - Driving

    private mutating func advance() throws(HTTPResponseParseError) {
        while result == nil {
            switch state {
            case .statusLine, .headers:
                guard let line = try nextLine() else { return }
                if case .statusLine = state {
                    try parseStatusLine(line)
                    state = .headers
                } else if line.isEmpty {
                    try endOfHead()
                } else {
                    try parseField(line)
                }
            case .body(let mode):
                switch mode {
                case .length(let remaining):
                    let n = min(remaining, buffer.count - pos)
                    body.append(contentsOf: buffer[pos..<(pos + n)])
                    pos += n
                    consumed += n
                    if remaining - n == 0 {
                        complete()
                    } else {
                        state = .body(.length(remaining: remaining - n))
                        return
                    }
                case .chunked(var decoder):
                    var index = pos
                    // The decoder sees at most one byte past the cap: an error further on must
                    // not win over `tooLarge` just because those bytes arrived in the same feed.
                    let capEnd = pos + (limits.maxResponseBytes - consumed) + 1
                    let input = buffer.count > capEnd ? Array(buffer[..<capEnd]) : buffer
                    let outcome: ChunkedBodyDecoder.Outcome
                    do {
                        outcome = try decoder.decode(input, index: &index)
                    } catch {
                        if error.status == .contentTooLarge || error.status == .requestHeaderFieldsTooLarge {
                            throw .tooLarge
                        }
                        throw .malformed(error.reason)
                    }
                    consumed += index - pos
                    pos = index
                    guard consumed <= limits.maxResponseBytes else { throw .tooLarge }
                    if outcome == .done {
                        body = decoder.body
                        complete()
                    } else {
                        state = .body(.chunked(decoder))
                        return
                    }
                case .untilClose:
                    let n = buffer.count - pos
                    guard consumed + n <= limits.maxResponseBytes else { throw .tooLarge }
                    body.append(contentsOf: buffer[pos...])
                    pos += n
                    consumed += n
                    return
                }
            case .done, .failed:
                return
            }
        }
    }

    private mutating func complete() {
        state = .done
        result = HTTPResponse(status: status, headers: headers, body: body)
        buffer = []
        pos = 0
    }

    private mutating func compact() {
        if pos > 0 && (pos >= 4096 || pos == buffer.count) {
            buffer.removeFirst(pos)
            scanFrom = max(0, scanFrom - pos)
            pos = 0
        }
    }

    /// The next CRLF-terminated line without its CRLF, or nil when it is not complete yet.
    private mutating func nextLine() throws(HTTPResponseParseError) -> ArraySlice<UInt8>? {
        var i = max(pos, scanFrom)
        let end = buffer.count
        while i < end && buffer[i] != 0x0A { i += 1 }
        if i == end {
            scanFrom = end
            if headBytes + (end - pos) > limits.maxHeaderBytes
                || consumed + (end - pos) > limits.maxResponseBytes {
                throw .tooLarge
            }
            return nil
        }
        // Size first: an incomplete line over the limit is already `tooLarge` above, so the
        // same line must not be `malformed` when it happens to arrive in one piece.
        let length = i + 1 - pos
        headBytes += length
        consumed += length
        guard headBytes <= limits.maxHeaderBytes, consumed <= limits.maxResponseBytes else { throw .tooLarge }
        guard i > pos, buffer[i - 1] == 0x0D else { throw .malformed("bare LF in response head") }
        let line = buffer[pos..<(i - 1)]
        if line.contains(0x0D) { throw .malformed("bare CR in response head") }
        pos = i + 1
        scanFrom = pos
        return line
    }

    // MARK: - Head

    private mutating func parseStatusLine(_ line: ArraySlice<UInt8>) throws(HTTPResponseParseError) {
        // HTTP-version SP 3DIGIT [ SP reason-phrase ]
        let bytes = Array(line)
        let prefix: [UInt8] = Array("HTTP/1.".utf8)
        guard bytes.count >= 12, Array(bytes[0..<7]) == prefix else {
            throw .malformed("invalid status line")
        }
        let minor = bytes[7]
        guard minor >= 0x30 && minor <= 0x39 else { throw .malformed("invalid HTTP version") }
        guard bytes[8] == 0x20 else { throw .malformed("invalid status line") }
        var code = 0
        for b in bytes[9..<12] {
            guard b >= 0x30 && b <= 0x39 else { throw .malformed("invalid status code") }
            code = code * 10 + Int(b - 0x30)
        }
        guard (100...599).contains(code) else { throw .malformed("status code out of range") }
        var reason = ""
        if bytes.count > 12 {
            guard bytes[12] == 0x20 else { throw .malformed("invalid status line") }
            let phrase = bytes[13...]
            for b in phrase where !HTTPResponseParser.isFieldValueByte(b) {
                throw .malformed("control byte in reason phrase")
            }
            reason = String(decoding: phrase, as: UTF8.self)
        }
        version = minor == 0x30 ? .http10 : .http11
        status = HTTPStatus(code, reason.isEmpty ? nil : reason)
        headers = HTTPHeaders()
    }

    private mutating func parseField(_ line: ArraySlice<UInt8>) throws(HTTPResponseParseError) {
        guard let first = line.first else { return }
        if first == 0x20 || first == 0x09 { throw .malformed("obsolete line folding") }
        guard let colon = line.firstIndex(of: 0x3A) else { throw .malformed("header field without colon") }
        let nameBytes = line[line.startIndex..<colon]
        guard !nameBytes.isEmpty else { throw .malformed("empty header field name") }
        for b in nameBytes where !HTTPRequestParser.isTokenByte(b) {
            throw .malformed(b == 0x20 || b == 0x09 ? "whitespace before colon" : "invalid header field name")
        }
        var valueBytes = line[(colon + 1)...]
        while let f = valueBytes.first, f == 0x20 || f == 0x09 { valueBytes.removeFirst() }
        while let l = valueBytes.last, l == 0x20 || l == 0x09 { valueBytes.removeLast() }
        for b in valueBytes where !HTTPResponseParser.isFieldValueByte(b) {
            throw .malformed("control byte in header field value")
        }
        guard headers.count < limits.maxHeaderCount else { throw .tooLarge }
        headers.add(String(decoding: nameBytes, as: UTF8.self), String(decoding: valueBytes, as: UTF8.self))
    }

    private mutating func endOfHead() throws(HTTPResponseParseError) {
        headBytes = 0
        let code = status.code
        if (100..<200).contains(code) {
            // Interim response: no body; the final response follows on the same connection.
            guard code != 101 else { throw .malformed("unexpected protocol switch") }
            state = .statusLine
            return
        }
        let transferEncodings = headers.values("Transfer-Encoding")
        let contentLengths = headers.values("Content-Length")
        // Framing headers are validated even when the response has no body.
        if !transferEncodings.isEmpty {
            var codings: [Substring] = []
            for value in transferEncodings {
                for item in value.split(separator: ",", omittingEmptySubsequences: false) {
                    codings.append(item.trimmingOWS())
                }
            }
            guard let last = codings.last, last.equalsIgnoringASCIICase("chunked") else {
                throw .malformed("transfer coding other than chunked is last")
            }
            guard codings.count == 1 else { throw .malformed("unsupported transfer coding") }
            guard contentLengths.isEmpty else { throw .malformed("both Transfer-Encoding and Content-Length") }
            guard version == .http11 else { throw .malformed("Transfer-Encoding in an HTTP/1.0 response") }
        }
        var length: Int?
        for value in contentLengths {
            for item in value.split(separator: ",", omittingEmptySubsequences: false) {
                let n = try HTTPResponseParser.parseLength(item.trimmingOWS())
                if let length, length != n { throw .malformed("conflicting Content-Length values") }
                length = n
            }
        }

        if isHeadRequest || status.forbidsBody {
            complete()
            return
        }
        if !transferEncodings.isEmpty {
            let room = limits.maxResponseBytes - consumed
            state = .body(.chunked(ChunkedBodyDecoder(maxBodySize: max(0, room),
                                                       tooLargeStatus: .contentTooLarge)))
        } else if let length {
            guard length <= limits.maxResponseBytes - consumed else { throw .tooLarge }
            if length == 0 { complete() } else { state = .body(.length(remaining: length)) }
        } else {
            state = .body(.untilClose)
        }
    }

    private static func parseLength(_ s: Substring) throws(HTTPResponseParseError) -> Int {
        guard !s.isEmpty, s.utf8.count <= 15 else { throw .malformed("invalid Content-Length") }
        var n = 0
        for b in s.utf8 {
            guard b >= 0x30 && b <= 0x39 else { throw .malformed("invalid Content-Length") }
            n = n * 10 + Int(b - 0x30)
        }
        return n
    }

    /// field-vchar / SP / HTAB, obs-text included.
    static func isFieldValueByte(_ b: UInt8) -> Bool {
        b == 0x09 || (b >= 0x20 && b != 0x7F)
    }
}
