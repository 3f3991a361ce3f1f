// libFuzzer harness for the HTTP room's parsers. Not part of the package: Tests/Fuzz/run.sh
// compiles this file together with Sources/HTTP/*.swift into one module, so internal API
// (HTTPRequest.splitTarget, authorityStart) is reachable without @testable.
//
// Every input is fed to each parser in several ways (all at once, split in two at a
// position derived from the first byte, and in small pieces with the consumed prefix
// dropped between pieces, as Net's InboundBuffer.compact does). The outcomes must be
// identical; any Swift trap (overflow, out of bounds, force unwrap) is a crash, and a
// mismatch is turned into a crash with a description on stderr.

// MARK: - helpers

func fail(_ message: String, _ input: [UInt8]) -> Never {
    let shown = input.prefix(512).map { b -> String in
        switch b {
        case 13: return "\\r"
        case 10: return "\\n"
        case 0x20..<0x7F: return String(UnicodeScalar(b))
        default: return "\\x" + (b < 16 ? "0" : "") + String(b, radix: 16)
        }
    }.joined()
    fatalError("FUZZ MISMATCH: \(message)\ninput (\(input.count) bytes): \(shown)")
}

/// Pieces of `count` bytes: cut positions derived from `seed`.
func cuts(count: Int, seed: UInt8, twoPieces: Bool) -> [Int] {
    if count == 0 { return [] }
    if twoPieces { return [(Int(seed) &* 31 &+ count) % (count + 1)] }
    // Small pieces of 1...8 bytes, varying by position.
    var result: [Int] = []
    var at = 0
    var s = UInt32(seed) | 1
    while at < count {
        s = s &* 1_103_515_245 &+ 12_345
        at += Int((s >> 16) % 8) + 1
        if at < count { result.append(at) }
    }
    return result
}

// MARK: - request parser

func describe(_ r: HTTPRequest) -> String {
    "\(r.method) \(r.target) path=\(r.path) query=\(r.query ?? "nil") \(r.version) host=\(r.host ?? "nil") "
        + "keepAlive=\(r.keepAlive) headers=[\(r.headers.description)] body=\(r.body)"
}

struct RequestTrace: Equatable {
    var requests: [String] = []
    var failure: String?
    /// Bytes fed but not consumed when the input ran out (meaningful without failure).
    var unconsumed = 0
    var phase: HTTPRequestParser.Phase = .idle
}

/// Feeds `input` in pieces; with `compact`, consumed bytes are dropped from the buffer
/// before each new piece is appended (the index is rebased to 0).
func feedRequests(_ input: [UInt8], cuts: [Int], compact: Bool, limits: HTTPLimits) -> RequestTrace {
    var parser = HTTPRequestParser(limits: limits)
    var trace = RequestTrace()
    var buffer: [UInt8] = []
    var index = 0
    var from = 0
    var continuePending = false
    var calls = 0
    for cut in cuts + [input.count] where cut >= from {
        if compact && index > 0 {
            buffer.removeFirst(index)
            index = 0
        }
        buffer.append(contentsOf: input[from..<cut])
        from = cut
        drain: while true {
            calls += 1
            // Each call either consumes bytes, emits a request, or asks for more; a long
            // run of calls on a fixed buffer means the parser is spinning.
            if calls > 4 * input.count + 64 { fail("request parser does not make progress", input) }
            let before = index
            switch parser.next(buffer, index: &index) {
            case .needMore:
                if index < before || index > buffer.count { fail("index moved out of range on needMore", input) }
                break drain
            case .continueExpected:
                if continuePending { fail("two 100-continue events for one request", input) }
                continuePending = true
            case .request(let r):
                continuePending = false
                if index > buffer.count { fail("index past end of buffer", input) }
                trace.requests.append(describe(r))
            case .failure(let e):
                trace.failure = "\(e.status.code) \(e.reason)"
                // A failed parser stays failed with the same error.
                var again = index
                guard case .failure(let e2) = parser.next(buffer, index: &again), e2 == e else {
                    fail("parser did not stay failed", input)
                }
                trace.phase = parser.phase
                return trace
            }
        }
    }
    trace.unconsumed = buffer.count - index
    trace.phase = parser.phase
    return trace
}

func checkRequestParser(_ input: [UInt8], limits: HTTPLimits) {
    let seed = input.first ?? 0
    let whole = feedRequests(input, cuts: [], compact: false, limits: limits)
    let split = feedRequests(input, cuts: cuts(count: input.count, seed: seed, twoPieces: true),
                             compact: false, limits: limits)
    let pieces = feedRequests(input, cuts: cuts(count: input.count, seed: seed, twoPieces: false),
                              compact: true, limits: limits)
    for (name, other) in [("split in two", split), ("small pieces + compaction", pieces)] where other != whole {
        fail("request parser, whole vs \(name):\n  whole: \(whole)\n  \(name): \(other)", input)
    }
}

// MARK: - chunked decoder

func decodeChunked(_ input: [UInt8], cuts: [Int], maxBody: Int) -> String {
    var decoder = ChunkedBodyDecoder(maxBodySize: maxBody, maxTrailerBytes: 256, maxTrailerCount: 4)
    var buffer: [UInt8] = []
    var index = 0
    var from = 0
    for cut in cuts + [input.count] where cut >= from {
        buffer.append(contentsOf: input[from..<cut])
        from = cut
        do {
            let before = index
            let outcome = try decoder.decode(buffer, index: &index)
            if index < before || index > buffer.count { fail("chunked decoder index out of range", input) }
            if outcome == .done { return "done at \(index) body=\(decoder.body)" }
            if index != buffer.count { fail("chunked decoder needs more but left bytes unread", input) }
        } catch {
            return "error \(error.status.code) \(error.reason)"
        }
    }
    return "needMore body=\(decoder.body.count)"
}

func checkChunkedDecoder(_ input: [UInt8]) {
    let seed = input.first ?? 0
    for maxBody in [64, 1024 * 1024] {
        let whole = decodeChunked(input, cuts: [], maxBody: maxBody)
        let split = decodeChunked(input, cuts: cuts(count: input.count, seed: seed, twoPieces: true), maxBody: maxBody)
        let pieces = decodeChunked(input, cuts: cuts(count: input.count, seed: seed, twoPieces: false), maxBody: maxBody)
        if split != whole || pieces != whole {
            fail("chunked decoder:\n  whole: \(whole)\n  split: \(split)\n  pieces: \(pieces)", input)
        }
    }
}

// MARK: - response parser

func parseResponse(_ input: [UInt8], cuts: [Int], method: HTTPMethod, limits: HTTPResponseParser.Limits) -> String {
    var parser = HTTPResponseParser(requestMethod: method, limits: limits)
    func show(_ r: HTTPResponse) -> String {
        "\(r.status.code) \(r.status.reason) v=\(parser.version.map { "\($0)" } ?? "nil") headers=[\(r.headers.description)] body=\(r.body)"
    }
    var from = 0
    for cut in cuts + [input.count] where cut >= from {
        do {
            if let r = try parser.feed(input[from..<cut]) {
                guard parser.isComplete else { fail("response returned but not complete", input) }
                return "complete " + show(r)
            }
        } catch {
            return "feed error \(error)"
        }
        from = cut
    }
    do {
        let r = try parser.finish()
        return "finish " + show(r)
    } catch {
        return "finish error \(error)"
    }
}

func checkResponseParser(_ input: [UInt8], method: HTTPMethod, limits: HTTPResponseParser.Limits) {
    let seed = input.first ?? 0
    let whole = parseResponse(input, cuts: [], method: method, limits: limits)
    let split = parseResponse(input, cuts: cuts(count: input.count, seed: seed, twoPieces: true), method: method, limits: limits)
    let pieces = parseResponse(input, cuts: cuts(count: input.count, seed: seed, twoPieces: false), method: method, limits: limits)
    if split != whole || pieces != whole {
        fail("response parser (\(method)):\n  whole: \(whole)\n  split: \(split)\n  pieces: \(pieces)", input)
    }
}

// MARK: - target splitting and dates

func checkTarget(_ input: [UInt8]) {
    let target = String(decoding: input, as: UTF8.self)
    let (path, query) = HTTPRequest.splitTarget(target)
    let request = HTTPRequest(method: .get, target: target)
    _ = request.host
    _ = request.keepAlive
    // An origin-form or absolute-form target always yields a path starting with `/`.
    if (target.hasPrefix("/") || HTTPRequest.authorityStart(Substring(target)) != nil) && !path.hasPrefix("/") {
        fail("path \(path) (query \(query ?? "nil")) does not start with a slash", input)
    }
}

func checkDate(_ input: [UInt8]) {
    guard input.count >= 8 else { return }
    var seconds = 0
    for b in input.prefix(8) { seconds = seconds << 8 | Int(b) }
    let text = HTTPDate.format(epochSeconds: seconds)
    // "Thu, 01 Jan 1970 00:00:00 GMT": 29 bytes while the year has four digits.
    if (0..<253_402_300_800).contains(seconds) && text.utf8.count != 29 { fail("bad date \(text) for \(seconds)", input) }
}

// MARK: - entry point

let smallRequestLimits = HTTPLimits(maxRequestLine: 64, maxHeaderBytes: 256, maxHeaderCount: 6, maxBodySize: 128)
let smallResponseLimits = HTTPResponseParser.Limits(maxResponseBytes: 512, maxHeaderBytes: 192, maxHeaderCount: 6)

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let input = size == 0 ? [] : Array(UnsafeBufferPointer(start: data, count: size))
    checkRequestParser(input, limits: .default)
    checkRequestParser(input, limits: smallRequestLimits)
    checkChunkedDecoder(input)
    checkResponseParser(input, method: .get, limits: HTTPResponseParser.Limits())
    checkResponseParser(input, method: .get, limits: smallResponseLimits)
    checkResponseParser(input, method: .head, limits: smallResponseLimits)
    checkTarget(input)
    checkDate(input)
    return 0
}
