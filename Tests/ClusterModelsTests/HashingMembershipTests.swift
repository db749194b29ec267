@testable import ClusterModels
import SimKernel
import Testing

/// Hashing balancers meeting outlier ejection and proxy tiers: a view's ejections are membership
/// changes of its ring or table (only the ejected instance's keys move, and the move is counted),
/// and a proxy tier hashes over its target's ring.
@Suite struct HashingMembershipTests {
    /// web (zone a) calls db (3 instances, db2 in zone b, 1 s away); web's timeout is 0.5 s, so every
    /// call to db2 fails and web's view ejects it after one error, for 10 s at a time.
    func model(_ policy: BalancerPolicy) -> Model {
        var call = CallSpec(service: "db", endpoint: "ep")
        call.timeout = 500_000_000
        var web = ServiceConfig(name: "web", replicas: 1, cores: 100, concurrency: 100, queueCapacity: Int.max,
                                balancer: .roundRobin,
                                endpoints: [EndpointConfig(name: "ep", work: .constant(0), steps: [.call(call)])])
        web.zones = ["a"]
        var db = ServiceConfig(name: "db", replicas: 3, cores: 10, concurrency: 10, queueCapacity: Int.max,
                               balancer: policy, endpoints: [EndpointConfig(name: "ep", work: .constant(0.001))])
        db.zones = ["a", "a", "b"]
        db.outlierDetection = OutlierDetection(consecutiveErrors: 1, ejection: 10 * second, maxEjection: 300 * second,
                                               maxEjected: 0.34)
        var m = Model(services: [web, db])
        m.network.zones = ["a", "b"]
        m.network.withinZone = .init(latency: .constant(0.001))
        m.network.acrossZones = .init(latency: .constant(1))
        return m
    }

    @Test func anEjectionMovesOnlyTheEjectedInstancesKeysOnTheRing() {
        let m = model(.consistentHash)
        // Keys 0 ..< 60, one a second: those of db2 fail until the first failure ejects it.
        let arrivals = (0..<60).map { Arrival(time: Int64($0) * second, key: UInt64($0)) }
        let r = m.run(arrivals)
        let c = r.driver.cluster
        let ring = ConsistentHashRing(salt: "db", count: 3, vnodes: 100)
        let share2 = ring.shares()[2]
        // Ejected (10 s), back, ejected again at its next failure (20 s), …: each change moves db2's share.
        #expect(c.membershipChanges[1] >= 3)
        #expect(abs(c.keysRemapped[1] - Double(c.membershipChanges[1]) * share2) < 1e-9)
        // While db2 is out, keys of db0 and db1 stay where they were: every success went to the
        // key's ring owner, or (db2's keys) to the next available instance clockwise.
        #expect(r.driver.finished.count == 60)
        let m0 = c.results(end: r.engine.now, warmup: .fixed(0), percentiles: []).metrics
        #expect(m0.value("service:db", "membership_changes") == Double(c.membershipChanges[1]))
        #expect(abs(m0.value("service:db", "keys_remapped") - c.keysRemapped[1]) < 1e-12)
        #expect(m0.value("service:db", "ejections") >= 2)
        #expect(c.outstanding.allSatisfy { $0 == 0 })
    }

    @Test func maglevRepopulatesAViewsTableOnEjection() {
        let m = model(.maglev)
        let arrivals = (0..<60).map { Arrival(time: Int64($0) * second, key: UInt64($0) &* 7919) }
        let run = m.run(arrivals)
        let c = run.driver.cluster
        let table = MaglevTable(salt: "db", count: 3)
        let share2 = Double(table.entryCounts()[2]) / Double(table.size)
        #expect(c.membershipChanges[1] >= 2)
        let perChange = c.keysRemapped[1] / Double(c.membershipChanges[1])
        // At least db2's entries move, and a little more (Maglev's extra churn).
        #expect(perChange >= share2 - 1e-12 && perChange < share2 + 0.05, "\(perChange) vs \(share2)")
    }

    @Test func aProxyHashesOverItsTargetsRing() {
        // Two proxy instances forward to db (4 instances, its own policy round robin) by consistent
        // hashing through one shared view: every request with key 7 lands on the ring owner of 7.
        var call = CallSpec(service: "db", endpoint: "ep")
        var pb = ProxyBalancer(policy: .consistentHash)
        pb.vnodes = 50
        call.proxyBalancer = pb
        let proxy = ServiceConfig(name: "lb", replicas: 2, cores: 4, concurrency: 100, queueCapacity: Int.max,
                                  balancer: .roundRobin,
                                  endpoints: [EndpointConfig(name: "ep", work: .constant(0), steps: [.call(call)])])
        let db = ServiceConfig(name: "db", replicas: 4, cores: 4, concurrency: 4, queueCapacity: Int.max,
                               balancer: .roundRobin, endpoints: [EndpointConfig(name: "ep", work: .constant(0.01))])
        let r = Model(services: [proxy, db]).run((0..<20).map { Arrival(time: Int64($0) * second / 10, key: 7) })
        let owner = ConsistentHashRing(salt: "db", count: 4, vnodes: 50).owner(ofPoint: StableHash.keyPoint(7))
        let m = r.driver.cluster.results(end: r.engine.now, warmup: .fixed(0), percentiles: []).metrics
        for k in 0..<4 { #expect(m.value("instance:db/\(k)", "requests") == (k == owner ? 20 : 0)) }
        #expect(m.value("service:db", "membership_changes") == 0)
    }
}
