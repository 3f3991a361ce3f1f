extension JSONError {
    /// The line and column (both from 1) of `offset` in `bytes`, the document that was read:
    /// for messages aimed at people editing the text (expressions, configuration). Columns
    /// count Unicode scalars, so a Thai or accented character is one column.
    public func position(in bytes: some Collection<UInt8>) -> (line: Int, column: Int) {
        var line = 1
        var column = 1
        for byte in bytes.prefix(offset) {
            if byte == UInt8(ascii: "\n") {
                line += 1
                column = 1
            } else if byte & 0xC0 != 0x80 {
                column += 1
            }
        }
        return (line, column)
    }

    /// `position(in:)` for a document read from text.
    public func position(in text: String) -> (line: Int, column: Int) { position(in: text.utf8) }
}
