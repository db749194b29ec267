import ClusterModels

/// Which keys each mapping of the scenario takes in this version, and which keys of the spec
/// (scenario-format.md) are recognised but not modelled yet. An unmodelled key is an error, never
/// silently ignored: a scenario that asks for retries or autoscaling must not quietly run without.
enum Schema {
    static let topLevel = KeySchema(
        supported: ["name", "description", "seed", "duration", "stop", "warmup", "replications", "confidence",
                    "limits", "network", "services", "workload", "output", "slo", "sweep", "plan"],
        unsupported: [
            ("cluster", "this version places no pods on nodes; each service's replicas are always ready"),
            ("faults", "fault injection (crash, partition, latency, pause) is not modelled yet"),
        ])

    static let stop = KeySchema(supported: ["requests"])
    static let limits = KeySchema(supported: ["max_events", "max_in_flight", "max_call_depth"])

    static let network = KeySchema(
        supported: ["zones", "within_zone", "across_zones", "links", "retransmit_timeout", "protocol"])
    static let protocols = ProtocolConfig.Kind.allCases.map(\.rawValue)
    static let protocolSettings = KeySchema(supported: ["name", "connections", "max_streams", "tls", "keep_alive", "encoding"])
    static let networkPath = KeySchema(supported: ["latency", "bandwidth", "loss"])
    static let link = KeySchema(supported: ["between", "latency", "bandwidth", "loss", "one_way"])

    static let service = KeySchema(
        supported: ["replicas", "zones", "instance", "balancer", "endpoints", "rate_limit", "protocol", "kind", "proxy", "work"],
        unsupported: [
            ("autoscaler", "replica counts are fixed in this version: set \"replicas\""),
            ("consensus", "consensus-backed services (raft, multi_paxos, lease_lock) are not modelled yet"),
            ("storage", "storage (fsync) is not modelled yet; put its time in the endpoint's \"work\""),
        ])

    static let instance = KeySchema(
        supported: ["cores", "concurrency", "io", "queue"],
        unsupported: [
            ("startup", "instances start ready in this version"),
            ("cpu_limit", "cgroup CPU quotas are not modelled yet; set \"cores\""),
        ])

    static let queue = KeySchema(supported: ["capacity", "discipline"])

    static let serviceKinds = ["service", "proxy"]
    static let proxy = KeySchema(supported: ["to", "policy", "max_connections", "choices", "decay", "spill_at",
                                             "vnodes", "bounded_load", "table_size"])
    /// Policies a proxy tier balances with (no `weighted_round_robin`: its weights are per replica
    /// of one service).
    static let proxyPolicies = balancerPolicies.filter { $0 != "weighted_round_robin" }

    static let balancerPolicies = BalancerPolicy.allCases.map(\.rawValue)
    static let unsupportedBalancerPolicies: [String] = []
    static let balancer = KeySchema(
        supported: ["policy", "weights", "choices", "vnodes", "bounded_load", "table_size", "decay", "spill_at",
                    "outlier_detection"],
        unsupported: [("key", "the request key is the workload's: give the workload \"key: {dist: zipf, keys: 100000, exponent: 1.1}\"")])
    /// The options each policy takes.
    static let balancerOptions: [String: String] = ["weights": "weighted_round_robin", "choices": "p2c",
                                                    "vnodes": "consistent_hash", "bounded_load": "consistent_hash",
                                                    "table_size": "maglev", "decay": "ewma", "spill_at": "zone_aware"]
    /// Largest `vnodes` (a ring holds replicas × vnodes points) and Maglev `table_size`.
    static let maxVnodes = 10_000
    static let maxTableSize = 10_000_000
    static let outlierDetection = KeySchema(supported: ["consecutive_errors", "ejection", "max_ejection", "max_ejected"])

    static let queueDisciplines = QueueDiscipline.allCases.map(\.rawValue)
    static let ioModes = IOMode.allCases.map(\.rawValue)

    static let endpoint = KeySchema(
        supported: ["work", "calls", "request_size", "response_size"],
        unsupported: [
            ("write", "consensus-backed writes are not modelled yet; an endpoint takes \"work\" and \"calls\""),
            ("read", "consensus-backed reads are not modelled yet; an endpoint takes \"work\" and \"calls\""),
        ])

    static let call = KeySchema(
        supported: ["call", "probability", "optional", "timeout", "retries", "circuit_breaker", "hedge", "bulkhead", "protocol"])
    static let parallelStep = KeySchema(supported: ["parallel", "wait_for"])
    static let workStep = KeySchema(supported: ["work"])
    static let retries = KeySchema(supported: ["max", "backoff", "base", "cap", "jitter", "budget", "min_retry_rate"])
    static let breaker = KeySchema(supported: ["failure_rate", "window", "min_requests", "open_for", "half_open_requests"])
    static let hedge = KeySchema(supported: ["after", "max"])
    static let bulkhead = KeySchema(supported: ["max_concurrent"])
    static let rateLimit = KeySchema(supported: ["rate", "burst"])

    static let workload = KeySchema(
        supported: ["name", "to", "arrival", "rate", "profile", "mmpp", "closed", "trace", "key"])
    static let requestKey = KeySchema(supported: ["dist", "keys", "exponent", "column"])
    static let keyDistributions = ["uniform", "zipf"]

    static let arrivals = ["poisson", "constant", "mmpp", "trace"]
    static let profilePoint = KeySchema(supported: ["at", "rate", "ramp"])
    static let mmpp = KeySchema(supported: ["rates", "mean_holding"])
    static let closed = KeySchema(supported: ["users", "think"])
    static let trace = KeySchema(supported: ["file", "column", "speedup"])

    static let output = KeySchema(supported: ["percentiles", "timeseries", "events", "traces"])

    // Experiments (ExperimentDecoder.swift).
    static let slo = KeySchema(supported: ["name", "scope", "metric", "max", "min"])
    static let sweep = KeySchema(supported: ["mode", "parameters"])
    static let plan = KeySchema(supported: ["vary", "range", "confidence", "search"])
}
