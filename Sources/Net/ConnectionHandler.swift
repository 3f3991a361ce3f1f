/// The protocol spoken on a connection (HTTP now, LDAP later). Every call arrives on the
/// connection's serial queue, so a handler needs no locks for its own state.
public protocol ConnectionHandler: AnyObject {
    /// The connection is registered and reading; set the first deadline here.
    func connectionDidOpen(_ connection: Connection)
    /// New bytes are in `connection.inbound` from `connection.readerIndex` on.
    func connectionDidRead(_ connection: Connection)
    /// Queued output was written out after the socket had been full; continue paused work.
    func connectionDidDrain(_ connection: Connection)
    /// The read deadline set by the handler passed.
    func connectionDidTimeOut(_ connection: Connection)
    /// The peer closed its side (EOF).
    func connectionPeerDidClose(_ connection: Connection)
    /// The server is shutting down: finish what is in flight, then close.
    func connectionShouldDrain(_ connection: Connection)
}
