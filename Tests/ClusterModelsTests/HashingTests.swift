@testable import ClusterModels
import Foundation
import SimKernel
import Testing

/// Hashing balancers (Balancing/ConsistentHashRing.swift, MaglevTable.swift) against
/// validation.md §6, and request keys inside the cluster. Fixed salts: the numbers are the same on
/// every run and platform.
@Suite struct HashingTests {
    // MARK: The stable hash

    @Test func stableHashIsFixed() {
        // Pinned values: changing the hash would move every key of every scenario.
        #expect(StableHash.mix(0) == 0xE220_A839_7B1D_CDAF)   // SplitMix64's first output from seed 0
        #expect(StableHash.string("") != StableHash.string("a"))
        #expect(StableHash.string("web") == StableHash.string("web"))
        #expect(StableHash.string("12345678") != StableHash.string("123456789"))
    }

    // MARK: Ring balance (§6, exact E[max/mean] of Dirichlet(v, …, v) shares)

    /// Mean over `rings` rings (salts "ring-0", "ring-1", …) of max share / mean share, shares
    /// from exact arc lengths over a uniform key space.
    static func meanMaxOverMean(n: Int, v: Int, rings: Int) -> Double {
        var sum = 0.0
        for k in 0..<rings {
            let ring = ConsistentHashRing(salt: "ring-\(k)", count: n, vnodes: v)
            let shares = ring.shares()
            #expect(abs(shares.reduce(0, +) - 1) < 1e-12)
            sum += shares.max()! * Double(n)
        }
        return sum / Double(rings)
    }

    @Test func ringShareImbalanceMatchesTheDirichletValue() {
        // validation.md §6 table: n = 10, v = 100 → 1.159426; n = 100, v = 100 → 1.268971.
        let a = Self.meanMaxOverMean(n: 10, v: 100, rings: 400)
        let b = Self.meanMaxOverMean(n: 100, v: 100, rings: 400)
        print("ring max/mean: n=10 v=100 \(a) (expected 1.159426); n=100 v=100 \(b) (expected 1.268971)")
        #expect(abs(a / 1.159426 - 1) < 0.03, "n=10: \(a)")
        #expect(abs(b / 1.268971 - 1) < 0.03, "n=100: \(b)")
    }

    // MARK: Bounded loads (§6, Mirrokni–Thorup–Zadimoghaddam)

    @Test func boundedLoadsCapEveryInstance() {
        // Static insertion of m = 100 n keys, held, n = 100, v = 100, c = 1.25, over 10 rings.
        let n = 100, m = 100 * n, c = 1.25
        let cap = Int((c * Double(m) / Double(n)).rounded(.up))     // ⌈1.25 × mean⌉ = 125
        var notFirstFixed = 0, probesFixed = 0, notFirstDynamic = 0
        let rings = 10
        for r in 0..<rings {
            let ring = ConsistentHashRing(salt: "bounded-\(r)", count: n, vnodes: 100, boundedLoad: c)
            // The paper's static setting: capacity ⌈c·m/n⌉ from the start.
            var load = [Int](repeating: 0, count: n)
            for k in 1...m {
                let h = StableHash.keyPoint(UInt64(r * m + k))
                let (i, probes) = ring.pick(point: h, capacity: cap) { load[$0] }
                load[i] += 1
                probesFixed += probes
                if i != ring.owner(ofPoint: h) { notFirstFixed += 1 }
            }
            #expect(load.max()! <= cap)
            // The cluster's online rule: capacity ⌈c·(held + 1)/n⌉ at each insertion.
            var held = [Int32](repeating: 0, count: n)
            for k in 1...m {
                let key = UInt64(r * m + k)
                let i = ring.pick(key: key, outstanding: &held, base: 0)
                if i != ring.owner(ofPoint: StableHash.keyPoint(key)) { notFirstDynamic += 1 }
                held[i] += 1
            }
            #expect(Int(held.max()!) <= cap, "ring \(r): max \(held.max()!)")
        }
        let total = Double(rings * m)
        let fixed = Double(notFirstFixed) / total, dynamic = Double(notFirstDynamic) / total
        print("bounded load c=1.25 n=100 v=100: not at first choice \(fixed * 100)% (table 0.29%), "
              + "probes/key \(Double(probesFixed) / total) (table 1.0030); online cap: not at first choice \(dynamic * 100)%")
        #expect(fixed < 0.01)
        #expect(Double(probesFixed) / total < 1.02)
        #expect(dynamic < 0.10)
    }

    @Test func boundedLoadsAtAThousandInstances() {
        // n = 1000, v = 100, m = 100 n, c = 1.25, static capacity 125 (table: 0.35% not at first
        // choice, 1.0035 points probed a key), two rings.
        let n = 1000, m = 100 * n, cap = 125
        var notFirst = 0, probes = 0
        for r in 0..<2 {
            let ring = ConsistentHashRing(salt: "bounded-big-\(r)", count: n, vnodes: 100, boundedLoad: 1.25)
            var load = [Int](repeating: 0, count: n)
            for k in 1...m {
                let h = StableHash.keyPoint(UInt64(r * m + k))
                let (i, p) = ring.pick(point: h, capacity: cap) { load[$0] }
                load[i] += 1
                probes += p
                if p > 1 { notFirst += 1 }
            }
            #expect(load.max()! <= cap)
        }
        let f = Double(notFirst) / Double(2 * m)
        print("bounded load c=1.25 n=1000 v=100: not at first choice \(f * 100)% (table 0.35%), probes/key \(Double(probes) / Double(2 * m)) (table 1.0035)")
        #expect(f < 0.01)
    }

    // MARK: Maglev (§6, Eisenbud et al. §3.4)

    @Test func maglevEntriesDifferByAtMostOne() {
        let size = 65537
        for n in [10, 100, 1000] {
            let t = MaglevTable(salt: "maglev", count: n, size: size)
            let counts = t.entryCounts()
            let mean = Double(size) / Double(n)
            let bound = (Double(size) / Double(n)).rounded(.up) / mean
            print("maglev M=\(size) N=\(n): counts \(counts.min()!)…\(counts.max()!), max/mean \(Double(counts.max()!) / mean) (bound \(bound))")
            #expect(counts.reduce(0, +) == size)
            #expect(counts.max()! - counts.min()! <= 1)
            #expect(Double(counts.max()!) / mean <= bound + 1e-12)
        }
    }

    // MARK: Membership changes

    @Test func removingARingInstanceMovesOnlyItsKeys() {
        let n = 100
        var ring = ConsistentHashRing(salt: "web", count: n, vnodes: 100)
        let shares = ring.shares()
        let keys = (1...200_000).map { StableHash.keyPoint(UInt64($0)) }
        let before = keys.map { ring.owner(ofPoint: $0) }
        let removed = 37
        let f = ring.setAvailable(removed, false)
        // Exactly the removed instance's arcs, and about 1/n: a share's CV is ≈ 1/√v = 10%, so 4
        // standard deviations is ±40%.
        #expect(abs(f - shares[removed]) < 1e-12)
        #expect(abs(f * Double(n) - 1) < 0.4, "remapped \(f)")
        let after = keys.map { ring.owner(ofPoint: $0) }
        var moved = 0
        for k in keys.indices where before[k] != after[k] {
            moved += 1
            #expect(before[k] == removed)
        }
        #expect(!after.contains(removed))
        // The sampled keys agree with the exact arcs (binomial, 200 000 keys: sd ≈ 0.00022).
        #expect(abs(Double(moved) / Double(keys.count) - f) < 0.001)
        print("ring remove 1 of 100: remapped \(f * 100)% of the key space (ideal 1%), sampled \(Double(moved) / Double(keys.count) * 100)%")
        // Back again: the same keys move back.
        #expect(abs(ring.setAvailable(removed, true) - f) < 1e-12)
        #expect(keys.map { ring.owner(ofPoint: $0) } == before)
        // Over every instance the mean is exactly 1/n.
        var sum = 0.0
        for i in 0..<n { sum += ring.setAvailable(i, false); ring.setAvailable(i, true) }
        #expect(abs(sum / Double(n) - 1 / Double(n)) < 1e-12)
    }

    @Test func removingAMaglevBackendRemapsItsEntriesAndALittleMore() {
        for n in [100, 1000] {
            var t = MaglevTable(salt: "web", count: n, size: 65537)
            let owned = Double(t.entryCounts()[7]) / 65537
            let before = t.table
            let f = t.setAvailable(7, false)
            let extra = f - owned
            print("maglev remove 1 of \(n): remapped \(f * 100)%, owned \(owned * 100)%, extra churn \(extra * 100)% (validation.md: 0.56% for its hash)")
            #expect(f >= owned)
            #expect(extra < 0.015)
            #expect(!t.table.contains(7))
            // Every entry of the removed backend moved.
            for k in before.indices where before[k] == 7 { #expect(t.table[k] != 7) }
            #expect(t.setAvailable(7, true) > 0)
            #expect(t.table == before)
        }
    }

    // MARK: In the cluster

    func svc(_ name: String, replicas: Int, balancer: BalancerPolicy, work: Double = 1,
             steps: [EndpointStep] = [], concurrency: Int = 1) -> ServiceConfig {
        ServiceConfig(name: name, replicas: replicas, cores: concurrency, concurrency: concurrency, queueCapacity: Int.max,
                      balancer: balancer, endpoints: [EndpointConfig(name: "ep", work: .constant(work), steps: steps)])
    }

    /// Requests in flight at each instance of service `s` (workers + queue).
    func load(_ c: borrowing Cluster, service s: Int) -> [Int] {
        (0..<c.svcReplicas[s]).map { k in
            let i = c.firstInstance[s] + k
            return c.instances[i].busyWorkers + c.instances[i].queue.count
        }
    }

    @Test func callsCarryTheRequestKeyToAHashingBalancer() {
        // web (3 instances, round robin) calls db (5 instances, 1 worker, 10 s of work). Every
        // request with key K reaches db's instance for K, whichever web instance calls.
        for policy in [BalancerPolicy.consistentHash, .maglev] {
            let web = svc("web", replicas: 3, balancer: .roundRobin, work: 0, steps: [.call(CallSpec(service: "db", endpoint: "ep"))], concurrency: 50)
            let db = svc("db", replicas: 5, balancer: policy, work: 10)
            let m = Model(services: [web, db])
            let probe = m.cluster()
            // Two keys that land on different instances.
            let k1: UInt64 = 1
            let k2 = (2...100).map(UInt64.init).first { probe.hashedInstance(service: 1, key: $0) != probe.hashedInstance(service: 1, key: k1) }!
            let i1 = probe.hashedInstance(service: 1, key: k1)! - probe.firstInstance[1]
            let i2 = probe.hashedInstance(service: 1, key: k2)! - probe.firstInstance[1]
            let arrivals = (0..<12).map { Arrival(time: Int64($0) * 1_000_000, key: $0 % 3 == 0 ? k2 : k1) }
            let r = m.run(arrivals, until: second)
            var expected = [Int](repeating: 0, count: 5)
            expected[i1] = 8; expected[i2] = 4
            #expect(load(r.driver.cluster, service: 1) == expected, "\(policy)")
            #expect(r.driver.cluster.requestKey.count == r.driver.cluster.requests.count)
        }
    }

    @Test func keysAreStoredOnlyWhenAServiceHashes() {
        let m = Model(services: [svc("s", replicas: 3, balancer: .roundRobin)])
        let r = m.run((0..<5).map { Arrival(time: Int64($0), key: 7) })
        #expect(r.driver.cluster.requestKey.isEmpty)
        #expect(r.driver.finished.count == 5)
    }

    @Test func boundedLoadSpreadsOneHotKeyInTheCluster() {
        // 10 requests with one key at once on 4 instances, c = 1.25: capacity ⌈1.25·(m + 1)/4⌉ at
        // each pick keeps every instance at ⌈1.25 · 10/4⌉ = 4 or fewer.
        var db = svc("db", replicas: 4, balancer: .consistentHash, work: 1)
        db.balancerBoundedLoad = 1.25
        let m = Model(services: [db])
        let r = m.run((0..<10).map { _ in Arrival(time: 0, key: 42) }, until: second / 2)
        let l = load(r.driver.cluster, service: 0)
        #expect(l.reduce(0, +) == 10)
        #expect(l.max()! <= 4, "\(l)")
        #expect(Array(r.driver.cluster.outstanding[0..<4]).map(Int.init) == l)
        let done = m.run((0..<10).map { _ in Arrival(time: 0, key: 42) })
        #expect(done.driver.finished.count == 10)
        #expect(done.driver.cluster.outstanding.allSatisfy { $0 == 0 })
        // Without the bound, all ten go to one instance.
        db.balancerBoundedLoad = nil
        let plain = Model(services: [db]).run((0..<10).map { _ in Arrival(time: 0, key: 42) }, until: second / 2)
        #expect(load(plain.driver.cluster, service: 0).max() == 10)
    }

    @Test func membershipChangesMoveKeysAndAreCounted() {
        for policy in [BalancerPolicy.consistentHash, .maglev] {
            var c = Model(services: [svc("db", replicas: 10, balancer: policy)]).cluster()
            let before = (1...1000).map { c.hashedInstance(service: 0, key: UInt64($0))! }
            let gone = before[0]
            let f = c.setInstanceAvailable(service: 0, instance: gone, available: false)
            #expect(f > 0.03 && f < 0.3, "\(policy): \(f)")
            #expect(c.setInstanceAvailable(service: 0, instance: gone, available: false) == 0)   // no change
            let after = (1...1000).map { c.hashedInstance(service: 0, key: UInt64($0))! }
            #expect(!after.contains(gone))
            if policy == .consistentHash {
                for k in before.indices where before[k] != gone { #expect(after[k] == before[k]) }
            }
            let g = c.setInstanceAvailable(service: 0, instance: gone, available: true)
            #expect(c.membershipChanges == [2])
            #expect(abs(c.keysRemapped[0] - (f + g)) < 1e-12)
            #expect((1...1000).map { c.hashedInstance(service: 0, key: UInt64($0))! } == before)
        }
    }

    @Test func keylessRootsSpreadOverAHashingService() {
        let m = Model(services: [svc("db", replicas: 4, balancer: .consistentHash, work: 10)])
        let r = m.run((0..<400).map { _ in Arrival(time: 0) }, until: second)
        let l = load(r.driver.cluster, service: 0)
        #expect(l.reduce(0, +) == 400)
        #expect(l.min()! > 40, "\(l)")
    }
}
