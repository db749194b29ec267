import ClusterModels
import SimRandom

/// Limits on how many of a thing one scenario may declare.
enum CountLimits {
    static let services = 10_000
    static let workloads = 10_000
    static let endpointsPerService = 10_000
    static let replicas = 100_000
    static let cores = 1_024
    static let concurrency = 1_000_000
    static let zones = 1_000
    static let stepsPerEndpoint = 1_000
    static let retries = 100
    static let messageBytes = 1 << 30
}

/// Service, endpoint and workload names: letters, digits, `_` and `-` (they appear in dotted
/// paths, stream names and report scopes, so no dots or spaces).
func isValidIdentifier(_ s: String) -> Bool {
    !s.isEmpty && s.count <= 100 && s.unicodeScalars.allSatisfy { c in
        (c >= "a" && c <= "z") || (c >= "A" && c <= "Z") || (c >= "0" && c <= "9") || c == "_" || c == "-"
    }
}

extension DecodeContext {
    /// `services:` — a mapping of service name to its configuration, in file order.
    func services(_ node: YNode, network: NetworkConfig) -> [ServiceConfig] {
        guard let pairs = node.pairs else {
            error("\"services\" must be a mapping of service names, found \(node.kindDescription)", at: node,
                  hint: "write each service as \"NAME:\" with its settings indented below")
            servicesUnreadable = true
            return []
        }
        if pairs.isEmpty {
            error("\"services\" is empty", at: node, hint: "declare at least one service with an endpoint")
            return []
        }
        if pairs.count > CountLimits.services {
            error("more than \(CountLimits.services) services", at: node)
            servicesUnreadable = true
            return []
        }
        var result: [ServiceConfig] = []
        for pair in pairs {
            guard let name = serviceName(pair.key, what: "service") else { continue }
            record("services.\(name)", key: pair.key, value: pair.value)
            result.append(service(name, pair.value, network: network))
        }
        expandProxies(&result)
        return result
    }

    /// Gives each proxy the endpoints of its target: for every endpoint E of `to`, an endpoint E that
    /// does the proxy's `work` and then calls `to.E` through the proxy's balancer (a
    /// ``ProxyBalancer`` on the call, one view shared by the proxy's instances).
    private func expandProxies(_ services: inout [ServiceConfig]) {
        for k in services.indices {
            guard let p = services[k].proxy else { continue }
            let name = services[k].name
            guard let t = services.first(where: { $0.name == p.to }) else {
                if let node = proxyTargets[name] {
                    error("unknown service \(quoted(p.to)) in proxy \(quoted(name))", at: node,
                          hint: Suggest.hint(for: p.to, in: services.filter { $0.proxy == nil }.map(\.name)))
                }
                servicesWithUnknownEndpoints.insert(name)
                continue
            }
            if t.proxy != nil {
                if let node = proxyTargets[name] {
                    error("proxy \(quoted(name)) forwards to \(quoted(p.to)), another proxy", at: node,
                          hint: "a proxy forwards to a plain service with endpoints; chain proxies through plain services")
                }
                servicesWithUnknownEndpoints.insert(name)
                continue
            }
            if servicesWithUnknownEndpoints.contains(t.name) { servicesWithUnknownEndpoints.insert(name); continue }
            if p.balancer.policy == .p2c && p.balancer.choices > t.replicas, let node = proxyTargets[name] {
                error("\"choices\" must be at most the replicas of \(quoted(t.name)) (\(t.replicas)), found \(p.balancer.choices)",
                      at: node, hint: "p2c draws that many distinct instances of the target")
                servicesWithUnknownEndpoints.insert(name)
                continue
            }
            services[k].endpoints = t.endpoints.map { e in
                var c = CallSpec(service: t.name, endpoint: e.name)
                c.proxyBalancer = p.balancer
                return EndpointConfig(name: e.name, work: p.work, steps: [.call(c)],
                                      requestSize: e.requestSize, responseSize: e.responseSize)
            }
        }
    }

    /// `kind: proxy` with `proxy: {to, policy, max_connections, …}` and the proxy's `work`.
    private func proxy(_ f: Fields, name: String, path: String, into config: inout ServiceConfig) {
        if let e = f.keyNode("endpoints") {
            error("proxy \(quoted(name)) takes no \"endpoints\"", at: e,
                  hint: "a proxy serves every endpoint of the service in its \"to\"; remove \"endpoints\"")
        }
        var work = Distribution.constant(0)
        if let w = f["work"] {
            record("\(path).work", key: f.keyNode("work"), value: w)
            work = distribution(w, "work") ?? .constant(0)
        }
        guard let n = f["proxy"] else {
            missing("proxy", in: f, "proxy service \(quoted(name))",
                    hint: "write e.g. \"proxy: {to: frontend, policy: least_requests, max_connections: 10000}\"")
            servicesWithUnknownEndpoints.insert(name)
            return
        }
        record("\(path).proxy", key: f.keyNode("proxy"), value: n)
        guard let p = fields(n, "proxy", schema: Schema.proxy) else { servicesWithUnknownEndpoints.insert(name); return }
        var to: String?
        if let t = p["to"] {
            record("\(path).proxy.to", key: p.keyNode("to"), value: t)
            to = string(t, "to")
            proxyTargets[name] = t
        } else {
            missing("to", in: p, "proxy", hint: "name the service the proxy forwards to, e.g. \"to: frontend\"")
        }
        var balancer = ProxyBalancer(policy: .roundRobin)
        if let pol = p["policy"] {
            record("\(path).proxy.policy", key: p.keyNode("policy"), value: pol)
            if let s = choice(pol, "proxy policy", Schema.proxyPolicies, unsupported: Schema.unsupportedBalancerPolicies),
               let policy = BalancerPolicy(rawValue: s) {
                balancer.policy = policy
            }
        }
        var maxConnections = config.concurrency
        if let m = p["max_connections"] {
            record("\(path).proxy.max_connections", key: p.keyNode("max_connections"), value: m)
            if let v = int(m, "max_connections", in: 1...CountLimits.concurrency) { maxConnections = v }
        } else {
            missing("max_connections", in: p, "proxy",
                    hint: "the connections one proxy instance serves at once (HAProxy's maxconn), e.g. \"max_connections: 10000\"")
        }
        for key in ["choices", "decay", "spill_at", "vnodes", "bounded_load", "table_size"] {
            guard let v = p[key], let owner = Schema.balancerOptions[key] else { continue }
            record("\(path).proxy.\(key)", key: p.keyNode(key), value: v)
            if balancer.policy.rawValue != owner {
                error("proxy policy \(quoted(balancer.policy.rawValue)) takes no \(quoted(key))", at: p.keyNode(key) ?? v,
                      hint: "\(quoted(key)) is an option of \(owner); remove it or use policy: \(owner)")
                continue
            }
            switch key {
            case "choices": if let d = int(v, "choices", in: 2...CountLimits.replicas) { balancer.choices = d }
            case "decay": if let d = duration(v, "decay") { balancer.decay = d }
            case "vnodes": if let d = int(v, "vnodes", in: 1...Schema.maxVnodes) { balancer.vnodes = d }
            case "bounded_load": if let c = boundedLoad(v) { balancer.boundedLoad = c }
            case "table_size": if let m = tableSize(v) { balancer.tableSize = m }
            default:
                if let f = fraction(v, "spill_at") {
                    if f > 0 { balancer.spillAt = f }
                    else { error("\"spill_at\" must be above 0", at: v, hint: "write e.g. 80%") }
                }
            }
        }
        // HAProxy's maxconn: connections past it wait in the proxy's queue (unbounded, as a server's
        // default maxqueue 0), each held until its response is back (a blocking worker).
        config.concurrency = maxConnections
        config.io = .blocking
        config.queueCapacity = Int.max
        if let to { config.proxy = ProxyConfig(to: to, balancer: balancer, maxConnections: maxConnections, work: work) }
        else { servicesWithUnknownEndpoints.insert(name) }
    }

    /// Checks a service or endpoint name written as a key.
    private func serviceName(_ key: YNode, what: String) -> String? {
        guard let name = key.scalarText else {
            error("a \(what) name must be a plain name, found \(key.kindDescription)", at: key)
            return nil
        }
        guard isValidIdentifier(name) else {
            error("invalid \(what) name \(quoted(name))", at: key,
                  hint: "use letters, digits, \"_\" and \"-\" (at most 100)")
            return nil
        }
        return name
    }

    /// The service as far as it could be decoded (the scenario is only returned without errors, and
    /// a partial service keeps workloads that name it from reporting it unknown).
    private func service(_ name: String, _ node: YNode, network: NetworkConfig) -> ServiceConfig {
        let path = "services.\(name)"
        var config = ServiceConfig(name: name, endpoints: [])
        guard let f = fields(node, name, schema: Schema.service) else {
            servicesWithUnknownEndpoints.insert(name)
            return config
        }

        if let n = f["replicas"] {
            record("\(path).replicas", key: f.keyNode("replicas"), value: n)
            if let v = int(n, "replicas", in: 1...CountLimits.replicas) { config.replicas = v }
        }
        if let n = f["zones"] {
            record("\(path).zones", key: f.keyNode("zones"), value: n)
            config.zones = serviceZones(n, networkZones: network.zones)
        }
        if let n = f["rate_limit"] {
            record("\(path).rate_limit", key: f.keyNode("rate_limit"), value: n)
            config.rateLimit = rateLimit(n)
        }
        if let n = f["protocol"] {
            record("\(path).protocol", key: f.keyNode("protocol"), value: n)
            config.protocolConfig = protocolConfig(n)
        }
        if let n = f["instance"] {
            record("\(path).instance", key: f.keyNode("instance"), value: n)
            instance(n, path: "\(path).instance", into: &config)
        }
        if let n = f["balancer"] {
            record("\(path).balancer", key: f.keyNode("balancer"), value: n)
            if let b = fields(n, "balancer", schema: Schema.balancer) {
                var policy: BalancerPolicy?
                if let p = b["policy"] {
                    record("\(path).balancer.policy", key: b.keyNode("policy"), value: p)
                    if let s = choice(p, "balancer policy", Schema.balancerPolicies,
                                      unsupported: Schema.unsupportedBalancerPolicies) {
                        policy = BalancerPolicy(rawValue: s)
                        if let policy { config.balancer = policy }
                    }
                } else {
                    missing("policy", in: b, "balancer", hint: "supported: \(Schema.balancerPolicies.joined(separator: ", "))")
                }
                balancerOptions(b, policy: policy, path: "\(path).balancer", into: &config)
                if let o = b["outlier_detection"] {
                    record("\(path).balancer.outlier_detection", key: b.keyNode("outlier_detection"), value: o)
                    config.outlierDetection = outlierDetection(o, path: "\(path).balancer.outlier_detection")
                }
            }
        }
        var isProxy = false
        if let k = f["kind"] {
            record("\(path).kind", key: f.keyNode("kind"), value: k)
            if let s = choice(k, "service kind", Schema.serviceKinds) { isProxy = s == "proxy" }
            else { servicesWithUnknownEndpoints.insert(name); return config }
        }
        if isProxy {
            proxy(f, name: name, path: path, into: &config)
            return config
        }
        for key in ["proxy", "work"] {
            if let k = f.keyNode(key) {
                error("only a proxy takes \(quoted(key)) here", at: k,
                      hint: key == "work" ? "put the work in an endpoint, or write \"kind: proxy\"" : "add \"kind: proxy\"")
            }
        }
        if let n = f["endpoints"] {
            record("\(path).endpoints", key: f.keyNode("endpoints"), value: n)
            if let e = endpoints(n, service: name, path: "\(path).endpoints") {
                config.endpoints = e
            } else {
                servicesWithUnknownEndpoints.insert(name)
            }
        } else {
            missing("endpoints", in: f, "service \(quoted(name))", hint: "write e.g. \"endpoints: {home: {work: 5ms}}\"")
            servicesWithUnknownEndpoints.insert(name)
        }
        return config
    }

    /// `weights` (weighted_round_robin) and `choices` (p2c), checked against the policy and the
    /// replicas (`replicas` comes before `balancer` in the service, whatever the file order).
    private func balancerOptions(_ b: Fields, policy: BalancerPolicy?, path: String, into config: inout ServiceConfig) {
        for pair in b.pairs {
            guard let key = pair.name, let owner = Schema.balancerOptions[key] else { continue }
            record("\(path).\(key)", key: pair.key, value: pair.value)
            if let policy, policy.rawValue != owner {
                error("balancer policy \(quoted(policy.rawValue)) takes no \(quoted(key))", at: pair.key,
                      hint: "\(quoted(key)) is an option of \(owner); remove it or use policy: \(owner)")
                continue
            }
            if key == "decay" {
                if let d = duration(pair.value, "decay") { config.balancerDecay = d }
            } else if key == "spill_at" {
                guard let f = fraction(pair.value, "spill_at") else { continue }
                if f <= 0 {
                    error("\"spill_at\" must be above 0", at: pair.value,
                          hint: "the load (outstanding per local instance over its concurrency) past which requests leave the zone; write e.g. 80%")
                    continue
                }
                config.balancerSpillAt = f
            } else if key == "choices" {
                guard let d = int(pair.value, "choices", in: 2...CountLimits.replicas) else { continue }
                if d > config.replicas {
                    error("\"choices\" must be at most the replicas (\(config.replicas)), found \(d)", at: pair.value,
                          hint: "p2c draws that many distinct instances; with \(config.replicas) replicas use at most \(config.replicas)")
                    continue
                }
                config.balancerChoices = d
            } else if key == "vnodes" {
                guard let v = int(pair.value, "vnodes", in: 1...Schema.maxVnodes) else { continue }
                config.balancerVnodes = v
            } else if key == "bounded_load" {
                guard let c = boundedLoad(pair.value) else { continue }
                config.balancerBoundedLoad = c
            } else if key == "table_size" {
                guard let m = tableSize(pair.value) else { continue }
                if m < config.replicas {
                    error("\"table_size\" must be at least the replicas (\(config.replicas)), found \(m)", at: pair.value,
                          hint: "each instance needs an entry; the paper uses a table over 100 times the backends, e.g. 65537")
                    continue
                }
                config.balancerTableSize = m
            } else {
                guard let items = list(pair.value, "weights") else { continue }
                var weights: [Int] = []
                for item in items {
                    if let w = int(item, "weight", in: 1...1_000_000) { weights.append(w) }
                }
                guard weights.count == items.count else { continue }
                if weights.count != config.replicas {
                    error("\"weights\" has \(weights.count) weight\(weights.count == 1 ? "" : "s") for \(config.replicas) replica\(config.replicas == 1 ? "" : "s")",
                          at: pair.value, hint: "give one weight per replica, in instance order")
                    continue
                }
                config.balancerWeights = weights
            }
        }
    }

    /// `bounded_load` (of a balancer or a proxy): a number above 1.
    private func boundedLoad(_ v: YNode) -> Double? {
        guard let c = number(v, "bounded_load") else { return nil }
        guard c > 1, c.isFinite else {
            error("\"bounded_load\" must be greater than 1, found \(v.scalarText ?? "")", at: v,
                  hint: "each instance takes at most bounded_load × the mean load, e.g. 1.25 (HAProxy's hash-balance-factor 125)")
            return nil
        }
        return c
    }

    /// Maglev's `table_size` (of a balancer or a proxy): a prime.
    private func tableSize(_ v: YNode) -> Int? {
        guard let m = int(v, "table_size", in: 2...Schema.maxTableSize) else { return nil }
        guard Self.isPrime(m) else {
            error("\"table_size\" must be a prime number, found \(m)", at: v,
                  hint: "Maglev's table size is prime (Eisenbud et al. §3.4); the next prime is \(Self.nextPrime(after: m))")
            return nil
        }
        return m
    }

    static func isPrime(_ n: Int) -> Bool {
        if n < 2 { return false }
        if n < 4 { return true }
        if n % 2 == 0 { return false }
        var d = 3
        while d * d <= n { if n % d == 0 { return false }; d += 2 }
        return true
    }

    static func nextPrime(after n: Int) -> Int {
        var m = n + 1
        while !isPrime(m) { m += 1 }
        return m
    }

    /// `outlier_detection: {consecutive_errors: 5, ejection: 30s, max_ejection: 300s, max_ejected: 10%}`
    /// (Envoy's consecutive_5xx, base_ejection_time, max_ejection_time, max_ejection_percent and
    /// their defaults).
    private func outlierDetection(_ node: YNode, path: String) -> OutlierDetection? {
        guard let f = fields(node, "outlier_detection", schema: Schema.outlierDetection) else { return nil }
        var od = OutlierDetection()
        var ok = true
        if let n = f["consecutive_errors"] {
            record("\(path).consecutive_errors", key: f.keyNode("consecutive_errors"), value: n)
            if let v = int(n, "consecutive_errors", in: 1...1_000_000) { od.consecutiveErrors = v } else { ok = false }
        }
        if let n = f["ejection"] {
            record("\(path).ejection", key: f.keyNode("ejection"), value: n)
            if let v = duration(n, "ejection") { od.ejection = v } else { ok = false }
        }
        if let n = f["max_ejection"] {
            record("\(path).max_ejection", key: f.keyNode("max_ejection"), value: n)
            if let v = duration(n, "max_ejection") { od.maxEjection = v } else { ok = false }
        }
        if let n = f["max_ejected"] {
            record("\(path).max_ejected", key: f.keyNode("max_ejected"), value: n)
            if let v = fraction(n, "max_ejected") { od.maxEjected = v } else { ok = false }
        }
        if ok, od.maxEjection < od.ejection, let n = f["max_ejection"] ?? f["ejection"] {
            error("\"max_ejection\" must be at least \"ejection\"", at: n,
                  hint: "an ejection lasts \"ejection\" × times ejected, capped by \"max_ejection\"; Envoy's defaults are 30s and 300s")
            return nil
        }
        return ok ? od : nil
    }

    private func instance(_ node: YNode, path: String, into config: inout ServiceConfig) {
        guard let f = fields(node, "instance", schema: Schema.instance) else { return }
        if let n = f["cores"] {
            record("\(path).cores", key: f.keyNode("cores"), value: n)
            if let v = int(n, "cores", in: 1...CountLimits.cores) { config.cores = v }
        }
        if let n = f["concurrency"] {
            record("\(path).concurrency", key: f.keyNode("concurrency"), value: n)
            if let v = int(n, "concurrency", in: 1...CountLimits.concurrency) { config.concurrency = v }
        }
        if let n = f["io"] {
            record("\(path).io", key: f.keyNode("io"), value: n)
            if let s = choice(n, "io mode", Schema.ioModes), let io = IOMode(rawValue: s) { config.io = io }
        }
        if let n = f["queue"] {
            record("\(path).queue", key: f.keyNode("queue"), value: n)
            if let q = fields(n, "queue", schema: Schema.queue) {
                if let c = q["capacity"] {
                    record("\(path).queue.capacity", key: q.keyNode("capacity"), value: c)
                    if let v = queueCapacity(c) { config.queueCapacity = v }
                }
                if let d = q["discipline"] {
                    record("\(path).queue.discipline", key: q.keyNode("discipline"), value: d)
                    if let s = choice(d, "queue discipline", Schema.queueDisciplines, unsupported: ["priority"]),
                       let disc = QueueDiscipline(rawValue: s) {
                        config.discipline = disc
                    }
                }
            }
        }
    }

    /// A whole number ≥ 0, or `unbounded` (→ `Int.max`, bounded by `limits.max_in_flight`).
    private func queueCapacity(_ node: YNode) -> Int? {
        if node.scalarText == "unbounded" { return Int.max }
        if let t = node.scalarText, Units.integer(t) == nil {
            error("\"capacity\" must be a whole number or \"unbounded\", found \(quoted(t))", at: node)
            return nil
        }
        if let t = node.scalarText, let v = Units.integer(t), v < 0 {
            error("\"capacity\" must not be negative, found \(v)", at: node,
                  hint: "0 rejects every request that finds all workers busy; \"unbounded\" never rejects")
            return nil
        }
        return int(node, "capacity", in: 0...Int.max)
    }

    /// The endpoints; nil only when their names are unknown (not a mapping). An endpoint whose work
    /// has errors is kept with zero work so that workloads naming it resolve.
    private func endpoints(_ node: YNode, service: String, path: String) -> [EndpointConfig]? {
        guard let pairs = node.pairs else {
            error("\"endpoints\" must be a mapping of endpoint names, found \(node.kindDescription)", at: node,
                  hint: "write e.g. \"endpoints: {home: {work: 5ms}}\"")
            return nil
        }
        if pairs.isEmpty {
            error("\"endpoints\" is empty", at: node, hint: "declare at least one endpoint, e.g. \"home: {work: 5ms}\"")
            return nil
        }
        if pairs.count > CountLimits.endpointsPerService {
            error("more than \(CountLimits.endpointsPerService) endpoints", at: node)
            return nil
        }
        var result: [EndpointConfig] = []
        for pair in pairs {
            guard let name = serviceName(pair.key, what: "endpoint") else { continue }
            let epPath = "\(path).\(name)"
            record(epPath, key: pair.key, value: pair.value)
            let placeholder = EndpointConfig(name: name, work: .constant(0))
            guard let f = fields(pair.value, name, schema: Schema.endpoint) else { result.append(placeholder); continue }
            guard let w = f["work"] else {
                missing("work", in: f, "endpoint \(quoted(name))", hint: "write e.g. \"work: 5ms\" or \"work: {dist: exponential, mean: 5ms}\"")
                result.append(placeholder)
                continue
            }
            record("\(epPath).work", key: f.keyNode("work"), value: w)
            var ep = EndpointConfig(name: name, work: distribution(w, "work") ?? .constant(0))
            if let c = f["calls"] {
                record("\(epPath).calls", key: f.keyNode("calls"), value: c)
                ep.steps = endpointSteps(c, caller: service, endpoint: name, path: "\(epPath).calls")
            }
            if let n = f["request_size"] {
                record("\(epPath).request_size", key: f.keyNode("request_size"), value: n)
                ep.requestSize = size(n, "request_size") ?? 0
            }
            if let n = f["response_size"] {
                record("\(epPath).response_size", key: f.keyNode("response_size"), value: n)
                ep.responseSize = size(n, "response_size") ?? 0
            }
            result.append(ep)
        }
        return result
    }
}
