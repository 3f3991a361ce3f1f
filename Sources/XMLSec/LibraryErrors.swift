#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
internal import CXMLSec

/// Collects the error messages libxml2 and xmlsec report during one call, so that none reaches
/// stderr and a failure can say what went wrong. Bounded: a hostile document can make the
/// libraries report thousands of errors.
final class LibraryErrors {
    static let maxMessages = 8
    static let maxMessageLength = 200

    private(set) var messages: [String] = []

    func add(_ text: String) {
        guard messages.count < Self.maxMessages else { return }
        var line = text
        while let last = line.last, last == "\n" || last == " " { line.removeLast() }
        if line.utf8.count > Self.maxMessageLength { line = String(line.prefix(Self.maxMessageLength)) + "…" }
        if !line.isEmpty { messages.append(line) }
    }

    /// The collected messages as one line, for an error's detail.
    var summary: String { messages.isEmpty ? "no detail from the library" : messages.joined(separator: "; ") }

    /// Runs `body` with this thread's libxml2 and xmlsec error channels pointed at a fresh
    /// collector. libxml2 keeps its handlers per thread, and xmlsec's callback finds the
    /// collector through a thread-local key, so concurrent calls on other threads keep theirs.
    static func collecting<T, E: Error>(_ body: (LibraryErrors) throws(E) -> T) throws(E) -> T {
        let collector = LibraryErrors()
        let context = Unmanaged.passUnretained(collector).toOpaque()
        let previous = pthread_getspecific(threadKey)
        pthread_setspecific(threadKey, context)
        xmlSetStructuredErrorFunc(context, structuredHandler)
        silenceGenericErrors()
        defer {
            pthread_setspecific(threadKey, previous)
            xmlSetStructuredErrorFunc(previous, previous == nil ? droppingStructuredHandler : structuredHandler)
        }
        return try withExtendedLifetime(collector) { () throws(E) -> T in try body(collector) }
    }
}

/// The thread-local slot xmlsec's (global, context-free) error callback reads.
private let threadKey: pthread_key_t = {
    var key = pthread_key_t()
    guard pthread_key_create(&key, nil) == 0 else { fatalError("pthread_key_create failed") }
    return key
}()

private let structuredHandler: xmlStructuredErrorFunc = { context, error in
    guard let context, let error, let message = error.pointee.message else { return }
    let collector = Unmanaged<LibraryErrors>.fromOpaque(context).takeUnretainedValue()
    let line = error.pointee.line
    collector.add((line > 0 ? "line \(line): " : "") + String(cString: message))
}

private let droppingStructuredHandler: xmlStructuredErrorFunc = { _, _ in }

/// xmlsec's callback: the reason and message of each error, into the calling thread's collector.
let xmlsecErrorHandler: xmlSecErrorsCallback = { _, _, function, _, subject, reason, message in
    guard let slot = pthread_getspecific(threadKey) else { return }
    let collector = Unmanaged<LibraryErrors>.fromOpaque(slot).takeUnretainedValue()
    var text = ""
    if let function { text += String(cString: function) + ": " }
    if let subject { text += String(cString: subject) + ": " }
    if let message { text += String(cString: message) }
    if reason != 0 { text += " (reason \(reason))" }
    collector.add(text)
}

/// libxml2's old "generic" channel is variadic (`void (*)(void *, const char *, ...)`), which
/// Swift can neither define nor call. Nearly every error also goes through the structured
/// channel above; for the few direct uses, point the generic channel at `fprintf` itself on a
/// FILE opened on /dev/null: the same variadic signature, and the text goes nowhere.
func silenceGenericErrors() {
    guard let sink = devNull.sink, let function = devNull.fprintf else { return }
    xmlSetGenericErrorFunc(sink, function)
}

private struct GenericSink: @unchecked Sendable {
    let sink: UnsafeMutableRawPointer?
    let fprintf: OpaquePointer?
}

// The FILE is opened once and never closed; fprintf on it is thread-safe (stdio locks).
private let devNull: GenericSink = {
    let file = fopen("/dev/null", "w")
    let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "fprintf")
    return GenericSink(sink: file.map { UnsafeMutableRawPointer($0) }, fprintf: symbol.map { OpaquePointer($0) })
}()
