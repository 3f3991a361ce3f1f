internal import CRedis

/// The hiredis this binary was built with, for `gatehouse version`.
public enum RedisLibrary {
    public static var version: String { "hiredis \(HIREDIS_MAJOR).\(HIREDIS_MINOR)" }
}
