// libFuzzer harness for the JSON room. Not part of the package: Tests/Fuzz/run-json.sh
// compiles this file together with Sources/JSON/*.swift into one module.
//
// Every input is read with the default limits and with tiny ones. Whatever reads must
// survive the writer with every option: read(write(v)) == v, and writing that again gives
// the same bytes. Tiny limits may refuse more, never accept differently. The input, taken as
// a string, must also escape and read back as itself. Any Swift trap is a crash; a broken
// property is turned into one with a description on stderr.

func fail(_ message: String, _ input: [UInt8]) -> Never {
    let shown = input.prefix(512).map { b -> String in
        switch b {
        case 0x20..<0x7F where b != UInt8(ascii: "\\"): return String(UnicodeScalar(b))
        default: return "\\x" + (b < 16 ? "0" : "") + String(b, radix: 16)
        }
    }.joined()
    fatalError("FUZZ MISMATCH: \(message)\ninput (\(input.count) bytes): \(shown)")
}

let tiny = JSONLimits(maxBytes: 256, maxDepth: 3, maxStringBytes: 8, maxEntries: 4)
let optionSets: [JSONWriteOptions] = [[], .insertionOrder, .escapeHTML, .pretty, [.pretty, .insertionOrder, .escapeHTML]]

func outcome(_ bytes: [UInt8], _ limits: JSONLimits) -> Result<JSONValue, JSONError> {
    Result { () throws(JSONError) in try JSONValue(parsing: bytes, limits: limits) }
}

func checkRoundTrips(_ value: JSONValue, _ input: [UInt8]) {
    for options in optionSets {
        let written = value.bytes(options)
        let back: JSONValue
        do {
            back = try JSONValue(parsing: written, limits: JSONLimits(maxBytes: .max, maxDepth: JSONLimits.depthCeiling,
                                                                      maxStringBytes: .max, maxEntries: .max))
        } catch {
            fail("written text \(options.rawValue) does not read: \(error)\n\(String(decoding: written, as: UTF8.self))", input)
        }
        if back != value { fail("read(write(v)) != v with options \(options.rawValue)", input) }
        if back.bytes(options) != written { fail("write(read(write(v))) != write(v) with options \(options.rawValue)", input) }
        if options.contains(.escapeHTML), written.contains(where: { [0x3C, 0x3E, 0x26, 0x27].contains($0) }) {
            fail("HTML-safe text has < > & or '", input)
        }
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let input = Array(UnsafeBufferPointer(start: data, count: size))

    let full = outcome(input, .default)
    if case .success(let value) = full {
        checkRoundTrips(value, input)
        // Another container shape reads the same.
        if (try? JSONValue(parsing: input[...])) != value { fail("slice read differs", input) }
    }
    if case .failure(let error) = full, error.offset < 0 || error.offset > input.count {
        fail("error offset \(error.offset) outside the input", input)
    }

    // Tighter limits refuse more, never accept something else.
    switch (outcome(input, tiny), full) {
    case (.success(let small), .success(let value)) where small != value: fail("tiny limits read a different value", input)
    case (.success, .failure(let error)): fail("tiny limits accept what the defaults refuse (\(error))", input)
    default: break
    }

    // The input as a string (when it is UTF-8): escaped, then read back, it is itself.
    if let string = String(validating: input, as: UTF8.self) {
        for options in [JSONWriteOptions(), .escapeHTML] {
            let quoted = JSONWriter.quoted(string, options: options)
            guard case .success(.string(let back)) = outcome(Array(quoted.utf8), JSONLimits(maxBytes: .max, maxStringBytes: .max)),
                  back.utf8.elementsEqual(string.utf8)
            else { fail("quoted string does not read back as itself: \(quoted)", input) }
        }
    }
    return 0
}
