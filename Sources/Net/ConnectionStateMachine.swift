/// A protocol spoken on one connection, as a value: events in, actions out, no I/O.
///
/// `Connection` (the driver) owns the socket. It tells the machine what happened and carries
/// out the actions each event appends to `actions`, in order (one list for the connection's
/// life, so an event allocates nothing). The contract between them:
/// - `input` holds the received bytes; the driver appends, the machine consumes.
/// - `.write` and `.respond` end the actions of an event: the machine then waits for their
///   answer (`writeCompleted(pendingOutput:into:)`, `responseReady(_:into:)`), which the
///   driver gives before any other event. So every decision that depends on how much of the
///   output the socket took is made on exact numbers, and answers leave in request order.
/// - After `.close(.immediately)` no further event arrives. After `.close(.lingering)` events
///   still arrive until the connection is closed (output progress, deadlines, shutdown); the
///   machine answers them with nothing but a deadline or `.close(.immediately)`.
///
/// HTTP's machine is `HTTPConnectionStateMachine`; the LDAP listener supplies another.
/// Both embed an `OutputFlow` for the output side of back-pressure. A machine is made on the
/// accepting queue and then lives on its connection's queue, hence `Sendable`.
public protocol ConnectionStateMachine: Sendable {
    associatedtype Request
    associatedtype Response
    typealias Action = ConnectionAction<Request>

    /// Received bytes not yet consumed.
    var input: InboundBuffer { get set }

    /// The connection is registered; reading starts after these actions.
    mutating func opened(into actions: inout [Action])
    /// New bytes were appended to `input`.
    mutating func bytesReceived(into actions: inout [Action])
    /// The responder's answer to the last `.respond`.
    mutating func responseReady(_ response: Response, into actions: inout [Action])
    /// The last `.write` was queued and the socket took what it would: `pendingOutput` bytes
    /// are still waiting (0: everything is sent).
    mutating func writeCompleted(pendingOutput: Int, into actions: inout [Action])
    /// A socket event sent more of the queued output: `pendingOutput` bytes are left
    /// (0: drained).
    mutating func outputProgressed(pendingOutput: Int, into actions: inout [Action])
    /// A deadline armed by the machine passed.
    mutating func deadlineFired(_ deadline: ConnectionDeadline, into actions: inout [Action])
    /// The peer closed its side (EOF), after any bytes it sent were delivered.
    mutating func peerClosed(into actions: inout [Action])
    /// The server is shutting down: finish what is in flight, then close. May arrive more
    /// than once.
    mutating func shutdownRequested(into actions: inout [Action])
}
