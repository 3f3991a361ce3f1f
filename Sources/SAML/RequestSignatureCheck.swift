import Crypto
import HTTP
import Store
import XMLSec

/// Checks the signature of a request from `provider`. With a `verification_certificate`, a
/// request must be signed by it: over the exact query string received (Redirect binding) or
/// by an enveloped signature of the root element (POST binding). Without one, nothing can be
/// verified and a signature is not required. Returns whether the request was verified.
enum RequestSignatureCheck {
    static func verify(_ message: ReceivedMessage, from provider: SAMLServiceProvider) throws(SAMLRequestError) -> Bool {
        guard let pem = provider.verificationCertificatePEM else { return false }
        let verifier: XMLSignatureVerifier
        do {
            let certificates = try X509Certificate.chain(pem: pem)
            guard !certificates.isEmpty else { throw SAMLRequestError("configuration", "The verification certificate is unreadable.") }
            verifier = try XMLSignatureVerifier(trustedCertificates: certificates)
        } catch let error as SAMLRequestError {
            throw error
        } catch {
            throw SAMLRequestError("configuration", "The verification certificate is unreadable.")
        }
        switch message.binding {
        case .redirect(let query):
            // Bindings §3.4.4.1: the signature covers "SAMLRequest=value&RelayState=value&SigAlg=value"
            // built from "the original URL-encoded values it received on the query string".
            guard let octets = query.signedOctets, let rawSignature = query.rawSignature, let rawSigAlg = query.rawSigAlg,
                  let sigAlg = PercentEncoding.decode(rawSigAlg, plusAsSpace: true),
                  let signatureText = PercentEncoding.decode(rawSignature, plusAsSpace: true),
                  let signature = Base64.decode(signatureText, ignoringWhitespace: true)
            else { throw SAMLRequestError("unsigned_request", "This application's requests must be signed.") }
            do {
                try verifier.verifyRedirectBinding(signature: signature, octets: octets, sigAlg: sigAlg)
            } catch {
                throw SAMLRequestError("bad_signature", "The request's signature does not verify.", detail: "\(error)")
            }
            // A signature inside the XML as well is not needed; the detached one covers it all.
            return true
        case .post:
            do {
                _ = try verifier.verify(signedElement: message.root)
            } catch .signatureMissing {
                throw SAMLRequestError("unsigned_request", "This application's requests must be signed.")
            } catch {
                throw SAMLRequestError("bad_signature", "The request's signature does not verify.", detail: "\(error)")
            }
            return true
        }
    }
}
