import HTTP

/// The languages pages are offered in.
public enum Language: String, Sendable, CaseIterable {
    case en, th

    public static let `default` = Language.en
    /// Cookie that holds an explicit choice made with the language switch.
    public static let cookieName = "gatehouse_lang"

    /// Name of the language in itself, for the switch.
    public var nativeName: String {
        switch self {
        case .en: return "English"
        case .th: return "ไทย"
        }
    }

    /// `th`, `th-TH`, `TH` → th; unknown tags → nil.
    public init?(tag: some StringProtocol) {
        let primary = tag.split(separator: "-", maxSplits: 1).first.map { $0.lowercased() } ?? ""
        guard let lang = Language(rawValue: primary) else { return nil }
        self = lang
    }

    /// Chooses the language: the `gatehouse_lang` cookie if it names one we have, else the
    /// best `Accept-Language` match by q-value (ties go to the earlier entry), else English.
    public static func negotiate(cookie: String?, acceptLanguage: String?) -> Language {
        if let cookie, let lang = Language(rawValue: cookie) { return lang }
        guard let header = acceptLanguage else { return .default }
        var best: (lang: Language, q: Double)?
        for item in header.split(separator: ",") {
            let parts = item.split(separator: ";")
            guard let tag = parts.first?.trimmingOWS(), !tag.isEmpty else { continue }
            var q = 1.0
            var valid = true
            for param in parts.dropFirst() {
                let kv = param.trimmingOWS()
                guard kv.hasPrefix("q=") || kv.hasPrefix("Q=") else { continue }
                if let v = Double(kv.dropFirst(2)), v >= 0, v <= 1 { q = v } else { valid = false }
            }
            guard valid, q > 0, let lang = Language(tag: tag) else { continue }
            if best == nil || q > best!.q { best = (lang, q) }
        }
        return best?.lang ?? .default
    }
}

/// Message catalog: key → text per language. Every key has English and Thai; a missing
/// key renders as the key itself so a gap is visible, never a crash.
public struct MessageCatalog: Sendable {
    public private(set) var entries: [String: [Language: String]]

    public init(_ entries: [String: [Language: String]] = [:]) { self.entries = entries }

    /// Adds or replaces messages (protocol rooms bring their own keys).
    public mutating func merge(_ other: MessageCatalog) {
        entries.merge(other.entries) { _, new in new }
    }

    public func text(_ key: String, _ language: Language) -> String {
        guard let forms = entries[key] else { return key }
        return forms[language] ?? forms[.en] ?? key
    }

    /// Replaces `{name}` placeholders after lookup.
    public func text(_ key: String, _ language: Language, _ arguments: [String: String]) -> String {
        var s = text(key, language)
        for (name, value) in arguments { s = s.replacingAll("{\(name)}", with: value) }
        return s
    }
}

extension String {
    func replacingAll(_ target: String, with replacement: String) -> String {
        guard !target.isEmpty else { return self }
        var result = ""
        var rest = Substring(self)
        while let range = rest.firstRange(of: target) {
            result += rest[..<range.lowerBound]
            result += replacement
            rest = rest[range.upperBound...]
        }
        return result + rest
    }
}
