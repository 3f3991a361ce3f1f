internal import CPostgres

/// The libpq this binary runs with, for `gatehouse version`.
public enum PGLibrary {
    public static var version: String { "libpq \(PQlibVersion())" }
}
