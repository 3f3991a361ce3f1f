internal import CQREncode

/// A QR code drawn by us: libqrencode makes the module matrix, we write it as SVG (one path,
/// a four-module quiet zone), so the enrolment page needs no image service and no JavaScript.
public enum QRCodeSVG {
    struct TooLong: Error {}

    /// The modules of `text` (byte mode, error correction M), row by row; true is dark.
    static func matrix(_ text: String) throws(TooLong) -> [[Bool]] {
        guard let code = QRcode_encodeString8bit(text, 0, QR_ECLEVEL_M) else { throw TooLong() }
        defer { QRcode_free(code) }
        let width = Int(code.pointee.width)
        var rows: [[Bool]] = []
        rows.reserveCapacity(width)
        for y in 0..<width {
            rows.append((0..<width).map { x in code.pointee.data[y * width + x] & 1 == 1 })
        }
        return rows
    }

    /// An `<svg>` element, `size` CSS pixels square.
    static func svg(_ text: String, size: Int = 220) throws(TooLong) -> String {
        let modules = try matrix(text)
        let quiet = 4
        let total = modules.count + 2 * quiet
        var path = ""
        for (y, row) in modules.enumerated() {
            for (x, dark) in row.enumerated() where dark { path += "M\(x + quiet) \(y + quiet)h1v1h-1z" }
        }
        return "<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" aria-label=\"QR code\" width=\"\(size)\" height=\"\(size)\" "
            + "viewBox=\"0 0 \(total) \(total)\" shape-rendering=\"crispEdges\"><rect width=\"\(total)\" height=\"\(total)\" fill=\"#fff\"/>"
            + "<path fill=\"#000\" d=\"\(path)\"/></svg>"
    }
}

extension QRCodeSVG {
    /// The libqrencode this binary runs with, for `gatehouse version`.
    public static var libraryVersion: String { "libqrencode " + String(cString: QRcode_APIVersionString()) }
}
