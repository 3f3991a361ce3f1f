internal import COpenSSL
internal import CPostgres
internal import CRedis
internal import CLDAP
internal import CArgon2
internal import CQREncode
internal import CGatehouseShims
import XMLSec
public enum LinkedLibraries {
    public static func versions() -> [String] {
        [String(cString: OpenSSL_version(OPENSSL_VERSION)), "libpq \(PQlibVersion())",
         "hiredis \(gh_hiredis_version_major()).\(gh_hiredis_version_minor())",
         "argon2 \(ARGON2_VERSION_NUMBER.rawValue)", "ldap \(LDAP_VENDOR_VERSION)",
         "libqrencode " + String(cString: QRcode_APIVersionString())] + XMLSecLibrary.versions()
    }
}
