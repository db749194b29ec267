import CGSL
import SimKernel

/// The balancer of a proxy tier's calls to its target (``ProxyBalancer``): its own policy state and
/// one view of the target shared by all the proxy's instances, as one HAProxy backend (or one Nginx
/// `upstream` zone) is shared by the proxy's workers. Draws come from the stream
/// `service.PROXY.proxy.TARGET.balancer`.
struct SiteBalancer {
    let config: ProxyBalancer
    let target: Int
    let rng: UnsafeMutablePointer<gsl_rng>?
    var roundRobin = RoundRobin()
    var leastRequests = LeastRequests()
    var powerOfChoices: PowerOfChoices
    var zoneAware = ZoneAware(spillAt: ZoneAware.defaultSpillAt, concurrency: 1, zoneOfInstance: [])
    /// `consistent_hash` and `maglev`: the target's ring or table (see ``Cluster``'s init).
    var ring: ConsistentHashRing? = nil
    var maglev: MaglevTable? = nil

    init(config: ProxyBalancer, target: Int, rng: UnsafeMutablePointer<gsl_rng>?) {
        self.config = config; self.target = target; self.rng = rng
        powerOfChoices = PowerOfChoices(choices: config.choices)
    }
}

extension Cluster {
    /// ``pickInstance(service:view:rotation:now:zone:key:)`` for a proxy tier's call: balancer `o`, view `view`
    /// (shared by the proxy's instances). Ejected instances (the target's outlier detection) are
    /// skipped as in ``pickAvailable(service:view:rotation:now:zone:key:)``; a hashing policy then uses the
    /// view's own ring or table, made when the view's membership changed.
    @inline(never)
    mutating func pickOverride(_ o: Int, service s: Int, view: Int, now: Int64, zone: Int, key: UInt64) -> (instance: Int, slot: Int32) {
        let n = svcReplicas[s]
        if n == 1 { return (firstInstance[s], -1) }
        var out: [Bool] = []
        var avail: [Int] = []
        if anyOutlier && viewEjected[view] > 0 {
            out = (0..<n).map { outlier[view + $0].ejected }
            avail = (0..<n).filter { !out[$0] }
            if avail.isEmpty { out = []; avail = [] }    // all ejected: all of them (Envoy's panic mode)
        }
        let skips = !out.isEmpty
        let m = skips ? avail.count : n
        let k: Int
        switch siteBalancers[o].config.policy {
        case .roundRobin, .weightedRoundRobin:
            var j = siteBalancers[o].roundRobin.pick(count: n)
            while skips && out[j] { j = siteBalancers[o].roundRobin.pick(count: n) }
            k = j
        case .random:
            let t = RandomBalancer.pick(count: m, rng: siteBalancers[o].rng!)
            k = skips ? avail[t] : t
        case .leastRequests:
            k = siteBalancers[o].leastRequests.pick(count: n, outstanding: outstanding, base: view) { skips && out[$0] }
        case .p2c:
            k = m == 1 ? avail[0]
                : siteBalancers[o].powerOfChoices.pick(count: m, outstanding: outstanding, base: view,
                                                       rng: siteBalancers[o].rng!) { skips ? avail[$0] : $0 }
        case .ewma:
            k = m == 1 ? avail[0]
                : PeakEwma.pick(count: m, outstanding: outstanding, costs: &ewmaCost, stamps: &ewmaStamp, base: view,
                                now: now, tau: Double(siteBalancers[o].config.decay), rng: siteBalancers[o].rng!) {
                                    skips ? avail[$0] : $0 }
        case .zoneAware:
            k = siteBalancers[o].zoneAware.pick(zone: zone, count: n, outstanding: outstanding, base: view) { skips && out[$0] }
        case .consistentHash:
            k = skips && viewRings[view] != nil
                ? viewRings[view]!.pick(key: key, outstanding: &outstanding, base: view)
                : siteBalancers[o].ring!.pick(key: key, outstanding: &outstanding, base: view)
        case .maglev:
            k = skips && viewMaglev[view] != nil ? viewMaglev[view]!.pick(key: key) : siteBalancers[o].maglev!.pick(key: key)
        }
        outstanding[view + k] += 1
        return (firstInstance[s] + k, Int32(view + k))
    }
}
