import XCTest
final class WebTestsPlaceholder: XCTestCase { func testPlaceholder() {} }
