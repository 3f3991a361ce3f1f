/// Placeholder until the TLS room lands: TLS contexts can't be created yet.
public final class TLSContext: @unchecked Sendable {}
final class TLSTransport: Transport {
    init(context: TLSContext, fd: Int32) throws { throw SocketError("TLS", code: 0) }
    func read(into buffer: UnsafeMutableRawBufferPointer) -> TransportResult { .failed("no TLS") }
    func write(_ bytes: UnsafeRawBufferPointer) -> TransportResult { .failed("no TLS") }
    var bufferedBytes: Int { 0 }
    func shutdown() {}
}
