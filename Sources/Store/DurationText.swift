/// authentik's duration text, `hours=1` or `days=30;hours=12` (weeks, days, hours, minutes,
/// seconds), as blueprints write lifetimes and windows.
public enum DurationText {
    /// The duration in seconds; nil when malformed or above 100,000,000 s (about three years).
    public static func seconds(_ text: String) -> Int? {
        let units: [Substring: Int] = ["weeks": 604_800, "days": 86400, "hours": 3600, "minutes": 60, "seconds": 1]
        var total = 0
        for part in text.split(separator: ";", omittingEmptySubsequences: false) {
            let pair = part.split(separator: "=", omittingEmptySubsequences: false)
            guard pair.count == 2, let unit = units[pair[0]], let count = Int(pair[1]), count >= 0,
                  count <= 100_000_000 / unit else { return nil }
            total += count * unit
        }
        return total <= 100_000_000 ? total : nil
    }
}
