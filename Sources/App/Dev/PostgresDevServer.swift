#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Logging
import Postgres

/// A private PostgreSQL cluster in the dev folder: initdb once (trust auth, loopback only),
/// started with pg_ctl on a remembered port, stopped with `pg_ctl stop -m fast`.
/// As root, every PostgreSQL program runs as the `postgres` user via runuser.
final class PostgresDevServer {
    static let databaseName = "gatehouse"

    private let folder: DevFolder
    private let logger: Logger
    private let binDirectory: String
    private let asUser: [String]
    private(set) var port = 0
    private var running = false

    init(folder: DevFolder, logger: Logger) throws(DevError) {
        self.folder = folder
        self.logger = logger
        let wantedVersion = (try? readTextFile(folder.postgresData + "/PG_VERSION"))?.trimmingWhitespace()
        binDirectory = try Self.findBinaries(preferring: wantedVersion)
        if geteuid() == 0 {
            guard lookupUser("postgres") != nil else {
                throw DevError("running as root needs the 'postgres' user (from the postgresql package) to run PostgreSQL")
            }
            guard findOnPath("runuser") != nil else { throw DevError("running as root needs runuser (util-linux)") }
            asUser = ["runuser", "-u", "postgres", "--"]
        } else {
            asUser = []
        }
    }

    /// The URL clients use: trust auth as `postgres` on 127.0.0.1.
    var url: String { "postgresql://postgres@127.0.0.1:\(port)/\(Self.databaseName)" }

    func start() throws(DevError) {
        try prepareFolders()
        if fileKind(folder.postgresData + "/PG_VERSION") == .missing {
            if fileKind(folder.postgresData) != .missing {
                // A half-finished initdb from an interrupted first run.
                try ChildProcess.run(["rm", "-rf", folder.postgresData], logFile: folder.logDirectory + "/initdb.log", what: "removing an incomplete PGDATA")
            }
            logger.info("creating a PostgreSQL cluster", metadata: ["pgdata": "\(folder.postgresData)"])
            try ChildProcess.run(asUser + [binDirectory + "/initdb", "-D", folder.postgresData, "--auth=trust",
                                           "--username=postgres", "--encoding=UTF8", "--locale=C"],
                                 logFile: folder.logDirectory + "/initdb.log", what: "initdb")
        }
        if isRunning() {
            logger.warning("PostgreSQL from an earlier run is still running in this folder; stopping it first")
            try pgCtl(["stop", "-m", "fast", "-w", "-t", "60"], what: "pg_ctl stop")
        }
        port = try folder.port(file: folder.postgresPortFile) { logger.warning("\($0)") }
        let options = "-c listen_addresses=127.0.0.1 -p \(port) -c unix_socket_directories='\(folder.postgresSockets)'"
        logger.info("starting PostgreSQL", metadata: ["port": "\(port)", "bin": "\(binDirectory)"])
        try pgCtl(["start", "-w", "-t", "60", "-l", folder.postgresServerLog, "-o", options],
                  what: "pg_ctl start (server log: \(folder.postgresServerLog))")
        running = true
        try createDatabase()
    }

    func stop() {
        guard running else { return }
        logger.info("stopping PostgreSQL")
        do {
            try pgCtl(["stop", "-m", "fast", "-w", "-t", "60"], what: "pg_ctl stop")
            running = false
        } catch {
            logger.error("could not stop PostgreSQL: \(error.message)")
        }
    }

    // MARK: - private

    private func pgCtl(_ arguments: [String], what: String) throws(DevError) {
        try ChildProcess.run(asUser + [binDirectory + "/pg_ctl", "-D", folder.postgresData] + arguments,
                             logFile: folder.logDirectory + "/pg_ctl.log", what: what)
    }

    private func isRunning() -> Bool {
        guard fileKind(folder.postgresData + "/postmaster.pid") == .file,
              let child = try? ChildProcess(asUser + [binDirectory + "/pg_ctl", "-D", folder.postgresData, "status"],
                                            logFile: folder.logDirectory + "/pg_ctl.log") else { return false }
        return child.wait() == 0
    }

    private func prepareFolders() throws(DevError) {
        try makeDirectories(folder.postgresDirectory, mode: 0o700)
        try makeDirectories(folder.postgresSockets, mode: 0o700)
        guard geteuid() == 0, let user = lookupUser("postgres") else { return }
        // The data folder itself stays root's, but postgres must pass through it.
        chmod(folder.root, 0o711)
        if let blocked = firstUnsearchableAncestor(of: folder.postgresDirectory) {
            throw DevError("the postgres user cannot enter \(blocked): choose a --data-dir it can reach, or chmod o+x \(blocked)")
        }
        for path in [folder.postgresDirectory, folder.postgresSockets] where chown(path, user.uid, user.gid) != 0 {
            throw DevError("cannot hand \(path) to the postgres user: \(String(cString: strerror(errno)))")
        }
    }

    private func createDatabase() throws(DevError) {
        do {
            let connection = try PGConnection(url: "postgresql://postgres@127.0.0.1:\(port)/postgres", connectTimeout: 10,
                                              applicationName: "gatehouse-dev")
            defer { connection.close() }
            let exists = try connection.execute("SELECT 1 FROM pg_database WHERE datname = $1", params: [Self.databaseName])
            if exists.rows.isEmpty {
                logger.info("creating database \(Self.databaseName)")
                try connection.execute("CREATE DATABASE gatehouse")
            }
        } catch {
            throw DevError("cannot prepare database \(Self.databaseName): \(error)")
        }
    }

    /// `/usr/lib/postgresql/<highest>/bin`, or the version that made an existing cluster, or PATH.
    private static func findBinaries(preferring version: String?) throws(DevError) -> String {
        let base = "/usr/lib/postgresql"
        var versions: [(Int, String)] = []
        if let directory = opendir(base) {
            defer { closedir(directory) }
            while let entry = readdir(directory) {
                let name = withUnsafePointer(to: &entry.pointee.d_name) {
                    $0.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
                }
                if let number = Int(name), access("\(base)/\(name)/bin/initdb", X_OK) == 0 {
                    versions.append((number, "\(base)/\(name)/bin"))
                }
            }
        }
        if let version, let match = versions.first(where: { String($0.0) == version }) { return match.1 }
        if let best = versions.max(by: { $0.0 < $1.0 }) {
            if let version { throw DevError("the cluster in this folder was made by PostgreSQL \(version), but only \(best.0) is installed; install postgresql-\(version) or use a new --data-dir") }
            return best.1
        }
        if let initdb = findOnPath("initdb") {
            return String(initdb.dropLast("/initdb".count))
        }
        throw DevError("PostgreSQL not found in /usr/lib/postgresql/*/bin: install postgresql and redis-server, or set GATEHOUSE_DATABASE_URL/GATEHOUSE_REDIS_URL")
    }
}
