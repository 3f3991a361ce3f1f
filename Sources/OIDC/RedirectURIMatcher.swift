import Foundation
import Store

/// Whether a requested redirect URI is registered. `strict` is byte-for-byte equality (no
/// normalisation of case, trailing slashes, paths or queries: RFC 9700 §4.1.3); `regex` must
/// match the whole URI.
enum RedirectURIMatcher {
    static func matches(_ requested: String, _ registered: [OAuthRedirectURI]) -> Bool {
        guard requested.utf8.count <= 2048, !requested.contains("#") else { return false }
        for entry in registered {
            switch entry.matching {
            case .strict:
                if entry.url == requested { return true }
            case .regex:
                // `\z`, not `$`: `$` also matches before a trailing line break.
                guard let regex = try? NSRegularExpression(pattern: "^(?:" + entry.url + ")\\z") else { continue }
                let range = NSRange(requested.startIndex..., in: requested)
                if regex.firstMatch(in: requested, range: range) != nil { return true }
            }
        }
        return false
    }
}
