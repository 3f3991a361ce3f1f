import Crypto
import Logging
import Postgres

/// Start-up application of a blueprint directory, shared by `serve` and `dev`.
public enum BlueprintStartup {
    /// Applies every blueprint under `directory` (see `BlueprintApplier.blueprintFiles`) in one
    /// transaction and logs one line per file. Throws with the error lines of the bad file.
    @discardableResult
    public static func apply(directory: String, databaseURL: DatabaseURL, environment: [String: String],
                             sealer: SecretSealer? = nil, logger: Logger) throws(BlueprintApplyFailure) -> [BlueprintApplyResult] {
        let files = try BlueprintApplier.blueprintFiles(under: directory)
        if files.isEmpty {
            logger.info("no blueprints to apply", metadata: ["directory": "\(directory)"])
            return []
        }
        let store = PostgresBlueprintStore(url: databaseURL.unredactedURL)
        let results = try BlueprintApplier(store: store, environment: environment, sealer: sealer).apply(paths: files)
        for result in results {
            logger.info("blueprint applied", metadata: [
                "file": "\(result.file)", "blueprint": "\(result.blueprint.name)", "created": "\(result.created)",
                "updated": "\(result.updated)", "deleted": "\(result.deleted)", "unchanged": "\(result.unchanged)",
            ])
        }
        return results
    }
}
