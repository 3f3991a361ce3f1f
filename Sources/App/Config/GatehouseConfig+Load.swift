import Net
import Web
import FoundationEssentials
import Logging

extension GatehouseConfig {
    /// Loads the configuration: the config file (the `configFile` argument, else
    /// `GATEHOUSE_CONFIG_FILE` from `environment`), overlaid by `environment`.
    ///
    /// An empty value counts as unset, so an empty environment variable does not override the file.
    /// - Parameter environment: the process environment (injected so tests never read the real one).
    public static func load(
        environment: [String: String],
        configFile explicitPath: String? = nil,
        readFile: (String) throws(ValueProblem) -> String = readTextFile
    ) throws(ConfigError) -> GatehouseConfig {
        var merged: [String: String] = [:]
        var warnings: [String] = []
        let path = explicitPath ?? environment[ConfigKey.configFile].flatMap { $0.isEmpty ? nil : $0 }
        if let path {
            let text: String
            do {
                text = try readFile(path)
            } catch {
                throw ConfigError(key: ConfigKey.configFile, problem: "cannot read \(shown(path, limit: 200)): \(error.message)")
            }
            for (key, value) in try ConfigFile.parse(text, path: path) {
                if key == ConfigKey.configFile {
                    warnings.append("\(path): \(key) inside a config file is ignored")
                } else if !key.hasPrefix("GATEHOUSE_") {
                    warnings.append("\(path): \(key) is not a Gatehouse setting (ignored)")
                } else if !value.isEmpty {
                    merged[key] = value
                }
            }
        }
        for (key, value) in environment where key.hasPrefix("GATEHOUSE_") && !value.isEmpty {
            merged[key] = value
        }
        var config = try parse(merged)
        config.warnings = warnings + config.warnings
        return config
    }

    /// Validates already-merged `GATEHOUSE_*` values. Keys are checked in a fixed order, so the
    /// first problem reported is stable.
    public static func parse(_ values: [String: String]) throws(ConfigError) -> GatehouseConfig {
        var config = GatehouseConfig()
        func value(_ key: String) -> String? {
            guard let raw = values[key] else { return nil }
            let trimmed = raw.trimmingWhitespace()
            return trimmed.isEmpty ? nil : trimmed
        }
        func check<T>(_ key: String, _ body: (String) throws(ValueProblem) -> T) throws(ConfigError) -> T? {
            guard let text = value(key) else { return nil }
            do { return try body(text) } catch { throw ConfigError(key: key, problem: error.message) }
        }

        if let listen = try check(ConfigKey.listen, ListenAddress.parseList) { config.listen = listen }
        let port = config.listen[0].port
        config.externalURL = try check(ConfigKey.externalURL, parseExternalURL) ?? "http://localhost:\(port)"
        config.databaseURL = try check(ConfigKey.databaseURL) { text throws(ValueProblem) in try DatabaseURL(validating: text) }
        config.redisURL = try check(ConfigKey.redisURL, RedisURL.parse)
        // Never trim or echo the secret: parse reports only its length and form.
        config.secretKey = try check(ConfigKey.secretKey, SecretKey.parse)
        config.secretKeyPrevious = try check(ConfigKey.secretKeyPrevious, SecretKey.parseList) ?? []
        if !config.secretKeyPrevious.isEmpty {
            guard let current = config.secretKey else {
                throw ConfigError(key: ConfigKey.secretKeyPrevious,
                                  problem: "is set but GATEHOUSE_SECRET_KEY is not (the previous keys only open; the current key seals)")
            }
            if let index = config.secretKeyPrevious.firstIndex(of: current) {
                throw ConfigError(key: ConfigKey.secretKeyPrevious,
                                  problem: "entry \(index + 1) is the same key as GATEHOUSE_SECRET_KEY (value not shown); list only earlier keys")
            }
        }
        config.blueprintsDirectory = try check(ConfigKey.blueprintsDir) { path throws(ValueProblem) in
            switch fileKind(path) {
            case .missing: throw ValueProblem("directory \(shown(path, limit: 200)) does not exist")
            case .directory: break
            default: throw ValueProblem("\(shown(path, limit: 200)) is not a directory")
            }
            return path
        }
        config.ldapListen = try check(ConfigKey.ldapListen, ListenAddress.parseList) ?? []
        config.trustedProxies = try check(ConfigKey.trustedProxies, parseNetworks) ?? []

        let cert = value(ConfigKey.tlsCert)
        let key = value(ConfigKey.tlsKey)
        switch (cert, key) {
        case (nil, nil):
            break
        case (.some, nil):
            throw ConfigError(key: ConfigKey.tlsKey, problem: "must be set when GATEHOUSE_TLS_CERT is set (both or neither)")
        case (nil, .some):
            throw ConfigError(key: ConfigKey.tlsCert, problem: "must be set when GATEHOUSE_TLS_KEY is set (both or neither)")
        case let (cert?, key?):
            _ = try check(ConfigKey.tlsCert, checkReadableFile)
            _ = try check(ConfigKey.tlsKey, checkReadableFile)
            config.tls = TLSFiles(certificatePath: cert, privateKeyPath: key)
        }

        if let level = try check(ConfigKey.logLevel, { text throws(ValueProblem) -> Logger.Level in
            guard let level = Logger.Level(rawValue: text.lowercased()) else {
                throw ValueProblem("must be one of trace, debug, info, notice, warning, error, critical (got \(shown(text)))")
            }
            return level
        }) { config.logLevel = level }
        if let format = try check(ConfigKey.logFormat, { text throws(ValueProblem) -> LogFormat in
            guard let format = LogFormat(rawValue: text.lowercased()) else {
                throw ValueProblem("must be json or text (got \(shown(text)))")
            }
            return format
        }) { config.logFormat = format }
        if let maximum = try check(ConfigKey.maxConnections, { text throws(ValueProblem) -> Int in
            guard text.count <= 8, text.allSatisfy({ $0.isASCII && $0.isNumber }), let number = Int(text),
                  number >= 1, number <= 1_000_000 else {
                throw ValueProblem("must be a whole number from 1 to 1000000 (got \(shown(text)))")
            }
            return number
        }) { config.maxConnections = maximum }
        if let flow = try check(ConfigKey.authenticationFlow, { text throws(ValueProblem) -> String in
            guard GatehouseConfig.authenticationFlows.contains(text) else {
                throw ValueProblem("must be one of \(GatehouseConfig.authenticationFlows.joined(separator: ", ")) (got \(shown(text)))")
            }
            return text
        }) { config.authenticationFlow = flow }
        if let name = try check(ConfigKey.brandName, { text throws(ValueProblem) -> String in
            guard text.count <= 100 else { throw ValueProblem("must be at most 100 characters") }
            guard !text.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
                throw ValueProblem("must not contain control characters")
            }
            return text
        }) { config.brandName = name }
        config.brandLogoURL = try check(ConfigKey.brandLogoURL) { text throws(ValueProblem) -> String in
            if text.hasPrefix("/") && !text.hasPrefix("//") && !text.contains(where: \.isWhitespace) { return text }
            guard let components = URLComponents(string: text),
                  let scheme = components.scheme?.lowercased(), scheme == "https" || scheme == "http",
                  let host = components.host, !host.isEmpty else {
                throw ValueProblem("must be an http(s) URL or an absolute path like /static/logo.svg (got \(shown(text)))")
            }
            return text
        }
        config.brandPrimaryColor = try check(ConfigKey.brandPrimaryColor) { text throws(ValueProblem) -> String in
            guard text.utf8.count == 7, text.hasPrefix("#"), text.dropFirst().allSatisfy(isASCIIHexDigit) else {
                throw ValueProblem("must be a colour like #1f6feb (got \(shown(text)))")
            }
            return text.lowercased()
        }

        config.explicitKeys = Set(ConfigKey.all.filter { value($0) != nil })
        for key in values.keys.sorted() where key.hasPrefix("GATEHOUSE_") && !ConfigKey.all.contains(key)
            && !ConfigKey.ignoredPrefixes.contains(where: { key.hasPrefix($0) }) {
            var line = "\(key) is not a known setting and is ignored"
            if let suggestion = closestKey(to: key) { line += " (did you mean \(suggestion)?)" }
            config.warnings.append(line)
        }
        return config
    }
}

func parseExternalURL(_ text: String) throws(ValueProblem) -> String {
    guard let components = URLComponents(string: text), let scheme = components.scheme?.lowercased() else {
        throw ValueProblem("must be an absolute http(s) URL like https://id.example.com (got \(shown(text)))")
    }
    guard scheme == "http" || scheme == "https" else {
        throw ValueProblem("must start with https:// or http:// (got \(shown(text)))")
    }
    guard let host = components.host, !host.isEmpty else { throw ValueProblem("has no host (got \(shown(text)))") }
    guard components.user == nil, components.password == nil else {
        throw ValueProblem("must not contain user-info (user:password@)")
    }
    guard components.query == nil else { throw ValueProblem("must not contain a query (got \(shown(text)))") }
    guard components.fragment == nil else { throw ValueProblem("must not contain a fragment (got \(shown(text)))") }
    var normalized = text
    while normalized.hasSuffix("/") { normalized.removeLast() }
    return normalized
}

func parseNetworks(_ text: String) throws(ValueProblem) -> [IPNetwork] {
    var result: [IPNetwork] = []
    for part in text.split(separator: ",", omittingEmptySubsequences: false) {
        let entry = part.trimmingWhitespace()
        guard !entry.isEmpty else { throw ValueProblem("empty entry in list") }
        guard let network = IPNetwork(entry) else {
            throw ValueProblem("invalid IP address or CIDR \(shown(entry)) (examples: 127.0.0.1, 10.0.0.0/8, ::1, fd00::/8)")
        }
        result.append(network)
    }
    return result
}

func checkReadableFile(_ path: String) throws(ValueProblem) -> String {
    switch fileKind(path) {
    case .missing: throw ValueProblem("file \(shown(path, limit: 200)) does not exist")
    case .directory: throw ValueProblem("\(shown(path, limit: 200)) is a directory, not a file")
    default: break
    }
    guard isReadable(path) else { throw ValueProblem("file \(shown(path, limit: 200)) is not readable") }
    return path
}

/// A known key within edit distance 3 of `key`, for "did you mean".
func closestKey(to key: String) -> String? {
    var best: (String, Int)?
    for candidate in ConfigKey.all {
        let distance = editDistance(Array(key), Array(candidate))
        if distance <= 3, distance < (best?.1 ?? Int.max) { best = (candidate, distance) }
    }
    return best?.0
}

private func editDistance(_ a: [Character], _ b: [Character]) -> Int {
    if a.isEmpty { return b.count }
    if b.isEmpty { return a.count }
    var previous = Array(0...b.count)
    for i in 1...a.count {
        var current = [i] + Array(repeating: 0, count: b.count)
        for j in 1...b.count {
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
        }
        previous = current
    }
    return previous[b.count]
}
