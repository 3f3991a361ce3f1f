import HTTP
@testable import Net
import XCTest

/// `HTTPConnectionStateMachine` driven directly: no socket, no clock, no thread. Each step feeds
/// one event and compares every action it returns, in order, written out as text (a `write`
/// with its exact bytes). The answers a driver owes (`writeCompleted` after a write,
/// `responseReady` after a respond) are given by hand, so each test reads as the conversation
/// between the connection and the machine.
final class HTTPConnectionStateMachineTests: XCTestCase {
    // MARK: keep-alive, pipelining, 100-continue, HEAD, chunked

    func testKeepAliveRequestIsAnsweredAndTheIdleClockStartsOnceTheAnswerHasLeft() {
        var h = Harness()
        XCTAssertEqual(h.open(), ["arm header 10"])
        XCTAssertEqual(h.receive("GET /a HTTP/1.1\r\nHost: x\r\n\r\n"), ["respond GET /a"])
        XCTAssertEqual(h.respond("a"), [ok("a")])
        XCTAssertEqual(h.written(), ["arm idle 60"])
        // The next request on the same connection.
        XCTAssertEqual(h.receive("GET /b HTTP/1.1\r\nHost: x\r\n\r\n"), ["respond GET /b"])
        XCTAssertEqual(h.respond("b"), [ok("b")])
        XCTAssertEqual(h.written(), ["arm idle 60"])
    }

    func testPipelinedRequestsInOneReadAreAnsweredOneAtATimeInOrder() {
        var h = Harness()
        _ = h.open()
        let three = "GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\n\r\n"
            + "POST /c HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc"
        // Only the first is handed out; /b waits until /a's answer is on its way.
        XCTAssertEqual(h.receive(three), ["respond GET /a"])
        XCTAssertEqual(h.respond("a"), [ok("a")])
        // A second answer cannot overtake: until /a's write is done nothing else is asked for,
        // and an answer nobody asked for is dropped.
        XCTAssertEqual(h.respond("stray"), [])
        XCTAssertEqual(h.written(), ["arm idle 60", "respond GET /b"])
        XCTAssertEqual(h.respond("b"), [ok("b")])
        XCTAssertEqual(h.written(), ["arm idle 60", "respond POST /c abc"])
        XCTAssertEqual(h.respond("c"), [ok("c")])
        XCTAssertEqual(h.written(), ["arm idle 60"])
    }

    func testExpectContinueIsAnsweredOnceThenTheBodyClockRuns() {
        var h = Harness()
        _ = h.open()
        XCTAssertEqual(h.receive("POST /u HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n"),
                       ["write HTTP/1.1 100 Continue\r\n\r\n"])
        XCTAssertEqual(h.written(), ["arm body 30"])
        XCTAssertEqual(h.receive("bo"), [])
        XCTAssertEqual(h.receive("dy"), ["respond POST /u body"])
        XCTAssertEqual(h.respond("u"), [ok("u")])
        XCTAssertEqual(h.written(), ["arm idle 60"])
    }

    func testExpectContinueWithTheBodyAlreadyHereGetsNoInterimAnswer() {
        var h = Harness()
        _ = h.open()
        XCTAssertEqual(h.receive("POST /u HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\nbody"),
                       ["respond POST /u body"])
    }

    func testHeadAnswerCarriesTheLengthButNoBody() {
        var h = Harness()
        _ = h.open()
        XCTAssertEqual(h.receive("HEAD /x HTTP/1.1\r\nHost: x\r\n\r\n"), ["respond HEAD /x"])
        XCTAssertEqual(h.respond("HEAD /x 0"), [ok("HEAD /x 0", head: true)])
        XCTAssertEqual(h.written(), ["arm idle 60"])
    }

    func testChunkedBodyIsDecodedBeforeTheRequestIsHandedOut() {
        var h = Harness()
        _ = h.open()
        XCTAssertEqual(h.receive("POST /c HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n"),
                       ["arm body 30"])
        XCTAssertEqual(h.receive("6;ext=1\r\n world\r\n0\r\nX-T: 1\r\n\r\n"), ["respond POST /c hello world"])
    }

    // MARK: keep-alive rules

    func testConnectionCloseRequestIsAnsweredThenClosedAndNothingAfterItIsRead() {
        var h = Harness()
        _ = h.open()
        XCTAssertEqual(h.receive("GET /a HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\nGET /after HTTP/1.1\r\nHost: x\r\n\r\n"),
                       ["respond GET /a"])
        XCTAssertEqual(h.respond("a"), [ok("a", close: true)])
        XCTAssertEqual(h.written(), ["disarm header", "close lingering"])
        XCTAssertEqual(h.receive("GET /more HTTP/1.1\r\nHost: x\r\n\r\n"), [])
    }

    func testResponseThatSaysCloseClosesTheConnection() {
        var h = Harness()
        _ = h.open()
        XCTAssertEqual(h.receive("GET /a HTTP/1.1\r\nHost: x\r\n\r\n"), ["respond GET /a"])
        var response = HTTPResponse(status: .ok, contentType: "text/plain", body: "a")
        response.headers.add("Connection", "close")
        XCTAssertEqual(h.respond(response), [ok("a", close: true)])
        XCTAssertEqual(h.written(), ["disarm header", "close lingering"])
    }

    func testHTTP10ClosesUnlessItAsksForKeepAlive() {
        var plain = Harness()
        _ = plain.open()
        XCTAssertEqual(plain.receive("GET /a HTTP/1.0\r\n\r\n"), ["respond GET /a"])
        XCTAssertEqual(plain.respond("a"), [ok("a", close: true)])
        XCTAssertEqual(plain.written(), ["disarm header", "close lingering"])

        var kept = Harness()
        _ = kept.open()
        XCTAssertEqual(kept.receive("GET /a HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"), ["respond GET /a"])
        XCTAssertEqual(kept.respond("a"), [ok("a", extra: "Connection: keep-alive\r\n")])
        XCTAssertEqual(kept.written(), ["arm idle 60"])
    }

    // MARK: timeouts

    func testHeaderTimeoutIsNotExtendedByTricklingBytes() {
        var h = Harness()
        XCTAssertEqual(h.open(), ["arm header 10"])
        // Byte after byte: the clock armed at open keeps running.
        for byte in "GET / HTTP/1.1\r\nHost: x\r\nX-Slow: aaaa" {
            XCTAssertEqual(h.receive(String(byte)), [])
        }
        XCTAssertEqual(h.fire(.header), [error(408, "Request Timeout")])
        XCTAssertEqual(h.written(), ["close lingering"])
    }

    func testHeaderTimeoutStartsWhenTheNextRequestHeadStarts() {
        var h = Harness()
        _ = h.open()
        _ = h.receive("GET /a HTTP/1.1\r\nHost: x\r\n\r\n")
        _ = h.respond("a")
        XCTAssertEqual(h.written(), ["arm idle 60"])
        XCTAssertEqual(h.receive("GET /b HT"), ["arm header 10"])
        XCTAssertEqual(h.receive("TP/1.1\r\nHo"), [])
        XCTAssertEqual(h.fire(.header), [error(408, "Request Timeout")])

        // An empty line's CR is already the start of a request.
        var crlf = Harness()
        _ = crlf.open()
        _ = crlf.receive("GET /a HTTP/1.1\r\nHost: x\r\n\r\n")
        _ = crlf.respond("a")
        _ = crlf.written()
        XCTAssertEqual(crlf.receive("\r"), ["arm header 10"])
    }

    func testBodyTimeoutRunsFromTheHeadAndIsNotExtended() {
        var h = Harness()
        _ = h.open()
        XCTAssertEqual(h.receive("POST /u HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\n"), ["arm body 30"])
        XCTAssertEqual(h.receive("ab"), [])
        XCTAssertEqual(h.receive("c"), [])
        XCTAssertEqual(h.fire(.body), [error(408, "Request Timeout")])
        XCTAssertEqual(h.written(), ["close lingering"])
    }

    func testIdleTimeoutClosesAtOnce() {
        var h = Harness()
        _ = h.open()
        _ = h.receive("GET /a HTTP/1.1\r\nHost: x\r\n\r\n")
        _ = h.respond("a")
        XCTAssertEqual(h.written(), ["arm idle 60"])
        XCTAssertEqual(h.fire(.idle), ["close immediately"])
        // Nothing happens after a close.
        XCTAssertEqual(h.receive("GET /b HTTP/1.1\r\nHost: x\r\n\r\n"), [])
        XCTAssertEqual(h.peerClosed(), [])
        XCTAssertEqual(h.shutdown(), [])
        XCTAssertEqual(h.fire(.write), [])
    }

    func testRequestTimeoutWhileEarlierAnswersAreStillSendingClosesWithout408() {
        var h = Harness()
        _ = h.open()
        XCTAssertEqual(h.receive("GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b HT"), ["respond GET /a"])
        _ = h.respond("a")
        // The socket took nothing: blocked; /b's head has started, so its clock runs.
        XCTAssertEqual(h.written(socketTook: 0),
                       ["arm write 20", "pause reading", "disarm header", "arm header 10"])
        // A 408 now would land in the middle of /a's answer.
        XCTAssertEqual(h.fire(.header), ["close immediately"])
    }

    func testTheDeadlineOfARequestBeingAnsweredIsIgnored() {
        var h = Harness()
        _ = h.open()
        _ = h.receive("GET /a HTTP/1.1\r\nHost: x\r\n\r\n")
        XCTAssertEqual(h.fire(.header), [])
        XCTAssertEqual(h.respond("a"), [ok("a")])
    }

    // MARK: back-pressure

    func testStuckOutputPausesReadingAndClosesAfterTheWriteTimeout() {
        var h = Harness()
        _ = h.open()
        _ = h.receive("GET /a HTTP/1.1\r\nHost: x\r\n\r\n")
        XCTAssertEqual(h.respond(String(repeating: "x", count: 1000)).count, 1)
        // The socket took part: the rest waits, reading stops, the write clock runs, and the
        // idle clock waits for the answer to leave.
        XCTAssertEqual(h.written(socketTook: 100), ["arm write 20", "pause reading", "disarm header"])
        // Each bit of progress restarts the write clock ...
        XCTAssertEqual(h.progressed(socketTook: 100), ["arm write 20"])
        XCTAssertEqual(h.progressed(socketTook: 100), ["arm write 20"])
        // ... and none for the write timeout closes.
        XCTAssertEqual(h.fire(.write), ["close immediately"])
    }

    func testDrainedOutputResumesReadingAndStartsTheIdleClock() {
        var h = Harness()
        _ = h.open()
        _ = h.receive("GET /a HTTP/1.1\r\nHost: x\r\n\r\n")
        _ = h.respond(String(repeating: "x", count: 1000))
        XCTAssertEqual(h.written(socketTook: 0), ["arm write 20", "pause reading", "disarm header"])
        XCTAssertEqual(h.progressed(), ["disarm write", "resume reading", "arm idle 60"])
    }

    func testPipelinedRequestsWaitWhileAnswersAboveTheHighWaterMarkAreStuck() {
        var h = Harness(outputHighWater: 500)
        _ = h.open()
        XCTAssertEqual(h.receive("GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\n\r\nGET /c HTTP/1.1\r\nHost: x\r\n\r\n"),
                       ["respond GET /a"])
        _ = h.respond(String(repeating: "a", count: 1000))
        // 1,000+ bytes stuck, over the mark: /b is not answered yet.
        XCTAssertEqual(h.written(socketTook: 0), ["arm write 20", "pause reading", "disarm header"])
        // Progress alone doesn't release it; the answers must drain.
        XCTAssertEqual(h.progressed(socketTook: 900), ["arm write 20"])
        XCTAssertEqual(h.progressed(), ["disarm write", "resume reading", "respond GET /b"])
        // Stuck output at or under the mark doesn't hold the next one back.
        _ = h.respond(String(repeating: "b", count: 1000))
        XCTAssertEqual(h.written(socketTook: h.queued - 500),
                       ["arm write 20", "pause reading", "disarm idle", "respond GET /c"])
        XCTAssertEqual(h.respond("c"), [ok("c")])
        XCTAssertEqual(h.written(socketTook: 0), ["disarm idle"])
        XCTAssertEqual(h.progressed(), ["disarm write", "resume reading", "arm idle 60"])
    }

    // MARK: parse errors

    func testParseErrorsAreAnsweredThenClosedLingering() {
        let big = String(repeating: "a", count: 100 * 1024)
        let cases: [(String, String, Int, String)] = [
            ("CL+TE", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n", 400, "Bad Request"),
            ("bare LF", "GET / HTTP/1.1\nHost: x\n\n", 400, "Bad Request"),
            ("missing Host", "GET / HTTP/1.1\r\n\r\n", 400, "Bad Request"),
            ("body too large", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 2000000\r\n\r\n", 413, "Content Too Large"),
            ("long request line", "GET /\(big) HTTP/1.1\r\nHost: x\r\n\r\n", 414, "URI Too Long"),
            ("101 headers", "GET / HTTP/1.1\r\nHost: x\r\n" + (0..<101).map { "X-\($0): v\r\n" }.joined() + "\r\n",
             431, "Request Header Fields Too Large"),
            ("100 KiB header", "GET / HTTP/1.1\r\nHost: x\r\nX-Big: \(big)\r\n\r\n", 431, "Request Header Fields Too Large"),
            ("HTTP/2.0", "GET / HTTP/2.0\r\nHost: x\r\n\r\n", 505, "HTTP Version Not Supported"),
        ]
        for (name, request, status, reason) in cases {
            var h = Harness()
            _ = h.open()
            XCTAssertEqual(h.receive(request), [error(status, reason)], name)
            // The request's clock is left running until the lingering close replaces it.
            XCTAssertEqual(h.written(), ["close lingering"], name)
            XCTAssertEqual(h.receive("GET / HTTP/1.1\r\nHost: x\r\n\r\n"), [], name)
        }
    }

    func testRequestPipelinedAfterAnInvalidOneIsNeverAnswered() {
        var h = Harness()
        _ = h.open()
        XCTAssertEqual(h.receive("GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n"),
                       [error(400, "Bad Request")])
        XCTAssertEqual(h.written(), ["close lingering"])
        XCTAssertEqual(h.progressed(), [])
        XCTAssertEqual(h.receive(""), [])
    }

    // MARK: shutdown

    func testShutdownClosesIdleConnectionsAtOnce() {
        var fresh = Harness()
        _ = fresh.open()
        XCTAssertEqual(fresh.shutdown(), ["close immediately"])

        var idle = Harness()
        _ = idle.open()
        _ = idle.receive("GET /a HTTP/1.1\r\nHost: x\r\n\r\n")
        _ = idle.respond("a")
        _ = idle.written()
        XCTAssertEqual(idle.shutdown(), ["close immediately"])
    }

    func testShutdownOfAnIdleConnectionStillSendingLetsTheAnswerFinish() {
        var h = Harness()
        _ = h.open()
        _ = h.receive("GET /a HTTP/1.1\r\nHost: x\r\n\r\n")
        _ = h.respond("a")
        _ = h.written(socketTook: 0)
        XCTAssertEqual(h.shutdown(), ["close lingering"])
        // While the answer is sent, only the write clock matters ...
        XCTAssertEqual(h.progressed(socketTook: 1), ["arm write 20"])
        XCTAssertEqual(h.fire(.write), ["close immediately"])

        // ... and once it is sent (the driver now lingers), a further notice closes at once.
        var sent = Harness()
        _ = sent.open()
        _ = sent.receive("GET /a HTTP/1.1\r\nHost: x\r\n\r\n")
        _ = sent.respond("a")
        _ = sent.written(socketTook: 0)
        XCTAssertEqual(sent.shutdown(), ["close lingering"])
        XCTAssertEqual(sent.progressed(), ["disarm write", "resume reading"])
        XCTAssertEqual(sent.shutdown(), ["close immediately"])
    }

    func testShutdownLetsARequestUnderWayFinishAndAnswersItWithClose() {
        var h = Harness()
        _ = h.open()
        XCTAssertEqual(h.receive("POST /u HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n\r\nbo"), ["arm body 30"])
        XCTAssertEqual(h.shutdown(), [])
        XCTAssertEqual(h.receive("dy"), ["respond POST /u body"])
        XCTAssertEqual(h.respond("u"), [ok("u", close: true)])
        XCTAssertEqual(h.written(), ["disarm body", "close lingering"])
    }

    func testShutdownDuringAnAnswerMakesItCloseAndALaterShutdownEndsTheLinger() {
        // The driver says `shutdownRequested` before handing over an answer computed after
        // shutdown began (the listener's own notice follows later).
        var h = Harness()
        _ = h.open()
        XCTAssertEqual(h.receive("GET /slow HTTP/1.1\r\nHost: x\r\n\r\n"), ["respond GET /slow"])
        XCTAssertEqual(h.shutdown(), [])
        XCTAssertEqual(h.respond("slow"), [ok("slow", close: true)])
        XCTAssertEqual(h.written(), ["disarm header", "close lingering"])
        XCTAssertEqual(h.shutdown(), ["close immediately"])
    }

    func testShutdownWithPipelinedRequestsHeldBackAnswersTheNextWithClose() {
        var h = Harness(outputHighWater: 10)
        _ = h.open()
        _ = h.receive("GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\n\r\nGET /c HTTP/1.1\r\nHost: x\r\n\r\n")
        _ = h.respond("a")
        XCTAssertEqual(h.written(socketTook: 0), ["arm write 20", "pause reading", "disarm header"])
        XCTAssertEqual(h.shutdown(), [])
        XCTAssertEqual(h.progressed(), ["disarm write", "resume reading", "respond GET /b"])
        XCTAssertEqual(h.respond("b"), [ok("b", close: true)])
        XCTAssertEqual(h.written(), ["disarm idle", "close lingering"])
    }

    // MARK: the peer closing

    func testPeerClosingAfterItsAnswersClosesAtOnce() {
        var h = Harness()
        _ = h.open()
        _ = h.receive("GET /a HTTP/1.1\r\nHost: x\r\n\r\n")
        _ = h.respond("a")
        _ = h.written()
        XCTAssertEqual(h.peerClosed(), ["close immediately"])
    }

    func testPeerClosingWhileItsAnswerIsStuckGetsTheAnswerFirst() {
        var h = Harness()
        _ = h.open()
        _ = h.receive("GET /a HTTP/1.1\r\nHost: x\r\n\r\n")
        _ = h.respond("a")
        _ = h.written(socketTook: 0)
        XCTAssertEqual(h.peerClosed(), ["close lingering"])
    }

    func testPeerClosingInTheMiddleOfARequestClosesAtOnce() {
        var h = Harness()
        _ = h.open()
        XCTAssertEqual(h.receive("GET /a HTTP/1.1\r\nHo"), [])
        XCTAssertEqual(h.peerClosed(), ["close immediately"])
    }

    func testPeerClosingWhileARequestIsAnsweredClosesAfterTheAnswer() {
        // Not reachable with today's synchronous driver (EOF is reported after the answers to
        // what was read), but the machine answers first and closes after, whatever the order.
        var h = Harness()
        _ = h.open()
        _ = h.receive("GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\n\r\n")
        XCTAssertEqual(h.peerClosed(), [])
        XCTAssertEqual(h.respond("a"), [ok("a")])
        XCTAssertEqual(h.written(), ["arm idle 60", "close immediately"])
    }
}

// MARK: - harness

extension HTTPConnectionStateMachineTests {
    static let date = "Thu, 01 Jan 1970 00:00:00 GMT"

    /// The machine plus a model of the socket's queue, so a test can say how much the socket
    /// took and the harness reports what is left, as the driver does.
    struct Harness {
        var machine: HTTPConnectionStateMachine
        /// Bytes written and not yet taken by the (pretend) socket.
        private(set) var queued = 0

        init(outputHighWater: Int = 1024 * 1024) {
            var configuration = HTTPConnectionStateMachine.Configuration(headerTimeout: 10, bodyTimeout: 30,
                                                                         idleTimeout: 60, writeTimeout: 20)
            configuration.outputHighWater = outputHighWater
            machine = HTTPConnectionStateMachine(configuration: configuration,
                                                 date: LocalDate(fixed: HTTPConnectionStateMachineTests.date))
        }

        mutating func open() -> [String] { step { $0.opened(into: &$1) } }

        mutating func receive(_ text: String) -> [String] {
            machine.input.append(contentsOf: Array(text.utf8))
            return step { $0.bytesReceived(into: &$1) }
        }

        mutating func respond(_ body: String) -> [String] {
            respond(HTTPResponse(status: .ok, contentType: "text/plain", body: body))
        }

        mutating func respond(_ response: HTTPResponse) -> [String] { step { $0.responseReady(response, into: &$1) } }

        /// The driver's answer to a `write`: the socket took `socketTook` bytes of the queue.
        mutating func written(socketTook: Int = .max) -> [String] {
            queued -= min(socketTook, queued)
            let pending = queued
            return step { $0.writeCompleted(pendingOutput: pending, into: &$1) }
        }

        /// A writable socket took `socketTook` more bytes.
        mutating func progressed(socketTook: Int = .max) -> [String] {
            queued -= min(socketTook, queued)
            let pending = queued
            return step { $0.outputProgressed(pendingOutput: pending, into: &$1) }
        }

        mutating func fire(_ deadline: ConnectionDeadline) -> [String] { step { $0.deadlineFired(deadline, into: &$1) } }
        mutating func peerClosed() -> [String] { step { $0.peerClosed(into: &$1) } }
        mutating func shutdown() -> [String] { step { $0.shutdownRequested(into: &$1) } }

        /// One event: the actions it asks for, written out.
        private mutating func step(_ event: (inout HTTPConnectionStateMachine, inout [HTTPConnectionStateMachine.Action]) -> Void)
            -> [String] {
            var actions: [HTTPConnectionStateMachine.Action] = []
            event(&machine, &actions)
            return render(actions)
        }

        private mutating func render(_ actions: [HTTPConnectionStateMachine.Action],
                                     file: StaticString = #filePath, line: UInt = #line) -> [String] {
            for (i, action) in actions.enumerated() {
                switch action {
                case .write, .respond:
                    // The contract: the machine waits for the answer to these before anything else.
                    XCTAssertEqual(i, actions.count - 1, "write/respond must end the list: \(actions)", file: file, line: line)
                default:
                    break
                }
                if case .write(let bytes) = action { queued += bytes.count }
            }
            return actions.map(HTTPConnectionStateMachineTests.describe)
        }
    }

    static func describe(_ action: HTTPConnectionStateMachine.Action) -> String {
        switch action {
        case .write(let bytes):
            return "write " + String(decoding: bytes, as: UTF8.self)
        case .respond(let request):
            let body = request.body.isEmpty ? "" : " " + String(decoding: request.body, as: UTF8.self)
            return "respond \(request.method) \(request.target)\(body)"
        case .armDeadline(let deadline, let seconds):
            return "arm \(deadline) \(seconds == seconds.rounded() ? String(Int(seconds)) : String(seconds))"
        case .disarmDeadline(let deadline):
            return "disarm \(deadline)"
        case .pauseReading:
            return "pause reading"
        case .resumeReading:
            return "resume reading"
        case .close(let mode):
            return "close \(mode)"
        }
    }

    /// A `200 OK` text answer exactly as it must appear on the wire.
    func ok(_ body: String, close: Bool = false, head: Bool = false, extra: String = "") -> String {
        "write HTTP/1.1 200 OK\r\nDate: \(Self.date)\r\nContent-Type: text/plain\r\nContent-Length: \(body.utf8.count)\r\n"
            + (close ? "Connection: close\r\n" : "") + extra + "\r\n" + (head ? "" : body)
    }

    /// A parse-error answer exactly as it must appear on the wire.
    func error(_ status: Int, _ reason: String) -> String {
        let body = "\(status) \(reason)\n"
        return "write HTTP/1.1 \(status) \(reason)\r\nDate: \(Self.date)\r\nContent-Type: text/plain; charset=utf-8\r\n"
            + "X-Content-Type-Options: nosniff\r\nContent-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n" + body
    }
}
