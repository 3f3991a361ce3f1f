/// What a protocol state machine asks of its connection. The machine decides; the connection
/// (`Connection`, the driver) owns the socket and carries each action out, in order.
/// Shared by every protocol a `Listener` speaks: HTTP now, LDAP next.
public enum ConnectionAction<Request> {
    /// Queue these bytes and send what the socket takes now.
    /// Answered with `writeCompleted(pendingOutput:)` before anything else happens.
    case write([UInt8])
    /// Hand a complete request to the responder.
    /// Answered with `responseReady(_:)` before anything else happens.
    case respond(Request)
    /// Start `deadline`'s clock: it fires `after` seconds from now (seconds, not an instant, so
    /// the machine needs no clock). The input deadlines (`idle`, `header`, `body`) share one
    /// slot, so arming one replaces another; `write` has a slot of its own.
    case armDeadline(ConnectionDeadline, after: Double)
    /// Stop `deadline`'s clock. For an input deadline this clears the shared slot, so the
    /// machine names the one it armed.
    case disarmDeadline(ConnectionDeadline)
    /// Stop taking bytes from the socket (they wait in the kernel, and then at the peer).
    case pauseReading
    /// Take bytes from the socket again.
    case resumeReading
    case close(CloseMode)
}

extension ConnectionAction: Sendable where Request: Sendable {}

/// The clocks a connection runs. A firing deadline comes back as `deadlineFired(_:)`.
public enum ConnectionDeadline: Sendable, Hashable {
    /// Between requests: no request has started.
    case idle
    /// A request has started (HTTP: its head; LDAP: a message) and must arrive whole.
    case header
    /// The body of a request whose head has arrived.
    case body
    /// Queued output is stuck behind a full socket and makes no progress.
    case write

    /// Input deadlines share one slot; `write` has its own.
    public var isInput: Bool { self != .write }
}

/// How a connection closes.
public enum CloseMode: Sendable, Hashable {
    /// At once: anything still queued is dropped (timeouts, a peer that stopped reading,
    /// shutdown of an idle connection).
    case immediately
    /// A lingering close: send everything queued, shut our side for writing, then read and
    /// drop what the peer still sends for up to 2 s, or until it closes. A client that is
    /// still sending sees our last answer instead of a TCP reset. When the peer has already
    /// closed, the connection closes as soon as the output is sent.
    case lingering
}
