import Crypto

/// The query of a SAML HTTP-Redirect binding message, read for its detached signature.
///
/// Bindings §3.4.4.1: "To construct the signature, a string consisting of the concatenation of
/// the RelayState (if present), SigAlg, and SAMLRequest (or SAMLResponse) query string
/// parameters (each one URL-encoded) is constructed in one of the following ways (ordered as
/// below): SAMLRequest=value&RelayState=value&SigAlg=value
/// SAMLResponse=value&RelayState=value&SigAlg=value" — and the verifier must use "the
/// original URL-encoded values it received on the query string": values are never decoded
/// and re-encoded here, since encoders differ (%2f or %2F, + or %20).
public struct RedirectBindingQuery: Sendable, Equatable {
    /// "SAMLRequest" or "SAMLResponse".
    public let messageParameter: String
    /// The values as received, still URL-encoded (the caller decodes them for use).
    public let rawMessage: String
    public let rawRelayState: String?
    public let rawSigAlg: String?
    public let rawSignature: String?

    /// Reads `rawQuery` (with or without a leading "?"). Refuses a repeated SAML parameter,
    /// both SAMLRequest and SAMLResponse, and parameter names with escapes (which a decoding
    /// reader could take for one of ours). Other parameters are ignored.
    public init(rawQuery: String) throws(RedirectBindingError) {
        var query = Substring(rawQuery)
        if query.first == "?" { query = query.dropFirst() }
        var values: [String: String] = [:]
        let names: Set<String> = ["SAMLRequest", "SAMLResponse", "RelayState", "SigAlg", "Signature"]
        for pair in query.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = String(parts[0])
            guard !name.contains("%"), !name.contains("+") else { throw .ambiguousParameter(name) }
            guard names.contains(name) else { continue }
            guard values[name] == nil else { throw .ambiguousParameter(name) }
            values[name] = parts.count == 2 ? String(parts[1]) : ""
        }
        switch (values["SAMLRequest"], values["SAMLResponse"]) {
        case (let request?, nil):
            messageParameter = "SAMLRequest"
            rawMessage = request
        case (nil, let response?):
            messageParameter = "SAMLResponse"
            rawMessage = response
        case (nil, nil):
            throw .missingParameter("SAMLRequest or SAMLResponse")
        default:
            throw .ambiguousParameter("both SAMLRequest and SAMLResponse")
        }
        rawRelayState = values["RelayState"]
        rawSigAlg = values["SigAlg"]
        rawSignature = values["Signature"]
    }

    /// The octets the signature covers, in the order of §3.4.4.1. Nil when the query has no
    /// SigAlg (an unsigned message).
    public var signedOctets: [UInt8]? {
        guard let rawSigAlg else { return nil }
        var text = messageParameter + "=" + rawMessage
        if let rawRelayState { text += "&RelayState=" + rawRelayState }
        text += "&SigAlg=" + rawSigAlg
        return Array(text.utf8)
    }
}

public enum RedirectBindingError: Error, Equatable, Sendable {
    case missingParameter(String)
    case ambiguousParameter(String)
}

extension XMLSigner {
    /// The detached signature (raw bytes, to be base64- then URL-encoded into `Signature`) over
    /// `octets`: exactly the `SAMLRequest=…[&RelayState=…]&SigAlg=…` text of the URL we send,
    /// whose SigAlg must be this signer's `signatureAlgorithm.uri`.
    public func signRedirectBinding(_ octets: [UInt8]) throws(XMLSignatureError) -> [UInt8] {
        do { try XMLSecLibrary.ready() } catch { throw .library(error) }
        let result = LibraryErrors.collecting { errors in
            (DetachedSignature.run(key: key.key, algorithm: signatureAlgorithm, data: octets, signature: nil), errors.summary)
        }
        guard let signature = result.0 else { throw .library(.library("detached signing failed: \(result.1)")) }
        return signature
    }
}

extension XMLSignatureVerifier {
    /// Verifies the detached signature of a Redirect-binding message: `signature` (decoded
    /// from the `Signature` parameter) over `octets` (`RedirectBindingQuery.signedOctets`, built
    /// from the values as received) with the algorithm named by the decoded `SigAlg`, under
    /// one of the trusted certificates (returned). Fails closed.
    @discardableResult
    public func verifyRedirectBinding(signature: [UInt8], octets: [UInt8], sigAlg: String) throws(XMLSignatureError) -> X509Certificate {
        do { try XMLSecLibrary.ready() } catch { throw .library(error) }
        guard let algorithm = XMLSignatureAlgorithm(rawValue: sigAlg), policy.signatureAlgorithms.contains(algorithm) else {
            throw .algorithmNotAllowed("SigAlg \(sigAlg)")
        }
        guard !keys.isEmpty else { throw .noTrustedCertificates }
        guard !signature.isEmpty else { throw .invalidSignature("empty signature") }
        var failures: [String] = []
        for (certificate, key) in keys {
            let result = LibraryErrors.collecting { errors in
                (DetachedSignature.run(key: key, algorithm: algorithm, data: octets, signature: signature) != nil, errors.summary)
            }
            if result.0 { return certificate }
            failures.append("\(certificate.subjectCommonName ?? "certificate"): \(result.1)")
        }
        throw .invalidSignature(failures.joined(separator: " | "))
    }
}
