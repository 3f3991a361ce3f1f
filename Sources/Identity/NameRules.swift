import Foundation

/// Names that become claims applications trust — `preferred_username`, group names in
/// `groups` — are normalised before they are stored, whichever source sends them (SCIM, an
/// upstream directory's groups): Unicode NFKC (full-width and ligature look-alikes fold to
/// their plain form), trimmed, and refused when they hold characters nobody sees (zero-width
/// and bidirectional controls, control characters, private-use or unassigned code points) or
/// mix Latin, Cyrillic and Greek letters (the confusable scripts: "аdmins" with a Cyrillic
/// "а" is not "admins"). Thai, Han and others may stand beside Latin ("ฝ่าย IT").
public enum NameRules {
    public enum Problem: Error, Sendable, Equatable, CustomStringConvertible {
        case empty, tooLong(maxBytes: Int), invisibleCharacters, mixedScripts

        public var description: String {
            switch self {
            case .empty: "is empty"
            case .tooLong(let max): "must be at most \(max) bytes"
            case .invisibleCharacters: "must not contain invisible or control characters"
            case .mixedScripts: "must not mix Latin, Cyrillic and Greek letters"
            }
        }
    }

    public static func normalized(_ raw: String, maxBytes: Int = 255) throws(Problem) -> String {
        let folded = raw.precomposedStringWithCompatibilityMapping.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !folded.isEmpty else { throw .empty }
        guard folded.utf8.count <= maxBytes else { throw .tooLong(maxBytes: maxBytes) }
        var scripts = Set<ConfusableScript>()
        for scalar in folded.unicodeScalars {
            switch scalar.properties.generalCategory {
            case .control, .format, .privateUse, .unassigned, .surrogate, .lineSeparator, .paragraphSeparator:
                throw .invisibleCharacters
            default:
                if let script = ConfusableScript(scalar) { scripts.insert(script) }
            }
        }
        guard scripts.count <= 1 else { throw .mixedScripts }
        return folded
    }

    /// The scripts whose letters pass for each other's.
    enum ConfusableScript: Hashable {
        case latin, cyrillic, greek

        init?(_ scalar: Unicode.Scalar) {
            guard scalar.properties.isAlphabetic else { return nil }
            switch scalar.value {
            case 0x41...0x5A, 0x61...0x7A, 0xC0...0x24F, 0x1E00...0x1EFF, 0x2C60...0x2C7F, 0xA720...0xA7FF, 0xAB30...0xAB6F:
                self = .latin
            case 0x400...0x52F, 0x1C80...0x1C8F, 0x2DE0...0x2DFF, 0xA640...0xA69F:
                self = .cyrillic
            case 0x370...0x3FF, 0x1F00...0x1FFF:
                self = .greek
            default:
                return nil
            }
        }
    }
}
