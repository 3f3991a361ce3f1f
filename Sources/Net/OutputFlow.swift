/// The output side of a connection's back-pressure, for a state machine to embed: while the
/// socket won't take everything queued, reading stops (a client that doesn't read can't make
/// us buffer without bound), and output that makes no progress for `writeTimeout` seconds
/// has the `write` deadline fire.
public struct OutputFlow: Sendable, Equatable {
    public let writeTimeout: Double
    /// Bytes queued and not yet taken by the socket: as last reported, plus writes handed
    /// out since.
    public private(set) var pending = 0
    /// The socket is full: reading is paused and the `write` deadline runs.
    public private(set) var isBlocked = false

    public init(writeTimeout: Double) {
        self.writeTimeout = writeTimeout
    }

    /// A `.write` of `count` bytes is being handed out.
    public mutating func willWrite(_ count: Int) {
        pending += count
    }

    /// Takes the driver's report (`writeCompleted` or `outputProgressed`) and appends what it
    /// means for the flow: output left behind blocks (arm the write deadline, pause reading),
    /// progress while blocked re-arms the deadline, and a drained socket unblocks (disarm,
    /// resume reading).
    public mutating func update<Request>(pendingOutput: Int, into actions: inout [ConnectionAction<Request>]) {
        let progressed = pendingOutput < pending
        pending = pendingOutput
        if pendingOutput > 0 {
            if !isBlocked {
                isBlocked = true
                actions.append(.armDeadline(.write, after: writeTimeout))
                actions.append(.pauseReading)
            } else if progressed {
                actions.append(.armDeadline(.write, after: writeTimeout))
            }
        } else if isBlocked {
            isBlocked = false
            actions.append(.disarmDeadline(.write))
            actions.append(.resumeReading)
        }
    }
}
