import JSON
import XCTest

/// The examples of RFC 8259 §13, read and checked member by member.
final class RFC8259ExampleTests: XCTestCase {
    func testImageObject() throws {
        let text = """
            {
              "Image": {
                  "Width":  800,
                  "Height": 600,
                  "Title":  "View from 15th Floor",
                  "Thumbnail": {
                      "Url":    "http://www.example.com/image/481989943",
                      "Height": 125,
                      "Width":  100
                  },
                  "Animated" : false,
                  "IDs": [116, 943, 234, 38793]
                }
            }
            """
        let value = try XCTUnwrap(read(text))
        let image = try XCTUnwrap(value["Image"])
        XCTAssertEqual(image["Width"], 800)
        XCTAssertEqual(image["Height"]?.intValue, 600)
        XCTAssertEqual(image["Title"]?.stringValue, "View from 15th Floor")
        XCTAssertEqual(image["Thumbnail"]?["Url"]?.stringValue, "http://www.example.com/image/481989943")
        XCTAssertEqual(image["Thumbnail"]?["Width"]?.int64Value, 100)
        XCTAssertEqual(image["Animated"]?.boolValue, false)
        XCTAssertEqual(image["IDs"], [116, 943, 234, 38793])
        XCTAssertEqual(image["IDs"]?[3], 38793)
        XCTAssertNil(image["IDs"]?[4])
        // The members stay in document order.
        XCTAssertEqual(image.objectValue?.keys, ["Width", "Height", "Title", "Thumbnail", "Animated", "IDs"])
    }

    func testArrayOfTwoObjects() throws {
        let text = """
            [
              {
                 "precision": "zip",
                 "Latitude":  37.7668,
                 "Longitude": -122.3959,
                 "Address":   "",
                 "City":      "SAN FRANCISCO",
                 "State":     "CA",
                 "Zip":       "94107",
                 "Country":   "US"
              },
              {
                 "precision": "zip",
                 "Latitude":  37.371991,
                 "Longitude": -122.026020,
                 "Address":   "",
                 "City":      "SUNNYVALE",
                 "State":     "CA",
                 "Zip":       "94085",
                 "Country":   "US"
              }
            ]
            """
        let places = try XCTUnwrap(read(text)?.arrayValue)
        XCTAssertEqual(places.count, 2)
        XCTAssertEqual(places[0]["Latitude"], .double(37.7668))
        XCTAssertEqual(places[1]["Longitude"]?.doubleValue, -122.026020)
        XCTAssertEqual(places[1]["Zip"], "94085")
        XCTAssertEqual(places[0]["Address"], "")
    }

    func testScalarTexts() {
        XCTAssertEqual(read(#""Hello world!""#), "Hello world!")
        XCTAssertEqual(read("42"), 42)
        XCTAssertEqual(read("true"), true)
    }
}
