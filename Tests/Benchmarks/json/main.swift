// Benchmark (not a test): the JSON room's writer and reader against the code they replace,
// OIDC's JSONValue (its own writer with an ASCII shortcut; JSONSerialization to read).
// Built by Tests/Benchmarks/json-rate.sh; prints throughput, asserts nothing.
import Foundation
import JSON
import OIDCJSON
import Store

typealias New = JSON.JSONValue
typealias Old = OIDCJSON.JSONValue

/// Runs `body` for about `seconds` and returns MB/s over `bytes` per call.
func rate(_ bytes: Int, seconds: Double = 1.5, _ body: () -> Int) -> Double {
    var sink = 0
    for _ in 0..<10 { sink &+= body() }  // warm up
    let clock = ContinuousClock()
    let start = clock.now
    var calls = 0
    while true {
        for _ in 0..<20 { sink &+= body() }
        calls += 20
        let elapsed = clock.now - start
        let secs = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        if secs >= seconds {
            if sink == 42 { print("") }  // keeps the work observable
            return Double(bytes) * Double(calls) / secs / 1_000_000
        }
    }
}

func document(_ name: String) -> String {
    switch name {
    case "token response (ASCII)":
        return #"{"access_token":"eyJhbGciOiJFUzI1NiIsImtpZCI6ImsxIiwidHlwIjoiYXQrand0In0.eyJpc3MiOiJodHRwczovL2lkcC5leGFtcGxlLmNvbS9hcHBsaWNhdGlvbi9vL2FwcC8iLCJzdWIiOiIwYjBlNWYzYyJ9.c2lnbmF0dXJlLXNpZ25hdHVyZS1zaWduYXR1cmU","token_type":"Bearer","expires_in":300,"refresh_token":"Zm9vYmFyYmF6cXV4cXV1eHF1dXhxdXV4cXV1eHF1dXg","id_token":"eyJhbGciOiJFUzI1NiJ9.eyJhdWQiOiJhcHAiLCJleHAiOjE3MDAwMDAwMDAsImlhdCI6MTY5OTk5NjQwMCwiaXNzIjoiaHR0cHM6Ly9pZHAuZXhhbXBsZS5jb20vIiwic3ViIjoiMGIwZTVmM2MifQ.c2ln","scope":"openid profile email"}"#
    case "userinfo (Thai names)":
        return #"{"sub":"0b0e5f3c-1f2a-4c1b-9d3e-6a7b8c9d0e1f","name":"สมชาย ใจดี","given_name":"สมชาย","family_name":"ใจดี","email":"somchai@example.co.th","email_verified":true,"groups":["ผู้ดูแลระบบ","บัญชี","admins"],"locale":"th-TH","zoneinfo":"Asia/Bangkok","updated_at":1700000000}"#
    default:
        // A SCIM list response: 500 users.
        let users = (0..<500).map { i in
            #"{"id":"\#(i)-0b0e5f3c","userName":"user\#(i)@example.co.th","name":{"givenName":"Given\#(i)","familyName":"Family"},"active":true,"emails":[{"value":"user\#(i)@example.co.th","primary":true}],"meta":{"resourceType":"User","created":"2026-01-01T00:00:00Z"}}"#
        }
        return #"{"schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],"totalResults":500,"Resources":["# + users.joined(separator: ",") + "]}"
    }
}

// The migration keeps output byte for byte: the new escaper against Store's JSONText.quoted as it
// was (now JSONText.quoted is JSONWriter.quoted).
var generator = SystemRandomNumberGenerator()
let pool: [Unicode.Scalar] = ["a", "\"", "\\", "\n", "\r", "\t", "\u{0}", "\u{8}", "\u{C}", "\u{1F}", "\u{7F}", "\u{80}", "é", "ก",
                              "€", "\u{2027}", "\u{2028}", "\u{2029}", "😀", "<", "&", "'", "/"]
for _ in 0..<100_000 {
    var scalars = String.UnicodeScalarView()
    for _ in 0..<Int.random(in: 0...24, using: &generator) { scalars.append(pool.randomElement(using: &generator)!) }
    let string = String(scalars)
    precondition(JSONWriter.quoted(string) == oldQuoted(string), "escapers differ on \(string.debugDescription)")
    precondition(JSONText.quoted(string) == oldQuoted(string), "JSONText.quoted changed on \(string.debugDescription)")
}
print("escaper: JSONWriter.quoted == JSONText.quoted (as it was) on 100,000 random strings")

print("JSON room vs OIDC's JSONValue (MB/s of JSON text; higher is better)")
print("document                     write new  write old   read new  read old (JSONSerialization)")
for name in ["token response (ASCII)", "userinfo (Thai names)", "SCIM list of 500 users"] {
    let text = document(name)
    let new = try! New(parsing: text)
    let old = Old.parse(text)!
    precondition(try! New(parsing: old.serialized) == new, "both writers describe the same value")
    let size = new.bytes.count
    let writeNew = rate(size) { new.bytes.count }
    let writeOld = rate(size) { old.bytes.count }
    let bytes = Array(text.utf8)
    let readNew = rate(bytes.count) { (try? New(parsing: bytes)) == nil ? 0 : 1 }
    let readOld = rate(bytes.count) { Old.parse(bytes) == nil ? 0 : 1 }
    func f(_ x: Double) -> String { let s = String(Int(x.rounded())); return String(repeating: " ", count: max(0, 9 - s.count)) + s }
    print(name.padding(toLength: 28, withPad: " ", startingAt: 0), f(writeNew), " ", f(writeOld), " ", f(readNew), " ", f(readOld))
}
