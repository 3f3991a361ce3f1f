// libFuzzer harness for the XMLSec room's intake: the hardened parser, the DOM readers,
// serialisation and exclusive c14n, signature verification with a fixed trusted certificate,
// decryption with a fixed key, raw inflate and the Redirect-binding query. Not part of the
// package: Tests/Fuzz/run-xmlsec.sh compiles this file together with Sources/XMLSec/*.swift
// into one module (Crypto is built as a module beside it), so internal API is reachable.
//
// Any Swift trap, sanitizer report or hang is a crash. On top of that, two properties are
// checked and turned into a crash with a description on stderr when they fail:
//  - a document we parsed serialises to bytes we parse again, with the same exclusive c14n;
//  - no verification succeeds (nothing here is signed by the fixed key).

import Crypto

func fail(_ message: String, _ input: [UInt8]) -> Never {
    let shown = input.prefix(512).map { b -> String in
        switch b {
        case 0x20..<0x7F: return String(UnicodeScalar(b))
        default: return "\\x" + (b < 16 ? "0" : "") + String(b, radix: 16)
        }
    }.joined()
    fatalError("FUZZ MISMATCH: \(message)\ninput (\(input.count) bytes): \(shown)")
}

struct Fixture {
    let verifier: XMLSignatureVerifier
    let decryptor: XMLDecryptor
}

// Made once per process: one RSA key (for signatures and decryption) and its certificate.
let fixture: Fixture = {
    do {
        let key = try SigningKey.generate(.rs256)
        let certificate = try X509Certificate.selfSigned(commonName: "fuzz", key: key, notBefore: 0, notAfter: 4_000_000_000)
        let privateKey = try XMLPrivateKey(privateKeyPEM: try key.pkcs8PEM(), certificate: certificate)
        return Fixture(verifier: try XMLSignatureVerifier(trustedCertificates: [certificate]),
                       decryptor: XMLDecryptor(key: privateKey))
    } catch {
        fatalError("fixture: \(error)")
    }
}()

let tinyLimits = XMLParseLimits(maxBytes: 512, maxDepth: 4)
let roomyLimits = XMLParseLimits(maxBytes: 1 << 22, maxDepth: XMLParseLimits.libxml2MaxDepth)

func exercise(_ document: XMLDocument, _ input: [UInt8]) {
    var elements: [XMLElement] = []
    var queue = [document.root]
    while let element = queue.popLast(), elements.count < 2000 {
        elements.append(element)
        queue.append(contentsOf: element.childElements)
    }
    for element in elements {
        _ = element.localName
        _ = element.namespaceURI
        _ = element.attributes
        _ = try? element.text()
        _ = element.namespaceURI(forPrefix: "xs")
        if element.attribute("ID") != nil || element.firstChildElement(named: "Signature", namespace: XMLNamespace.dsig) != nil {
            if (try? fixture.verifier.verify(signedElement: element)) != nil {
                fail("a signature verified under the fuzz key", input)
            }
        }
        if element.isNamed("EncryptedData", namespace: XMLNamespace.xmlenc) {
            _ = try? fixture.decryptor.decrypt(element)
        }
    }
    for element in elements.prefix(8) {
        _ = try? element.exclusiveCanonicalForm(withComments: true, inclusiveNamespacePrefixes: ["xs", "#default"])
        _ = element.serialized()
    }

    // What we serialise, we (and so peers) can parse, and it canonicalises the same.
    let serialized = document.serialized()
    let reparsed: XMLDocument
    do {
        reparsed = try XMLDocument.parse(serialized, limits: roomyLimits)
    } catch {
        fail("serialised document does not parse: \(error)\n\(String(decoding: serialized, as: UTF8.self))", input)
    }
    let before = try? document.root.exclusiveCanonicalForm()
    let after = try? reparsed.root.exclusiveCanonicalForm()
    if before != after { fail("exclusive c14n changed across serialise/parse", input) }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let input = Array(UnsafeBufferPointer(start: data, count: size))
    if let document = try? XMLDocument.parse(input) { exercise(document, input) }
    _ = try? XMLDocument.parse(input, limits: tinyLimits)
    // The SAX hooks and tree checks on their own, without the byte scan for <!DOCTYPE.
    if let document = try? XMLDocument.parseWithoutScan(input, limits: .default) {
        if document.pointer.pointee.intSubset != nil { fail("a DTD got through", input) }
    }
    _ = try? RawDeflate.inflate(input, maxOutput: 4096)
    if let query = try? RedirectBindingQuery(rawQuery: String(decoding: input.prefix(2048), as: UTF8.self)),
       let octets = query.signedOctets {
        _ = try? fixture.verifier.verifyRedirectBinding(signature: Array(input.prefix(256)), octets: octets,
                                                        sigAlg: XMLSignatureAlgorithm.rsaSHA256.uri)
    }
    return 0
}
