/// A JSON object: members in the order they were read or set, looked up by name.
///
/// Names are unique as Swift strings, so canonically equivalent spellings (`é` as one scalar
/// or as `e` + U+0301) are one name: the reader refuses a document that has both, and
/// setting one replaces the other. Equality and hashing ignore member order, as JSON does;
/// the writer sorts members by name unless asked to keep this order.
public struct JSONObject: Sendable {
    public typealias Element = (key: String, value: JSONValue)

    private var entries: [Element] = []
    /// Positions by name, built once the object outgrows a linear search.
    private var positions: [String: Int]?

    /// Up to this many members, a lookup compares names one by one (cheaper than hashing).
    private static let linearSearchLimit = 12

    public init() {}

    /// The members of `dictionary`, in name order (a dictionary's own order is not stable).
    public init(_ dictionary: [String: JSONValue]) {
        for key in dictionary.keys.sorted() { appendNew(key, dictionary[key]!) }
    }

    /// `pairs` in order; a later pair with an earlier pair's name replaces its value in place.
    public init(_ pairs: some Sequence<(String, JSONValue)>) {
        for (key, value) in pairs { self[key] = value }
    }

    public var count: Int { entries.count }
    public var isEmpty: Bool { entries.isEmpty }
    /// Member names in order.
    public var keys: [String] { entries.map(\.key) }
    /// Member values in order.
    public var values: [JSONValue] { entries.map(\.value) }

    /// The same members as a dictionary (order dropped).
    public var dictionary: [String: JSONValue] {
        var out = [String: JSONValue](minimumCapacity: entries.count)
        for (key, value) in entries { out[key] = value }
        return out
    }

    /// The member's value; setting nil removes it, setting a new name appends it.
    public subscript(key: String) -> JSONValue? {
        get { position(of: key).map { entries[$0].value } }
        set {
            if let at = position(of: key) {
                if let newValue { entries[at].value = newValue } else { remove(at: at) }
            } else if let newValue {
                appendNew(key, newValue)
            }
        }
    }

    public func contains(key: String) -> Bool { position(of: key) != nil }

    /// Removes the member and returns its value.
    @discardableResult
    public mutating func removeValue(forKey key: String) -> JSONValue? {
        guard let at = position(of: key) else { return nil }
        let value = entries[at].value
        remove(at: at)
        return value
    }

    /// The same names in the same order, each value transformed.
    public func mapValues(_ transform: (JSONValue) throws -> JSONValue) rethrows -> JSONObject {
        var out = self
        for at in out.entries.indices { out.entries[at].value = try transform(out.entries[at].value) }
        return out
    }

    /// `other`'s members added: a new name is appended, a name already here keeps its place
    /// and gets `combine(current, new)`.
    public mutating func merge(_ other: JSONObject, uniquingKeysWith combine: (JSONValue, JSONValue) throws -> JSONValue) rethrows {
        for (key, value) in other {
            if let at = position(of: key) {
                entries[at].value = try combine(entries[at].value, value)
            } else {
                appendNew(key, value)
            }
        }
    }

    /// `merge` on a copy.
    public func merging(_ other: JSONObject, uniquingKeysWith combine: (JSONValue, JSONValue) throws -> JSONValue) rethrows -> JSONObject {
        var out = self
        try out.merge(other, uniquingKeysWith: combine)
        return out
    }

    /// The members in name order (what the writer's default order is).
    public var sortedByKey: [Element] { entries.sorted { $0.key < $1.key } }

    // MARK: - storage

    private func position(of key: String) -> Int? {
        if let positions { return positions[key] }
        return entries.firstIndex { $0.key == key }
    }

    /// Appends a member whose name is known to be new (the reader checked it already).
    mutating func appendNew(_ key: String, _ value: JSONValue) {
        entries.append((key, value))
        if positions != nil {
            positions![key] = entries.count - 1
        } else if entries.count > Self.linearSearchLimit {
            reindex()
        }
    }

    private mutating func remove(at position: Int) {
        entries.remove(at: position)
        if positions != nil { reindex() }
    }

    private mutating func reindex() {
        var map = [String: Int](minimumCapacity: entries.count)
        for (at, entry) in entries.enumerated() { map[entry.key] = at }
        positions = map
    }
}

extension JSONObject: RandomAccessCollection {
    public var startIndex: Int { 0 }
    public var endIndex: Int { entries.count }
    public subscript(position: Int) -> Element { entries[position] }
}

extension JSONObject: Hashable {
    /// Same names with equal values, in any order.
    public static func == (lhs: JSONObject, rhs: JSONObject) -> Bool {
        guard lhs.count == rhs.count else { return false }
        return lhs.entries.allSatisfy { rhs[$0.key] == $0.value }
    }

    /// Independent of member order: each member is hashed alone and the results combined by
    /// XOR, which does not care about order.
    public func hash(into hasher: inout Hasher) {
        var combined = 0
        for (key, value) in entries {
            var member = Hasher()
            member.combine(key)
            member.combine(value)
            combined ^= member.finalize()
        }
        hasher.combine(entries.count)
        hasher.combine(combined)
    }
}

extension JSONObject: ExpressibleByDictionaryLiteral {
    /// Members in the order written; a name written twice is a programming error (as in a
    /// dictionary literal).
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        for (key, value) in elements {
            precondition(!contains(key: key), "duplicate member \(key) in a JSONObject literal")
            appendNew(key, value)
        }
    }
}
