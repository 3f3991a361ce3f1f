import XCTest
@testable import App
import Net
import Web

final class AddressParsingTests: XCTestCase {
    func testListenAddresses() throws {
        XCTAssertEqual(try ListenAddress.parseList("0.0.0.0:9000"), [ListenAddress(host: "0.0.0.0", port: 9000)])
        XCTAssertEqual(try ListenAddress.parseList("[::]:9000"), [ListenAddress(host: "::", port: 9000)])
        XCTAssertEqual(try ListenAddress.parseList("[::1]:1, 127.0.0.1:65535,localhost:8080").map(\.description),
                       ["[::1]:1", "127.0.0.1:65535", "127.0.0.1:8080"])
        XCTAssertTrue(try ListenAddress.parseList("[::]:9000")[0].isIPv6)
    }

    func testBadListenAddresses() {
        let bad = ["", "9000", "0.0.0.0", "0.0.0.0:", "0.0.0.0:0", "0.0.0.0:65536", "0.0.0.0:-1", "0.0.0.0:9x",
                   "::1:9000", "[::1]9000", "[::1:9000", "[1.2.3.4]:80", "256.0.0.1:80", "1.2.3:80", ":9000",
                   "bad_host!:80", "gatehouse.example:80", "0.0.0.0:9000,0.0.0.0:9000", "[zz::1]:80"]
        for text in bad {
            XCTAssertThrowsError(try ListenAddress.parseList(text), text)
        }
    }

    func testRedisURLs() throws {
        XCTAssertEqual(try RedisURL.parse("redis://localhost"), RedisURL(host: "localhost"))
        XCTAssertEqual(try RedisURL.parse("redis://10.0.0.5:6380"), RedisURL(host: "10.0.0.5", port: 6380))
        XCTAssertEqual(try RedisURL.parse("redis://:p%40ss%2Fword@cache:6379/2"),
                       RedisURL(host: "cache", port: 6379, password: "p@ss/word", database: 2))
        XCTAssertEqual(try RedisURL.parse("redis://app:pw@cache/1"),
                       RedisURL(host: "cache", username: "app", password: "pw", database: 1))
        XCTAssertEqual(try RedisURL.parse("redis://bare@cache"), RedisURL(host: "cache", password: "bare"))
        XCTAssertEqual(try RedisURL.parse("redis://[::1]:7000/0"), RedisURL(host: "::1", port: 7000))
        XCTAssertEqual(try RedisURL.parse("redis://[::1]"), RedisURL(host: "::1"))
        XCTAssertEqual(try RedisURL.parse("redis://cache/"), RedisURL(host: "cache"))
        XCTAssertEqual(try RedisURL.parse("redis://:a/b:c@cache:7/1"), RedisURL(host: "cache", port: 7, password: "a/b:c", database: 1))
        let url = try RedisURL.parse("redis://:p%40ss@cache:6379/2")
        XCTAssertEqual(url.description, "redis://:****@cache:6379/2")
        XCTAssertEqual(url.unredactedURL, "redis://:p%40ss@cache:6379/2")
        XCTAssertEqual(try RedisURL.parse("redis://[::1]:7000").description, "redis://[::1]:7000/0")
    }

    func testBadRedisURLs() {
        for text in ["", "localhost:6379", "rediss://cache", "redis://", "redis://:pw@", "redis://cache:0", "redis://cache:abc",
                     "redis://cache/db", "redis://cache/1?x=y", "redis://[::1", "redis://[nothost]:1", "redis://cache/-1",
                     "redis://:%zz@cache"] {
            XCTAssertThrowsError(try RedisURL.parse(text), text)
        }
    }

    func testNetworks() throws {
        let v4 = try XCTUnwrap(IPNetwork("10.1.0.0/16"))
        XCTAssertTrue(v4.contains(IPAddress("10.1.200.3")!))
        XCTAssertFalse(v4.contains(IPAddress("10.2.0.1")!))
        XCTAssertTrue(v4.contains(IPAddress("::ffff:10.1.2.3")!), "IPv4-mapped IPv6 matches")
        XCTAssertFalse(v4.contains(IPAddress("fd00::1")!))
        let v6 = try XCTUnwrap(IPNetwork("fd00::/8"))
        XCTAssertTrue(v6.contains(IPAddress("fd12:3456::1")!))
        XCTAssertFalse(v6.contains(IPAddress("fe80::1")!))
        XCTAssertFalse(v6.contains(IPAddress("10.0.0.1")!))
        XCTAssertTrue(IPNetwork("127.0.0.1")!.contains(IPAddress("127.0.0.1")!))
        XCTAssertFalse(IPNetwork("127.0.0.1")!.contains(IPAddress("127.0.0.2")!))
        XCTAssertTrue(IPNetwork("0.0.0.0/0")!.contains(IPAddress("8.8.8.8")!))
        XCTAssertTrue(IPNetwork("10.0.0.7/29")!.contains(IPAddress("10.0.0.1")!))
        XCTAssertFalse(IPNetwork("10.0.0.7/29")!.contains(IPAddress("10.0.0.9")!))
        for bad in ["", "10.0.0.0/", "10.0.0.0/33", "10.0.0/8", "::/129", "10.0.0.0/8/8", "host", "10.0.0.0/+8", "1.2.3.4 "] {
            XCTAssertNil(IPNetwork(bad), bad)
        }
        XCTAssertEqual(IPAddress("::1")?.description, "::1")
        XCTAssertEqual(IPAddress("192.168.0.1")?.description, "192.168.0.1")
    }
}
