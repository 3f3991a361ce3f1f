internal import CXMLSec

/// The one shape of XML Signature a SAML message may carry, read strictly before xmlsec runs.
/// Anything else is refused, so that what xmlsec verifies is exactly the parent element:
///
/// ```
/// <ds:Signature>                                  direct child of the signed element
///   <ds:SignedInfo>
///     <ds:CanonicalizationMethod Algorithm="exc-c14n[#WithComments]"/>
///     <ds:SignatureMethod Algorithm="…policy…"/>
///     <ds:Reference URI="#<ID of the parent>">    exactly one
///       <ds:Transforms>
///         <ds:Transform Algorithm="…#enveloped-signature"/>
///         <ds:Transform Algorithm="…xml-exc-c14n#"> [<ec:InclusiveNamespaces PrefixList="…"/>]
///       </ds:Transforms>
///       <ds:DigestMethod Algorithm="…policy…"/>
///       <ds:DigestValue>…</ds:DigestValue>
///   <ds:SignatureValue>…</ds:SignatureValue>
///   [<ds:KeyInfo>…</ds:KeyInfo>]                   never read: keys come from configuration
/// </ds:Signature>                                  no ds:Object, no comments, no PIs
/// ```
struct SignatureShape {
    let signatureAlgorithm: XMLSignatureAlgorithm
    let digestAlgorithm: XMLDigestAlgorithm

    static func read(_ signature: XMLElement, referencing id: String, policy: XMLSignaturePolicy) throws(XMLSignatureError) -> SignatureShape {
        try refuseCommentsAndInstructions(in: signature)
        let children = signature.childElements
        guard children.count >= 2, children.count <= 3,
              children[0].isDSig("SignedInfo"), children[1].isDSig("SignatureValue"),
              children.count == 2 || children[2].isDSig("KeyInfo")
        else {
            // XML Signature allows ds:Object children; SAML never needs them, and they are where
            // wrapping attacks hide the original signed element.
            throw .malformedSignature("Signature must hold SignedInfo, SignatureValue and optionally KeyInfo, nothing else")
        }
        try requireTextOnly(children[1], "SignatureValue")

        let signedInfo = children[0].childElements
        guard signedInfo.count == 3, signedInfo[0].isDSig("CanonicalizationMethod"), signedInfo[1].isDSig("SignatureMethod")
        else { throw .malformedSignature("SignedInfo must hold CanonicalizationMethod, SignatureMethod and one Reference") }
        // SAML core §5.4.2: "Signatures MUST contain a single <ds:Reference> containing a
        // same-document reference to the ID attribute value of the root element of the
        // assertion or protocol message being signed."
        guard signedInfo[2].isDSig("Reference") else { throw .malformedSignature("SignedInfo must hold exactly one Reference") }

        let c14n = try algorithm(of: signedInfo[0])
        guard c14n == XMLTransformURI.exclusiveC14N || c14n == XMLTransformURI.exclusiveC14NWithComments else {
            throw .algorithmNotAllowed("CanonicalizationMethod \(c14n)")
        }
        try requireOnlyInclusiveNamespaces(in: signedInfo[0])

        let signatureURI = try algorithm(of: signedInfo[1])
        guard let signatureAlgorithm = XMLSignatureAlgorithm(rawValue: signatureURI),
              policy.signatureAlgorithms.contains(signatureAlgorithm)
        else { throw .algorithmNotAllowed("SignatureMethod \(signatureURI)") }
        guard signedInfo[1].childElements.isEmpty else { throw .malformedSignature("SignatureMethod has parameters") }

        let digestAlgorithm = try readReference(signedInfo[2], id: id, policy: policy)
        return SignatureShape(signatureAlgorithm: signatureAlgorithm, digestAlgorithm: digestAlgorithm)
    }

    private static func readReference(_ reference: XMLElement, id: String, policy: XMLSignaturePolicy) throws(XMLSignatureError) -> XMLDigestAlgorithm {
        // An empty URI would sign the whole document, another ID another element: only the
        // parent's own ID is accepted.
        guard let uri = reference.attribute("URI") else { throw .malformedSignature("Reference without URI") }
        guard uri == "#" + id else { throw .malformedSignature("Reference URI \"\(uri)\" is not the signed element's ID") }
        let parts = reference.childElements
        guard parts.count == 3, parts[0].isDSig("Transforms"), parts[1].isDSig("DigestMethod"), parts[2].isDSig("DigestValue")
        else { throw .malformedSignature("Reference must hold Transforms, DigestMethod and DigestValue") }

        // SAML core §5.4.4: "Signatures in SAML messages SHOULD NOT contain transforms other than
        // the enveloped signature transform ... or the exclusive canonicalization transforms."
        let transforms = parts[0].childElements
        guard transforms.count == 2, transforms.allSatisfy({ $0.isDSig("Transform") }),
              try algorithm(of: transforms[0]) == XMLTransformURI.envelopedSignature,
              try algorithm(of: transforms[1]) == XMLTransformURI.exclusiveC14N
        else { throw .malformedSignature("Transforms must be exactly enveloped-signature then exclusive c14n") }
        guard transforms[0].childElements.isEmpty else { throw .malformedSignature("enveloped-signature has parameters") }
        try requireOnlyInclusiveNamespaces(in: transforms[1])

        let digestURI = try algorithm(of: parts[1])
        guard let digest = XMLDigestAlgorithm(rawValue: digestURI), policy.digestAlgorithms.contains(digest) else {
            throw .algorithmNotAllowed("DigestMethod \(digestURI)")
        }
        guard parts[1].childElements.isEmpty else { throw .malformedSignature("DigestMethod has parameters") }
        try requireTextOnly(parts[2], "DigestValue")
        return digest
    }

    private static func algorithm(of element: XMLElement) throws(XMLSignatureError) -> String {
        guard let algorithm = element.attribute("Algorithm") else {
            throw .malformedSignature("\(element.localName) without Algorithm")
        }
        return algorithm
    }

    /// Exclusive c14n takes one optional parameter, ec:InclusiveNamespaces PrefixList.
    private static func requireOnlyInclusiveNamespaces(in element: XMLElement) throws(XMLSignatureError) {
        let parameters = element.childElements
        guard parameters.isEmpty
            || (parameters.count == 1 && parameters[0].isNamed("InclusiveNamespaces", namespace: XMLNamespace.excC14N)
                && parameters[0].childElements.isEmpty)
        else { throw .malformedSignature("\(element.localName) has parameters other than InclusiveNamespaces") }
    }

    private static func requireTextOnly(_ element: XMLElement, _ name: String) throws(XMLSignatureError) {
        guard (try? element.text()) != nil else { throw .malformedSignature("\(name) holds markup") }
    }

    /// A comment inside DigestValue or SignatureValue is dropped by libxml2's text reading, so
    /// the value xmlsec checks would differ from the text on the wire; a signature never needs
    /// comments or processing instructions, so none is allowed anywhere in it.
    private static func refuseCommentsAndInstructions(in signature: XMLElement) throws(XMLSignatureError) {
        var found = false
        signature.node.walk { node, _ in
            let type = node.pointee.type
            if type == XML_COMMENT_NODE || type == XML_PI_NODE || type == XML_ENTITY_REF_NODE { found = true }
        }
        if found { throw .malformedSignature("comment or processing instruction inside the Signature") }
    }
}

extension XMLElement {
    func isDSig(_ localName: String) -> Bool { isNamed(localName, namespace: XMLNamespace.dsig) }
}
