internal import CLDAP

/// The directory client library upstream LDAP sources use, for `gatehouse version`.
public enum FederationLibraries {
    public static var ldapVersion: String { "ldap \(LDAP_VENDOR_VERSION)" }
}
