internal import CXMLSec

/// What XML 1.0 and Namespaces in XML allow in names and character data, checked before
/// anything is put into a tree we will serialise.
enum XMLNames {
    static func checkLocalName(_ name: String) throws(XMLBuildError) {
        guard !name.isEmpty, withXMLString(name, { xmlValidateNCName($0, 0) }) == 0 else {
            throw .invalidName(name)
        }
    }

    /// Namespaces in XML 1.0 §3: "The prefix xmlns is used only to declare namespace bindings
    /// and is by definition bound to the namespace name http://www.w3.org/2000/xmlns/."
    static func checkPrefix(_ prefix: String) throws(XMLBuildError) {
        try checkLocalName(prefix)
        guard prefix != "xmlns", prefix != "xml" else { throw .invalidName("reserved prefix \(prefix)") }
    }

    /// XML 1.0 §2.2: Char ::= #x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD] | [#x10000-#x10FFFF]
    static func checkCharacters(_ text: String) throws(XMLBuildError) {
        for scalar in text.unicodeScalars {
            let value = scalar.value
            let allowed = value == 0x9 || value == 0xA || value == 0xD || (value >= 0x20 && value != 0xFFFE && value != 0xFFFF)
            if !allowed { throw .invalidCharacter("U+" + String(value, radix: 16, uppercase: true)) }
        }
    }
}
