/// A server-side TLS session as a connection's transport.
final class TLSTransport: Transport {
    private let session: TLSSession

    init(context: TLSContext, fd: Int32) throws {
        session = try TLSSession(context: context, fd: fd, accept: true)
    }

    func read(into buffer: UnsafeMutableRawBufferPointer) -> TransportResult {
        TLSTransport.map(session.read(into: buffer))
    }

    func write(_ bytes: UnsafeRawBufferPointer) -> TransportResult {
        TLSTransport.map(session.write(bytes))
    }

    var bufferedBytes: Int { session.pendingBytes }

    func shutdown() { session.shutdown() }

    private static func map(_ result: TLSSession.IOResult) -> TransportResult {
        switch result {
        case .bytes(let n): return .bytes(n)
        case .wantRead: return .wantRead
        case .wantWrite: return .wantWrite
        case .closed: return .closed
        case .failed(let reason): return .failed(reason)
        }
    }
}
