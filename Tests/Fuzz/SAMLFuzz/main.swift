// libFuzzer harness for the SAML room's intake: AuthnRequest and LogoutRequest as they arrive
// over the HTTP-Redirect binding (a raw query: URL-decoding, base64, raw inflate with its cap,
// the hardened parser) and the HTTP-POST binding (form fields, base64, the parser), then the
// readers that check their shape, and SP metadata. Not part of the package:
// Tests/Fuzz/run-saml.sh compiles this file with the SAML intake sources (which import only
// XMLSec, Crypto, Store and HTTP) into one module, with those rooms built as modules beside it.
//
// Any Swift trap, sanitizer report or hang is a crash. On top of that: a request read from one
// binding must read the same from the other (the document is the same bytes), and nothing read
// may carry an empty ID or a RelayState past the limit.

import Crypto
import HTTP
import Store
import XMLSec

func fail(_ message: String, _ input: [UInt8]) -> Never {
    let shown = input.prefix(512).map { b -> String in
        switch b {
        case 0x20..<0x7F: return String(UnicodeScalar(b))
        default: return "\\x" + (b < 16 ? "0" : "") + String(b, radix: 16)
        }
    }.joined()
    fatalError("FUZZ MISMATCH: \(message)\ninput (\(input.count) bytes): \(shown)")
}

enum Read: Equatable {
    case authn(AuthnRequestMessage)
    case logout(LogoutRequestMessage)
    case refused(String)
}

func read(_ message: ReceivedMessage) -> Read {
    do { return .authn(try AuthnRequestMessage.read(message.root)) } catch let authn {
        do { return .logout(try LogoutRequestMessage.read(message.root)) } catch { return .refused(authn.code + "/" + error.code) }
    }
}

func check(_ result: Read, _ input: [UInt8]) {
    switch result {
    case .authn(let request): if request.header.id.isEmpty { fail("AuthnRequest with an empty ID", input) }
    case .logout(let request): if request.header.id.isEmpty || request.header.issuer == nil { fail("LogoutRequest without ID or Issuer", input) }
    case .refused: break
    }
}

/// The same document over both bindings must read the same way.
func bothBindings(_ xml: [UInt8], relayState: String?) {
    let encoded = Base64.encode(xml)
    var query = "SAMLRequest=" + PercentEncoding.encode(Base64.encode(RawDeflate.deflate(xml)))
    var fields: [String: [String]] = ["SAMLRequest": [encoded]]
    if let relayState {
        query += "&RelayState=" + PercentEncoding.encode(relayState)
        fields["RelayState"] = [relayState]
    }
    let viaRedirect: Read
    do { viaRedirect = read(try SAMLMessageDecoding.redirect(rawQuery: query, parameter: "SAMLRequest")) } catch {
        viaRedirect = .refused("decoding " + error.code)
    }
    let viaPost: Read
    do { viaPost = read(try SAMLMessageDecoding.post(fields: fields, parameter: "SAMLRequest")) } catch {
        viaPost = .refused("decoding " + error.code)
    }
    check(viaRedirect, xml)
    check(viaPost, xml)
    switch (viaRedirect, viaPost) {
    case (.refused, .refused): break
    default: if viaRedirect != viaPost { fail("the bindings read the same document differently", xml) }
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let input = Array(UnsafeBufferPointer(start: data, count: size))
    let text = String(decoding: input, as: UTF8.self)
    // 1. The input as a raw Redirect-binding query and as a POST form body.
    for parameter in ["SAMLRequest", "SAMLResponse"] {
        if let message = try? SAMLMessageDecoding.redirect(rawQuery: text, parameter: parameter) {
            check(read(message), input)
            if let relayState = message.relayState, relayState.utf8.count > SAMLMessageDecoding.maxRelayStateBytes {
                fail("RelayState past the limit", input)
            }
        }
        if let form = try? FormData.parseForFuzz(text), let message = try? SAMLMessageDecoding.post(fields: form, parameter: parameter) {
            check(read(message), input)
        }
    }
    // 2. The input as the XML of a request, over both bindings (the first byte picks a RelayState).
    bothBindings(input, relayState: input.first.map { $0 & 1 == 0 ? nil : "rs-\($0)" } ?? nil)
    // 3. The input as SP metadata.
    _ = try? ServiceProviderMetadata.read(text)
    // 4. A time value.
    if size < 64 { _ = SAMLTime.parse(text) }
    return 0
}

/// `application/x-www-form-urlencoded` read without the web room: name=value&… with + as space.
enum FormData {
    static func parseForFuzz(_ text: String) throws -> [String: [String]] {
        struct Bad: Error {}
        var fields: [String: [String]] = [:]
        for pair in text.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let name = PercentEncoding.decode(parts[0], plusAsSpace: true),
                  let value = PercentEncoding.decode(parts.count == 2 ? parts[1] : "", plusAsSpace: true) else { throw Bad() }
            fields[name, default: []].append(value)
        }
        return fields
    }
}
