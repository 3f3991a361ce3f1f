import Crypto
import Federation
import Portal
import Postgres
import Redis
import XMLSec

/// Every C library the binary links, as each room that wraps one reports it.
public enum LinkedLibraries {
    public static func versions() -> [String] {
        CryptoLibraries.versions() + [PGLibrary.version, RedisLibrary.version, FederationLibraries.ldapVersion,
                                      QRCodeSVG.libraryVersion] + XMLSecLibrary.versions()
    }
}
