/// Received bytes waiting for a protocol parser. The unread bytes start at `readerIndex`;
/// a parser consumes by advancing it (`HTTPRequestParser.next(_:index:)` does).
public struct InboundBuffer: Sendable {
    public private(set) var bytes: [UInt8] = []
    public var readerIndex = 0

    public init() {}

    public var unreadCount: Int { bytes.count - readerIndex }
    public var hasUnread: Bool { readerIndex < bytes.count }

    public mutating func append(_ chunk: UnsafeRawBufferPointer) {
        bytes.append(contentsOf: chunk)
    }

    public mutating func append(contentsOf chunk: some Sequence<UInt8>) {
        bytes.append(contentsOf: chunk)
    }

    /// Drops consumed bytes so the buffer doesn't grow without bound. Call when the parser
    /// waits for more, not after every message: moving the rest forward after each of many
    /// pipelined requests would copy the buffer over and over.
    public mutating func compact() {
        if readerIndex == 0 { return }
        if readerIndex >= bytes.count {
            bytes.removeAll(keepingCapacity: bytes.capacity <= 64 * 1024)
            readerIndex = 0
        } else if readerIndex >= 16 * 1024 {
            bytes.removeFirst(readerIndex)
            readerIndex = 0
        }
    }

    /// Forgets everything, storage included.
    public mutating func removeAll() {
        bytes = []
        readerIndex = 0
    }
}
