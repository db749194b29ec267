/// Zone-aware routing: keep a caller's requests in its own zone while the instances there can take
/// them, spill the rest over to the other zones. Follows the intent of Envoy's zone aware routing
/// (architecture overview, "Zone aware routing": route to the local zone, send the residual to other
/// zones when the local zone cannot take its share) and Istio's locality load balancing / locality
/// failover (traffic stays in the caller's locality until it is unhealthy or overloaded). Envoy
/// decides by host counts per zone; here the trigger is load, as the scenario format asks: the
/// request stays local while, counting it, the local instances' outstanding requests from this
/// balancer's view stay at or below `spill_at` × their `concurrency` each (default 80%). Past that,
/// or when no instance of the caller's zone is available, it goes to the least loaded instance of
/// the other zones (the local zone only if no other zone has one available).
///
/// Inside the chosen set: least requests (fewest outstanding in this view), ties rotated as
/// ``LeastRequests`` does, one rotation per zone. Draws nothing.
///
/// The caller's zone: a calling instance's own zone. Roots (workload requests) come from outside the
/// cluster, through a load balancer with one node per zone that clients reach evenly (DNS round
/// robin over a zonal load balancer such as an AWS NLB without cross-zone balancing): the root's
/// zone rotates over the zones the service has instances in, one root at a time.
struct ZoneAware {
    /// Default `spill_at`: 80%. Envoy has no load threshold (it splits by host counts); 80% is the
    /// usual "headroom" utilization target (Kubernetes HPA examples aim at 50–80% CPU), chosen so
    /// a zone spills before its queues grow.
    static let defaultSpillAt = 0.8

    let spillAt: Double
    let concurrency: Int
    /// Instance offsets by zone index (the network's zones), in instance order.
    let members: [[Int]]
    /// Each instance's zone index.
    let zoneOf: [Int]
    /// Zones with at least one instance (where roots go, in turn).
    let populated: [Int]
    var cursor: [Int]
    var spillCursor = 0
    var rootCursor = 0

    init(spillAt: Double, concurrency: Int, zoneOfInstance: [Int]) {
        self.spillAt = spillAt
        self.concurrency = concurrency
        let zones = (zoneOfInstance.max() ?? 0) + 1
        var m = Array(repeating: [Int](), count: zones)
        for (k, z) in zoneOfInstance.enumerated() { m[z].append(k) }
        members = m
        zoneOf = zoneOfInstance
        populated = m.indices.filter { !m[$0].isEmpty }
        cursor = Array(repeating: 0, count: zones)
    }

    /// The offset of one of `n` instances for a caller in zone `zone` (−1: a root). `isOut(k)`:
    /// instance k is not available (ejected by outlier detection).
    mutating func pick(zone callerZone: Int, count n: Int, outstanding: [Int32], base: Int, isOut: (Int) -> Bool) -> Int {
        var zone = callerZone
        if zone < 0 {
            zone = populated.isEmpty ? 0 : populated[rootCursor]
            rootCursor = rootCursor + 1 == populated.count ? 0 : rootCursor + 1
        }
        if zone < members.count {
            let local = members[zone]
            var avail = 0
            var load: Int64 = 0
            for k in local where !isOut(k) { avail += 1; load += Int64(outstanding[base + k]) }
            if avail > 0 && Double(load + 1) <= spillAt * Double(concurrency) * Double(avail) {
                var j = cursor[zone]
                var best = -1, bestJ = 0
                var fewest = Int32.max
                for _ in 0..<local.count {
                    let k = local[j]
                    if !isOut(k) {
                        let o = outstanding[base + k]
                        if o < fewest { fewest = o; best = k; bestJ = j; if o == 0 { break } }
                    }
                    j = j + 1 == local.count ? 0 : j + 1
                }
                cursor[zone] = bestJ + 1 == local.count ? 0 : bestJ + 1
                return best
            }
        }
        // Spill: least requests over the other zones' instances (the local ones if none is available).
        var best = -1
        var fewest = Int32.max
        for pass in 0..<2 {
            var k = spillCursor
            for _ in 0..<n {
                let inZone = zoneOf[k] == zone
                if (pass == 1 || !inZone) && !isOut(k) {
                    let o = outstanding[base + k]
                    if o < fewest { fewest = o; best = k; if o == 0 { break } }
                }
                k = k + 1 == n ? 0 : k + 1
            }
            if best >= 0 { break }
        }
        if best < 0 { best = spillCursor }
        spillCursor = best + 1 == n ? 0 : best + 1
        return best
    }
}
