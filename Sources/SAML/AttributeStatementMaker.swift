import Expressions
import Identity
import Store

/// The assertion's attributes from the provider's `attribute_mappings` (CEL): a string, number
/// or boolean is one value, a list gives one value per item, null or an empty list leaves the
/// attribute out. Any Name and NameFormat may be used (Infor's
/// `http://schemas.infor.com/claims/Identity2`, plain `email`, …).
struct AttributeStatementMaker {
    let mapper: any AttributeMapper

    func attributes(for provider: SAMLServiceProvider, context: MappingContext) throws(SAMLStatusError) -> [SSOAssertionContent.Attribute] {
        var result: [SSOAssertionContent.Attribute] = []
        for mapping in provider.attributeMappings {
            let value: ExprValue
            do { value = try mapper.evaluate(mapping.expression, context) } catch {
                throw SAMLStatusError(topLevel: SAMLStatus.responder, secondLevel: nil,
                                      message: "The attribute mapping \(mapping.name) failed.")
            }
            var values: [String] = []
            switch value {
            case .null: break
            case .list(let items): values = items.compactMap(NameIDMaker.text(of:))
            default:
                if let text = NameIDMaker.text(of: value) { values = [text] }
            }
            guard !values.isEmpty else { continue }
            result.append(SSOAssertionContent.Attribute(
                name: mapping.name, nameFormat: mapping.nameFormat ?? Self.defaultNameFormat(mapping.name),
                friendlyName: mapping.friendlyName, values: values))
        }
        return result
    }

    /// Core §8.2.2: the URI format for names that are URIs; `basic` otherwise.
    static func defaultNameFormat(_ name: String) -> String {
        name.contains(":") ? SAMLAttributeNameFormat.uri : SAMLAttributeNameFormat.basic
    }
}
