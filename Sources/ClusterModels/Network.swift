import CGSL
import SimKernel
import SimRandom

/// The network between zones (scenario-format.md, "Network"): a message's time is a latency draw
/// plus its size over the bandwidth, plus `retransmitTimeout` and a fresh draw for every loss.
public struct NetworkConfig: Sendable, Equatable {
    /// One direction of a zone pair.
    public struct Path: Sendable, Equatable {
        public var latency: Distribution = .constant(0)
        /// Bits per second; nil: unlimited (no serialization delay).
        public var bandwidth: Double? = nil
        /// Probability that a message is lost (and resent after the retransmit timeout); below 1.
        public var loss: Double = 0
        public init(latency: Distribution = .constant(0), bandwidth: Double? = nil, loss: Double = 0) {
            self.latency = latency; self.bandwidth = bandwidth; self.loss = loss
        }
    }
    /// A per-pair override; `oneWay` applies it from `from` to `to` only.
    public struct Link: Sendable, Equatable {
        public var from: String, to: String
        public var latency: Distribution?
        public var bandwidth: Double?
        public var loss: Double?
        public var oneWay = false
        public init(from: String, to: String) { self.from = from; self.to = to }
    }
    public static let defaultZone = "default"
    public var zones: [String] = [NetworkConfig.defaultZone]
    public var withinZone = Path()
    public var acrossZones = Path()
    public var links: [Link] = []
    /// Linux's TCP_RTO_MIN (200 ms, include/net/tcp.h): the shortest wait before a lost segment is resent.
    public var retransmitTimeout: Int64 = 200_000_000
    /// Protocol of every call unless its callee or the call says otherwise (nil: none modelled,
    /// every call is one message each way with no connection limits).
    public var protocolConfig: ProtocolConfig? = nil

    public init() {}

    /// True when every message takes no time at all (no latency, no bandwidth limit, no loss).
    public var isFree: Bool {
        func free(_ p: Path) -> Bool { p.latency == .constant(0) && p.bandwidth == nil && p.loss == 0 }
        return free(withinZone) && (zones.count < 2 || free(acrossZones))
            && links.allSatisfy { ($0.latency ?? .constant(0)) == .constant(0) && $0.bandwidth == nil && ($0.loss ?? 0) == 0 }
    }
}

/// The network at run time: one path per ordered zone pair, each with its own random streams
/// (`network.A->B.latency`, `network.A->B.loss`), and the partitions in force.
public struct Network: ~Copyable {
    struct RuntimePath {
        /// Constant latency in ns, or −1 for a latency drawn from `latencyBlocks`.
        var constantLatency: Int64
        var bandwidth: Double?
        var loss: Double
        let lossRNG: UnsafeMutablePointer<gsl_rng>
    }
    let zoneCount: Int
    var paths: [RuntimePath]
    /// Latency draws of each path (index as `paths`) from its latency stream, which nothing else
    /// draws from: in blocks (``DrawBlocks``), except constant latencies.
    let latencyBlocks: DrawBlocks
    let streams: [RandomStream]
    public let retransmitTimeout: Int64
    /// Every message is free: delivery needs no event.
    public let free: Bool
    /// Isolated zones and instances: a message into or out of one is dropped.
    public private(set) var isolatedZones: Set<Int> = []
    public private(set) var isolatedInstances: Set<Int> = []
    /// Messages lost to retransmissions at most before the connection is declared dead, Linux's
    /// `tcp_retries2` default (15).
    public static let maxRetransmissions = 15

    public init(config: NetworkConfig, seed: UInt64, replication: Int) {
        zoneCount = config.zones.count
        retransmitTimeout = config.retransmitTimeout
        free = config.isFree
        var paths: [RuntimePath] = []
        var streams: [RandomStream] = []
        var latencyStreams: [RandomStream] = []
        var latencySamplers: [Sampler?] = []
        for a in config.zones {
            for b in config.zones {
                var p = a == b ? config.withinZone : config.acrossZones
                for l in config.links where (l.from == a && l.to == b) || (!l.oneWay && l.from == b && l.to == a) {
                    if let x = l.latency { p.latency = x }
                    if let x = l.bandwidth { p.bandwidth = x }
                    if let x = l.loss { p.loss = x }
                }
                let lat = RandomStream(master: seed, replication: replication, name: "network.\(a)->\(b).latency")
                let loss = RandomStream(master: seed, replication: replication, name: "network.\(a)->\(b).loss")
                streams += [lat, loss]
                latencyStreams.append(lat)
                var constant: Int64 = -1
                if case .constant(let v) = p.latency { constant = SimDuration(seconds: v).ns }
                latencySamplers.append(constant >= 0 ? nil : Sampler(p.latency))
                paths.append(RuntimePath(constantLatency: constant, bandwidth: p.bandwidth, loss: p.loss,
                                         lossRNG: loss.rng))
            }
        }
        self.paths = paths
        latencyBlocks = DrawBlocks(samplers: latencySamplers, streams: latencyStreams)
        self.streams = streams
    }

    /// Isolates a zone (a partition): messages into or out of it are dropped until `heal`.
    public mutating func isolate(zone: Int) { isolatedZones.insert(zone) }
    public mutating func isolate(instance: Int) { isolatedInstances.insert(instance) }
    public mutating func heal(zone: Int) { isolatedZones.remove(zone) }
    public mutating func heal(instance: Int) { isolatedInstances.remove(instance) }
    public var partitioned: Bool { !isolatedZones.isEmpty || !isolatedInstances.isEmpty }

    /// Time (ns) a message of `bytes` takes from (zone, instance) to (zone, instance); nil when it is
    /// dropped (a partition, or more losses in a row than ``maxRetransmissions``).
    mutating func delay(fromZone a: Int, fromInstance ia: Int, toZone b: Int, toInstance ib: Int, bytes: Int) -> Int64? {
        if partitioned {
            if isolatedZones.contains(a) != isolatedZones.contains(b) { return nil }
            if isolatedInstances.contains(ia) || isolatedInstances.contains(ib) { if ia != ib { return nil } }
        }
        if free { return 0 }
        let k = a * zoneCount + b
        let p = paths[k]
        var total: Int64 = 0
        var losses = 0
        while true {
            var d = p.constantLatency >= 0 ? p.constantLatency : latencyBlocks.next(k)
            if let bw = p.bandwidth, bytes > 0 {
                d = d.addingReportingOverflow(SimDuration(seconds: Double(bytes) * 8 / bw).ns).partialValue
            }
            if p.loss > 0 && gsl_rng_uniform(p.lossRNG) < p.loss {
                losses += 1
                if losses > Network.maxRetransmissions { return nil }
                total = total.addingReportingOverflow(retransmitTimeout).partialValue
                continue
            }
            return total.addingReportingOverflow(d).partialValue
        }
    }
}
