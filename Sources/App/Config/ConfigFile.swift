/// The config file format: one `KEY=value` per line.
///
/// - Blank lines and lines starting with `#` are ignored; `export KEY=value` is accepted.
/// - Whitespace around the key and the value is trimmed.
/// - A value may be wrapped in double or single quotes; inside double quotes `\"`, `\\`, `\n` are
///   unescaped, single quotes are taken literally. `#` inside a value is part of the value
///   (there are no trailing comments), so `GATEHOUSE_BRAND_PRIMARY_COLOR=#1f6feb` works unquoted.
/// - A key given twice is an error.
public enum ConfigFile {
    public static func parse(_ text: String, path: String) throws(ConfigError) -> [String: String] {
        var values: [String: String] = [:]
        var lineNumber = 0
        for rawLine in text.split(separator: "\n", omittingEmptySubsequences: false) {
            lineNumber += 1
            func fail(_ problem: String) -> ConfigError {
                ConfigError(key: ConfigKey.configFile, problem: "\(path) line \(lineNumber): \(problem)")
            }
            var line = rawLine.trimmingWhitespace()
            if line.isEmpty || line.hasPrefix("#") { continue }
            if line.hasPrefix("export ") { line = String(line.dropFirst("export ".count)).trimmingWhitespace() }
            guard let equals = line.firstIndex(of: "=") else { throw fail("expected KEY=value") }
            let key = line[..<equals].trimmingWhitespace()
            guard !key.isEmpty, key.allSatisfy({ $0.isASCII && ($0.isUppercase || $0.isNumber || $0 == "_") }),
                  !(key.first?.isNumber ?? true) else {
                throw fail("invalid key \(shown(key)) (keys are upper-case, like GATEHOUSE_LISTEN)")
            }
            var value = line[line.index(after: equals)...].trimmingWhitespace()
            if let quote = value.first, quote == "\"" || quote == "'" {
                guard value.count >= 2, value.last == quote else { throw fail("unterminated \(quote) quote for \(key)") }
                let inner = String(value.dropFirst().dropLast())
                if quote == "'" {
                    value = inner
                } else {
                    guard let unescaped = unescapeDoubleQuoted(inner) else {
                        throw fail("unescaped \" inside the double-quoted value of \(key)")
                    }
                    value = unescaped
                }
            }
            if values[key] != nil { throw fail("\(key) is set twice") }
            values[key] = value
        }
        return values
    }

    private static func unescapeDoubleQuoted(_ text: String) -> String? {
        var out = ""
        var escaping = false
        for character in text {
            if escaping {
                switch character {
                case "n": out.append("\n")
                case "t": out.append("\t")
                default: out.append(character)
                }
                escaping = false
            } else if character == "\\" {
                escaping = true
            } else if character == "\"" {
                return nil
            } else {
                out.append(character)
            }
        }
        if escaping { out.append("\\") }
        return out
    }
}
