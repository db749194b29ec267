/// Consistent hashing on a ring with virtual nodes (Karger, Lehman, Leighton, Panigrahy, Levine &
/// Lewin, "Consistent hashing and random trees", STOC 1997), as Envoy's `RING_HASH` load balancer
/// builds it: each instance puts `vnodes` points on a 64-bit ring, and a request key goes to the
/// owner of the first point clockwise of the key's hash (the first point ≥ it, wrapping round).
///
/// Points are ``StableHash`` values of (salt, instance index, vnode index); the cluster salts with
/// the service name, so two services' rings differ and a ring never depends on the process.
/// Equal points (a 2⁻⁶⁴ event) are ordered by instance.
///
/// **Bounded loads** (Mirrokni, Thorup & Zadimoghaddam, "Consistent Hashing with Bounded Loads",
/// SODA 2018, arXiv:1608.01350; HAProxy `hash-balance-factor`, Envoy `hash_balance_factor`): with
/// factor c > 1 each instance takes at most ⌈c·(m + 1)/n⌉ outstanding requests, m the outstanding
/// requests in the balancer's view before this one and n the available instances. A key whose
/// instance is full passes on clockwise to the next instance that is not; one always exists, since
/// the capacities add up to more than m.
///
/// **Membership** (``setAvailable(_:_:)``): an unavailable instance's points stay on the ring but
/// are passed over, so only its keys move, each to the next available instance clockwise.
public struct ConsistentHashRing: Sendable {
    /// Instances (0 ..< count) and points per instance.
    public let count: Int
    public let vnodes: Int
    /// Bounded-load factor c (nil: plain consistent hashing).
    public let boundedLoad: Double?
    /// Ring points, ascending, and the instance owning each.
    public private(set) var points: [UInt64] = []
    public private(set) var owners: [Int32] = []
    public private(set) var available: [Bool]
    public private(set) var availableCount: Int

    public init(salt: String, count: Int, vnodes: Int, boundedLoad: Double? = nil) {
        precondition(count >= 1 && vnodes >= 1)
        self.count = count; self.vnodes = vnodes; self.boundedLoad = boundedLoad
        available = Array(repeating: true, count: count)
        availableCount = count
        let base = StableHash.string(salt)
        var pairs: [(UInt64, Int32)] = []
        pairs.reserveCapacity(count * vnodes)
        for i in 0..<count {
            let hi = StableHash.combine(base, UInt64(i))
            for j in 0..<vnodes { pairs.append((StableHash.combine(hi, UInt64(j)), Int32(i))) }
        }
        pairs.sort { $0.0 != $1.0 ? $0.0 < $1.0 : $0.1 < $1.1 }
        points = pairs.map(\.0)
        owners = pairs.map(\.1)
    }

    /// Index of the first point clockwise of `h`: the first point ≥ h, or point 0 past the last.
    @inline(__always)
    public func firstPoint(_ h: UInt64) -> Int {
        var lo = 0, hi = points.count
        while lo < hi {
            let mid = (lo + hi) >> 1
            if points[mid] < h { lo = mid + 1 } else { hi = mid }
        }
        return lo == points.count ? 0 : lo
    }

    /// The instance key hash `h` maps to, load aside: the owner of the first available point
    /// clockwise (instance 0's first point's owner if none is available).
    public func owner(ofPoint h: UInt64) -> Int {
        var k = firstPoint(h)
        for _ in 0..<points.count {
            let o = Int(owners[k])
            if available[o] { return o }
            k += 1
            if k == points.count { k = 0 }
        }
        return Int(owners[firstPoint(h)])
    }

    /// Bounded-load pick of key hash `h` with per-instance loads `load(i)` and capacity `capacity`:
    /// the first available instance clockwise whose load is below the capacity, and the ring
    /// points looked at (1 when the first choice takes it).
    @inline(__always)
    public func pick(point h: UInt64, capacity: Int, load: (Int) -> Int) -> (instance: Int, probes: Int) {
        var k = firstPoint(h)
        for probe in 1...points.count {
            let o = Int(owners[k])
            if available[o] && load(o) < capacity { return (o, probe) }
            k += 1
            if k == points.count { k = 0 }
        }
        return (owner(ofPoint: h), points.count)
    }

    /// ⌈c·(m + 1)/n⌉ for `total` = m outstanding requests over the available instances.
    @inline(__always)
    public func capacity(total: Int, factor c: Double) -> Int {
        let n = max(availableCount, 1)
        // The small slack keeps an exact integer (1.25 · 10000 / 100) from rounding up past itself.
        return max(1, Int((c * Double(total + 1) / Double(n) - 1e-9).rounded(.up)))
    }

    /// The cluster's pick: the instance (0 ..< count) for request key `key`, bounded by the
    /// balancer's outstanding counts `outstanding[base ..< base + count]` when `boundedLoad` is set.
    @inline(__always)
    func pick(key: UInt64, outstanding: inout [Int32], base: Int) -> Int {
        let h = StableHash.keyPoint(key)
        guard let c = boundedLoad else { return owner(ofPoint: h) }
        var total = 0
        for i in 0..<count where available[i] { total += Int(outstanding[base + i]) }
        let cap = capacity(total: total, factor: c)
        return outstanding.withUnsafeBufferPointer { o in
            pick(point: h, capacity: cap) { Int(o[base + $0]) }.instance
        }
    }

    /// Marks instance `i` unavailable (removed, failed, ejected) or available again, and returns the
    /// fraction of the key space (of the 2⁶⁴ hashes, from exact arc lengths) whose instance changed,
    /// load aside. Setting the current state changes nothing and returns 0.
    @discardableResult
    public mutating func setAvailable(_ i: Int, _ isAvailable: Bool) -> Double {
        guard available[i] != isAvailable else { return 0 }
        let before = effectiveOwners()
        available[i] = isAvailable
        availableCount += isAvailable ? 1 : -1
        let after = effectiveOwners()
        return Self.fraction(points: points, changed: { before[$0] != after[$0] })
    }

    /// For each point, the instance its arc's keys go to: the owner of the first available point at
    /// or after it (−1 when none is available).
    public func effectiveOwners() -> [Int32] {
        let m = points.count
        var result = Array(repeating: Int32(-1), count: m)
        guard availableCount > 0 else { return result }
        var current: Int32 = -1
        // Two passes backwards so the points after the last available one wrap to the first.
        for pass in 0..<2 {
            for k in stride(from: m - 1, through: 0, by: -1) {
                if available[Int(owners[k])] { current = owners[k] }
                if pass == 1 || current >= 0 { result[k] = current }
            }
        }
        return result
    }

    /// The share of the ring (exact sum of arc lengths / 2⁶⁴) held by each instance, load aside.
    public func shares() -> [Double] {
        let eff = effectiveOwners()
        var result = Array(repeating: 0.0, count: count)
        let m = points.count
        guard m > 1 else { if m == 1, eff[0] >= 0 { result[Int(eff[0])] = 1 }; return result }
        for k in 0..<m where eff[k] >= 0 {
            result[Int(eff[k])] += Double(points[k] &- points[k == 0 ? m - 1 : k - 1]) * 0x1p-64
        }
        return result
    }

    /// Sum of the arcs (p[k−1], p[k]] of the points k with `changed(k)`, over 2⁶⁴; the arc of point
    /// 0 wraps round from the last point. Summed exactly in 128 bits.
    static func fraction(points: [UInt64], changed: (Int) -> Bool) -> Double {
        let m = points.count
        guard m > 1 else { return m == 1 && changed(0) ? 1 : 0 }
        var low: UInt64 = 0, carries: UInt64 = 0
        for k in 0..<m where changed(k) {
            let arc = points[k] &- points[k == 0 ? m - 1 : k - 1]
            let (s, o) = low.addingReportingOverflow(arc)
            low = s
            if o { carries += 1 }
        }
        return Double(carries) + Double(low) * 0x1p-64
    }
}
