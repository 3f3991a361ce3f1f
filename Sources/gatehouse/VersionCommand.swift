import App
import ArgumentParser

struct VersionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "version", abstract: "Print the version and the C libraries linked in.")

    func run() {
        print("gatehouse \(GatehouseVersion.current)")
        for library in LinkedLibraries.versions() { print("  \(library)") }
    }
}
