/// Every size limit the parser enforces, in one place.
public struct HTTPLimits: Sendable, Equatable {
    /// Longest request line (method, target, version) in bytes; longer is 414.
    public var maxRequestLine: Int
    /// Largest header section (all field lines, trailers included) in bytes; larger is 431.
    public var maxHeaderBytes: Int
    /// Most header fields; more is 431.
    public var maxHeaderCount: Int
    /// Largest request body after de-chunking; larger is 413.
    public var maxBodySize: Int

    public init(maxRequestLine: Int = 8 * 1024, maxHeaderBytes: Int = 32 * 1024,
                maxHeaderCount: Int = 100, maxBodySize: Int = 1024 * 1024) {
        self.maxRequestLine = maxRequestLine
        self.maxHeaderBytes = maxHeaderBytes
        self.maxHeaderCount = maxHeaderCount
        self.maxBodySize = maxBodySize
    }

    public static let `default` = HTTPLimits()
}
