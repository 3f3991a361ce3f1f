#if canImport(Glibc)
import Glibc
#endif

/// Outcome of one read or write on a non-blocking byte stream.
public enum TransportResult: Equatable, Sendable {
    case bytes(Int)
    /// Try again when the socket is readable.
    case wantRead
    /// Try again when the socket is writable.
    case wantWrite
    case closed
    case failed(String)
}

/// The byte stream under a connection: a plain socket or a TLS session over it.
protocol Transport: AnyObject {
    func read(into buffer: UnsafeMutableRawBufferPointer) -> TransportResult
    func write(_ bytes: UnsafeRawBufferPointer) -> TransportResult
    /// Bytes already decrypted and buffered inside the transport (TLS), readable without a socket event.
    var bufferedBytes: Int { get }
    /// Best-effort orderly close of the stream (TLS close_notify). The fd is closed elsewhere.
    func shutdown()
}

final class PlainTransport: Transport {
    let fd: Int32
    init(fd: Int32) { self.fd = fd }

    func read(into buffer: UnsafeMutableRawBufferPointer) -> TransportResult {
        while true {
            let n = Glibc.read(fd, buffer.baseAddress, buffer.count)
            if n > 0 { return .bytes(n) }
            if n == 0 { return .closed }
            switch errno {
            case EINTR: continue
            case EAGAIN, EWOULDBLOCK: return .wantRead
            case ECONNRESET: return .closed
            default: return .failed(String(cString: strerror(errno)))
            }
        }
    }

    func write(_ bytes: UnsafeRawBufferPointer) -> TransportResult {
        while true {
            // MSG_NOSIGNAL: a peer that went away must not kill the process with SIGPIPE.
            let n = send(fd, bytes.baseAddress, bytes.count, Int32(MSG_NOSIGNAL))
            if n >= 0 { return .bytes(n) }
            switch errno {
            case EINTR: continue
            case EAGAIN, EWOULDBLOCK: return .wantWrite
            case EPIPE, ECONNRESET: return .closed
            default: return .failed(String(cString: strerror(errno)))
            }
        }
    }

    var bufferedBytes: Int { 0 }
    func shutdown() {}
}
