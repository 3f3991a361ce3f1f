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
