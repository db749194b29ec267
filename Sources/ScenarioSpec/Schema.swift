import ClusterModels

/// Which keys each mapping of the scenario takes in this version, and which keys of the spec
/// (scenario-format.md) are recognised but not modelled yet. An unmodelled key is an error, never
/// silently ignored: a scenario that asks for retries or autoscaling must not quietly run without.
enum Schema {
    static let topLevel = KeySchema(
        supported: ["name", "description", "seed", "duration", "stop", "warmup", "replications", "confidence",
                    "limits", "services", "workload", "output", "slo", "sweep", "plan"],
        unsupported: [
            ("network", "this version has no network model: calls between services are not simulated yet"),
            ("cluster", "this version places no pods on nodes; each service's replicas are always ready"),
            ("faults", "fault injection (crash, partition, latency, pause) is not modelled yet"),
        ])

    static let stop = KeySchema(supported: ["requests"])
    static let limits = KeySchema(supported: ["max_events", "max_in_flight"])

    static let service = KeySchema(
        supported: ["replicas", "instance", "balancer", "endpoints"],
        unsupported: [
            ("zones", "this version has a single zone (there is no network model yet)"),
            ("autoscaler", "replica counts are fixed in this version: set \"replicas\""),
            ("consensus", "consensus-backed services (raft, multi_paxos, lease_lock) are not modelled yet"),
            ("storage", "storage (fsync) is not modelled yet; put its time in the endpoint's \"work\""),
            ("rate_limit", "rate limiting is not modelled yet"),
            ("kind", "every service is a plain service in this version (no proxy tier)"),
            ("proxy", "proxy tiers are not modelled yet; model the proxy as a service of its own"),
        ])

    static let instance = KeySchema(
        supported: ["cores", "concurrency", "io", "queue"],
        unsupported: [
            ("startup", "instances start ready in this version"),
            ("cpu_limit", "cgroup CPU quotas are not modelled yet; set \"cores\""),
        ])

    static let queue = KeySchema(supported: ["capacity", "discipline"])

    static let balancerPolicies = BalancerPolicy.allCases.map(\.rawValue)
    static let unsupportedBalancerPolicies = ["weighted_round_robin", "least_requests", "p2c", "consistent_hash",
                                              "maglev", "ewma", "zone_aware"]
    static let balancer = KeySchema(
        supported: ["policy"],
        unsupported: ["weights", "choices", "key", "vnodes", "bounded_load", "outlier_detection", "spill_at"].map {
            ($0, "balancer policies take no options in this version; supported policies: \(balancerPolicies.joined(separator: ", "))")
        })

    static let queueDisciplines = QueueDiscipline.allCases.map(\.rawValue)
    static let ioModes = IOMode.allCases.map(\.rawValue)

    static let endpoint = KeySchema(
        supported: ["work"],
        unsupported: [
            ("calls", "an endpoint does its \"work\" and replies; calls to other services are not modelled yet"),
            ("write", "consensus-backed writes are not modelled yet; an endpoint takes only \"work\""),
            ("read", "consensus-backed reads are not modelled yet; an endpoint takes only \"work\""),
            ("request_size", "message sizes need the network model, which is not there yet"),
            ("response_size", "message sizes need the network model, which is not there yet"),
        ])

    static let workload = KeySchema(
        supported: ["name", "to", "arrival", "rate", "profile", "mmpp", "closed", "trace"],
        unsupported: [("key", "request keys are for consistent_hash balancing, which is not modelled yet")])

    static let arrivals = ["poisson", "constant", "mmpp", "trace"]
    static let profilePoint = KeySchema(supported: ["at", "rate", "ramp"])
    static let mmpp = KeySchema(supported: ["rates", "mean_holding"])
    static let closed = KeySchema(supported: ["users", "think"])
    static let trace = KeySchema(supported: ["file", "column", "speedup"])

    static let output = KeySchema(
        supported: ["percentiles", "timeseries", "events"],
        unsupported: [("traces", "request span traces are not written yet; events.jsonl and timeseries.csv are")])

    // Experiments (ExperimentDecoder.swift).
    static let slo = KeySchema(supported: ["name", "scope", "metric", "max", "min"])
    static let sweep = KeySchema(supported: ["mode", "parameters"])
    static let plan = KeySchema(supported: ["vary", "range", "confidence", "search"])
}
