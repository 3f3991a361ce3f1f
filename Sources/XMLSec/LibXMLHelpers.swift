internal import CXMLSec

typealias NodePointer = UnsafeMutablePointer<xmlNode>
typealias DocPointer = UnsafeMutablePointer<xmlDoc>

/// A Swift string from a libxml2 string we do not own (nil stays nil).
func string(_ text: UnsafePointer<xmlChar>?) -> String? {
    text.map { String(cString: $0) }
}

/// A Swift string from a libxml2 string we own, which is freed.
func takeString(_ text: UnsafeMutablePointer<xmlChar>?) -> String? {
    guard let text else { return nil }
    defer { libxmlFree(text) }
    return String(cString: text)
}

/// libxml2's `xmlFree` is a global variable Swift 6 will not read; `xmlMemGet` hands out the
/// same function, once.
func libxmlFree(_ pointer: UnsafeMutableRawPointer?) {
    guard let pointer else { return }
    freeFunction.free?(pointer)
}

private struct FreeFunction: @unchecked Sendable {
    let free: xmlFreeFunc?
}

private let freeFunction: FreeFunction = {
    var free: xmlFreeFunc?
    var malloc: xmlMallocFunc?
    var realloc: xmlReallocFunc?
    var strdup: xmlStrdupFunc?
    guard xmlMemGet(&free, &malloc, &realloc, &strdup) == 0 else { fatalError("xmlMemGet failed") }
    return FreeFunction(free: free)
}()

/// Calls `body` with `text` as a NUL-terminated xmlChar string.
func withXMLString<T>(_ text: String, _ body: (UnsafePointer<xmlChar>) throws -> T) rethrows -> T {
    try text.withCString { try $0.withMemoryRebound(to: xmlChar.self, capacity: text.utf8.count + 1, body) }
}

/// The same, with nil passed through as NULL.
func withOptionalXMLString<T>(_ text: String?, _ body: (UnsafePointer<xmlChar>?) throws -> T) rethrows -> T {
    guard let text else { return try body(nil) }
    return try withXMLString(text) { try body($0) }
}

extension UnsafeMutablePointer where Pointee == xmlNode {
    var isElement: Bool { pointee.type == XML_ELEMENT_NODE }

    /// The element children, in document order.
    var elementChildren: [NodePointer] {
        var result: [NodePointer] = []
        var child = pointee.children
        while let current = child {
            if current.isElement { result.append(current) }
            child = current.pointee.next
        }
        return result
    }

    var namespaceHref: String? { pointee.ns.flatMap { string($0.pointee.href) } }

    /// True when `other` is this node or one of its descendants.
    func contains(_ other: NodePointer) -> Bool {
        var cursor: NodePointer? = other
        while let current = cursor {
            if current == self { return true }
            cursor = current.pointee.parent
        }
        return false
    }

    /// Visits this node and every node below it (not attributes), depth first, without
    /// recursion. `visit` gets each node and its depth (this node is 0).
    func walk(_ visit: (NodePointer, Int) -> Void) {
        var node: NodePointer? = self
        var depth = 0
        while let current = node {
            visit(current, depth)
            // Entity references point at shared entity content: never descend into them.
            if current.pointee.type != XML_ENTITY_REF_NODE, let child = current.pointee.children {
                node = child
                depth += 1
                continue
            }
            var up: NodePointer? = current
            node = nil
            while let candidate = up, candidate != self {
                if let next = candidate.pointee.next {
                    node = next
                    break
                }
                up = candidate.pointee.parent
                depth -= 1
            }
        }
    }
}
