#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// An IPv4 or IPv6 address as bytes, parsed with `inet_pton`. IPv4-mapped IPv6 addresses
/// (`::ffff:a.b.c.d`) are treated as the IPv4 address they carry.
public struct IPAddress: Sendable, Hashable, CustomStringConvertible {
    /// 4 bytes for IPv4, 16 for IPv6.
    public let bytes: [UInt8]
    public var isIPv4: Bool { bytes.count == 4 }

    public init?(_ text: String) {
        var s = Substring(text)
        // A zone index (fe80::1%eth0) does not take part in matching.
        if let pct = s.firstIndex(of: "%") { s = s[..<pct] }
        guard !s.isEmpty, s.utf8.count <= 64 else { return nil }
        let str = String(s)
        var v4 = in_addr()
        if inet_pton(AF_INET, str, &v4) == 1 {
            bytes = withUnsafeBytes(of: &v4) { Array($0) }
            return
        }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, str, &v6) == 1 {
            let b = withUnsafeBytes(of: &v6) { Array($0) }
            if b[0..<10].allSatisfy({ $0 == 0 }) && b[10] == 0xff && b[11] == 0xff {
                bytes = Array(b[12..<16])
            } else {
                bytes = b
            }
            return
        }
        return nil
    }

    /// Parses an address as found in `X-Forwarded-For`: bare, `[v6]`, `[v6]:port` or `v4:port`.
    init?(forwardedEntry raw: Substring) {
        var s = raw.trimmingOWS()
        if s.first == "[" {
            guard let close = s.firstIndex(of: "]") else { return nil }
            s = s[s.index(after: s.startIndex)..<close]
        } else if s.filter({ $0 == ":" }).count == 1, let colon = s.firstIndex(of: ":") {
            s = s[..<colon]
        }
        self.init(String(s))
    }

    public var description: String {
        if isIPv4 { return bytes.map(String.init).joined(separator: ".") }
        var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        var addr = in6_addr()
        withUnsafeMutableBytes(of: &addr) { $0.copyBytes(from: bytes) }
        guard inet_ntop(AF_INET6, &addr, &buffer, socklen_t(buffer.count)) != nil else { return "::" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

/// A network in CIDR notation (`10.0.0.0/8`, `fd00::/8`); a bare address is a host route.
public struct IPNetwork: Sendable, Hashable, CustomStringConvertible {
    public let address: IPAddress
    public let prefixLength: Int

    public init?(_ text: String) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count <= 2, let addr = IPAddress(String(parts[0])) else { return nil }
        let maxBits = addr.bytes.count * 8
        var length = maxBits
        if parts.count == 2 {
            let digits = parts[1]
            guard !digits.isEmpty, digits.count <= 3, digits.allSatisfy({ $0.isASCII && $0.isNumber }),
                  let n = Int(digits) else { return nil }
            // An IPv4-mapped v6 network (::ffff:10.0.0.0/104) is converted to its v4 form.
            let mapped = addr.isIPv4 && String(parts[0]).contains(":")
            length = mapped ? n - 96 : n
            guard length >= 0 && length <= maxBits else { return nil }
        }
        address = addr
        prefixLength = length
    }

    public func contains(_ ip: IPAddress) -> Bool {
        guard ip.bytes.count == address.bytes.count else { return false }
        var bits = prefixLength
        for i in 0..<address.bytes.count where bits > 0 {
            let take = min(8, bits)
            let mask: UInt8 = take == 8 ? 0xff : ~(0xff >> UInt8(take))
            if ip.bytes[i] & mask != address.bytes[i] & mask { return false }
            bits -= take
        }
        return true
    }

    public var description: String { "\(address)/\(prefixLength)" }
}
