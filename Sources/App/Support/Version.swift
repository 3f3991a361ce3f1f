/// The version this binary reports (`gatehouse version`, logs, metrics).
public enum GatehouseVersion {
    public static let current = "0.1.0-dev"
}
