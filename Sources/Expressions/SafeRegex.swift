#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// `matches` through POSIX extended regular expressions (regcomp/regexec), searching anywhere in
/// the string as CEL does. Glibc's matcher simulates the automaton rather than backtracking, so a
/// pattern like `(a+)+$` stays fast; the features that break that (back-references) and that blow up
/// the automaton (large or nested `{m,n}` counts) are rejected, and sizes are capped.
enum SafeRegex {
    static let maxPatternLength = 256
    static let maxInputLength = 65_536
    static let maxRepeatCount = 32
    static let maxCountedRepeats = 2

    static func matches(_ text: String, pattern: String) throws(ExpressionFunctionError) -> Bool {
        try check(pattern)
        guard text.utf8.count <= maxInputLength else { throw .evaluation("input longer than \(maxInputLength) bytes") }
        guard !text.utf8.contains(0) else { throw .evaluation("input contains a NUL character") }
        var regex = regex_t()
        let status = regcomp(&regex, pattern, REG_EXTENDED | REG_NOSUB)
        guard status == 0 else {
            var buffer = [CChar](repeating: 0, count: 128)
            regerror(status, &regex, &buffer, buffer.count)
            let reason = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            throw .evaluation("invalid regular expression: \(reason)")
        }
        defer { regfree(&regex) }
        return regexec(&regex, text, 0, nil, 0) == 0
    }

    /// Rejects what could make matching slow or the compiled automaton large.
    static func check(_ pattern: String) throws(ExpressionFunctionError) {
        let bytes = Array(pattern.utf8)
        guard bytes.count <= maxPatternLength else { throw .evaluation("pattern longer than \(maxPatternLength) bytes") }
        guard !bytes.contains(0) else { throw .evaluation("pattern contains a NUL character") }
        var counted = 0
        var i = 0
        while i < bytes.count {
            let b = bytes[i]
            if b == UInt8(ascii: "\\"), i + 1 < bytes.count {
                if bytes[i + 1] >= UInt8(ascii: "0") && bytes[i + 1] <= UInt8(ascii: "9") {
                    throw .evaluation("back-references are not supported")
                }
                i += 2
                continue
            }
            if b == UInt8(ascii: "{") {
                counted += 1
                if counted > maxCountedRepeats { throw .evaluation("at most \(maxCountedRepeats) {m,n} repeats per pattern") }
                var number = 0
                var j = i + 1
                while j < bytes.count, bytes[j] != UInt8(ascii: "}") {
                    let d = bytes[j]
                    if d >= UInt8(ascii: "0") && d <= UInt8(ascii: "9") {
                        number = number * 10 + Int(d - UInt8(ascii: "0"))
                        if number > maxRepeatCount { throw .evaluation("repeat counts above \(maxRepeatCount) are not supported") }
                    } else {
                        number = 0
                    }
                    j += 1
                }
            }
            i += 1
        }
    }
}
