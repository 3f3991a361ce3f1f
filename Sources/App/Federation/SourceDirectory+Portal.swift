import Federation

/// The sign-in page and the source routes read the enabled sources through this.
extension SourceDirectory: UpstreamSourceDirectory {}
