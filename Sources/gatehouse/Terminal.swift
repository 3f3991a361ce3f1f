#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reading a password from the terminal with echo off (termios).
enum Terminal {
    static var standardInputIsTerminal: Bool { isatty(STDIN_FILENO) == 1 }

    /// The terminal settings to put back if SIGINT/SIGTERM arrive while echo is off.
    nonisolated(unsafe) private static var saved = termios()
    nonisolated(unsafe) private static var echoIsOff = false

    /// Shows `prompt` on stderr and reads one line from stdin without echoing it. Nil at end of input.
    static func readSecret(prompt: String) -> String? {
        let bytes = Array(prompt.utf8)
        _ = bytes.withUnsafeBytes { write(STDERR_FILENO, $0.baseAddress, $0.count) }
        var settings = termios()
        guard tcgetattr(STDIN_FILENO, &settings) == 0 else { return readLine(strippingNewline: true) }
        saved = settings
        var silent = settings
        silent.c_lflag &= ~tcflag_t(ECHO)
        silent.c_lflag |= tcflag_t(ECHONL)
        echoIsOff = true
        signal(SIGINT, restoreAndExit)
        signal(SIGTERM, restoreAndExit)
        _ = tcsetattr(STDIN_FILENO, TCSAFLUSH, &silent)
        defer {
            _ = tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved)
            echoIsOff = false
            signal(SIGINT, SIG_DFL)
            signal(SIGTERM, SIG_DFL)
        }
        return readLine(strippingNewline: true)
    }
}

/// Signal handler: put the terminal back as it was, then die of the signal as usual.
private func restoreAndExit(_ signalNumber: Int32) {
    _ = Terminal.restoreForSignal()
    signal(signalNumber, SIG_DFL)
    raise(signalNumber)
}

extension Terminal {
    fileprivate static func restoreForSignal() -> Int32 {
        guard echoIsOff else { return 0 }
        return tcsetattr(STDIN_FILENO, TCSANOW, &saved)
    }
}
