#if canImport(Glibc)
import Glibc
#endif
import HTTP
import Synchronization

/// The `Date` header text, formatted at most once per second.
final class DateCache: Sendable {
    static let shared = DateCache()
    private let cache = Mutex<(second: Int, text: String)>((-1, ""))

    func current() -> String {
        let now = time(nil)
        return cache.withLock { c in
            if c.second != now {
                c = (now, HTTPDate.format(epochSeconds: now))
            }
            return c.text
        }
    }
}

/// A connection's own copy of the `Date` text, so busy connections on different threads
/// don't contend on the shared cache's lock for every response.
struct LocalDate {
    private var second = -1
    private var text = ""
    private let fixed: Bool

    init() { fixed = false }

    /// Always `text`, whatever the time: for tests, whose expected bytes can't follow the clock.
    init(fixed text: String) {
        self.text = text
        fixed = true
    }

    mutating func current() -> String {
        if fixed { return text }
        let now = time(nil)
        if now != second {
            second = now
            text = DateCache.shared.current()
        }
        return text
    }
}
