public import Crypto
public import Store

/// `gatehouse secrets rotate-master-key`: reseals every stored secret that is sealed under a
/// previous master key with the current one.
///
/// Walks each location in `SealedLocation.all` in primary-key order, `batchSize` rows per
/// transaction of its `SealedValueStore`; the rows of a batch are locked while their values are
/// resealed, so a concurrent writer waits rather than being overwritten. Each value is:
///
/// - **resealed** when its key id is not the current key's and it opens (with the current or a
///   previous key) under its context;
/// - **current** when it is sealed under the current key and opens;
/// - **failed** otherwise (unknown key, wrong context, altered, or not a sealed value at all).
///   A failed value is left exactly as it was and reported by location, never by content.
///
/// A dry run opens but writes nothing (and takes no row locks).
public struct MasterKeyRotation: Sendable {
    public struct Failure: Sendable, Equatable, CustomStringConvertible {
        /// The value's context (`<table>/<row id>/<column or JSON key>`).
        public let location: String
        public let problem: String
        public var description: String { "\(location): \(problem)" }
    }

    public struct Report: Sendable, Equatable {
        public var resealed = 0
        public var alreadyCurrent = 0
        public var failures: [Failure] = []
        public var failed: Int { failures.count }
        public init() {}
    }

    public let store: any SealedValueStore
    public let sealer: SecretSealer
    public let batchSize: Int

    public init(store: any SealedValueStore, sealer: SecretSealer, batchSize: Int = 100) {
        self.store = store
        self.sealer = sealer
        self.batchSize = max(1, batchSize)
    }

    /// Walks every location; `dryRun` counts what would be resealed without writing.
    public func run(dryRun: Bool) throws -> Report {
        var report = Report()
        for location in SealedLocation.all {
            var after: String?
            while let last = try store.withBatch(of: location, after: after, limit: batchSize, lock: !dryRun, { values, replace in
                for value in values {
                    try reseal(value, at: location, dryRun: dryRun, replace: replace, into: &report)
                }
            }) {
                after = last
            }
        }
        return report
    }

    /// Opens one value and, unless `dryRun`, reseals it under the current key when it was sealed
    /// under another; a value that does not open is reported and left as it is.
    private func reseal(_ value: SealedValue, at location: SealedLocation, dryRun: Bool,
                        replace: (SealedValue, String) throws(StoreError) -> Void, into report: inout Report) throws {
        let context = location.context(rowID: value.rowID, field: value.field)
        if sealer.needsResealing(value.sealed) {
            do {
                if dryRun {
                    _ = try sealer.open(value.sealed, context: context)
                } else {
                    try replace(value, try sealer.reseal(value.sealed, context: context))
                }
                report.resealed += 1
            } catch let error as SecretSealerError {
                report.failures.append(Failure(location: context, problem: error.description))
            }
        } else {
            do {
                _ = try sealer.open(value.sealed, context: context)
                report.alreadyCurrent += 1
            } catch {
                report.failures.append(Failure(location: context, problem: error.description))
            }
        }
    }
}
