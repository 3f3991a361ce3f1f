/// Parsing of IPv4/IPv6 addresses and CIDR blocks for `ip_in(ip, cidr)`.
enum IPAddress {
    /// True if `ip` lies in `cidr` ("10.0.0.0/8", "2001:db8::/32"). An IPv4-mapped IPv6 address
    /// (`::ffff:10.1.2.3`) counts as its IPv4 address; otherwise families never match each other.
    static func contains(cidr: String, ip: String) throws(ExpressionFunctionError) -> Bool {
        guard let address = parse(ip) else { throw .evaluation("\"\(ip)\" is not an IP address") }
        let parts = cidr.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count <= 2, let network = parse(String(parts[0])) else {
            throw .evaluation("\"\(cidr)\" is not a CIDR block like 10.0.0.0/8")
        }
        let bits = network.count * 8
        var prefix = bits
        if parts.count == 2 {
            guard let p = Int(parts[1]), p >= 0, p <= bits, parts[1].allSatisfy({ $0.isASCII && $0.isNumber }) else {
                throw .evaluation("\"\(cidr)\" has a bad prefix length")
            }
            prefix = p
        }
        guard address.count == network.count else { return false }
        for i in 0..<address.count {
            let remaining = prefix - i * 8
            if remaining <= 0 { break }
            let mask: UInt8 = remaining >= 8 ? 0xFF : ~(0xFF >> UInt8(remaining))
            if address[i] & mask != network[i] & mask { return false }
        }
        return true
    }

    /// 4 bytes for IPv4 (and IPv4-mapped IPv6), 16 for IPv6; nil if malformed.
    static func parse(_ text: String) -> [UInt8]? {
        if text.contains(":") {
            guard let v6 = parseIPv6(text) else { return nil }
            if v6[0..<10].allSatisfy({ $0 == 0 }) && v6[10] == 0xFF && v6[11] == 0xFF { return Array(v6[12...]) }
            return v6
        }
        return parseIPv4(Substring(text))
    }

    static func parseIPv4(_ text: Substring) -> [UInt8]? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var bytes: [UInt8] = []
        for part in parts {
            guard !part.isEmpty, part.count <= 3, part.allSatisfy({ $0.isASCII && $0.isNumber }),
                  part == "0" || !part.hasPrefix("0"), let value = UInt8(part) else { return nil }
            bytes.append(value)
        }
        return bytes
    }

    static func parseIPv6(_ text: String) -> [UInt8]? {
        guard text.utf8.count <= 45 else { return nil }
        let halves = splitOnDoubleColon(text)
        guard halves.count <= 2 else { return nil }
        func groups(_ part: String) -> [UInt8]? {
            if part.isEmpty { return [] }
            var bytes: [UInt8] = []
            let fields = part.split(separator: ":", omittingEmptySubsequences: false)
            for (i, field) in fields.enumerated() {
                if i == fields.count - 1, field.contains(".") {
                    guard let v4 = parseIPv4(field) else { return nil }
                    bytes += v4
                    continue
                }
                guard !field.isEmpty, field.count <= 4, field.allSatisfy({ $0.isASCII && $0.isHexDigit }), let value = UInt16(field, radix: 16) else { return nil }
                bytes += [UInt8(value >> 8), UInt8(value & 0xFF)]
            }
            return bytes
        }
        guard let head = groups(halves[0]) else { return nil }
        if halves.count == 1 { return head.count == 16 ? head : nil }
        guard let tail = groups(halves[1]), head.count + tail.count <= 14 else { return nil }
        return head + [UInt8](repeating: 0, count: 16 - head.count - tail.count) + tail
    }

    /// `"a::b"` → `["a", "b"]`; more than one `::` gives three or more parts (invalid).
    static func splitOnDoubleColon(_ text: String) -> [String] {
        var parts: [String] = []
        var current = ""
        var previousColon = false
        for c in text {
            if c == ":" && previousColon {
                current.removeLast()
                parts.append(current)
                current = ""
                previousColon = false
                continue
            }
            current.append(c)
            previousColon = c == ":"
        }
        parts.append(current)
        return parts
    }
}
