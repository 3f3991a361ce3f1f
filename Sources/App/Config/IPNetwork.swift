#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An IPv4 or IPv6 address as raw bytes (4 or 16).
public struct IPAddress: Sendable, Hashable, CustomStringConvertible {
    public let bytes: [UInt8]

    public var isIPv4: Bool { bytes.count == 4 }

    public init?(_ text: String) {
        if text.contains(":") {
            var addr = in6_addr()
            guard inet_pton(AF_INET6, text, &addr) == 1 else { return nil }
            bytes = withUnsafeBytes(of: &addr) { Array($0) }
        } else {
            // inet_pton(AF_INET) accepts only dotted quads, no shorthand like "10.1".
            var addr = in_addr()
            guard inet_pton(AF_INET, text, &addr) == 1 else { return nil }
            bytes = withUnsafeBytes(of: &addr) { Array($0) }
        }
    }

    public init?(bytes: [UInt8]) {
        guard bytes.count == 4 || bytes.count == 16 else { return nil }
        self.bytes = bytes
    }

    /// For `::ffff:a.b.c.d`, the embedded IPv4 address.
    public var mappedIPv4: IPAddress? {
        guard bytes.count == 16, bytes[0..<10].allSatisfy({ $0 == 0 }), bytes[10] == 0xFF, bytes[11] == 0xFF
        else { return nil }
        return IPAddress(bytes: Array(bytes[12..<16]))
    }

    public var description: String {
        var buffer = [CChar](repeating: 0, count: 64)
        var copy = bytes
        let family = isIPv4 ? AF_INET : AF_INET6
        let ok = copy.withUnsafeMutableBytes { raw in
            inet_ntop(family, raw.baseAddress, &buffer, socklen_t(buffer.count)) != nil
        }
        return ok ? String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self) : "?"
    }
}

/// An address block such as `10.0.0.0/8` or `fd00::/8`; a bare address is a /32 or /128.
public struct IPNetwork: Sendable, Hashable, CustomStringConvertible {
    public let address: IPAddress
    public let prefixLength: Int

    public init?(_ text: String) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count <= 2, let address = IPAddress(String(parts[0])) else { return nil }
        let maxPrefix = address.isIPv4 ? 32 : 128
        var prefix = maxPrefix
        if parts.count == 2 {
            let digits = parts[1]
            guard !digits.isEmpty, digits.count <= 3, digits.allSatisfy({ $0.isASCII && $0.isNumber }),
                  let value = Int(digits), value <= maxPrefix else { return nil }
            prefix = value
        }
        self.address = address
        self.prefixLength = prefix
    }

    /// Whether `candidate` lies in this block. An IPv4-mapped IPv6 address matches IPv4 blocks.
    public func contains(_ candidate: IPAddress) -> Bool {
        var candidate = candidate
        if address.isIPv4, !candidate.isIPv4 {
            guard let mapped = candidate.mappedIPv4 else { return false }
            candidate = mapped
        }
        guard candidate.bytes.count == address.bytes.count else { return false }
        var remaining = prefixLength
        for index in 0..<address.bytes.count where remaining > 0 {
            let bits = min(8, remaining)
            let mask: UInt8 = bits == 8 ? 0xFF : ~(0xFF >> UInt8(bits))
            if address.bytes[index] & mask != candidate.bytes[index] & mask { return false }
            remaining -= bits
        }
        return true
    }

    public var description: String { "\(address)/\(prefixLength)" }
}
