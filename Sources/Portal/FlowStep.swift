import Crypto
import Flows
import Store
import Web

/// One step of a flow for one request, shared by the JSON executor and the HTML page:
/// finds the plan in the request's session (or starts one in a new pre-login session),
/// runs the executor, stores the next plan, and says which cookies to set.
struct FlowStep {
    let flow: Flow
    let outcome: FlowOutcome
    /// The plan the step ran from (for re-rendering: `next`, the identifier entered).
    let plan: FlowPlan
    let cookies: [SetCookie]

    static func run(_ services: LoginServices, _ request: Request, slug: String, input: FlowInput,
                    restart: Bool = false) throws -> FlowStep {
        guard let flow = services.executor.flows[slug] else { throw WebError.notFound }
        let now = Timestamp.now()
        let current = try services.resolver.current(request)
        var cookies: [SetCookie] = []

        var plan: FlowPlan
        if !restart, let state = current?.session.flowState, let stored = FlowPlan(json: state), stored.flowSlug == slug {
            plan = stored
        } else {
            // `next` is sanitised by the plan: only a local path survives. No state is kept for a
            // browser that has only looked, so clients pass it on every call: `?next=` (our pages'
            // form actions do), or authentik's `?query=next%3D…` (its flow interface does).
            var next = request.query("next") ?? Self.next(inAuthentikQuery: request.query("query"))
            if restart, next == nil, let state = current?.session.flowState, let old = FlowPlan(json: state) {
                next = old.next
            }
            guard let fresh = services.executor.start(flowSlug: slug, next: next) else { throw WebError.notFound }
            plan = fresh
        }
        let storedState = current?.session.flowState

        let context = FlowContext(clientIP: request.clientIP,
                                  userAgent: request.headers["User-Agent"].map { String($0.prefix(512)) },
                                  now: now, currentSessionIDHash: current?.session.idHash,
                                  currentUserID: current?.user?.id)
        let executor = services.executor
        func execute(_ plan: FlowPlan, _ input: FlowInput) throws -> FlowOutcome {
            try executor.execute(plan: plan, input: input, context: context)
        }
        var stale = false
        var ran: FlowOutcome?
        do {
            ran = try execute(plan, input)
        } catch let error as FlowError {
            guard case .invalidPlan = error else { throw error }
            stale = true
        }
        if stale {
            // A stored plan this flow no longer matches (the flow changed): start it again.
            guard let fresh = executor.start(flowSlug: slug, next: plan.next) else { throw WebError.notFound }
            plan = fresh
            ran = try execute(plan, .none)
        }
        guard let outcome = ran else { throw WebError.notFound }

        switch outcome.step {
        case .completed(let done):
            services.resolver.forget(request)
            if let issued = done.issued {
                let seconds = (issued.session.expiresAt.microsecondsSince1970 - now.microsecondsSince1970) / 1_000_000
                cookies = [SessionCookie.set(issued.token, maxAge: Int(max(0, seconds)), for: request)]
            } else if done.endedCurrentSession {
                cookies = [SessionCookie.clear(for: request)]
            } else if let current, current.session.flowState != nil {
                try services.sessions.setFlowState(idHash: current.session.idHash, nil)
            }
        case .challenge:
            let next = outcome.plan?.jsonText()
            if let current {
                if next != storedState { try services.sessions.setFlowState(idHash: current.session.idHash, next) }
            } else if let advanced = outcome.plan, advanced != plan, flow.designation != .invalidation {
                // The plan lives in a session, made only once a stage was answered: a browser
                // that merely looks at the first challenge costs no row (anonymous GETs are free
                // to repeat). Logging out needs no plan to survive a request.
                let (_, cookie) = try services.startPreLoginSession(request, plan: advanced, at: now)
                cookies.append(cookie)
            }
        }
        return FlowStep(flow: flow, outcome: outcome, plan: outcome.plan ?? plan, cookies: cookies)
    }
}

extension FlowStep {
    /// authentik's flow interface passes the page's own query string as `query`.
    static func next(inAuthentikQuery query: String?) -> String? {
        guard let query, let form = try? FormData.parse(query) else { return nil }
        return form["next"]
    }
}

extension Response {
    mutating func setCookies(_ cookies: [SetCookie]) {
        for cookie in cookies { setCookie(cookie) }
    }
}
