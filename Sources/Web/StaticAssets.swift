import Crypto
import HTTP

/// One file served under `/static/`, held in memory.
public struct StaticAsset: Sendable {
    public let name: String
    public let contentType: String
    public let bytes: [UInt8]
    /// Strong validator: the quoted hex SHA-256 of the bytes.
    public let etag: String
    /// First 12 hex digits of the SHA-256, used as `?v=` in fingerprinted URLs.
    public let version: String

    public init(name: String, contentType: String, bytes: [UInt8]) {
        self.name = name
        self.contentType = contentType
        self.bytes = bytes
        let hash = Hex.encode(Digest.sha256(bytes))
        etag = "\"\(hash)\""
        version = String(hash.prefix(12))
    }

    public init(name: String, contentType: String, text: String) {
        self.init(name: name, contentType: contentType, bytes: Array(text.utf8))
    }
}

/// The static files, compiled into the binary. A fingerprinted URL (`?v=<hash prefix>`) is
/// cached for a year as immutable; any other request for the file for an hour.
public struct StaticAssets: Sendable {
    public static let pathPrefix = "/static/"
    public private(set) var assets: [String: StaticAsset] = [:]

    public init(_ assets: [StaticAsset]) {
        for a in assets { self.assets[a.name] = a }
    }

    /// The files embedded in the binary.
    public static let builtIn = StaticAssets(EmbeddedAssets.all)

    /// Fingerprinted URL of a built-in asset, for templates.
    public static func url(_ name: String) -> String { builtIn.url(name) }

    public func url(_ name: String) -> String {
        guard let asset = assets[name] else { return StaticAssets.pathPrefix + name }
        return StaticAssets.pathPrefix + name + "?v=" + asset.version
    }

    public func adding(_ asset: StaticAsset) -> StaticAssets {
        var copy = self
        copy.assets[asset.name] = asset
        return copy
    }

    /// Serves `name` for `request`: 200, 304 on a matching `If-None-Match`, or 404.
    public func serve(_ name: String, request: Request) throws -> Response {
        guard let asset = assets[name] else { throw WebError.notFound }
        var headers = HTTPHeaders()
        headers.set("ETag", asset.etag)
        if request.query("v") == asset.version {
            headers.set("Cache-Control", "public, max-age=31536000, immutable")
        } else {
            headers.set("Cache-Control", "public, max-age=3600")
        }
        if let inm = request.http.headers["If-None-Match"], StaticAssets.matches(ifNoneMatch: inm, etag: asset.etag) {
            return Response(status: .notModified, headers: headers)
        }
        headers.set("Content-Type", asset.contentType)
        return Response(status: .ok, headers: headers, body: asset.bytes)
    }

    /// `If-None-Match` uses the weak comparison (RFC 9110 §13.1.2): `W/` prefixes are ignored.
    static func matches(ifNoneMatch: String, etag: String) -> Bool {
        if ifNoneMatch.trimmingOWS() == "*" { return true }
        for candidate in ifNoneMatch.split(separator: ",") {
            var tag = candidate.trimmingOWS()
            if tag.hasPrefix("W/") { tag = tag.dropFirst(2) }
            if tag == etag { return true }
        }
        return false
    }
}
