internal import CXMLSec

/// Raw DEFLATE (RFC 1951, no zlib or gzip header), as the SAML HTTP-Redirect binding uses it:
/// bindings §3.4.4.1 "The DEFLATE compression mechanism, as specified in [RFC1951] is then
/// applied to the entire remaining XML content of the original SAML protocol message."
public enum RawDeflate {
    /// 1 MiB: far above any real SAML request, far below a decompression bomb.
    public static let defaultMaxOutput = 1 << 20

    /// The inflated bytes. Stops as soon as the output would pass `maxOutput` (a few kilobytes
    /// of input can expand a thousandfold), and refuses corrupt, truncated or trailing input.
    public static func inflate(_ compressed: [UInt8], maxOutput: Int = defaultMaxOutput) throws(InflateError) -> [UInt8] {
        let maxOutput = max(0, min(maxOutput, Int(Int32.max)))
        guard compressed.count <= Int(Int32.max) else { throw .tooLarge(limit: maxOutput) }
        var stream = z_stream()
        // windowBits -15: raw DEFLATE with a 32 KiB window (zlib.h, inflateInit2).
        guard inflateInit2_(&stream, -MAX_WBITS, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw .corrupt("inflateInit2 failed")
        }
        defer { inflateEnd(&stream) }
        var input = compressed
        var output: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16 * 1024)
        return try input.withUnsafeMutableBufferPointer { (input) throws(InflateError) -> [UInt8] in
            stream.next_in = input.baseAddress
            stream.avail_in = UInt32(input.count)
            while true {
                // Never let zlib write more than one byte past the limit.
                let room = min(chunk.count, maxOutput - output.count + 1)
                let status = chunk.withUnsafeMutableBufferPointer { buffer -> Int32 in
                    stream.next_out = buffer.baseAddress
                    stream.avail_out = UInt32(room)
                    return CXMLSec.inflate(&stream, Z_NO_FLUSH)
                }
                let produced = room - Int(stream.avail_out)
                output.append(contentsOf: chunk.prefix(produced))
                if output.count > maxOutput { throw .tooLarge(limit: maxOutput) }
                switch status {
                case Z_STREAM_END:
                    guard stream.avail_in == 0 else { throw .trailingData }
                    return output
                case Z_OK:
                    continue
                case Z_BUF_ERROR where stream.avail_in == 0:
                    throw .truncated
                case Z_BUF_ERROR where produced > 0:
                    continue
                case Z_BUF_ERROR:
                    // No progress with input and room left: never loop on it.
                    throw .corrupt("inflate made no progress")
                default:
                    throw .corrupt(stream.msg.map { String(cString: $0) } ?? "inflate error \(status)")
                }
            }
        }
    }

    /// Raw DEFLATE at the best compression, for messages we send over the Redirect binding.
    public static func deflate(_ bytes: [UInt8]) -> [UInt8] {
        var stream = z_stream()
        guard deflateInit2_(&stream, Z_BEST_COMPRESSION, Z_DEFLATED, -MAX_WBITS, 8, Z_DEFAULT_STRATEGY,
                            ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK
        else { fatalError("deflateInit2 failed") }
        defer { deflateEnd(&stream) }
        var input = bytes
        var output = [UInt8](repeating: 0, count: Int(deflateBound(&stream, UInt(bytes.count))) + 16)
        let status = input.withUnsafeMutableBufferPointer { input in
            output.withUnsafeMutableBufferPointer { out in
                stream.next_in = input.baseAddress
                stream.avail_in = UInt32(input.count)
                stream.next_out = out.baseAddress
                stream.avail_out = UInt32(out.count)
                return CXMLSec.deflate(&stream, Z_FINISH)
            }
        }
        // deflateBound is an upper bound for a single Z_FINISH call.
        guard status == Z_STREAM_END else { fatalError("deflate did not finish: \(status)") }
        output.removeLast(Int(stream.avail_out))
        return output
    }
}

public enum InflateError: Error, Equatable, Sendable {
    /// The output would exceed the limit (a decompression bomb, or simply too big).
    case tooLarge(limit: Int)
    case corrupt(String)
    case truncated
    /// Bytes after the end of the DEFLATE stream.
    case trailingData
}
