/// Strict, incremental HTTP/1.1 request parser (RFC 9112), fed from a byte buffer.
///
/// The caller keeps the received bytes and a read index; `next` consumes from the index and
/// returns one event. After `.failure` the connection must be answered with the error's status
/// and closed: once framing is in doubt, nothing further on the wire can be trusted
/// (that is how request smuggling starts).
public struct HTTPRequestParser: Sendable {
    public enum Event: Sendable {
        /// Not enough bytes yet.
        case needMore
        /// The head asked for `Expect: 100-continue` and its body has not arrived: send
        /// `100 Continue` once, then keep feeding. Returned at most once per request.
        case continueExpected
        case request(HTTPRequest)
        case failure(HTTPParseError)
    }

    /// Where the parser is inside the current request, for choosing a timeout.
    public enum Phase: Sendable, Equatable { case idle, head, body }

    private struct Head: Sendable {
        var method: HTTPMethod
        var target: String
        var version: HTTPVersion
        var headers: HTTPHeaders
        var expectContinue: Bool
    }

    private enum State: Sendable {
        case head
        case fixedBody(Head, length: Int)
        case chunkedBody(Head, ChunkedBodyDecoder)
        case failed(HTTPParseError)
    }

    public let limits: HTTPLimits
    private var state: State = .head
    /// Progress through the current head, so slow senders don't make us rescan bytes.
    private struct HeadScan: Sendable {
        var scanned = 0
        var requestLineEnd = -1
        var lineStart = 0
        var fields = 0
    }
    private var scan = HeadScan()
    private var continueSent = false
    /// True once any byte of the current request (after leading empty lines) was seen.
    private var headStarted = false
    /// Empty lines skipped before the current request, across calls.
    private var emptyLines = 0

    public init(limits: HTTPLimits = .default) {
        self.limits = limits
    }

    public var phase: Phase {
        switch state {
        case .head: return headStarted ? .head : .idle
        case .fixedBody, .chunkedBody: return .body
        case .failed: return .idle
        }
    }

    public mutating func next(_ buffer: [UInt8], index: inout Int) -> Event {
        do {
            return try step(buffer, index: &index)
        } catch {
            state = .failed(error)
            return .failure(error)
        }
    }

    private mutating func step(_ buffer: [UInt8], index: inout Int) throws(HTTPParseError) -> Event {
        switch state {
        case .failed(let error):
            throw error
        case .head:
            guard let head = try parseHead(buffer, index: &index) else { return .needMore }
            return try startBody(head, buffer, index: &index)
        case .fixedBody(let head, let length):
            return fixedBody(head, length: length, buffer, index: &index)
        case .chunkedBody(let head, var decoder):
            state = .head  // keep the decoder out of `state` while mutating it (no copy-on-write)
            let outcome = try decoder.decode(buffer, index: &index)
            if outcome == .done {
                return finish(head, body: decoder.body)
            }
            state = .chunkedBody(head, decoder)
            return continueIfExpected(head)
        }
    }

    // MARK: head

    /// Returns the parsed head once its terminating empty line has arrived.
    private mutating func parseHead(_ buf: [UInt8], index: inout Int) throws(HTTPParseError) -> Head? {
        // RFC 9112 §2.2: a server SHOULD ignore at least one empty line before the request-line.
        if !headStarted {
            while index + 1 < buf.count, buf[index] == 13, buf[index + 1] == 10 {
                index += 2
                emptyLines += 1
                if emptyLines > 4 { throw HTTPParseError(.badRequest, "too many empty lines before request") }
            }
            guard index < buf.count else { return nil }
            if buf[index] == 13 && index + 1 == buf.count { return nil }
            headStarted = true
            emptyLines = 0
            scan = HeadScan()
        }
        let start = index
        // Offsets below are relative to `start`; they persist across calls in `scan`.
        var i = start + scan.scanned
        let end = buf.count
        while i < end {
            let b = buf[i]
            if b == 10 {
                guard i > start, buf[i - 1] == 13 else { throw HTTPParseError(.badRequest, "bare LF in request head") }
                if scan.requestLineEnd < 0 {
                    scan.requestLineEnd = i - 1 - start
                } else if i - 1 - start == scan.lineStart {
                    // Empty line: the head is complete.
                    let head = try decodeHead(buf, start: start, requestLineEnd: start + scan.requestLineEnd,
                                              headEnd: start + scan.lineStart)
                    index = i + 1
                    scan = HeadScan()
                    return head
                } else {
                    scan.fields += 1
                    if scan.fields > limits.maxHeaderCount {
                        throw HTTPParseError(.requestHeaderFieldsTooLarge, "too many header fields")
                    }
                }
                scan.lineStart = i + 1 - start
            } else if b == 13 {
                // A CR must be followed by LF; if the next byte hasn't arrived, look again later.
                if i + 1 == end { break }
                if buf[i + 1] != 10 { throw HTTPParseError(.badRequest, "bare CR in request head") }
            } else if b == 0 {
                throw HTTPParseError(.badRequest, "NUL byte in request head")
            }
            if scan.requestLineEnd < 0 {
                // The CR ending a line of exactly maxRequestLine bytes is not part of the line.
                if b != 13 && i - start >= limits.maxRequestLine { throw HTTPParseError(.uriTooLong, "request line too long") }
            } else if i - start - scan.requestLineEnd > limits.maxHeaderBytes {
                throw HTTPParseError(.requestHeaderFieldsTooLarge, "header section too large")
            }
            i += 1
        }
        scan.scanned = i - start
        return nil
    }

    private func decodeHead(_ buf: [UInt8], start: Int, requestLineEnd: Int, headEnd: Int) throws(HTTPParseError) -> Head {
        let (method, target, version) = try decodeRequestLine(buf[start..<requestLineEnd])
        var headers = HTTPHeaders()
        var lineStart = requestLineEnd + 2
        while lineStart < headEnd {
            var lineEnd = lineStart
            while buf[lineEnd] != 13 { lineEnd += 1 }
            let field = try decodeField(buf[lineStart..<lineEnd])
            headers.add(field.name, field.value)
            lineStart = lineEnd + 2
        }
        if headers.count > limits.maxHeaderCount {
            throw HTTPParseError(.requestHeaderFieldsTooLarge, "too many header fields")
        }
        var expectContinue = false
        if let expect = headers["Expect"] {
            guard headers.values("Expect").count == 1, expect.trimmingOWS().equalsIgnoringASCIICase("100-continue") else {
                throw HTTPParseError(.expectationFailed, "unsupported expectation")
            }
            expectContinue = version == .http11
        }
        try checkHost(headers, version: version)
        try checkTargetForm(method: method, target: target)
        return Head(method: method, target: target, version: version, headers: headers, expectContinue: expectContinue)
    }

    private func decodeRequestLine(_ line: ArraySlice<UInt8>) throws(HTTPParseError) -> (HTTPMethod, String, HTTPVersion) {
        // request-line = method SP request-target SP HTTP-version, single spaces only.
        guard let sp1 = line.firstIndex(of: 32) else { throw HTTPParseError(.badRequest, "malformed request line") }
        let methodBytes = line[line.startIndex..<sp1]
        let rest = line[(sp1 + 1)...]
        guard let sp2 = rest.firstIndex(of: 32) else { throw HTTPParseError(.badRequest, "malformed request line") }
        let targetBytes = rest[rest.startIndex..<sp2]
        let versionBytes = rest[(sp2 + 1)...]
        guard !methodBytes.isEmpty, methodBytes.allSatisfy(HTTPRequestParser.isTokenByte) else {
            throw HTTPParseError(.badRequest, "invalid method")
        }
        // Visible ASCII only, and no fragment: `#` never belongs in a request-target (RFC 9112 §3.2).
        guard !targetBytes.isEmpty, targetBytes.allSatisfy({ $0 > 0x20 && $0 < 0x7F && $0 != UInt8(ascii: "#") }) else {
            throw HTTPParseError(.badRequest, "invalid request target")
        }
        let version: HTTPVersion
        if versionBytes.elementsEqual("HTTP/1.1".utf8) {
            version = .http11
        } else if versionBytes.elementsEqual("HTTP/1.0".utf8) {
            version = .http10
        } else if versionBytes.count == 8, versionBytes.starts(with: "HTTP/".utf8),
                  HTTPRequestParser.isDigit(versionBytes[versionBytes.startIndex + 5]),
                  versionBytes[versionBytes.startIndex + 6] == UInt8(ascii: "."),
                  HTTPRequestParser.isDigit(versionBytes[versionBytes.startIndex + 7]) {
            throw HTTPParseError(.httpVersionNotSupported, "unsupported HTTP version")
        } else {
            throw HTTPParseError(.badRequest, "malformed HTTP version")
        }
        return (HTTPMethod(rawValue: String(decoding: methodBytes, as: UTF8.self)),
                String(decoding: targetBytes, as: UTF8.self), version)
    }

    private func decodeField(_ line: ArraySlice<UInt8>) throws(HTTPParseError) -> (name: String, value: String) {
        guard let first = line.first else { throw HTTPParseError(.badRequest, "empty header line") }
        if first == 32 || first == 9 {
            // RFC 9112 §5.2: obs-fold is rejected with 400 outside message/http.
            throw HTTPParseError(.badRequest, "obsolete line folding")
        }
        guard let colon = line.firstIndex(of: UInt8(ascii: ":")) else {
            throw HTTPParseError(.badRequest, "header line without colon")
        }
        let name = line[line.startIndex..<colon]
        guard !name.isEmpty else { throw HTTPParseError(.badRequest, "empty header name") }
        guard name.allSatisfy(HTTPRequestParser.isTokenByte) else {
            // RFC 9112 §5.1: whitespace between field name and colon MUST be rejected with 400.
            throw HTTPParseError(.badRequest, "invalid header name")
        }
        var value = line[(colon + 1)...]
        while let f = value.first, f == 32 || f == 9 { value = value.dropFirst() }
        while let l = value.last, l == 32 || l == 9 { value = value.dropLast() }
        for b in value where !(b == 9 || (b >= 0x20 && b != 0x7F)) {
            throw HTTPParseError(.badRequest, "control character in header value")
        }
        return (String(decoding: name, as: UTF8.self), String(decoding: value, as: UTF8.self))
    }

    private func checkHost(_ headers: HTTPHeaders, version: HTTPVersion) throws(HTTPParseError) {
        let hosts = headers.values("Host")
        if hosts.count > 1 { throw HTTPParseError(.badRequest, "duplicate Host header") }
        guard let host = hosts.first else {
            // RFC 9112 §3.2: a 1.1 request without Host MUST get 400.
            if version == .http11 { throw HTTPParseError(.badRequest, "missing Host header") }
            return
        }
        guard !host.isEmpty, host.utf8.allSatisfy(HTTPRequestParser.isHostByte) else { throw HTTPParseError(.badRequest, "invalid Host header") }
    }

    private func checkTargetForm(method: HTTPMethod, target: String) throws(HTTPParseError) {
        if target.hasPrefix("/") { return }
        if target == "*" {
            guard method == .options else { throw HTTPParseError(.badRequest, "asterisk-form only for OPTIONS") }
            return
        }
        let lower = target.lowercased()
        guard lower.hasPrefix("http://") || lower.hasPrefix("https://") else {
            throw HTTPParseError(.badRequest, "unsupported request-target form")
        }
        // absolute-form: the authority must be a plain host[:port]; userinfo (`user@host`)
        // is an error (RFC 9110 §4.2.4) and an empty host is meaningless.
        let afterScheme = target.drop { $0 != ":" }.dropFirst(3)
        let authority = afterScheme.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        guard !authority.isEmpty, authority.utf8.allSatisfy(HTTPRequestParser.isHostByte) else {
            throw HTTPParseError(.badRequest, "invalid authority in request target")
        }
    }

    // MARK: body

    private mutating func startBody(_ head: Head, _ buf: [UInt8], index: inout Int) throws(HTTPParseError) -> Event {
        let lengths = head.headers.values("Content-Length")
        let codings = head.headers.values("Transfer-Encoding")
        if !codings.isEmpty {
            // RFC 9112 §6.1: TE in a 1.0 message means faulty framing; CL with TE is a smuggling signal.
            if head.version == .http10 { throw HTTPParseError(.badRequest, "Transfer-Encoding in HTTP/1.0 request") }
            if !lengths.isEmpty { throw HTTPParseError(.badRequest, "both Content-Length and Transfer-Encoding") }
            try checkCodings(codings)
            if head.expectContinue { continueSent = false }
            state = .chunkedBody(head, ChunkedBodyDecoder(maxBodySize: limits.maxBodySize,
                                                          maxTrailerBytes: limits.maxHeaderBytes,
                                                          maxTrailerCount: limits.maxHeaderCount))
            return try step(buf, index: &index)
        }
        if lengths.count > 1 { throw HTTPParseError(.badRequest, "duplicate Content-Length") }
        if let text = lengths.first {
            guard !text.isEmpty, text.utf8.count <= 18, text.utf8.allSatisfy(HTTPRequestParser.isDigit),
                  let length = Int(text) else {
                throw HTTPParseError(.badRequest, "invalid Content-Length")
            }
            if length > limits.maxBodySize { throw HTTPParseError(.contentTooLarge, "body exceeds limit") }
            if length > 0 {
                state = .fixedBody(head, length: length)
                return fixedBody(head, length: length, buf, index: &index)
            }
        }
        return finish(head, body: [])
    }

    private func checkCodings(_ values: [String]) throws(HTTPParseError) {
        var codings: [Substring] = []
        for value in values {
            for item in value.split(separator: ",", omittingEmptySubsequences: false) {
                let coding = item.trimmingOWS()
                guard !coding.isEmpty else { throw HTTPParseError(.badRequest, "empty transfer coding") }
                codings.append(coding)
            }
        }
        guard let last = codings.last, last.equalsIgnoringASCIICase("chunked") else {
            // RFC 9112 §6.3: chunked not final means the length can't be determined: 400 and close.
            throw HTTPParseError(.badRequest, "final transfer coding is not chunked")
        }
        for coding in codings.dropLast() {
            if coding.equalsIgnoringASCIICase("chunked") { throw HTTPParseError(.badRequest, "chunked applied twice") }
            let known = ["gzip", "x-gzip", "deflate", "compress", "x-compress"]
            guard known.contains(where: { coding.equalsIgnoringASCIICase($0) }) else {
                throw HTTPParseError(.badRequest, "unknown transfer coding")
            }
        }
        if codings.count > 1 { throw HTTPParseError(.notImplemented, "compressed transfer codings are not supported") }
    }

    private mutating func fixedBody(_ head: Head, length: Int, _ buf: [UInt8], index: inout Int) -> Event {
        guard buf.count - index >= length else { return continueIfExpected(head) }
        let body = Array(buf[index..<(index + length)])
        index += length
        return finish(head, body: body)
    }

    private mutating func continueIfExpected(_ head: Head) -> Event {
        if head.expectContinue && !continueSent {
            continueSent = true
            return .continueExpected
        }
        return .needMore
    }

    private mutating func finish(_ head: Head, body: [UInt8]) -> Event {
        state = .head
        headStarted = false
        scan = HeadScan()
        continueSent = false
        var request = HTTPRequest(method: head.method, target: head.target, version: head.version,
                                  headers: head.headers, body: body)
        request.headers.remove("Expect")
        return .request(request)
    }

    // MARK: byte classes

    /// tchar (RFC 9110 §5.6.2).
    static func isTokenByte(_ b: UInt8) -> Bool {
        if isAlnum(b) { return true }
        switch b {
        case UInt8(ascii: "!"), UInt8(ascii: "#"), UInt8(ascii: "$"), UInt8(ascii: "%"), UInt8(ascii: "&"),
             UInt8(ascii: "'"), UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "."),
             UInt8(ascii: "^"), UInt8(ascii: "_"), UInt8(ascii: "`"), UInt8(ascii: "|"), UInt8(ascii: "~"):
            return true
        default:
            return false
        }
    }

    /// Bytes allowed in a Host value or absolute-form authority: reg-name, IP literal, port.
    static func isHostByte(_ b: UInt8) -> Bool {
        isAlnum(b) || b == UInt8(ascii: "-") || b == UInt8(ascii: ".") || b == UInt8(ascii: ":")
            || b == UInt8(ascii: "[") || b == UInt8(ascii: "]") || b == UInt8(ascii: "_") || b == UInt8(ascii: "%")
    }

    static func isDigit(_ b: UInt8) -> Bool { b >= 48 && b <= 57 }
    static func isAlnum(_ b: UInt8) -> Bool { isDigit(b) || (b >= 65 && b <= 90) || (b >= 97 && b <= 122) }
}
