import Store

/// A small JSON object writer: keys in the order written, strings escaped by
/// `JSONText.quoted`, stored JSON (attributes) inserted as it is.
struct JSONObject {
    private var members: [String] = []

    mutating func set(_ key: String, _ value: String) { members.append(JSONText.quoted(key) + ":" + JSONText.quoted(value)) }
    mutating func set(_ key: String, _ value: Bool) { members.append(JSONText.quoted(key) + ":" + (value ? "true" : "false")) }
    mutating func set(_ key: String, raw json: String) { members.append(JSONText.quoted(key) + ":" + json) }
    mutating func set(_ key: String, _ object: JSONObject) { set(key, raw: object.text) }
    mutating func set(_ key: String, _ objects: [JSONObject]) {
        set(key, raw: "[" + objects.map(\.text).joined(separator: ",") + "]")
    }
    mutating func set(_ key: String, strings: [String]) { set(key, raw: JSONText.array(of: strings).text) }

    var text: String { "{" + members.joined(separator: ",") + "}" }
}
