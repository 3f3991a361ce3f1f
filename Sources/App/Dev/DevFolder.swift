#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The data folder of `gatehouse dev` (default `./.gatehouse/`):
///
///     secret_key            the generated master key (0600)
///     postgres.port         remembered ports
///     redis.port
///     log/                  output of initdb, pg_ctl and redis-server
///     postgres/             owned by the postgres user when gatehouse runs as root
///         data/             PGDATA
///         run/              the Unix socket
///         server.log
///     redis/                dump.rdb, redis.pid
struct DevFolder {
    let root: String

    var secretKeyFile: String { root + "/secret_key" }
    var logDirectory: String { root + "/log" }
    var postgresDirectory: String { root + "/postgres" }
    var postgresData: String { postgresDirectory + "/data" }
    var postgresSockets: String { postgresDirectory + "/run" }
    var postgresServerLog: String { postgresDirectory + "/server.log" }
    var postgresPortFile: String { root + "/postgres.port" }
    var redisDirectory: String { root + "/redis" }
    var redisPidFile: String { redisDirectory + "/redis.pid" }
    var redisPortFile: String { root + "/redis.port" }

    /// Creates the folder (and parents) and resolves it to an absolute path.
    init(path: String) throws(DevError) {
        try makeDirectories(path, mode: 0o700)
        guard let resolved = realpath(path, nil) else {
            throw DevError("cannot resolve \(path): \(String(cString: strerror(errno)))")
        }
        root = String(cString: resolved)
        free(resolved)
        if root.contains("'") || root.contains("\"") || root.contains("\\") {
            throw DevError("the data folder path must not contain quotes or backslashes: \(root)")
        }
        try makeDirectories(logDirectory, mode: 0o700)
    }

    /// The remembered port in `file`, or a new free one (remembered). A remembered port that
    /// something else now listens on is replaced, with `note` told why.
    func port(file: String, note: (String) -> Void) throws(DevError) -> Int {
        if let text = try? readTextFile(file), let port = Int(text.trimmingWhitespace()), port > 0, port < 65536 {
            if !isLoopbackPortInUse(port) { return port }
            note("port \(port) remembered in \(file) is taken by another program; choosing a new one")
        }
        let port = try freeLoopbackPort()
        try writeFile(file, contents: "\(port)\n", mode: 0o644)
        return port
    }

    /// The persisted secret key, generated (mode 0600) on first use.
    func secretKey() throws(DevError) -> SecretKey {
        if fileKind(secretKeyFile) != .missing {
            let text: String
            do { text = try readTextFile(secretKeyFile) } catch {
                throw DevError("cannot read \(secretKeyFile): \(error.message)")
            }
            do { return try SecretKey.parse(text) } catch {
                throw DevError("\(secretKeyFile): \(error.message)")
            }
        }
        let key = SecretKey.generate()
        try writeFile(secretKeyFile, contents: key.hexEncoded + "\n", mode: 0o600, exclusive: true)
        return key
    }
}

/// `mkdir -p` with `mode` for the directories it creates.
func makeDirectories(_ path: String, mode: mode_t) throws(DevError) {
    var current = path.hasPrefix("/") ? "" : "."
    for component in path.split(separator: "/") {
        current += "/" + component
        if mkdir(current, mode) != 0 && errno != EEXIST {
            throw DevError("cannot create \(current): \(String(cString: strerror(errno)))")
        }
    }
    guard fileKind(path) == .directory else { throw DevError("\(path) is not a directory") }
}

/// Writes a file atomically (temporary file + rename) with `mode`; `exclusive` refuses to replace.
func writeFile(_ path: String, contents: String, mode: mode_t, exclusive: Bool = false) throws(DevError) {
    let target = exclusive ? path : path + ".tmp-\(getpid())"
    let flags = O_WRONLY | O_CREAT | O_CLOEXEC | (exclusive ? O_EXCL : O_TRUNC)
    let descriptor = open(target, flags, mode)
    guard descriptor >= 0 else { throw DevError("cannot write \(path): \(String(cString: strerror(errno)))") }
    fchmod(descriptor, mode)
    let bytes = Array(contents.utf8)
    let written = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
    let synced = fsync(descriptor)
    close(descriptor)
    guard written == bytes.count, synced == 0 else {
        unlink(target)
        throw DevError("cannot write \(path): \(String(cString: strerror(errno)))")
    }
    if !exclusive, rename(target, path) != 0 {
        unlink(target)
        throw DevError("cannot write \(path): \(String(cString: strerror(errno)))")
    }
}

/// The uid and gid of a user, or nil if there is no such user.
func lookupUser(_ name: String) -> (uid: uid_t, gid: gid_t)? {
    guard let entry = getpwnam(name) else { return nil }
    return (entry.pointee.pw_uid, entry.pointee.pw_gid)
}

/// The first ancestor of `path` that other users cannot enter (no o+x), if any.
func firstUnsearchableAncestor(of path: String) -> String? {
    var current = ""
    for component in path.split(separator: "/").dropLast() {
        current += "/" + component
        var info = stat()
        if stat(current, &info) == 0, info.st_mode & S_IXOTH == 0 { return current }
    }
    return nil
}

/// The full path of `name` on PATH, or nil.
func findOnPath(_ name: String, extra: [String] = ["/usr/sbin", "/usr/local/bin", "/usr/bin"]) -> String? {
    let path = getenv("PATH").map { String(cString: $0) } ?? "/usr/bin:/bin"
    for directory in path.split(separator: ":").map(String.init) + extra {
        let candidate = directory + "/" + name
        if access(candidate, X_OK) == 0, fileKind(candidate) == .file { return candidate }
    }
    return nil
}
