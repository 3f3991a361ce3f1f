#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// A small thread-safe metrics registry rendered in the Prometheus text format 0.0.4.
/// Counters and histograms are updated by the web layer; gauges are read from closures
/// at scrape time (the server registers `gatehouse_open_connections` this way).
public final class Metrics: Sendable {
    public static let defaultBuckets: [Double] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]

    struct LabelSet: Hashable, Comparable {
        let pairs: [Pair]
        struct Pair: Hashable { let name: String; let value: String }
        init(_ labels: [String: String]) {
            pairs = labels.sorted { $0.key < $1.key }.map { Pair(name: $0.key, value: $0.value) }
        }
        /// Pairs already sorted by name (the per-request path skips the dictionary and sort).
        init(sorted pairs: [Pair]) { self.pairs = pairs }
        static func < (a: LabelSet, b: LabelSet) -> Bool {
            a.pairs.map { $0.name + "\u{0}" + $0.value }.lexicographicallyPrecedes(b.pairs.map { $0.name + "\u{0}" + $0.value })
        }
    }

    struct Histogram {
        var counts: [UInt64]  // per bucket, not cumulative
        var sum = 0.0
        var count: UInt64 = 0
    }

    enum Kind { case counter, histogram([Double]), gauge }

    struct Gauge { let labels: LabelSet; let read: @Sendable () -> Double }

    /// What a metric is; fixed once registered.
    struct Family {
        let help: String
        let kind: Kind
        var gauges: [Gauge] = []
    }

    struct Registry {
        var families: [String: Family] = [:]
        var order: [String] = []
    }

    /// Current values. Requests on different threads update different shards, so the hot
    /// path never waits on another core; a scrape adds the shards up.
    struct Values {
        var counters: [String: [LabelSet: Double]] = [:]
        var histograms: [String: [LabelSet: Histogram]] = [:]
    }

    final class Shard: Sendable {
        let values = Mutex(Values())
    }

    private let registry = ReadWriteLock(Registry())
    private let shards: [Shard] = (0..<16).map { _ in Shard() }

    public init() {}

    private var shard: Shard {
        // Spread threads over shards by a hash of the thread id.
        let id = UInt64(UInt(bitPattern: Int(bitPattern: UInt(pthread_self()))))
        return shards[Int((id &* 0x9E37_79B9_7F4A_7C15) >> 60)]
    }

    public func registerCounter(_ name: String, help: String) {
        register(name, Family(help: help, kind: .counter))
    }

    public func registerHistogram(_ name: String, help: String, buckets: [Double] = Metrics.defaultBuckets) {
        register(name, Family(help: help, kind: .histogram(buckets.sorted())))
    }

    /// Registers a gauge read by `read` at every scrape. Several gauges may share a name
    /// with different labels. `read` runs outside the registry lock.
    public func registerGauge(_ name: String, help: String, labels: [String: String] = [:],
                              _ read: @escaping @Sendable () -> Double) {
        registry.write { r in
            if r.families[name] == nil {
                r.families[name] = Family(help: help, kind: .gauge)
                r.order.append(name)
            }
            guard case .gauge = r.families[name]!.kind else { return }
            r.families[name]!.gauges.append(Gauge(labels: LabelSet(labels), read: read))
        }
    }

    /// Adds to a counter. Unknown names are ignored (metrics must never break a request).
    public func increment(_ name: String, labels: [String: String] = [:], by amount: Double = 1) {
        increment(name, key: LabelSet(labels), by: amount)
    }

    func increment(_ name: String, key: LabelSet, by amount: Double = 1) {
        let isCounter = registry.read { r -> Bool in
            if case .counter = r.families[name]?.kind { return true }
            return false
        }
        guard isCounter else { return }
        shard.values.withLock { v in v.counters[name, default: [:]][key, default: 0] += amount }
    }

    /// Records one observation in a histogram.
    public func observe(_ name: String, labels: [String: String] = [:], _ value: Double) {
        observe(name, key: LabelSet(labels), value)
    }

    func observe(_ name: String, key: LabelSet, _ value: Double) {
        let buckets = registry.read { r -> [Double]? in
            if case .histogram(let b) = r.families[name]?.kind { return b }
            return nil
        }
        guard let buckets else { return }
        let bucket = buckets.firstIndex { value <= $0 }
        shard.values.withLock { v in
            var h = v.histograms[name]?[key] ?? Histogram(counts: Array(repeating: 0, count: buckets.count))
            if let bucket { h.counts[bucket] += 1 }
            h.sum += value
            h.count += 1
            v.histograms[name, default: [:]][key] = h
        }
    }

    private func register(_ name: String, _ family: Family) {
        registry.write { r in
            guard r.families[name] == nil else { return }
            r.families[name] = family
            r.order.append(name)
        }
    }

    /// All shards added up.
    private func totals() -> Values {
        var total = Values()
        for shard in shards {
            let v = shard.values.withLock { $0 }
            for (name, series) in v.counters {
                for (labels, amount) in series { total.counters[name, default: [:]][labels, default: 0] += amount }
            }
            for (name, series) in v.histograms {
                for (labels, h) in series {
                    if var t = total.histograms[name]?[labels] {
                        for i in t.counts.indices { t.counts[i] += h.counts[i] }
                        t.sum += h.sum
                        t.count += h.count
                        total.histograms[name]![labels] = t
                    } else {
                        total.histograms[name, default: [:]][labels] = h
                    }
                }
            }
        }
        return total
    }

    /// Everything in the text exposition format, families in registration order.
    public func render() -> String {
        let registry = self.registry.read { $0 }
        let values = totals()
        var out = ""
        for name in registry.order {
            guard let family = registry.families[name] else { continue }
            let counters = values.counters[name] ?? [:]
            let histograms = values.histograms[name] ?? [:]
            out += "# HELP \(name) \(Metrics.escapeHelp(family.help))\n"
            switch family.kind {
            case .counter:
                out += "# TYPE \(name) counter\n"
                for labels in counters.keys.sorted() {
                    out += "\(name)\(Metrics.format(labels)) \(Metrics.format(counters[labels]!))\n"
                }
            case .gauge:
                out += "# TYPE \(name) gauge\n"
                for gauge in family.gauges {
                    out += "\(name)\(Metrics.format(gauge.labels)) \(Metrics.format(gauge.read()))\n"
                }
            case .histogram(let buckets):
                out += "# TYPE \(name) histogram\n"
                for labels in histograms.keys.sorted() {
                    let h = histograms[labels]!
                    var cumulative: UInt64 = 0
                    for (i, bound) in buckets.enumerated() {
                        cumulative += h.counts[i]
                        out += "\(name)_bucket\(Metrics.format(labels, le: Metrics.format(bound))) \(cumulative)\n"
                    }
                    out += "\(name)_bucket\(Metrics.format(labels, le: "+Inf")) \(h.count)\n"
                    out += "\(name)_sum\(Metrics.format(labels)) \(Metrics.format(h.sum))\n"
                    out += "\(name)_count\(Metrics.format(labels)) \(h.count)\n"
                }
            }
        }
        return out
    }

    static func format(_ labels: LabelSet, le: String? = nil) -> String {
        var parts = labels.pairs.map { "\($0.name)=\"\(escapeLabel($0.value))\"" }
        if let le { parts.append("le=\"\(le)\"") }
        return parts.isEmpty ? "" : "{" + parts.joined(separator: ",") + "}"
    }

    static func format(_ v: Double) -> String {
        if v.isNaN { return "NaN" }
        if v.isInfinite { return v > 0 ? "+Inf" : "-Inf" }
        if v == v.rounded(), abs(v) < 1e15 { return String(Int64(v)) }
        return String(v)
    }

    /// Label values escape `\`, `"` and newline.
    static func escapeLabel(_ s: String) -> String {
        var out = ""
        for c in s.unicodeScalars {
            switch c {
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            case "\n": out += "\\n"
            default: out.unicodeScalars.append(c)
            }
        }
        return out
    }

    /// HELP text escapes `\` and newline.
    static func escapeHelp(_ s: String) -> String {
        s.replacingAll("\\", with: "\\\\").replacingAll("\n", with: "\\n")
    }
}
