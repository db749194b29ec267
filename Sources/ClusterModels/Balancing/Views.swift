import SimKernel

/// Outlier detection state of one instance in one balancer view.
struct OutlierSlot {
    /// Failures in a row (Envoy's consecutive_5xx count).
    var consecutive: Int32 = 0
    /// Times ejected so far (Envoy's ejection multiplier).
    var times: Int32 = 0
    var ejected = false
    /// Bumped at each ejection: the un-ejection event of an older one is stale.
    var gen: UInt32 = 0
}

/// What balancer views learn from the attempts they sent: latencies (``PeakEwma``) and failures
/// (outlier detection). None of it runs unless some service uses `ewma` or `outlier_detection`
/// (`viewsObserve`), and a pick checks for ejected instances only in a view that has one
/// (`viewEjected`), so scenarios without them pay one predictable branch.
extension Cluster {
    /// Attempt (or root) `x` ends for its caller with `o`: its view observes it, if it still counts
    /// there (an attempt its caller abandoned does not). Called before its slot is released.
    @inline(never)
    mutating func observeAttempt(_ x: UInt32, _ o: Outcome, picked: Int64, engine: inout Engine) {
        guard anyCounting else { return }
        let slot = Int(balancerSlot[Int(x)])
        guard slot >= 0, slot < slotService.count else { return }
        let s = Int(slotService[slot])
        let now = engine.now
        if anyEwma && slotTau[slot] > 0 {
            PeakEwma.update(cost: &ewmaCost[slot], stamp: &ewmaStamp[slot], rtt: Double(now &- picked), now: now,
                            tau: slotTau[slot])
        }
        if anyOutlier, let od = svcOutlier[s] {
            switch o {
            case .ok, .rejected:
                // Envoy's consecutive_5xx counts 5xx answers (and resets, timeouts, connection
                // failures, which the router turns into 5xx); any other status resets the count. A
                // rejection here is a 429 (rate limit) or a refused admission, taken as a 429.
                outlier[slot].consecutive = 0
            case .error, .timeout:
                outlier[slot].consecutive += 1
                if !outlier[slot].ejected && Int(outlier[slot].consecutive) >= od.consecutiveErrors {
                    eject(slot: slot, service: s, config: od, engine: &engine)
                }
            }
        }
    }

    /// Ejects the instance at `slot` of its view, unless that would eject more than `max_ejected` of
    /// the view's instances. One instance may always be ejected, as Envoy's outlier_detection.proto
    /// documented `max_ejection_percent` ("defaults to 10% but will eject at least one host regardless
    /// of the value"; gRPC's outlier detection copied it, grpc-java #9489; recent Envoy makes it the
    /// option `always_eject_one_host`); a further one only while the ejected stay within the fraction
    /// (Envoy checks the percentage before ejecting and can overshoot it by one; this never does).
    mutating func eject(slot: Int, service s: Int, config od: OutlierDetection, engine: inout Engine) {
        let base = Int(slotBase[slot])
        let n = svcReplicas[s]
        let ejected = Int(viewEjected[base])
        guard ejected == 0 || Double(ejected + 1) <= od.maxEjected * Double(n) + 1e-9 else { return }
        outlier[slot].ejected = true
        outlier[slot].times += 1
        outlier[slot].consecutive = 0
        outlier[slot].gen &+= 1
        viewEjected[base] += 1
        // Envoy: base_ejection_time × times ejected, capped by max_ejection_time.
        let t = min(od.ejection.multipliedReportingOverflow(by: Int64(outlier[slot].times)).partialValue, od.maxEjection)
        engine.schedule(after: max(t, 0), kind: ClusterEventKind.unejectInstance, index: UInt32(slot),
                        tag: UInt64(outlier[slot].gen))
        let slotScope = scopes.slotOf[scopes.service(s)]
        store.counters[slotScope].ejections &+= 1
        balancerMembershipChanged(service: s, view: base, instance: slot - base, available: false)
    }

    /// Handles ``ClusterEventKind/unejectInstance``: the ejection is over, the instance is back.
    mutating func uneject(slot: Int, generation: UInt64) {
        guard slot < outlier.count, outlier[slot].ejected, UInt64(outlier[slot].gen) == generation else { return }
        outlier[slot].ejected = false
        let base = Int(slotBase[slot])
        viewEjected[base] -= 1
        balancerMembershipChanged(service: Int(slotService[slot]), view: base, instance: slot - base, available: true)
    }

    /// The one place a view's membership changes (an instance ejected or back): policies that keep
    /// a structure of the available instances (a hash ring, a Maglev table) rebuild it here.
    /// `view`: the view's first slot; `instance`: the offset within the service.
    ///
    /// A hashing view gets its own ring or table (a copy of its service's, or its proxy's, with this
    /// view's ejected instances unavailable), so only the keys of the instance that left move (a
    /// ring) or the table is populated again (Maglev); the fraction of the key space remapped is
    /// added to the service's ``keysRemapped`` and the change counted in ``membershipChanges``.
    @inline(never)
    mutating func balancerMembershipChanged(service s: Int, view: Int, instance: Int, available: Bool) {
        let o = overrideOfView[view]
        let policy = o.map { siteBalancers[$0].config.policy } ?? svcBalancer[s]
        var f = 0.0
        switch policy {
        case .consistentHash:
            var r = viewRings[view] ?? (o.map { siteBalancers[$0].ring! } ?? hashRings[s]!)
            f = r.setAvailable(instance, available)
            viewRings[view] = r
        case .maglev:
            var t = viewMaglev[view] ?? (o.map { siteBalancers[$0].maglev! } ?? maglevTables[s]!)
            f = t.setAvailable(instance, available)
            viewMaglev[view] = t
        default:
            return
        }
        membershipChanges[s] += 1
        keysRemapped[s] += f
        let slot = scopes.slotOf[scopes.service(s)]
        store.counters[slot].membershipChanges &+= 1
        store.counters[slot].keysRemapped += f
    }

    /// ``pickInstance(service:view:rotation:now:zone:key:)`` in a view with ejected instances: every policy picks
    /// among the others. When all are ejected, among all of them, as Envoy's panic mode routes to
    /// every host once too few are healthy.
    @inline(never)
    mutating func pickAvailable(service s: Int, view: Int, rotation rot: Int, now: Int64, zone: Int, key: UInt64)
        -> (instance: Int, slot: Int32) {
        let n = svcReplicas[s]
        availableScratch.removeAll(keepingCapacity: true)
        for k in 0..<n where !outlier[view + k].ejected { availableScratch.append(k) }
        let avail = availableScratch
        let m = avail.count
        if m == 0 || m == n {
            // Panic (or nothing ejected after all): the usual pick over everyone.
            let e = viewEjected[view]
            viewEjected[view] = 0
            defer { viewEjected[view] = e }
            return pickInstance(service: s, view: view, rotation: rot, now: now, zone: zone, key: key)
        }
        var out = [Bool](repeating: true, count: n)
        for k in avail { out[k] = false }
        let k: Int
        switch svcBalancer[s] {
        case .roundRobin:
            var j = roundRobin[rot].pick(count: n)
            while out[j] { j = roundRobin[rot].pick(count: n) }
            k = j
        case .weightedRoundRobin:
            k = weightedRoundRobin[rot].pick(count: n) { out[$0] }
        case .random:
            k = avail[RandomBalancer.pick(count: m, rng: balancerRNG[s]!)]
        case .leastRequests:
            k = leastRequests[rot].pick(count: n, outstanding: outstanding, base: view) { out[$0] }
        case .p2c:
            k = m == 1 ? avail[0]
                : powerOfChoices[s].pick(count: m, outstanding: outstanding, base: view, rng: balancerRNG[s]!) { avail[$0] }
        case .ewma:
            k = m == 1 ? avail[0]
                : PeakEwma.pick(count: m, outstanding: outstanding, costs: &ewmaCost, stamps: &ewmaStamp, base: view,
                                now: now, tau: svcEwmaTau[s], rng: balancerRNG[s]!) { avail[$0] }
        case .zoneAware:
            k = zoneAware[s].pick(zone: zone, count: n, outstanding: outstanding, base: view) { out[$0] }
        case .consistentHash:
            // The view's ring has its ejected instances unavailable (balancerMembershipChanged).
            k = viewRings[view]!.pick(key: key, outstanding: &outstanding, base: view)
        case .maglev:
            k = viewMaglev[view]!.pick(key: key)
        }
        outstanding[view + k] += 1
        return (firstInstance[s] + k, Int32(view + k))
    }
}
