import Dispatch
import Logging
import Postgres
import Store

/// Deletes sessions past their lifetimes (abandoned pre-login sessions above all) and, given
/// `grants`, expired OAuth codes, refresh tokens and revocation marks, every `interval`
/// seconds. Lookups already ignore dead rows; this only keeps the tables small.
final class SessionSweeper {
    private let timer: any DispatchSourceTimer

    init(sessions: any SessionStore, grants: PostgresOAuthGrantStore? = nil, logger: Logger, interval: Int = 600) {
        let timer = DispatchSource.makeTimerSource(queue: DispatchQueue(label: "gatehouse.session-sweeper"))
        timer.schedule(deadline: .now() + .seconds(interval), repeating: .seconds(interval), leeway: .seconds(30))
        timer.setEventHandler {
            do {
                let removed = try sessions.deleteDeadSessions(at: .now())
                if removed > 0 { logger.debug("removed dead sessions", metadata: ["count": "\(removed)"]) }
            } catch {
                logger.warning("could not remove dead sessions", metadata: ["error": "\(error)"])
            }
            guard let grants else { return }
            do {
                let removed = try grants.deleteExpired(at: .now())
                if removed > 0 { logger.debug("removed expired OAuth tokens", metadata: ["count": "\(removed)"]) }
            } catch {
                logger.warning("could not remove expired OAuth tokens", metadata: ["error": "\(error)"])
            }
        }
        self.timer = timer
        timer.resume()
    }

    func stop() { timer.cancel() }
}
