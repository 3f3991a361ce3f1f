/// The libraries could not start (see `XMLSecLibrary.start()`), or one of them failed where
/// the input was not to blame.
public enum XMLSecError: Error, Equatable, Sendable {
    case startup(String)
    case library(String)
}
