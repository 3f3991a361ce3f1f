/// Every bound the reader enforces, in one place. Input past a bound is refused with
/// `JSONError`, never truncated.
public struct JSONLimits: Sendable, Equatable {
    /// Largest document in bytes.
    public var maxBytes: Int
    /// Most arrays and objects open at once (`[[1]]` has depth 2; a scalar has depth 0).
    /// The reader keeps its own stack and never recurses, but comparing, hashing, writing and
    /// releasing a value do, so keep this in the hundreds; it may not exceed `depthCeiling`.
    public var maxDepth: Int
    /// Longest string (a member name or a value) in UTF-8 bytes after unescaping.
    public var maxStringBytes: Int
    /// Most members of one object or elements of one array.
    public var maxEntries: Int

    /// The largest `maxDepth` allowed: deeper than any document people write, shallow enough
    /// that comparing or releasing a value read with it (about 1 KiB of stack per level in a
    /// debug build) stays far inside a thread's stack. 10,000 levels overflowed 8 MiB.
    public static let depthCeiling = 1_000

    public init(maxBytes: Int = 1 << 20, maxDepth: Int = 64, maxStringBytes: Int = 256 * 1024, maxEntries: Int = 100_000) {
        precondition(maxDepth >= 0 && maxDepth <= Self.depthCeiling, "JSONLimits.maxDepth must be in 0...\(Self.depthCeiling)")
        self.maxBytes = maxBytes
        self.maxDepth = maxDepth
        self.maxStringBytes = maxStringBytes
        self.maxEntries = maxEntries
    }

    public static let `default` = JSONLimits()
}
