import XCTest
final class NetTestsPlaceholder: XCTestCase { func testPlaceholder() {} }
