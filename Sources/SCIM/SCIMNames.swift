import Foundation

/// Names a provisioning source sends for users and groups become `preferred_username` and
/// `groups` claims that applications trust, so they are normalised before they are stored:
/// Unicode NFKC (full-width and ligature look-alikes fold to their plain form), trimmed, and
/// refused when they hold characters nobody sees (zero-width and bidirectional controls,
/// control characters, private-use or unassigned code points). Case-insensitive uniqueness
/// is the store's job (`ProvisioningStore`).
enum SCIMNames {
    static func normalized(_ raw: String, attribute: String) throws(SCIMError) -> String {
        let folded = raw.precomposedStringWithCompatibilityMapping.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !folded.isEmpty else { throw .invalidValue("\(attribute) is required") }
        guard folded.utf8.count <= 255 else { throw .invalidValue("\(attribute) must be at most 255 bytes") }
        for scalar in folded.unicodeScalars {
            switch scalar.properties.generalCategory {
            case .control, .format, .privateUse, .unassigned, .surrogate, .lineSeparator, .paragraphSeparator:
                throw .invalidValue("\(attribute) must not contain invisible or control characters")
            default:
                continue
            }
        }
        return folded
    }
}
