import Foundation

/// Runs the `openssl` command (Deploy/test.sh installs it) in a scratch directory, for keys and
/// certificates made independently of our code.
struct OpenSSLCLI {
    let directory: URL

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("gatehouse-openssl-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    func remove() { try? FileManager.default.removeItem(at: directory) }

    @discardableResult
    func run(_ arguments: [String], input: [UInt8] = []) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        process.arguments = arguments
        process.currentDirectoryURL = directory
        let output = Pipe()
        let errors = Pipe()
        let stdin = Pipe()
        process.standardOutput = output
        process.standardError = errors
        process.standardInput = stdin
        try process.run()
        stdin.fileHandleForWriting.write(Data(input))
        try stdin.fileHandleForWriting.close()
        let text = output.fileHandleForReading.readDataToEndOfFile()
        let failure = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw CLIError(message: "openssl \(arguments.joined(separator: " ")): " + String(decoding: failure, as: UTF8.self))
        }
        return String(decoding: text, as: UTF8.self)
    }

    func read(_ name: String) throws -> String {
        try String(contentsOf: directory.appendingPathComponent(name), encoding: .utf8)
    }

    func write(_ name: String, _ text: String) throws {
        try text.write(to: directory.appendingPathComponent(name), atomically: true, encoding: .utf8)
    }

    struct CLIError: Error, CustomStringConvertible {
        let message: String
        var description: String { message }
    }

    /// A small CA and a leaf it issued, shaped like a Let's Encrypt certificate (SAN, serverAuth
    /// and clientAuth, AKI, no CA bit), with a key of `keyArguments` (e.g. rsa:2048). Writes
    /// `<name>.key`, `<name>.pem` and `<name>-chain.pem` (leaf then CA) and returns the leaf PEM.
    @discardableResult
    func issuedCertificate(name: String, key keyArguments: [String]) throws -> String {
        if !FileManager.default.fileExists(atPath: directory.appendingPathComponent("ca.pem").path) {
            try run(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem",
                     "-days", "30", "-subj", "/C=US/O=Test CA/CN=Test R3"])
        }
        try run(["genpkey"] + keyArguments + ["-out", "\(name).key"])
        try run(["req", "-new", "-key", "\(name).key", "-out", "\(name).csr", "-subj", "/CN=idp.example.org"])
        try write("\(name).ext", """
            basicConstraints=critical,CA:FALSE
            keyUsage=critical,digitalSignature\(keyArguments.contains("RSA") ? ",keyEncipherment" : "")
            extendedKeyUsage=serverAuth,clientAuth
            subjectAltName=DNS:idp.example.org
            authorityKeyIdentifier=keyid
            subjectKeyIdentifier=hash
            """)
        try run(["x509", "-req", "-in", "\(name).csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
                 "-days", "90", "-sha256", "-extfile", "\(name).ext", "-out", "\(name).pem"])
        let leaf = try read("\(name).pem")
        try write("\(name)-chain.pem", leaf + (try read("ca.pem")))
        return leaf
    }
}
