import GatehouseTesting
import XCTest
import Dispatch
import Foundation
@testable import Crypto

/// Our JWS against an independent implementation (Python `cryptography`), when one is installed,
/// and under concurrent use.
final class JOSEInteropTests: XCTestCase {
    /// Verifies our tokens with Python, checks our kids against its own RFC 7638 thumbprint,
    /// and signs one token per algorithm for us to verify.
    static let script = #"""
import base64, hashlib, json, sys
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa, utils
def d(s): return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))
def e(b): return base64.urlsafe_b64encode(b).rstrip(b"=").decode()
def num(s): return int.from_bytes(d(s), "big")
request = json.load(sys.stdin)
verified = []
for case in request["verify"]:
    jwk = case["jwk"]
    h, p, s = case["token"].split(".")
    data, sig = (h + "." + p).encode(), d(s)
    if jwk["kty"] == "RSA":
        rsa.RSAPublicNumbers(num(jwk["e"]), num(jwk["n"])).public_key().verify(sig, data, padding.PKCS1v15(), hashes.SHA256())
        required = ["e", "kty", "n"]
    else:
        key = ec.EllipticCurvePublicNumbers(num(jwk["x"]), num(jwk["y"]), ec.SECP256R1()).public_key()
        assert len(sig) == 64, "ES256 signature must be r||s"
        der = utils.encode_dss_signature(int.from_bytes(sig[:32], "big"), int.from_bytes(sig[32:], "big"))
        key.verify(der, data, ec.ECDSA(hashes.SHA256()))
        required = ["crv", "kty", "x", "y"]
    canonical = json.dumps({k: jwk[k] for k in required}, separators=(",", ":"), sort_keys=True)
    verified.append(e(hashlib.sha256(canonical.encode()).digest()))
payload = e(b'{"sub":"python"}')
signed = []
k = ec.generate_private_key(ec.SECP256R1())
n = k.public_key().public_numbers()
h = e(b'{"alg":"ES256","kid":"py-ec"}')
r, s = utils.decode_dss_signature(k.sign((h + "." + payload).encode(), ec.ECDSA(hashes.SHA256())))
signed.append({"jwk": {"kty": "EC", "crv": "P-256", "x": e(n.x.to_bytes(32, "big")), "y": e(n.y.to_bytes(32, "big"))},
               "token": h + "." + payload + "." + e(r.to_bytes(32, "big") + s.to_bytes(32, "big"))})
k = rsa.generate_private_key(public_exponent=65537, key_size=2048)
n = k.public_key().public_numbers()
h = e(b'{"alg":"RS256","kid":"py-rsa"}')
sig = k.sign((h + "." + payload).encode(), padding.PKCS1v15(), hashes.SHA256())
signed.append({"jwk": {"kty": "RSA", "n": e(n.n.to_bytes(256, "big")), "e": e(n.e.to_bytes(3, "big"))},
               "token": h + "." + payload + "." + e(sig)})
print(json.dumps({"thumbprints": verified, "signed": signed}))
"""#

    func runPython(_ input: [String: Any]) throws -> [String: Any] {
        let process = Process()
        // The interop virtualenv (it has cryptography) when the suite gives one, else python3.
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [TestEnvironment.value("GATEHOUSE_TEST_PYTHON") ?? "python3", "-c", Self.script]
        let stdin = Pipe(), stdout = Pipe(), stderr = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = stderr
        do { try process.run() } catch { throw TestPrecondition("python3 not runnable: \(error)") }
        stdin.fileHandleForWriting.write(try JSONSerialization.data(withJSONObject: input))
        try stdin.fileHandleForWriting.close()
        let out = stdout.fileHandleForReading.readDataToEndOfFile()
        let err = String(decoding: stderr.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        if err.contains("No module named 'cryptography'") || process.terminationStatus == 127 {
            throw TestPrecondition("Python cryptography is not installed (the interop virtualenv has it: GATEHOUSE_TEST_PYTHON)")
        }
        XCTAssertEqual(process.terminationStatus, 0, err)
        return try XCTUnwrap(JSONSerialization.jsonObject(with: out) as? [String: Any], err)
    }

    func testInteropWithPythonCryptography() throws {
        var cases: [[String: Any]] = []
        var kids: [String] = []
        for algorithm in JWSAlgorithm.allCases {
            for _ in 0..<3 {
                let key = try SigningKey.generate(algorithm)
                let token = try JWS.sign(payloadJSON: Array("{\"sub\":\"swift\"}".utf8), key: key, type: "JWT")
                cases.append(["jwk": try JSONSerialization.jsonObject(with: Data(key.publicJWK.utf8)), "token": token])
                kids.append(key.kid)
            }
        }
        let answer = try runPython(["verify": cases])
        XCTAssertEqual(answer["thumbprints"] as? [String], kids, "Python verified every token and computed the same kids")
        let signed = try XCTUnwrap(answer["signed"] as? [[String: Any]])
        XCTAssertEqual(signed.count, 2)
        for item in signed {
            let key = try PublicKey(jwk: try XCTUnwrap(item["jwk"] as? [String: Any]))
            let token = try XCTUnwrap(item["token"] as? String)
            let verified = try JWS.verify(token, key: key, allowed: JWSAlgorithm.allCases)
            XCTAssertEqual(String(decoding: verified.payloadJSON, as: UTF8.self), "{\"sub\":\"python\"}")
            XCTAssertEqual(verified.keyID, verified.algorithm == .es256 ? "py-ec" : "py-rsa")
        }
    }

    func testConcurrentSigningAndVerifyingWithSharedKeys() throws {
        let keys = try [SigningKey.generate(.es256), SigningKey.generate(.rs256)]
        let failures = Locked(0)
        DispatchQueue.concurrentPerform(iterations: 8) { worker in
            for i in 0..<50 {
                let key = keys[(worker + i) % 2]
                let payload = Array("{\"w\":\(worker),\"i\":\(i)}".utf8)
                do {
                    let token = try JWS.sign(payloadJSON: payload, key: key)
                    let verified = try JWS.verify(token, key: key.publicKey, allowed: [key.algorithm])
                    if verified.payloadJSON != payload { failures.withLock { $0 += 1 } }
                } catch {
                    failures.withLock { $0 += 1 }
                }
            }
        }
        XCTAssertEqual(failures.withLock { $0 }, 0)
    }
}

/// A tiny mutex box for the tests (the App room has the real one).
final class Locked<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value
    init(_ value: Value) { self.value = value }
    func withLock<R>(_ body: (inout Value) -> R) -> R {
        lock.lock()
        defer { lock.unlock() }
        return body(&value)
    }
}
