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

    struct Family {
        let help: String
        let kind: Kind
        var counters: [LabelSet: Double] = [:]
        var histograms: [LabelSet: Histogram] = [:]
        var gauges: [Gauge] = []
    }

    struct State {
        var families: [String: Family] = [:]
        var order: [String] = []
    }

    private let state = Mutex(State())

    public init() {}

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
        state.withLock { s in
            if s.families[name] == nil {
                s.families[name] = Family(help: help, kind: .gauge)
                s.order.append(name)
            }
            guard case .gauge = s.families[name]!.kind else { return }
            s.families[name]!.gauges.append(Gauge(labels: LabelSet(labels), read: read))
        }
    }

    /// Adds to a counter. Unknown names are ignored (metrics must never break a request).
    public func increment(_ name: String, labels: [String: String] = [:], by amount: Double = 1) {
        state.withLock { s in
            guard let family = s.families[name], case .counter = family.kind else { return }
            s.families[name]!.counters[LabelSet(labels), default: 0] += amount
        }
    }

    /// Records one observation in a histogram.
    public func observe(_ name: String, labels: [String: String] = [:], _ value: Double) {
        state.withLock { s in
            guard let family = s.families[name], case .histogram(let buckets) = family.kind else { return }
            let key = LabelSet(labels)
            var h = family.histograms[key] ?? Histogram(counts: Array(repeating: 0, count: buckets.count))
            if let i = buckets.firstIndex(where: { value <= $0 }) { h.counts[i] += 1 }
            h.sum += value
            h.count += 1
            s.families[name]!.histograms[key] = h
        }
    }

    private func register(_ name: String, _ family: Family) {
        state.withLock { s in
            guard s.families[name] == nil else { return }
            s.families[name] = family
            s.order.append(name)
        }
    }

    /// Everything in the text exposition format, families in registration order.
    public func render() -> String {
        let snapshot = state.withLock { $0 }
        var out = ""
        for name in snapshot.order {
            guard let family = snapshot.families[name] else { continue }
            out += "# HELP \(name) \(Metrics.escapeHelp(family.help))\n"
            switch family.kind {
            case .counter:
                out += "# TYPE \(name) counter\n"
                for labels in family.counters.keys.sorted() {
                    out += "\(name)\(Metrics.format(labels)) \(Metrics.format(family.counters[labels]!))\n"
                }
            case .gauge:
                out += "# TYPE \(name) gauge\n"
                for gauge in family.gauges {
                    out += "\(name)\(Metrics.format(gauge.labels)) \(Metrics.format(gauge.read()))\n"
                }
            case .histogram(let buckets):
                out += "# TYPE \(name) histogram\n"
                for labels in family.histograms.keys.sorted() {
                    let h = family.histograms[labels]!
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
