internal import CXMLSec

/// SignatureMethod algorithms this room signs or verifies with, by their URIs (RFC 6931 for
/// the xmldsig-more ones). RSA-SHA1 is only ever verified, and only under a policy that
/// allows it (`XMLSignaturePolicy.legacySHA1`).
public enum XMLSignatureAlgorithm: String, Sendable, CaseIterable {
    case rsaSHA256 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"
    case rsaSHA512 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha512"
    case ecdsaSHA256 = "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256"
    case rsaSHA1 = "http://www.w3.org/2000/09/xmldsig#rsa-sha1"

    public var uri: String { rawValue }

    var transform: xmlSecTransformId? {
        switch self {
        case .rsaSHA256: xmlSecOpenSSLTransformRsaSha256GetKlass()
        case .rsaSHA512: xmlSecOpenSSLTransformRsaSha512GetKlass()
        case .ecdsaSHA256: xmlSecOpenSSLTransformEcdsaSha256GetKlass()
        case .rsaSHA1: xmlSecOpenSSLTransformRsaSha1GetKlass()
        }
    }

    var isRSA: Bool { self != .ecdsaSHA256 }
}

/// DigestMethod algorithms. SHA-1 only under `XMLSignaturePolicy.legacySHA1`.
public enum XMLDigestAlgorithm: String, Sendable, CaseIterable {
    case sha256 = "http://www.w3.org/2001/04/xmlenc#sha256"
    case sha512 = "http://www.w3.org/2001/04/xmlenc#sha512"
    case sha1 = "http://www.w3.org/2000/09/xmldsig#sha1"

    public var uri: String { rawValue }

    var transform: xmlSecTransformId? {
        switch self {
        case .sha256: xmlSecOpenSSLTransformSha256GetKlass()
        case .sha512: xmlSecOpenSSLTransformSha512GetKlass()
        case .sha1: xmlSecOpenSSLTransformSha1GetKlass()
        }
    }
}

/// The transform and canonicalization URIs a SAML signature may use.
enum XMLTransformURI {
    static let envelopedSignature = "http://www.w3.org/2000/09/xmldsig#enveloped-signature"
    static let exclusiveC14N = "http://www.w3.org/2001/10/xml-exc-c14n#"
    static let exclusiveC14NWithComments = "http://www.w3.org/2001/10/xml-exc-c14n#WithComments"
}

/// Which algorithms a verification accepts.
public struct XMLSignaturePolicy: Sendable, Equatable {
    public var signatureAlgorithms: Set<XMLSignatureAlgorithm>
    public var digestAlgorithms: Set<XMLDigestAlgorithm>

    public init(signatureAlgorithms: Set<XMLSignatureAlgorithm>, digestAlgorithms: Set<XMLDigestAlgorithm>) {
        self.signatureAlgorithms = signatureAlgorithms
        self.digestAlgorithms = digestAlgorithms
    }

    /// RSA-SHA256/512 and ECDSA-SHA256 over SHA-256/512 digests: no SHA-1 anywhere.
    public static let `default` = XMLSignaturePolicy(signatureAlgorithms: [.rsaSHA256, .rsaSHA512, .ecdsaSHA256],
                                                     digestAlgorithms: [.sha256, .sha512])
    /// The default plus RSA-SHA1 and SHA-1 digests, for a legacy peer that cannot do better;
    /// chosen per peer, never globally.
    public static let legacySHA1 = XMLSignaturePolicy(signatureAlgorithms: [.rsaSHA256, .rsaSHA512, .ecdsaSHA256, .rsaSHA1],
                                                      digestAlgorithms: [.sha256, .sha512, .sha1])
}
