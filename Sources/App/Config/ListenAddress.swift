import Net
import Web

/// Parsing of listen addresses from configuration, with one-line problems for start-up errors.
/// The address type itself is the listener's (`Net.ListenAddress`).
extension ListenAddress {
    /// Parses one `host:port`.
    static func parse(_ raw: String) throws(ValueProblem) -> ListenAddress {
        let text = raw.trimmingWhitespace()
        guard !text.isEmpty else { throw ValueProblem("empty address in list") }
        let host: String
        let portText: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else {
                throw ValueProblem("missing \"]\" in IPv6 address \(shown(text))")
            }
            host = String(text[text.index(after: text.startIndex)..<close])
            let rest = text[text.index(after: close)...]
            guard rest.hasPrefix(":") else {
                throw ValueProblem("expected [ipv6]:port (got \(shown(text)))")
            }
            portText = rest.dropFirst()
            guard let address = IPAddress(host), !address.isIPv4 else {
                throw ValueProblem("invalid IPv6 address \(shown(host))")
            }
        } else {
            guard let colon = text.lastIndex(of: ":") else {
                throw ValueProblem("expected host:port (got \(shown(text)))")
            }
            host = String(text[..<colon])
            portText = text[text.index(after: colon)...]
            if host.contains(":") {
                throw ValueProblem("IPv6 addresses must be in brackets, like [::]:9000 (got \(shown(text)))")
            }
            guard !host.isEmpty else {
                throw ValueProblem("missing host in \(shown(text)) (use 0.0.0.0:port for all interfaces)")
            }
            let looksNumeric = host.allSatisfy { $0 == "." || ($0.isASCII && $0.isNumber) }
            if looksNumeric {
                guard IPAddress(host) != nil else { throw ValueProblem("invalid IPv4 address \(shown(host))") }
            } else if host == "localhost" {
                // The one name we accept: binding needs an address, and localhost is unambiguous.
                let port = try parsePort(portText, context: text)
                return ListenAddress(host: "127.0.0.1", port: Int(port))
            } else {
                throw ValueProblem("listen on an IP address, not a host name (got \(shown(host)))")
            }
        }
        let port = try parsePort(portText, context: text)
        return ListenAddress(host: host, port: Int(port))
    }

    /// Parses a comma-separated list; duplicates are refused.
    static func parseList(_ raw: String) throws(ValueProblem) -> [ListenAddress] {
        var result: [ListenAddress] = []
        for part in raw.split(separator: ",", omittingEmptySubsequences: false) {
            let address = try parse(String(part))
            if result.contains(address) { throw ValueProblem("\(address) is listed twice") }
            result.append(address)
        }
        return result
    }
}

func parsePort(_ text: Substring, context: String) throws(ValueProblem) -> UInt16 {
    guard !text.isEmpty else { throw ValueProblem("missing port in \(shown(context))") }
    guard text.count <= 5, text.allSatisfy({ $0.isASCII && $0.isNumber }), let value = Int(text),
          value >= 1, value <= 65535 else {
        throw ValueProblem("port must be 1-65535 (got \(shown(String(text))))")
    }
    return UInt16(value)
}

func isValidHostName(_ host: String) -> Bool {
    guard !host.isEmpty, host.utf8.count <= 253 else { return false }
    for label in host.split(separator: ".", omittingEmptySubsequences: false) {
        guard !label.isEmpty, label.count <= 63, !label.hasPrefix("-"), !label.hasSuffix("-"),
              label.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") })
        else { return false }
    }
    return true
}

extension StringProtocol {
    func trimmingWhitespace() -> String {
        var scalars = Substring(self).unicodeScalars[...]
        while let first = scalars.first, first.properties.isWhitespace { scalars.removeFirst() }
        while let last = scalars.last, last.properties.isWhitespace { scalars.removeLast() }
        return String(String.UnicodeScalarView(scalars))
    }
}
