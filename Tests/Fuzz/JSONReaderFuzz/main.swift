// libFuzzer harness for the JSON room. Not part of the package: Tests/Fuzz/run-json.sh
// compiles this file together with Sources/JSON/*.swift into one module.
//
// Every input is read with the default limits and with tiny ones. Whatever reads must
// survive the writer with every option: read(write(v)) == v, and writing that again gives
// the same bytes. Tiny limits may refuse more, never accept differently. Every number in it
// reads back from its own text and orders consistently against its neighbours. The input,
// taken as a string, must also escape and read back as itself. Any Swift trap is a crash; a
// broken property is turned into one with a description on stderr.

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

func collectNumbers(_ value: JSONValue, into out: inout [JSONNumber]) {
    switch value {
    case .number(let n): out.append(n)
    case .array(let items): for item in items { collectNumbers(item, into: &out) }
    case .object(let object): for (_, item) in object { collectNumbers(item, into: &out) }
    default: break
    }
}

func checkNumbers(_ value: JSONValue, _ input: [UInt8]) {
    var numbers: [JSONNumber] = []
    collectNumbers(value, into: &numbers)
    for (at, n) in numbers.enumerated() {
        if JSONNumber(n.text) != n { fail("JSONNumber(\(n.text)) does not read back", input) }
        if n.order(comparedTo: n) != .equal { fail("\(n.text) is not equal to itself", input) }
        guard at > 0 else { continue }
        let m = numbers[at - 1]
        let forward = n.order(comparedTo: m), backward = m.order(comparedTo: n)
        let mirrored: JSONNumber.Order? = backward.map { $0 == .less ? .greater : $0 == .greater ? .less : .equal }
        if forward != mirrored { fail("\(n.text) vs \(m.text) orders \(String(describing: forward)) one way, \(String(describing: backward)) the other", input) }
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let input = Array(UnsafeBufferPointer(start: data, count: size))

    let full = outcome(input, .default)
    if case .success(let value) = full {
        checkRoundTrips(value, input)
        checkNumbers(value, input)
        // Another container shape reads the same.
        if (try? JSONValue(parsing: input[...])) != value { fail("slice read differs", input) }
    }
    if case .failure(let error) = full {
        if error.offset < 0 || error.offset > input.count { fail("error offset \(error.offset) outside the input", input) }
        if error.position(in: input).line < 1 { fail("error position before the first line", input) }
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
