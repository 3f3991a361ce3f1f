import Crypto

/// How pages look for one deployment: name, logo and two colours. Colours are checked
/// (`#rgb` or `#rrggbb`) and fall back to the defaults, so config can never inject CSS.
public struct Branding: Sendable, Equatable {
    public static let defaultPrimary = "#1d4ed8"
    public static let defaultAccent = "#0f766e"

    public let companyName: String
    /// nil: the built-in logo. Otherwise a local path (`/…`) or an `https://` URL.
    public let logoURL: String?
    public let primaryColor: String
    public let accentColor: String

    public init(companyName: String = "Gatehouse", logoURL: String? = nil,
                primaryColor: String? = nil, accentColor: String? = nil) {
        let name = companyName.trimmingCharacters(in: " \t\r\n")
        self.companyName = name.isEmpty ? "Gatehouse" : String(name.prefix(100))
        self.logoURL = logoURL.flatMap(Branding.validLogoURL)
        self.primaryColor = primaryColor.flatMap(Branding.validColor) ?? Branding.defaultPrimary
        self.accentColor = accentColor.flatMap(Branding.validColor) ?? Branding.defaultAccent
    }

    /// `#abc` or `#a1b2c3` (lower-cased), else nil.
    public static func validColor(_ s: String) -> String? {
        let u = Array(s.utf8)
        guard u.first == UInt8(ascii: "#"), u.count == 4 || u.count == 7 else { return nil }
        guard u.dropFirst().allSatisfy({ Hex.isDigit($0) }) else { return nil }
        return s.lowercased()
    }

    /// A local path (not `//`) or an https URL without quotes, spaces or angle brackets.
    static func validLogoURL(_ s: String) -> String? {
        guard !s.isEmpty, s.utf8.count <= 2048,
              s.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F && $0 != UInt8(ascii: "\"") && $0 != UInt8(ascii: "'")
                    && $0 != UInt8(ascii: "<") && $0 != UInt8(ascii: ">") && $0 != UInt8(ascii: "\\") }) else { return nil }
        if s.hasPrefix("/") && !s.hasPrefix("//") { return s }
        if s.lowercased().hasPrefix("https://") && s.utf8.count > 8 { return s }
        return nil
    }

    /// The origin of an external logo (`https://cdn.example`), which the CSP must allow for images.
    var externalLogoOrigin: String? {
        guard let url = logoURL, url.lowercased().hasPrefix("https://") else { return nil }
        let rest = url.dropFirst(8)
        let authority = rest.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        guard !authority.isEmpty, !authority.contains("@") else { return nil }
        return "https://" + authority.lowercased()
    }

    /// The dynamic part of the stylesheet: colour variables, served as `/static/theme.css`
    /// so no inline `<style>` is needed and the CSP stays `default-src 'self'`.
    var themeCSS: String {
        """
        :root {
          --gh-primary: \(primaryColor);
          --gh-accent: \(accentColor);
        }

        """
    }
}

extension String {
    func trimmingCharacters(in set: String) -> Substring {
        var s = Substring(self)
        while let f = s.first, set.contains(f) { s.removeFirst() }
        while let l = s.last, set.contains(l) { s.removeLast() }
        return s
    }
}

extension Hex {
    static func isDigit(_ b: UInt8) -> Bool {
        (b >= 0x30 && b <= 0x39) || (b >= 0x61 && b <= 0x66) || (b >= 0x41 && b <= 0x46)
    }
}
