import ClusterModels
import SimKernel

/// A call target as written, kept with its node until every service is known.
struct PendingCall {
    var caller: String
    var callerEndpoint: String
    var service: String
    var endpoint: String
    var certain: Bool
    var node: YNode
}

extension DecodeContext {
    /// `request_size`/`response_size`: a size in bytes.
    func size(_ node: YNode, _ what: String) -> Int? {
        guard let text = scalar(node, what, expected: "a size such as \"2KiB\"") else { return nil }
        switch Units.size(text) {
        case .failure(let p):
            error(p.message, at: node, hint: p.hint)
            return nil
        case .success(let b):
            guard b <= Int64(CountLimits.messageBytes) else {
                error("\(quoted(what)) \(quoted(text)) is larger than 1 GiB", at: node, hint: "a message this large is not a call")
                return nil
            }
            return Int(b)
        }
    }

    /// `calls:` — the steps after an endpoint's first work.
    func endpointSteps(_ node: YNode, caller: String, endpoint: String, path: String) -> [EndpointStep] {
        guard let items = list(node, "calls") else { return [] }
        if items.count > CountLimits.stepsPerEndpoint {
            error("more than \(CountLimits.stepsPerEndpoint) steps in \"calls\"", at: node)
            return []
        }
        var steps: [EndpointStep] = []
        for item in items {
            guard let pairs = item.pairs else {
                error("a step of \"calls\" must be a mapping, found \(item.kindDescription)", at: item,
                      hint: "write \"- call: SERVICE.ENDPOINT\", \"- parallel: [...]\" or \"- work: 1ms\"")
                continue
            }
            let keys = pairs.compactMap(\.name)
            if keys.contains("parallel") {
                guard let f = fields(item, "parallel step", schema: Schema.parallelStep) else { continue }
                guard let list = f["parallel"].flatMap({ self.list($0, "parallel") }) else { continue }
                if list.isEmpty { error("\"parallel\" is empty", at: f["parallel"]!, hint: "list the calls made at once"); continue }
                if list.count > CountLimits.stepsPerEndpoint {
                    error("more than \(CountLimits.stepsPerEndpoint) calls in \"parallel\"", at: f["parallel"]!)
                    continue
                }
                var branches: [CallSpec] = []
                for b in list {
                    guard let bf = fields(b, "call", schema: Schema.call) else { continue }
                    if bf["call"] == nil {
                        missing("call", in: bf, "a branch of \"parallel\"", hint: "each branch is \"{call: SERVICE.ENDPOINT}\"")
                        continue
                    }
                    if let c = call(bf, caller: caller, endpoint: endpoint) { branches.append(c) }
                }
                var waitFor: Int? = nil
                if let w = f["wait_for"] {
                    if let v = int(w, "wait_for", in: 1...CountLimits.stepsPerEndpoint) {
                        if v > list.count {
                            error("\"wait_for\" is \(v) but \"parallel\" has \(list.count) call\(list.count == 1 ? "" : "s")", at: w,
                                  hint: "wait_for counts the branches that must succeed: 1 to \(list.count)")
                        } else { waitFor = v }
                    }
                }
                steps.append(.parallel(branches, waitFor: waitFor))
            } else if keys.contains("call") {
                guard let f = fields(item, "call", schema: Schema.call) else { continue }
                if let c = call(f, caller: caller, endpoint: endpoint) { steps.append(.call(c)) }
            } else if keys.contains("work") {
                guard let f = fields(item, "work step", schema: Schema.workStep) else { continue }
                if let d = distribution(f["work"]!, "work") { steps.append(.work(d)) }
            } else {
                error("a step of \"calls\" needs \"call\", \"parallel\" or \"work\"", at: item,
                      hint: "write \"- call: SERVICE.ENDPOINT\", \"- parallel: [...]\" or \"- work: 1ms\"")
            }
        }
        return steps
    }

    /// One `call:` with its settings.
    private func call(_ f: Fields, caller: String, endpoint: String) -> CallSpec? {
        guard let n = f["call"], let text = string(n, "call") else { return nil }
        let parts = text.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
            error("\"call\" must be SERVICE.ENDPOINT, found \(quoted(text))", at: n, hint: "e.g. \"call: auth.verify\"")
            return nil
        }
        var c = CallSpec(service: parts[0], endpoint: parts[1])
        var ok = true
        if let p = f["probability"] {
            if let v = fraction(p, "probability") { c.probability = v } else { ok = false }
        }
        if let o = f["optional"] {
            if let v = bool(o, "optional") { c.optional = v } else { ok = false }
        }
        if let t = f["timeout"] {
            if let v = duration(t, "timeout") { c.timeout = v } else { ok = false }
        }
        if let r = f["retries"] {
            if let v = retries(r) { c.retries = v } else { ok = false }
        }
        if let b = f["circuit_breaker"] {
            if let v = breaker(b) { c.circuitBreaker = v } else { ok = false }
        }
        if let h = f["hedge"] {
            if let v = hedge(h) { c.hedge = v } else { ok = false }
        }
        if let p = f["protocol"] {
            if let v = protocolConfig(p) { c.protocolConfig = v } else { ok = false }
        }
        if let b = f["bulkhead"] {
            if let bf = fields(b, "bulkhead", schema: Schema.bulkhead) {
                if let m = bf["max_concurrent"] {
                    if let v = int(m, "max_concurrent", in: 1...CountLimits.concurrency) { c.maxConcurrent = v } else { ok = false }
                } else {
                    missing("max_concurrent", in: bf, "bulkhead", hint: "write e.g. \"bulkhead: {max_concurrent: 20}\"")
                    ok = false
                }
            } else { ok = false }
        }
        pendingCalls.append(PendingCall(caller: caller, callerEndpoint: endpoint, service: c.service, endpoint: c.endpoint,
                                        certain: c.probability >= 1, node: n))
        return ok ? c : nil
    }

    private func retries(_ node: YNode) -> RetryPolicy? {
        guard let f = fields(node, "retries", schema: Schema.retries) else { return nil }
        guard let m = f["max"] else {
            missing("max", in: f, "retries", hint: "write e.g. \"retries: {max: 2, backoff: exponential, base: 10ms}\"")
            return nil
        }
        guard let max = int(m, "max", in: 0...CountLimits.retries) else { return nil }
        var p = RetryPolicy(max: max)
        var ok = true
        if let b = f["backoff"] {
            if let s = choice(b, "backoff", RetryPolicy.Backoff.allCases.map(\.rawValue)),
               let v = RetryPolicy.Backoff(rawValue: s) { p.backoff = v } else { ok = false }
        }
        if let b = f["base"] {
            if let v = duration(b, "base", allowZero: true) { p.base = v } else { ok = false }
        }
        if let b = f["cap"] {
            if let v = duration(b, "cap", allowZero: true) {
                p.cap = v
                if v < p.base {
                    error("\"cap\" (\(SimDurationText.format(v))) is shorter than \"base\" (\(SimDurationText.format(p.base)))", at: b,
                          hint: "the cap bounds the growing backoff from above")
                    ok = false
                }
            } else { ok = false }
        }
        if let j = f["jitter"] {
            if let s = choice(j, "jitter", RetryPolicy.Jitter.allCases.map(\.rawValue)),
               let v = RetryPolicy.Jitter(rawValue: s) { p.jitter = v } else { ok = false }
        }
        if let m = f["min_retry_rate"] {
            if f["budget"] == nil {
                error("\"min_retry_rate\" needs a \"budget\"", at: m, hint: "it is the budget's floor: retries a second allowed whatever the traffic")
                ok = false
            } else if let v = rate(m, "min_retry_rate", allowZero: true) { p.budgetMinRate = v } else { ok = false }
        }
        if let b = f["budget"] {
            if let text = b.scalarText, case .success(let v) = Units.fraction(text) {
                p.budget = v
            } else if let text = b.scalarText, let (num, unit) = Units.splitNumber(text), unit.isEmpty || unit == "%",
                      let v = Double(String(num)), v.isFinite, (unit == "%" ? v / 100 : v) > 1 {
                error("a retry budget over 100% (\(text))", at: b,
                      hint: "the budget is the fraction of calls that may be retried: at most 100%, typically 10%–20%")
                ok = false
            } else {
                _ = fraction(b, "budget")
                ok = false
            }
        }
        return ok ? p : nil
    }

    private func breaker(_ node: YNode) -> BreakerConfig? {
        guard let f = fields(node, "circuit_breaker", schema: Schema.breaker) else { return nil }
        var ok = true
        func need(_ k: String) -> YNode? {
            if let n = f[k] { return n }
            missing(k, in: f, "circuit_breaker",
                    hint: "write e.g. \"circuit_breaker: {failure_rate: 50%, window: 10s, min_requests: 20, open_for: 5s}\"")
            ok = false
            return nil
        }
        let rate = need("failure_rate").flatMap { fraction($0, "failure_rate") }
        let window = need("window").flatMap { duration($0, "window") }
        let minReq = f["min_requests"].map { int($0, "min_requests", in: 1...1_000_000_000) } ?? 20
        let openFor = need("open_for").flatMap { duration($0, "open_for") }
        let halfOpen = f["half_open_requests"].map { int($0, "half_open_requests", in: 1...1_000_000) } ?? 1
        if let r = rate, r == 0, let n = f["failure_rate"] {
            error("\"failure_rate\" must be above 0", at: n, hint: "a breaker at 0% would open on the first call; write e.g. 50%")
            ok = false
        }
        guard ok, let rate, let window, let minReq, let openFor, let halfOpen else { return nil }
        var b = BreakerConfig(failureRate: rate, window: window, minRequests: minReq, openFor: openFor)
        b.halfOpenRequests = halfOpen
        return b
    }

    private func hedge(_ node: YNode) -> HedgeConfig? {
        guard let f = fields(node, "hedge", schema: Schema.hedge) else { return nil }
        guard let a = f["after"] else {
            missing("after", in: f, "hedge", hint: "write e.g. \"hedge: {after: 50ms}\"")
            return nil
        }
        guard let after = duration(a, "after") else { return nil }
        var h = HedgeConfig(after: after)
        if let m = f["max"] {
            guard let v = int(m, "max", in: 1...CountLimits.retries) else { return nil }
            h.max = v
        }
        return h
    }

    /// `rate_limit: {rate, burst}`.
    func rateLimit(_ node: YNode) -> RateLimit? {
        guard let f = fields(node, "rate_limit", schema: Schema.rateLimit) else { return nil }
        guard let r = f["rate"] else {
            missing("rate", in: f, "rate_limit", hint: "write e.g. \"rate_limit: {rate: 2000/s, burst: 200}\"")
            return nil
        }
        guard let rate = self.rate(r, "rate") else { return nil }
        var burst = 1
        if let b = f["burst"] {
            guard let v = int(b, "burst", in: 1...1_000_000_000) else { return nil }
            burst = v
        }
        return RateLimit(rate: rate, burst: burst)
    }

    /// Checks every call target once all services are known, and that no cycle of certain calls
    /// (probability 1) exists: such a request could never end.
    func checkCalls(services: [ServiceConfig]) {
        guard !servicesUnreadable else { return }
        var valid: [PendingCall] = []
        for p in pendingCalls {
            guard let s = services.first(where: { $0.name == p.service }) else {
                error("unknown service \(quoted(p.service)) in a call", at: p.node,
                      hint: Suggest.hint(for: p.service, in: services.map(\.name)))
                continue
            }
            if servicesWithUnknownEndpoints.contains(p.service) { continue }
            guard s.endpoints.contains(where: { $0.name == p.endpoint }) else {
                error("service \(quoted(p.service)) has no endpoint \(quoted(p.endpoint))", at: p.node,
                      offset: p.service.count + 1,
                      hint: Suggest.hint(for: p.endpoint, in: s.endpoints.map(\.name), listLabel: "its endpoints"))
                continue
            }
            valid.append(p)
        }
        // Cycles of certain calls: depth-first search over "S.E" nodes.
        var edges: [String: [PendingCall]] = [:]
        for p in valid where p.certain { edges["\(p.caller).\(p.callerEndpoint)", default: []].append(p) }
        var state: [String: Int] = [:]     // 1: on the stack, 2: done
        var stack: [String] = []
        var reported = Set<String>()
        func visit(_ v: String) {
            state[v] = 1
            stack.append(v)
            for p in edges[v] ?? [] {
                let w = "\(p.service).\(p.endpoint)"
                if state[w] == 1 {
                    let cycle = stack[(stack.lastIndex(of: w) ?? 0)...] + [w]
                    let key = Set(cycle).sorted().joined(separator: ",")
                    if reported.insert(key).inserted {
                        error("call cycle that can never end: \(cycle.joined(separator: " → "))", at: p.node,
                              hint: "every call in it is made with probability 1; give one a \"probability\" below 1 or break the cycle")
                    }
                } else if state[w] == nil {
                    visit(w)
                }
            }
            stack.removeLast()
            state[v] = 2
        }
        for v in edges.keys.sorted() where state[v] == nil { visit(v) }
    }
}
