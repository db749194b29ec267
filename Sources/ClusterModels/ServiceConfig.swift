import SimKernel
import SimRandom

/// Order in which queued requests are admitted when a worker frees.
public enum QueueDiscipline: String, Sendable, CaseIterable {
    case fifo, lifo
}

/// What a worker does while its request waits on downstream calls (used once endpoints have calls).
public enum IOMode: String, Sendable, CaseIterable {
    /// Thread-per-request: the worker is held while the request waits on its calls.
    case blocking
    /// Event-loop style: the worker is freed while calls are in flight.
    case async
}

/// How a caller picks an instance of a service (one file per policy in `Balancing/`).
public enum BalancerPolicy: String, Sendable, CaseIterable {
    case roundRobin = "round_robin"
    case weightedRoundRobin = "weighted_round_robin"
    case random
    case leastRequests = "least_requests"
    case p2c
    case consistentHash = "consistent_hash"
    case maglev
    case ewma
    case zoneAware = "zone_aware"

    /// Policies that pick from outstanding-request counts (each balancer keeps its own view).
    /// `consistent_hash` counts too when it has `bounded_load` (see ``ServiceConfig/countsOutstanding``).
    public var countsOutstanding: Bool { self == .leastRequests || self == .p2c || self == .ewma || self == .zoneAware }
    /// Policies that pick from the request's key.
    public var hashes: Bool { self == .consistentHash || self == .maglev }
    /// Policies that draw from the service's `service.NAME.balancer` stream.
    public var draws: Bool { self == .random || self == .p2c || self == .ewma }
}

/// Envoy's outlier detection on consecutive failures (envoy.config.cluster.v3.OutlierDetection;
/// the "Outlier detection" page of Envoy's architecture overview), kept per balancer view.
public struct OutlierDetection: Sendable, Equatable {
    /// Envoy's `consecutive_5xx` (default 5): failures in a row that eject an instance.
    public var consecutiveErrors: Int = 5
    /// Envoy's `base_ejection_time` (default 30 s): the n-th ejection lasts n × this (ns).
    public var ejection: Int64 = 30_000_000_000
    /// Envoy's `max_ejection_time` (default 300 s): the cap on one ejection (ns).
    public var maxEjection: Int64 = 300_000_000_000
    /// Envoy's `max_ejection_percent` (default 10 %), as a fraction.
    public var maxEjected: Double = 0.1
    public init(consecutiveErrors: Int = 5, ejection: Int64 = 30_000_000_000, maxEjection: Int64 = 300_000_000_000,
                maxEjected: Double = 0.1) {
        self.consecutiveErrors = consecutiveErrors; self.ejection = ejection
        self.maxEjection = maxEjection; self.maxEjected = maxEjected
    }
}

/// One endpoint of a service: the CPU demand of a request to it, then its calls and any more work.
public struct EndpointConfig: Sendable, Equatable {
    public var name: String
    /// CPU work in seconds of one core, done first.
    public var work: Distribution
    /// What follows the first work, in order: calls, parallel blocks, more work.
    public var steps: [EndpointStep]
    /// Bytes of a request to this endpoint and of its response (the network's serialization delay).
    public var requestSize: Int
    public var responseSize: Int
    public init(name: String, work: Distribution, steps: [EndpointStep] = [], requestSize: Int = 0, responseSize: Int = 0) {
        self.name = name; self.work = work; self.steps = steps
        self.requestSize = requestSize; self.responseSize = responseSize
    }
}

/// A token bucket (over it → 429, rejected): `rate` tokens a second, at most `burst` saved up.
/// One bucket for the whole service, as a global rate limit service (Envoy's global rate limiting)
/// keeps it.
public struct RateLimit: Sendable, Equatable {
    public var rate: Double
    public var burst: Int
    public init(rate: Double, burst: Int) { self.rate = rate; self.burst = burst }
}

/// A service as the model runs it.
public struct ServiceConfig: Sendable, Equatable {
    /// Tomcat's `maxThreads` default (Apache Tomcat 10 HTTP connector reference): worker pool size.
    public static let defaultConcurrency = 200
    /// Tomcat's `acceptCount` default (same reference): requests queued when every worker is busy.
    public static let defaultQueueCapacity = 100

    public var name: String
    public var replicas: Int
    /// Cores per instance; requests doing work share them by processor sharing.
    public var cores: Int
    /// Worker pool per instance: requests admitted at once.
    public var concurrency: Int
    public var io: IOMode
    /// Waiting requests per instance beyond the workers; `Int.max` means bounded only by
    /// `limits.max_in_flight`.
    public var queueCapacity: Int
    public var discipline: QueueDiscipline
    public var balancer: BalancerPolicy
    /// `weighted_round_robin`: one positive weight per replica (nil: all equal).
    public var balancerWeights: [Int]? = nil
    /// `p2c`: candidates drawn per pick (d ≥ 2; at most the replicas are drawn).
    public var balancerChoices: Int = 2
    /// `consistent_hash`: ring points per instance. 100, a common per-host default (Karger et al.
    /// show O(log n) points per server give O(1) imbalance; validation.md §6: max/mean share 1.16 at
    /// n = 10, 1.27 at n = 100).
    public var balancerVnodes: Int = 100
    /// `consistent_hash`: bounded-load factor c > 1 (nil: unbounded).
    public var balancerBoundedLoad: Double? = nil
    /// `maglev`: lookup table size, a prime (the paper's 65537 by default).
    public var balancerTableSize: Int = 65537
    /// `ewma`: the decay time of the latency average (ns); Finagle's `p2cPeakEwma` default, 10 s.
    public var balancerDecay: Int64 = PeakEwma.defaultDecay
    /// `zone_aware`: the load (outstanding requests per local instance, as a fraction of its
    /// `concurrency`) above which requests spill over to other zones.
    public var balancerSpillAt: Double = ZoneAware.defaultSpillAt
    /// `outlier_detection` of the balancer (nil: none).
    public var outlierDetection: OutlierDetection? = nil
    /// `kind: proxy`: what the proxy forwards to (its endpoints are the target's, each doing the
    /// proxy's `work` and then calling the target's endpoint of the same name).
    public var proxy: ProxyConfig? = nil
    public var endpoints: [EndpointConfig]
    /// Zones the replicas are spread over, round robin (nil: every zone of the network).
    public var zones: [String]? = nil
    public var rateLimit: RateLimit? = nil
    /// Protocol of calls into this service (nil: the network's).
    public var protocolConfig: ProtocolConfig? = nil

    public init(name: String, replicas: Int = 1, cores: Int = 1,
                concurrency: Int = ServiceConfig.defaultConcurrency, io: IOMode = .blocking,
                queueCapacity: Int = ServiceConfig.defaultQueueCapacity, discipline: QueueDiscipline = .fifo,
                balancer: BalancerPolicy = .roundRobin, endpoints: [EndpointConfig]) {
        self.name = name; self.replicas = replicas; self.cores = cores; self.concurrency = concurrency
        self.io = io; self.queueCapacity = queueCapacity; self.discipline = discipline
        self.balancer = balancer; self.endpoints = endpoints
    }

    /// The balancer picks from outstanding-request counts: least_requests, p2c, and consistent_hash
    /// with `bounded_load`.
    public var countsOutstanding: Bool {
        balancer.countsOutstanding || (balancer == .consistentHash && balancerBoundedLoad != nil)
    }
}

/// A proxy tier (`kind: proxy`, `proxy: {to:, policy:, max_connections:}`), as the scenario wrote it.
/// The decoder expands it into ordinary endpoints; the model sees only those and their calls'
/// ``ProxyBalancer``.
public struct ProxyConfig: Sendable, Equatable {
    public var to: String
    public var balancer: ProxyBalancer
    /// Connections one proxy instance serves at once (its `concurrency`); more wait in its queue.
    public var maxConnections: Int
    /// CPU work per request (seconds of one core), before it is forwarded.
    public var work: Distribution
    public init(to: String, balancer: ProxyBalancer, maxConnections: Int, work: Distribution) {
        self.to = to; self.balancer = balancer; self.maxConnections = maxConnections; self.work = work
    }
}
