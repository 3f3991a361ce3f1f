import XCTest
import Dispatch
import Synchronization
@testable import XMLSec

/// One verifier, signer and decryptor shared by many threads, each with its own documents:
/// keys are duplicated per operation and error messages are collected per thread.
final class ConcurrencyTests: XCTestCase {
    func testSharedVerifierSignerAndDecryptorAcrossThreads() throws {
        let signer = try XMLSigner(key: TestKeys.rsa.privateKey)
        let verifier = TestKeys.verifier(TestKeys.rsa)
        let encryptor = try XMLEncryptor(recipient: TestKeys.rsa.certificate)
        let decryptor = XMLDecryptor(key: TestKeys.rsa.privateKey)
        let failures = Mutex<[String]>([])
        DispatchQueue.concurrentPerform(iterations: 16) { index in
            do {
                let document = Samples.response()
                try signer.sign(document.root)
                let received = try XMLDocument.parse(document.serialized())
                let verified = try verifier.verify(signedElement: received.root)
                guard verified.element == received.root else { throw XMLSignatureError.signatureMissing }
                // Every other thread also fails a verification, with its own message.
                let tampered = try XMLDocument.parse(Array(Samples.text(received).replacingFirst("admin@", with: "root\(index)@").utf8))
                do {
                    _ = try verifier.verify(signedElement: tampered.root)
                    throw XMLSignatureError.signatureMissing
                } catch XMLSignatureError.invalidSignature(let detail) {
                    guard detail.contains("digest") else { throw XMLSignatureError.invalidSignature(detail) }
                }
                let encrypted = try encryptor.encrypt(Samples.assertion(in: received))
                let decrypted = try decryptor.decrypt(encrypted)
                guard decrypted.root.localName == "Assertion" else { throw XMLEncryptionError.noEncryptedKey }
            } catch {
                failures.withLock { $0.append("\(index): \(error)") }
            }
        }
        XCTAssertEqual(failures.withLock { $0 }, [])
    }
}
