import ClusterModels
import Workloads

extension DecodeContext {
    /// `workload:` — a list of named sources of requests.
    func workloads(_ node: YNode, services: [ServiceConfig]) -> [WorkloadConfig] {
        guard let items = list(node, "workload") else { return [] }
        if items.isEmpty {
            error("\"workload\" is empty", at: node, hint: "add at least one item, e.g. {name: browse, to: web.home, rate: 100/s}")
            return []
        }
        if items.count > CountLimits.workloads {
            error("more than \(CountLimits.workloads) workloads", at: node)
            return []
        }
        var result: [WorkloadConfig] = []
        var seen: [String: SourceLocation] = [:]
        for item in items {
            if let w = workload(item, services: services, seen: &seen) {
                result.append(w)
                checkKeyReachesHashing(w, node: item, services: services)
            }
        }
        return result
    }

    /// A workload without a `key` must not reach a hashing balancer (consistent_hash, maglev with
    /// more than one replica), directly or through calls (any call, whatever its probability):
    /// without keys the policy has nothing to hash, and a user asking for it expects keys.
    private func checkKeyReachesHashing(_ w: WorkloadConfig, node: YNode, services: [ServiceConfig]) {
        guard w.key == nil, !servicesUnreadable else { return }
        // A proxy tier hashing over its target counts as hashing itself (its calls carry the key).
        func policy(_ s: ServiceConfig) -> BalancerPolicy? {
            if let p = s.proxy { return p.balancer.policy.hashes ? p.balancer.policy : nil }
            return s.balancer.hashes && s.replicas > 1 ? s.balancer : nil
        }
        let hashing = Set(services.filter { policy($0) != nil }.map(\.name))
        guard !hashing.isEmpty else { return }
        var edges: [String: [String]] = [:]
        for p in pendingCalls { edges["\(p.caller).\(p.callerEndpoint)", default: []].append("\(p.service).\(p.endpoint)") }
        var seen: Set<String> = []
        var stack = ["\(w.service).\(w.endpoint)"]
        var order: [String] = []
        while let v = stack.popLast() {
            guard seen.insert(v).inserted else { continue }
            order.append(v)
            stack += (edges[v] ?? []).reversed()
        }
        for v in order {
            let service = String(v.prefix { $0 != "." })
            guard hashing.contains(service), let s = services.first(where: { $0.name == service }) else { continue }
            error("service \(quoted(service)) uses \(policy(s)!.rawValue) but workload \(quoted(w.name)) reaching it has no key",
                  at: node, hint: "give the workload request keys, e.g. \"key: {dist: zipf, keys: 100000, exponent: 1.1}\"")
            return
        }
    }

    private func workload(_ node: YNode, services: [ServiceConfig], seen: inout [String: SourceLocation]) -> WorkloadConfig? {
        guard let f = fields(node, "workload item", schema: Schema.workload) else { return nil }
        guard let nameNode = f["name"] else {
            missing("name", in: f, "workload", hint: "every workload has a unique name, e.g. \"name: browse\"")
            return nil
        }
        guard let name = string(nameNode, "name") else { return nil }
        guard isValidIdentifier(name) else {
            error("invalid workload name \(quoted(name))", at: nameNode, hint: "use letters, digits, \"_\" and \"-\" (at most 100)")
            return nil
        }
        if let first = seen[name] {
            error("duplicate workload name \(quoted(name))", at: nameNode, hint: "first used at line \(first.line); names must be unique")
            return nil
        }
        seen[name] = nameNode.location
        let path = "workload.\(name)"
        locations[path] = node.location
        for pair in f.pairs { if let k = pair.name { record("\(path).\(k)", key: pair.key, value: pair.value) } }

        let target = self.target(f, services: services)
        let arrival = self.arrival(f, path: path)
        var key: RequestKeys? = nil
        var keyOK = true
        if let k = f["key"] {
            key = requestKeys(k, arrival: arrival, arrivalKnown: arrival != nil || !f.has("trace"), trace: f["trace"])
            keyOK = key != nil
        }
        guard let (service, endpoint) = target, let arrival, keyOK else { return nil }
        return WorkloadConfig(name: name, service: service, endpoint: endpoint, arrival: arrival, key: key)
    }

    /// `key:` — request keys for hashing balancers: `{dist: uniform, keys: N}`,
    /// `{dist: zipf, keys: N, exponent: s}`, or `{column: NAME}` of the trace file (`arrival: trace`).
    private func requestKeys(_ node: YNode, arrival: ArrivalProcess?, arrivalKnown: Bool, trace: YNode?) -> RequestKeys? {
        guard let f = fields(node, "key", schema: Schema.requestKey) else { return nil }
        let example = "e.g. {dist: zipf, keys: 100000, exponent: 1.1} or {dist: uniform, keys: 1000}"
        if let c = f["column"] {
            for other in ["dist", "keys", "exponent"] {
                if let k = f.keyNode(other) {
                    error("give \"column\" or \"\(other)\", not both", at: k,
                          hint: "a column takes each trace row's key from the file; a distribution draws keys")
                    return nil
                }
            }
            guard let name = string(c, "column") else { return nil }
            guard arrivalKnown else { return nil }
            guard case .trace(let times, _) = arrival else {
                error("\"column\" keys need \"arrival: trace\"", at: c,
                      hint: "the trace file's column gives each arrival's key; for other arrivals draw keys, \(example)")
                return nil
            }
            guard let tf = trace.flatMap({ fields($0, "trace", schema: Schema.trace) }), let fileNode = tf["file"],
                  let file = string(fileNode, "file") else { return nil }
            let path = DataFiles.resolve(file, base: baseDirectory)
            switch DataFiles.readColumn(path: path, shownAs: file, column: name) {
            case .failure(let p):
                error(p.message, at: c, hint: p.hint)
                return nil
            case .success(let col):
                var keys: [UInt64] = []
                keys.reserveCapacity(col.cells.count)
                for cell in col.cells {
                    if cell.text.isEmpty {
                        error("\(quoted(file)) line \(cell.line): no key in column \(quoted(col.name))", at: c,
                              hint: "every row of the trace needs a key (any text; it is hashed)")
                        return nil
                    }
                    keys.append(StableHash.string(cell.text))
                }
                guard keys.count == times.count else { return nil }
                return .column(name: name, keys: keys)
            }
        }
        guard let dNode = f["dist"] else {
            missing("dist", in: f, "key", hint: example)
            return nil
        }
        guard let dist = choice(dNode, "key distribution", Schema.keyDistributions) else { return nil }
        guard let kNode = f["keys"] else {
            missing("keys", in: f, "key", hint: "the number of distinct keys, \(example)")
            return nil
        }
        guard let n = int(kNode, "keys", in: 1...1_000_000_000) else { return nil }
        if dist == "uniform" {
            if let e = f.keyNode("exponent") {
                error("\"exponent\" applies to dist zipf only", at: e, hint: "remove it, or use \"dist: zipf\"")
                return nil
            }
            return .uniform(keys: n)
        }
        guard let eNode = f["exponent"] else {
            missing("exponent", in: f, "zipf key", hint: "P(k) ∝ k^(−exponent), e.g. \"exponent: 1.1\"")
            return nil
        }
        guard let s = number(eNode, "exponent", check: { $0 > 0 && $0.isFinite ? nil : "must be positive" }) else { return nil }
        return .zipf(keys: n, exponent: s)
    }

    /// `to: SERVICE.ENDPOINT`, checked against the declared services.
    private func target(_ f: Fields, services: [ServiceConfig]) -> (String, String)? {
        guard let n = f["to"] else {
            missing("to", in: f, "workload", hint: "write the target as \"to: SERVICE.ENDPOINT\"")
            return nil
        }
        guard let text = string(n, "to") else { return nil }
        let parts = text.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
            error("\"to\" must be SERVICE.ENDPOINT, found \(quoted(text))", at: n,
                  hint: services.first.flatMap { s in s.endpoints.first.map { "e.g. \"\(s.name).\($0.name)\"" } })
            return nil
        }
        let (serviceName, endpointName) = (parts[0], parts[1])
        if servicesUnreadable { return (serviceName, endpointName) }
        guard let service = services.first(where: { $0.name == serviceName }) else {
            error("unknown service \(quoted(serviceName))", at: n, hint: Suggest.hint(for: serviceName, in: services.map(\.name)))
            return nil
        }
        if servicesWithUnknownEndpoints.contains(serviceName) { return (serviceName, endpointName) }
        guard service.endpoints.contains(where: { $0.name == endpointName }) else {
            error("service \(quoted(serviceName)) has no endpoint \(quoted(endpointName))", at: n,
                  offset: serviceName.count + 1,
                  hint: Suggest.hint(for: endpointName, in: service.endpoints.map(\.name), listLabel: "its endpoints"))
            return nil
        }
        return (serviceName, endpointName)
    }

    /// The arrival process: closed users, or open arrivals (poisson/constant at a rate or profile,
    /// mmpp, trace).
    private func arrival(_ f: Fields, path: String) -> ArrivalProcess? {
        if let c = f["closed"] {
            var ok = true
            for key in ["arrival", "rate", "profile", "mmpp", "trace"] {
                if let k = f.keyNode(key) {
                    error("a closed workload takes no \(quoted(key))", at: k,
                          hint: "closed users send their next request after a think time; remove \(quoted(key)) or \"closed\"")
                    ok = false
                }
            }
            let closed = self.closed(c)
            return ok ? closed : nil
        }
        var mode = "poisson"
        if let a = f["arrival"] {
            guard let m = choice(a, "arrival", Schema.arrivals) else { return nil }
            mode = m
        } else if f.has("mmpp") {
            mode = "mmpp"
        } else if f.has("trace") {
            mode = "trace"
        } else if !f.has("rate") && !f.has("profile") {
            error("workload needs an arrival process", at: f.node,
                  hint: "write e.g. \"arrival: poisson\" with \"rate: 100/s\", or \"closed: {users: 10, think: 1s}\"")
            return nil
        }
        // Keys that belong to other modes.
        var ok = true
        let allowed: [String: [String]] = ["poisson": ["rate", "profile"], "constant": ["rate", "profile"],
                                           "mmpp": ["mmpp"], "trace": ["trace"]]
        for key in ["rate", "profile", "mmpp", "trace"] where !(allowed[mode] ?? []).contains(key) {
            if let k = f.keyNode(key) {
                error("\(quoted(key)) does not apply to arrival \(quoted(mode))", at: k,
                      hint: mode == "mmpp" ? "an mmpp workload takes \"mmpp: {rates, mean_holding}\""
                          : mode == "trace" ? "a trace workload takes \"trace: {file, column, speedup}\""
                          : "a \(mode) workload takes \"rate\" or \"profile\"")
                ok = false
            }
        }
        switch mode {
        case "mmpp":
            guard let m = f["mmpp"] else {
                missing("mmpp", in: f, "workload with arrival mmpp", hint: "write e.g. \"mmpp: {rates: [100/s, 900/s], mean_holding: [30s, 5s]}\"")
                return nil
            }
            let r = mmpp(m)
            return ok ? r : nil
        case "trace":
            guard let t = f["trace"] else {
                missing("trace", in: f, "workload with arrival trace", hint: "write e.g. \"trace: {file: arrivals.csv, column: timestamp_s}\"")
                return nil
            }
            let r = trace(t)
            return ok ? r : nil
        default:
            let shape = ArrivalShape(rawValue: mode) ?? .poisson
            let rate = f["rate"], profile = f["profile"]
            if rate != nil && profile != nil {
                if let k = f.keyNode("profile") {
                    error("give \"rate\" or \"profile\", not both", at: k, hint: "a profile's points carry their own rates")
                }
                return nil
            }
            if let rate {
                guard let r = self.rate(rate, "rate") else { return nil }
                return ok ? .open(shape: shape, rate: r) : nil
            }
            if let profile {
                guard let points = self.profile(profile) else { return nil }
                return ok ? .profile(shape: shape, points: points) : nil
            }
            missing("rate", in: f, "\(mode) workload", hint: "write e.g. \"rate: 100/s\", or a \"profile\"")
            return nil
        }
    }

    /// Profile points: `at` strictly increasing from 0s, rates ≥ 0 (a zero-rate stretch is an
    /// off period), each ramp over before the next point.
    private func profile(_ node: YNode) -> [ProfilePoint]? {
        guard let items = list(node, "profile") else { return nil }
        if items.isEmpty {
            error("\"profile\" is empty", at: node, hint: "write e.g. [{at: 0s, rate: 100/s}, {at: 2m, rate: 800/s, ramp: 30s}]")
            return nil
        }
        var points: [ProfilePoint] = []
        var ok = true
        var previous: (at: Int64, rampEnd: Int64)? = nil
        for item in items {
            guard let f = fields(item, "profile point", schema: Schema.profilePoint) else { ok = false; continue }
            guard let atNode = f["at"], let rateNode = f["rate"] else {
                missing(f.has("at") ? "rate" : "at", in: f, "profile point", hint: "write e.g. {at: 2m, rate: 800/s, ramp: 30s}")
                ok = false
                continue
            }
            let at = duration(atNode, "at", allowZero: true)
            let rate = self.rate(rateNode, "rate", allowZero: true)
            let ramp = f["ramp"].map { duration($0, "ramp", allowZero: true) } ?? 0
            guard let at, let rate, let ramp else { ok = false; continue }
            if previous == nil, at != 0 {
                error("the first profile point must be at 0s, found \(quoted(atNode.scalarText ?? ""))", at: atNode,
                      hint: "start with {at: 0s, rate: …}: the profile gives the rate from the start of the run")
                ok = false
            }
            if let p = previous {
                if at <= p.at {
                    error("profile points must be in increasing order of \"at\"", at: atNode,
                          hint: "this point is at \(SimDurationText.format(at)), not after the previous one at \(SimDurationText.format(p.at))")
                    ok = false
                } else if p.rampEnd > at {
                    error("the previous point's ramp ends after this point", at: atNode,
                          hint: "the ramp ends at \(SimDurationText.format(p.rampEnd)); shorten it or move this point")
                    ok = false
                }
            }
            let (end, overflow) = at.addingReportingOverflow(ramp)
            previous = (at, overflow ? Int64.max : end)
            points.append(ProfilePoint(at: at, rate: rate, ramp: ramp))
        }
        guard ok else { return nil }
        if !points.contains(where: { $0.rate > 0 }) {
            error("every rate in the profile is zero", at: node)
            return nil
        }
        return points
    }

    private func mmpp(_ node: YNode) -> ArrivalProcess? {
        guard let f = fields(node, "mmpp", schema: Schema.mmpp) else { return nil }
        guard let rNode = f["rates"], let hNode = f["mean_holding"] else {
            missing(f.has("rates") ? "mean_holding" : "rates", in: f, "mmpp",
                    hint: "write e.g. {rates: [100/s, 900/s], mean_holding: [30s, 5s]}")
            return nil
        }
        guard let rItems = list(rNode, "rates"), let hItems = list(hNode, "mean_holding") else { return nil }
        let rates = rItems.map { rate($0, "rate", allowZero: true) }
        let holds = hItems.map { seconds($0, "mean_holding") }
        let rs = rates.compactMap { $0 }, hs = holds.compactMap { $0 }
        guard rs.count == rates.count, hs.count == holds.count else { return nil }
        if rs.count < 2 {
            error("\"rates\" needs at least 2 states", at: rNode, hint: "one rate per state, e.g. [100/s, 900/s]")
            return nil
        }
        if rs.count != hs.count {
            error("mmpp has \(rs.count) rates but \(hs.count) mean holding times", at: hNode, hint: "give one mean_holding per rate")
            return nil
        }
        if !rs.contains(where: { $0 > 0 }) {
            error("every mmpp rate is zero", at: rNode)
            return nil
        }
        return .mmpp(rates: rs, meanHolding: hs)
    }

    private func closed(_ node: YNode) -> ArrivalProcess? {
        guard let f = fields(node, "closed", schema: Schema.closed) else { return nil }
        guard let uNode = f["users"], let tNode = f["think"] else {
            missing(f.has("users") ? "think" : "users", in: f, "closed", hint: "write e.g. {users: 200, think: {dist: exponential, mean: 2s}}")
            return nil
        }
        let users = int(uNode, "users", in: 1...10_000_000)
        let think = distribution(tNode, "think")
        guard let users, let think else { return nil }
        return .closed(users: users, think: think)
    }

    /// A trace: arrival instants in seconds from the start, in a CSV column, non-decreasing.
    private func trace(_ node: YNode) -> ArrivalProcess? {
        guard let f = fields(node, "trace", schema: Schema.trace) else { return nil }
        guard let fileNode = f["file"] else {
            missing("file", in: f, "trace", hint: "write e.g. {file: traces/monday.csv, column: timestamp_s}")
            return nil
        }
        let file = string(fileNode, "file")
        let column = f["column"].flatMap { string($0, "column") }
        let speedup = f["speedup"].map { n in number(n, "speedup") { $0 > 0 ? nil : "must be positive" } } ?? 1.0
        guard let file, let speedup, f["column"] == nil || column != nil else { return nil }
        let path = DataFiles.resolve(file, base: baseDirectory)
        switch DataFiles.readColumn(path: path, shownAs: file, column: column) {
        case .failure(let p):
            error(p.message, at: fileNode, hint: p.hint)
            return nil
        case .success(let col):
            var times: [Int64] = []
            times.reserveCapacity(col.cells.count)
            var previousLine = 0
            for cell in col.cells {
                guard let t = Units.secondsToNanos(Substring(cell.text)) else {
                    error("\(quoted(file)) line \(cell.line): \(quoted(cell.text)) in column \(quoted(col.name)) is not a time in seconds",
                          at: fileNode, hint: "each row holds an arrival instant in seconds from the start, e.g. 12.5")
                    return nil
                }
                if let last = times.last, t < last {
                    error("trace \(quoted(file)) is not sorted: line \(cell.line) (\(cell.text)) is earlier than line \(previousLine)",
                          at: fileNode, hint: "sort the arrival times in increasing order")
                    return nil
                }
                times.append(t)
                previousLine = cell.line
            }
            if times.isEmpty {
                error("data file \(quoted(file)) has no arrival times in column \(quoted(col.name))", at: fileNode)
                return nil
            }
            // The arrival time is round(value / speedup) ns, an Int64: a speedup far below 1 must
            // not carry the last (largest) value past it.
            if let s = f["speedup"], let last = times.last, !((Double(last) / speedup).rounded() < 0x1p63) {
                error("\"speedup\" \(s.scalarText ?? "") puts line \(previousLine) of \(quoted(file)) past the longest time "
                      + "that can be simulated (about 292 years)",
                      at: s, hint: "each arrival is at the trace value divided by speedup; use a larger speedup")
                return nil
            }
            return .trace(times: times, speedup: speedup)
        }
    }
}

/// Durations in messages, as the spec writes them (`2m`, `1500ms`).
enum SimDurationText {
    static func format(_ ns: Int64) -> String {
        let units: [(Int64, String)] = [(3_600_000_000_000, "h"), (60_000_000_000, "m"), (1_000_000_000, "s"),
                                        (1_000_000, "ms"), (1_000, "us")]
        if ns == 0 { return "0s" }
        for (size, name) in units where ns % size == 0 { return "\(ns / size)\(name)" }
        return "\(ns)ns"
    }
}
