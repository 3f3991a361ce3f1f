internal import CXMLSec

/// libxml2 and xmlsec1 (with its OpenSSL back end), initialised once per process. Every entry
/// point of this room goes through `ready()` first; `XMLSecLibrary.start()` lets the server fail
/// at start-up rather than at the first SAML request.
public enum XMLSecLibrary {
    /// Initialises the libraries now (it happens at first use otherwise). Throws when xmlsec
    /// refuses its version or ABI, when the structs this build was compiled against differ from
    /// the library's (see `ABICheck`), or when the crypto back end does not start.
    public static func start() throws(XMLSecError) { try ready() }

    /// "libxml2 2.9.14", "xmlsec 1.2.37 (openssl)", "zlib 1.2.13": the versions in use, as
    /// linked (not as compiled against).
    public static func versions() -> [String] {
        let xmlsec = "\(XMLSEC_VERSION_MAJOR).\(XMLSEC_VERSION_MINOR).\(XMLSEC_VERSION_SUBMINOR)"
        // libxml2 gives its version as one number: 20914 is 2.9.14.
        let number = __xmlParserVersion()?.pointee.flatMap { Int(String(cString: $0)) } ?? 0
        let libxml2 = "\(number / 10000).\(number / 100 % 100).\(number % 100)"
        return ["libxml2 \(libxml2)", "xmlsec \(xmlsec) (openssl)", "zlib " + String(cString: zlibVersion())]
    }

    static func ready() throws(XMLSecError) {
        if let failure = startup.failure { throw failure }
    }

    // A global `let` is initialised exactly once, thread-safely (swift_once), on first use.
    private static let startup = Startup()

    private final class Startup: Sendable {
        let failure: XMLSecError?

        init() {
            failure = LibraryErrors.collecting { errors -> XMLSecError? in
                xmlInitParser()
                // Nothing this room parses may load a DTD, entity or XInclude from a file or the
                // network; the parse options say so too, and this loader refuses what slips by.
                xmlSetExternalEntityLoader(refusingEntityLoader)
                xmlSecErrorsSetCallback(xmlsecErrorHandler)
                xmlThrDefSetStructuredErrorFunc(nil, { _, _ in })
                guard xmlSecInit() == 0 else { return .startup("xmlSecInit failed: \(errors.summary)") }
                // xmlSecInit installs its own entity loader; ours refuses everything.
                xmlSetExternalEntityLoader(refusingEntityLoader)
                guard xmlSecCheckVersionExt(XMLSEC_VERSION_MAJOR, XMLSEC_VERSION_MINOR, XMLSEC_VERSION_SUBMINOR,
                                            xmlSecCheckVersionABICompatible) == 1
                else { return .startup("libxmlsec1 is not ABI-compatible with the headers: \(errors.summary)") }
                if let mismatch = ABICheck.firstMismatch() { return .startup("xmlsec ABI mismatch: \(mismatch)") }
                guard xmlSecOpenSSLAppInit(nil) == 0 else {
                    return .startup("xmlSecOpenSSLAppInit failed: \(errors.summary)")
                }
                guard xmlSecOpenSSLInit() == 0 else { return .startup("xmlSecOpenSSLInit failed: \(errors.summary)") }
                // xmlSecOpenSSLInit installs its own (printing) error callback: ours goes back.
                xmlSecErrorsSetCallback(xmlsecErrorHandler)
                return nil
            }
        }
    }
}

private let refusingEntityLoader: xmlExternalEntityLoader = { _, _, _ in nil }
