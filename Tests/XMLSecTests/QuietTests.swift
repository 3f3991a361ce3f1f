import XCTest
import Foundation
@testable import XMLSec

/// libxml2 and xmlsec print errors to stderr by default; in a server that would let any
/// client write to our logs. Every failure here is collected into the thrown error instead.
final class QuietTests: XCTestCase {
    /// What `body` writes to file descriptor 2.
    func stderr(during body: () -> Void) throws -> String {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("stderr-\(UUID().uuidString)")
        FileManager.default.createFile(atPath: file.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: file) }
        let handle = try FileHandle(forWritingTo: file)
        fflush(nil)
        let saved = dup(2)
        dup2(handle.fileDescriptor, 2)
        body()
        fflush(nil)
        dup2(saved, 2)
        close(saved)
        try handle.close()
        return try String(contentsOf: file, encoding: .utf8)
    }

    func testFailuresPrintNothing() throws {
        let signed = Samples.response()
        try XMLSigner(key: TestKeys.rsa.privateKey).sign(signed.root)
        let tampered = Samples.text(signed).replacingFirst("admin@example.org", with: "root@example.org")
        var errors: [Error] = []
        let printed = try stderr {
            for text in ["<a><b></a>", "<!DOCTYPE r [<!ENTITY e SYSTEM \"file:///etc/passwd\">]><r>&e;</r>", "<r>&undefined;</r>",
                         "<p:r/>", "<r a='1' a='2'/>", "\u{0}"] {
                do { _ = try XMLDocument.parse(Array(text.utf8)) } catch { errors.append(error) }
                do { _ = try XMLDocument.parseWithoutScan(Array(text.utf8), limits: .default) } catch { errors.append(error) }
            }
            do { _ = try TestKeys.verifier(TestKeys.rsa).verify(signedElement: try Samples.parse(tampered).root) } catch { errors.append(error) }
            do { _ = try TestKeys.verifier(TestKeys.ec).verify(signedElement: try Samples.parse(Samples.text(signed)).root) } catch { errors.append(error) }
            do { _ = try XMLPrivateKey(privateKeyPEM: "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
                                       certificate: TestKeys.rsa.certificate) } catch { errors.append(error) }
        }
        XCTAssertEqual(errors.count, 15)
        XCTAssertEqual(printed, "", "nothing may reach stderr")
        // The detail is in the errors instead.
        guard case .invalidSignature(let detail)? = errors[12] as? XMLSignatureError else { return XCTFail("\(errors[12])") }
        XCTAssertTrue(detail.contains("digest do not match"), detail)
    }
}
