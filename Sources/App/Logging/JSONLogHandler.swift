#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import JSON
import Logging

/// Where formatted log lines go: one `write` per line under a lock, so lines from several
/// threads never interleave.
public final class LogSink: Sendable {
    private let lock = Locked(())
    private let output: @Sendable ([UInt8]) -> Void

    public init(_ output: @escaping @Sendable ([UInt8]) -> Void) {
        self.output = output
    }

    /// Standard error, the default sink.
    public static let standardError = LogSink { bytes in
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { raw in
                write(STDERR_FILENO, raw.baseAddress! + offset, raw.count - offset)
            }
            if written < 0 {
                if errno == EINTR { continue }
                return
            }
            offset += written
        }
    }

    func emit(_ line: String) {
        var bytes = Array(line.utf8)
        bytes.append(UInt8(ascii: "\n"))
        lock.withLock { _ in output(bytes) }
    }
}

/// A swift-log handler writing one JSON object per line:
/// `{"ts":"2026-01-02T03:04:05.678Z","level":"info","msg":"…","logger":"gatehouse","request_id":"…"}`.
///
/// Metadata is flattened into the top-level object (nested dictionaries become `outer.inner`
/// keys); a metadata key that would overwrite `ts`, `level`, `msg`, `logger` or `error` is written
/// as `md_<key>`. Keys after the fixed four are sorted, so lines are stable.
public struct JSONLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?
    public var logLevel: Logger.Level
    public let label: String
    private let sink: LogSink

    public init(label: String, level: Logger.Level = .info, sink: LogSink = .standardError,
                metadataProvider: Logger.MetadataProvider? = nil) {
        self.label = label
        self.logLevel = level
        self.sink = sink
        self.metadataProvider = metadataProvider
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        let fields = mergedFields(handler: metadata, provider: metadataProvider, event: event.metadata)
        var line = "{\"ts\":"
        appendJSONString(LogTimestamp.now(), to: &line)
        line += ",\"level\":"
        appendJSONString(event.level.rawValue, to: &line)
        line += ",\"msg\":"
        appendJSONString(event.message.description, to: &line)
        line += ",\"logger\":"
        appendJSONString(label, to: &line)
        for (key, value) in fields {
            line += ","
            appendJSONString(Self.reserved.contains(key) ? "md_" + key : key, to: &line)
            line += ":"
            appendJSONValue(value, to: &line)
        }
        if let error = event.error {
            line += ",\"error\":"
            appendJSONString(String(describing: error), to: &line)
        }
        line += "}"
        sink.emit(line)
    }

    static let reserved: Set<String> = ["ts", "level", "msg", "logger", "error"]
}

/// The human-readable alternative (`GATEHOUSE_LOG_FORMAT=text`):
/// `2026-01-02T03:04:05.678Z info  gatehouse: message key=value other="with space"`.
public struct TextLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?
    public var logLevel: Logger.Level
    public let label: String
    private let sink: LogSink

    public init(label: String, level: Logger.Level = .info, sink: LogSink = .standardError,
                metadataProvider: Logger.MetadataProvider? = nil) {
        self.label = label
        self.logLevel = level
        self.sink = sink
        self.metadataProvider = metadataProvider
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var line = LogTimestamp.now() + " "
        let level = event.level.rawValue
        line += level + String(repeating: " ", count: max(1, 9 - level.count))
        line += label + ": " + escapeControl(event.message.description)
        for (key, value) in mergedFields(handler: metadata, provider: metadataProvider, event: event.metadata) {
            line += " " + key + "=" + textValue(value)
        }
        if let error = event.error {
            line += " error=" + textValue(.string(String(describing: error)))
        }
        sink.emit(line)
    }

    private func textValue(_ value: Logger.MetadataValue) -> String {
        let text: String
        switch value {
        case .string(let string): text = string
        case .stringConvertible(let convertible): text = convertible.description
        case .array, .dictionary:
            var json = ""
            appendJSONValue(value, to: &json)
            return json
        }
        if text.isEmpty || text.contains(where: { $0 == " " || $0 == "\"" || $0 == "=" || $0.isNewline }) {
            var quoted = ""
            appendJSONString(text, to: &quoted)
            return quoted
        }
        return escapeControl(text)
    }
}

// MARK: - shared formatting

/// Handler metadata, then the provider's, then the call's (later wins), flattened and sorted.
func mergedFields(handler: Logger.Metadata, provider: Logger.MetadataProvider?,
                  event: Logger.Metadata?) -> [(String, Logger.MetadataValue)] {
    var merged = handler
    if let provided = provider?.get() { merged.merge(provided) { $1 } }
    if let event { merged.merge(event) { $1 } }
    var flat: [(String, Logger.MetadataValue)] = []
    func flatten(_ prefix: String, _ value: Logger.MetadataValue) {
        if case .dictionary(let nested) = value {
            for key in nested.keys.sorted() { flatten(prefix + "." + key, nested[key]!) }
        } else {
            flat.append((prefix, value))
        }
    }
    for key in merged.keys.sorted() { flatten(key, merged[key]!) }
    return flat
}

func appendJSONValue(_ value: Logger.MetadataValue, to out: inout String) {
    switch value {
    case .string(let string):
        appendJSONString(string, to: &out)
    case .stringConvertible(let convertible):
        appendJSONString(convertible.description, to: &out)
    case .array(let values):
        out += "["
        for (index, element) in values.enumerated() {
            if index > 0 { out += "," }
            appendJSONValue(element, to: &out)
        }
        out += "]"
    case .dictionary(let dictionary):
        out += "{"
        for (index, key) in dictionary.keys.sorted().enumerated() {
            if index > 0 { out += "," }
            appendJSONString(key, to: &out)
            out += ":"
            appendJSONValue(dictionary[key]!, to: &out)
        }
        out += "}"
    }
}

/// Appends `text` as a JSON string literal (the JSON room's escaping: RFC 8259 plus DEL, U+2028/9).
func appendJSONString(_ text: String, to out: inout String) {
    out += JSONWriter.quoted(text)
}

/// Escapes control characters so one log call stays one line.
func escapeControl(_ text: String) -> String {
    guard text.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) else { return text }
    var out = ""
    for scalar in text.unicodeScalars {
        switch scalar {
        case "\n": out += "\\n"
        case "\r": out += "\\r"
        case "\t": out += "\\t"
        default:
            if scalar.value < 0x20 || scalar.value == 0x7F {
                out += "\\x" + (scalar.value < 0x10 ? "0" : "") + String(scalar.value, radix: 16)
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
    }
    return out
}

enum LogTimestamp {
    /// ISO-8601 UTC with milliseconds: `2026-01-02T03:04:05.678Z`.
    static func now() -> String {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return format(seconds: spec.tv_sec, milliseconds: Int(spec.tv_nsec / 1_000_000))
    }

    static func format(seconds: time_t, milliseconds: Int) -> String {
        var seconds = seconds
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func pad(_ value: Int32, _ width: Int) -> String {
            let digits = String(value)
            return String(repeating: "0", count: max(0, width - digits.count)) + digits
        }
        return pad(parts.tm_year + 1900, 4) + "-" + pad(parts.tm_mon + 1, 2) + "-" + pad(parts.tm_mday, 2) + "T"
            + pad(parts.tm_hour, 2) + ":" + pad(parts.tm_min, 2) + ":" + pad(parts.tm_sec, 2) + "."
            + pad(Int32(milliseconds), 3) + "Z"
    }
}
