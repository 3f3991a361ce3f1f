import Logging

/// Process-wide logging set-up.
public enum GatehouseLogging {
    private static let bootstrapped = Locked(false)

    /// Installs the JSON (or text) handler for every `Logger` in the process, writing to stderr.
    /// Only the first call has an effect (swift-log allows one bootstrap per process); returns
    /// whether this call did it.
    @discardableResult
    public static func bootstrap(level: Logger.Level, format: GatehouseConfig.LogFormat,
                                 sink: LogSink = .standardError) -> Bool {
        let first = bootstrapped.withLock { done -> Bool in
            if done { return false }
            done = true
            return true
        }
        guard first else { return false }
        LoggingSystem.bootstrap { label in
            makeHandler(label: label, level: level, format: format, sink: sink)
        }
        return true
    }

    /// The handler `bootstrap` installs, for tests and for loggers built by hand.
    public static func makeHandler(label: String, level: Logger.Level, format: GatehouseConfig.LogFormat,
                                   sink: LogSink = .standardError) -> any LogHandler {
        switch format {
        case .json: JSONLogHandler(label: label, level: level, sink: sink)
        case .text: TextLogHandler(label: label, level: level, sink: sink)
        }
    }

    /// A logger for `config`, after bootstrapping with its level and format.
    public static func logger(for config: GatehouseConfig, label: String = "gatehouse") -> Logger {
        bootstrap(level: config.logLevel, format: config.logFormat)
        var logger = Logger(label: label)
        logger.logLevel = config.logLevel
        return logger
    }
}
