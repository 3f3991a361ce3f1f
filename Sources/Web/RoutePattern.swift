/// A route path such as `/application/o/:slug/jwks/` or `/static/*path`.
/// `:name` matches one non-empty segment; `*name` (last only) matches one or more.
/// A trailing `/` is significant: `/a/` and `/a` are different routes.
struct RoutePattern: Sendable, Equatable {
    enum Segment: Sendable, Equatable {
        case literal(String)
        case parameter(String)
        case catchAll(String)

        /// Lower ranks are more specific and win.
        var rank: Int {
            switch self {
            case .literal: return 0
            case .parameter: return 1
            case .catchAll: return 2
            }
        }
    }

    let text: String
    let segments: [Segment]

    init(_ text: String) {
        precondition(text.hasPrefix("/"), "route pattern must start with /: \(text)")
        self.text = text
        let parts = RoutePattern.split(text)
        var segs: [Segment] = []
        for (i, part) in parts.enumerated() {
            if part.hasPrefix(":") {
                precondition(part.count > 1, "empty parameter name in \(text)")
                segs.append(.parameter(String(part.dropFirst())))
            } else if part.hasPrefix("*") {
                precondition(part.count > 1 && i == parts.count - 1, "catch-all must be named and last in \(text)")
                segs.append(.catchAll(String(part.dropFirst())))
            } else {
                segs.append(.literal(String(part)))
            }
        }
        segments = segs
    }

    /// `/a/b/` → ["a", "b", ""]; `/` → [""].
    static func split(_ path: String) -> [Substring] {
        Array(path.split(separator: "/", omittingEmptySubsequences: false).dropFirst())
    }

    /// The parameters if `path` (already split) matches.
    func match(_ path: [Substring]) -> [String: String]? {
        var params: [String: String] = [:]
        var i = 0
        for segment in segments {
            switch segment {
            case .literal(let lit):
                guard i < path.count, path[i] == lit else { return nil }
                i += 1
            case .parameter(let name):
                guard i < path.count, !path[i].isEmpty else { return nil }
                params[name] = String(path[i])
                i += 1
            case .catchAll(let name):
                guard i < path.count else { return nil }
                params[name] = path[i...].joined(separator: "/")
                return params
            }
        }
        return i == path.count ? params : nil
    }

    /// Compares specificity segment by segment: literal before parameter before catch-all.
    func isMoreSpecific(than other: RoutePattern) -> Bool {
        for (a, b) in zip(segments, other.segments) where a.rank != b.rank {
            return a.rank < b.rank
        }
        return segments.count > other.segments.count
    }
}
