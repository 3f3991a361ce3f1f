// libFuzzer harness for the LDAPWire room. Not part of the package: Tests/Fuzz/run.sh ldap
// compiles this file together with Sources/LDAPWire/*.swift into one module.
//
// Every input is read as a PDU (whole, and framed from a stream), as a filter in BER, as a
// filter string, as a DN string and as a paged-results control value, under the default
// limits and under tiny ones. Nothing may trap, and whatever decodes must re-encode to
// something that decodes to the same value and encodes the same again; a mismatch is turned
// into a crash with a description on stderr.

func fail(_ message: String, _ input: [UInt8]) -> Never {
    let shown = input.prefix(512).map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined(separator: " ")
    fatalError("FUZZ MISMATCH: \(message)\ninput (\(input.count) bytes): \(shown)")
}

let tinyLimits = LDAPLimits(maxMessageSize: 256, maxNestingDepth: 6, maxOutstandingOperations: 1,
                            maxAttributes: 3, maxValuesPerAttribute: 3, maxFilterTerms: 8, maxControls: 2)

func checkMessage(_ input: [UInt8], limits: LDAPLimits) {
    let framing = LDAPFraming.frame(input, limits: limits)
    let message: LDAPMessage
    do {
        message = try LDAPMessage(decoding: input, limits: limits)
    } catch {
        // A PDU the framer calls complete at exactly this length but the decoder refuses is
        // fine (bad content); the reverse below is not.
        _ = error.description
        if case .complete(let length) = framing, length < input.count {
            // The stream holds a whole first PDU: decoding it alone must not trap either.
            _ = try? LDAPMessage(decoding: input[..<length], limits: limits)
        }
        return
    }
    guard framing == .complete(length: input.count) else {
        fail("decoded, but framing said \(framing)", input)
    }
    _ = message.protocolOp.name
    let encoded = message.encode()
    let again: LDAPMessage
    do {
        // Re-encoding never grows a PDU (minimal lengths and integers, defaults left out),
        // so the same limits must accept it.
        again = try LDAPMessage(decoding: encoded, limits: limits)
    } catch {
        fail("re-encoded message does not decode: \(error)\nre-encoded: \(encoded)", input)
    }
    if again != message { fail("re-encoded message decodes differently:\n\(message)\n\(again)", input) }
    if again.encode() != encoded { fail("second encoding differs", input) }
    if let paged = try? PagedResultsControl(from: message.controls, limits: limits) {
        if (try? PagedResultsControl(controlValue: paged.controlValue)) != paged { fail("paged control round trip", input) }
    }
}

func checkFilterBER(_ input: [UInt8], limits: LDAPLimits) {
    guard let filter = try? LDAPFilter(decoding: input, limits: limits) else { return }
    let encoded = filter.berEncoded
    guard let again = try? LDAPFilter(decoding: encoded, limits: limits), again == filter else {
        fail("filter BER round trip", input)
    }
    // The string form of an arbitrary BER filter need not parse (attribute names may hold
    // any UTF-8), but rendering and trying must not trap.
    _ = try? LDAPFilter(parsing: filter.string, limits: limits)
}

func checkFilterString(_ text: String, _ input: [UInt8], limits: LDAPLimits) {
    guard let filter = try? LDAPFilter(parsing: text, limits: limits) else { return }
    let rendered = filter.string
    guard let again = try? LDAPFilter(parsing: rendered, limits: limits), again == filter else {
        fail("filter string round trip: \(text) -> \(rendered)", input)
    }
    guard let fromBER = try? LDAPFilter(decoding: filter.berEncoded), fromBER == filter else {
        fail("parsed filter's BER does not decode back: \(text)", input)
    }
}

func checkDN(_ text: String, _ input: [UInt8]) {
    guard let dn = try? DistinguishedName(parsing: text) else { return }
    let rendered = dn.string
    guard let again = try? DistinguishedName(parsing: rendered), again == dn else {
        fail("DN round trip: \(text) -> \(rendered)", input)
    }
    let normalized = dn.normalized
    if !dn.isEquivalent(to: again) || !dn.isWithin(dn) { fail("DN not equivalent to itself: \(text)", input) }
    guard let reparsed = try? DistinguishedName(parsing: normalized.string), reparsed.normalized == normalized else {
        fail("normalised DN does not parse back: \(normalized.string)", input)
    }
    for (i, rdn) in dn.rdns.enumerated() {
        for atv in rdn.attributes {
            guard case .string(let value) = atv.value else { continue }
            let escaped = DistinguishedName.escapeValue(value)
            guard let one = try? DistinguishedName(parsing: "cn=" + escaped), one.rdns.count == 1,
                  one.rdns[0].attributes == [AttributeTypeAndValue(type: "cn", value: value)] else {
                fail("escapeValue(\(value)) in RDN \(i) does not parse back", input)
            }
        }
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let input = size == 0 ? [] : Array(UnsafeBufferPointer(start: data, count: size))
    for limits in [LDAPLimits.default, tinyLimits] {
        checkMessage(input, limits: limits)
        checkFilterBER(input, limits: limits)
    }
    _ = try? PagedResultsControl(controlValue: input)
    let text = String(decoding: input, as: UTF8.self)
    checkFilterString(text, input, limits: .default)
    checkFilterString(text, input, limits: tinyLimits)
    checkDN(text, input)
    return 0
}
