#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// Small text and file helpers so App needs only FoundationEssentials: full Foundation pulls in
// its own ICU headers, which clash with the system ICU headers that libxml2 (CXMLSec) includes.

func isASCIIHexDigit(_ character: Character) -> Bool {
    character.isASCII && character.isHexDigit
}

enum FileKind { case missing, file, directory, other }

func fileKind(_ path: String) -> FileKind {
    var info = stat()
    guard stat(path, &info) == 0 else { return .missing }
    switch info.st_mode & S_IFMT {
    case S_IFREG: return .file
    case S_IFDIR: return .directory
    default: return .other
    }
}

func isReadable(_ path: String) -> Bool { access(path, R_OK) == 0 }

/// Reads a whole file (at most 1 MiB) as UTF-8; throws a short reason ("no such file", "permission denied", …).
public func readTextFile(_ path: String) throws(ValueProblem) -> String {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { throw ValueProblem(String(cString: strerror(errno)).lowercased()) }
    defer { close(fd) }
    var bytes: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 65536)
    while true {
        let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        if count < 0 {
            if errno == EINTR { continue }
            throw ValueProblem(String(cString: strerror(errno)).lowercased())
        }
        if count == 0 { break }
        bytes.append(contentsOf: buffer[0..<count])
        if bytes.count > 1 << 20 { throw ValueProblem("file is larger than 1 MiB") }
    }
    guard let text = String(validating: bytes, as: UTF8.self) else { throw ValueProblem("file is not UTF-8") }
    return text
}
