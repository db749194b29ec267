/// A streaming quantile sketch for non-negative integer values (latencies in nanoseconds) with
/// bounded relative error and memory independent of the number of values.
///
/// HDR-style log-linear buckets (as HdrHistogram lays them out): values below 64 each have a bucket;
/// above, each power of two is split into 64 equal sub-buckets. A quantile is answered with its
/// bucket's midpoint, so the relative error is at most half a bucket over its lower edge:
/// (2^(e−6)/2) / (64 · 2^(e−6)) = 1/128 ≈ 0.78 %. Only the range of buckets actually hit is stored,
/// with up to 64 buckets of slack (a latency range of 10⁴ takes about 850 buckets, 7 KiB), and sketches merge exactly.
///
/// Written here rather than taken from hdrhistogram-swift: that histogram allocates its full range
/// up front (~50 KiB at 2 significant digits over 1 ns…10⁶ s), and the warm-up batches keep one
/// sketch per batch and scope, so the sparse range matters.
public struct LatencySketch: Sendable, Equatable {
    @usableFromInline static let subBits: Int = 6
    @usableFromInline static let sub: Int = 1 << subBits

    @usableFromInline var counts: [UInt64] = []
    @usableFromInline var offset: Int = 0          // bucket index of counts[0]
    public var count: UInt64 = 0
    /// Sum of the recorded values (ns), for exact means.
    public var sum: Double = 0
    public var min: Int64 = .max
    public var max: Int64 = .min

    public init() {}

    /// Bucket index of a value (values ≤ 0 go to bucket 0).
    @inlinable @inline(__always)
    public static func index(of v: Int64) -> Int {
        if v < Int64(sub) { return v <= 0 ? 0 : Int(v) }
        let e = 63 - v.leadingZeroBitCount          // floor(log2 v) ≥ subBits
        let shift = e - subBits
        let s = Int(v >> Int64(shift)) - sub        // 0 ..< sub
        return sub + shift * sub + s
    }

    /// The [lower, upper) value range of a bucket. The top bucket's upper edge would be 2⁶³, one past
    /// `Int64.max`: it saturates to `Int64.max` (so that bucket is [lower, Int64.max]).
    public static func bounds(of i: Int) -> (lower: Int64, upper: Int64) {
        if i < sub { return (Int64(i), Int64(i) + 1) }
        let shift = (i - sub) / sub
        let s = (i - sub) % sub
        let lower = Int64(sub + s) << Int64(shift)
        let width = Int64(1) << Int64(shift)
        return (lower, lower > Int64.max - width ? Int64.max : lower + width)
    }

    /// Records one value.
    @inlinable @inline(__always)
    public mutating func record(_ v: Int64) {
        let i = LatencySketch.index(of: v)
        count &+= 1
        sum += Double(v)
        if v < min { min = v }
        if v > max { max = v }
        let j = i &- offset
        if j >= 0 && j < counts.count {
            counts[j] &+= 1
        } else {
            grow(toInclude: i)
            counts[i &- offset] &+= 1
        }
    }

    /// Buckets added beyond the one needed when the stored range grows: a batch's sketch meets a
    /// new extreme often while it fills (every record above the maximum so far), and growing one
    /// bucket at a time cost a reallocation each time (measured: about 2 % of an M/M/1 run).
    @usableFromInline static let slack = 32

    /// Largest bucket index (of `Int64.max`).
    @usableFromInline static let lastIndex = index(of: Int64.max)

    /// The bucket range `lo ... hi` that `count` stored buckets from `offset` grow to so as to hold
    /// bucket `i` (outside them): half the slack on each side of a first bucket, the slack beyond a
    /// new extreme. Shared by ``LatencySketch`` and ``SketchSet``.
    @usableFromInline
    static func grownRange(offset: Int, count: Int, toInclude i: Int) -> (lo: Int, hi: Int) {
        if count == 0 { return (Swift.max(0, i - slack / 2), Swift.min(lastIndex, i + slack / 2)) }
        if i < offset { return (Swift.max(0, i - slack), offset + count - 1) }
        return (offset, Swift.min(lastIndex, i + slack))
    }

    @usableFromInline
    mutating func grow(toInclude i: Int) {
        if !counts.isEmpty && i >= offset && i < offset + counts.count { return }
        let (lo, hi) = LatencySketch.grownRange(offset: offset, count: counts.count, toInclude: i)
        if counts.isEmpty {
            counts = [UInt64](repeating: 0, count: hi - lo + 1)
        } else if lo < offset {
            counts.insert(contentsOf: repeatElement(0, count: offset - lo), at: 0)
        } else {
            counts.append(contentsOf: repeatElement(0, count: hi - offset - counts.count + 1))
        }
        offset = lo
    }

    /// Adds every value of `other`.
    ///
    /// At most one allocation: when `other`'s values fall outside the stored range, the buckets
    /// are reallocated once, to exactly the range from the smaller minimum's bucket to the larger
    /// maximum's (the warm-up batches merge pairwise as a run grows; growing twice, with slack,
    /// made each merge allocate and copy twice and fault in fresh memory; slack here measured no
    /// better).
    public mutating func merge(_ other: LatencySketch) {
        guard other.count > 0 else { return }
        let otherLo = LatencySketch.index(of: other.min), otherHi = LatencySketch.index(of: other.max)
        var lo = otherLo, hi = otherHi
        let selfLo = LatencySketch.index(of: min), selfHi = LatencySketch.index(of: max)
        if count > 0 { lo = Swift.min(lo, selfLo); hi = Swift.max(hi, selfHi) }
        if lo < offset || hi >= offset + counts.count {
            // Only the buckets from the minimum's to the maximum's can be non-zero.
            var c = [UInt64](repeating: 0, count: hi - lo + 1)
            if count > 0 {
                c.withUnsafeMutableBufferPointer { to in
                    counts.withUnsafeBufferPointer { from in
                        (to.baseAddress! + (selfLo - lo)).update(from: from.baseAddress! + (selfLo - offset),
                                                                  count: selfHi - selfLo + 1)
                    }
                }
            }
            counts = c
            offset = lo
        }
        // The ranges were checked above: one uniqueness check for the loop, not one per bucket.
        let at = offset
        counts.withUnsafeMutableBufferPointer { to in
            other.counts.withUnsafeBufferPointer { from in
                let t = to.baseAddress! + (otherLo - at), f = from.baseAddress! + (otherLo - other.offset)
                for k in 0..<(otherHi - otherLo + 1) { t[k] &+= f[k] }
            }
        }
        count &+= other.count
        sum += other.sum
        if other.min < min { min = other.min }
        if other.max > max { max = other.max }
    }

    /// Mean of the recorded values, or nil when empty.
    public var mean: Double? { count == 0 ? nil : sum / Double(count) }

    /// The nearest-rank quantile (p in [0, 1]): the smallest recorded value with at least ⌈p·n⌉ values
    /// at or below it, answered to within 0.78 % by its bucket's midpoint (clamped to [min, max]).
    public func quantile(_ p: Double) -> Double? {
        guard count > 0, !p.isNaN else { return nil }
        let p = Swift.min(Swift.max(p, 0), 1)
        // ⌈p·n⌉ with p·n snapped to an integer when it is one up to rounding: 99.9/100 is a hair
        // above 0.999, and ⌈0.999000…01 × 1000⌉ would be 1000, the maximum, instead of 999.
        let x = p * Double(count)
        let nearest = x.rounded()
        let r = Swift.abs(x - nearest) <= 1e-9 * Swift.max(1, x) ? nearest : x.rounded(.up)
        let rank = Swift.max(UInt64(1), Swift.min(count, UInt64(r)))
        var seen: UInt64 = 0
        for (k, c) in counts.enumerated() where c > 0 {
            seen &+= c
            if seen >= rank {
                let (lo, hi) = LatencySketch.bounds(of: k + offset)
                let mid = Double(lo) + Double(hi - lo - 1) / 2
                return Swift.min(Swift.max(mid, Double(min)), Double(max))
            }
        }
        return Double(max)
    }

    /// Buckets from the smallest recorded value's to the largest's: what the sketch needs to keep.
    /// The array holds up to 2 × ``slack`` more (memory is 8 bytes a bucket).
    public var storedBuckets: Int { count == 0 ? 0 : LatencySketch.index(of: max) - LatencySketch.index(of: min) + 1 }

    /// Two sketches are equal when they hold the same values by bucket (however much slack each keeps).
    public static func == (a: LatencySketch, b: LatencySketch) -> Bool {
        a.count == b.count && a.sum == b.sum && a.min == b.min && a.max == b.max && a.sameBuckets(as: b)
    }

    /// True when both sketches hold the same count in every bucket, whatever slack each array keeps.
    public func sameBuckets(as o: LatencySketch) -> Bool {
        if counts.isEmpty || o.counts.isEmpty { return counts.allSatisfy { $0 == 0 } && o.counts.allSatisfy { $0 == 0 } }
        let lo = Swift.min(offset, o.offset), hi = Swift.max(offset + counts.count, o.offset + o.counts.count)
        for i in lo..<hi {
            let x = i - offset, y = i - o.offset
            let ca = x >= 0 && x < counts.count ? counts[x] : 0
            let cb = y >= 0 && y < o.counts.count ? o.counts[y] : 0
            if ca != cb { return false }
        }
        return true
    }
}

/// Latency sketches being filled, one per slot, with their buckets behind pointers this value owns
/// alone: a record needs no copy-on-write check (a ``LatencySketch``'s array costs a runtime call
/// per record, and the hot path records every finished request). ``sketch(_:)`` gives a slot's
/// values as a ``LatencySketch``, equal to one that recorded the same values in the same order
/// (same buckets, same count, sum, minimum and maximum).
public struct SketchSet: ~Copyable, @unchecked Sendable {
    @usableFromInline struct Slot {
        /// `capacity` buckets from bucket index `offset` (capacity 0: nothing recorded yet).
        @usableFromInline var buckets: UnsafeMutablePointer<UInt64>
        @usableFromInline var offset = 0
        @usableFromInline var capacity = 0
        @usableFromInline var count: UInt64 = 0
        @usableFromInline var sum: Double = 0
        @usableFromInline var min: Int64 = .max
        @usableFromInline var max: Int64 = .min
        init() { buckets = .allocate(capacity: 1) }
    }

    @usableFromInline let slots: UnsafeMutablePointer<Slot>
    /// Number of sketches.
    public let count: Int

    /// `count` empty sketches.
    public init(count: Int) {
        self.count = count
        slots = .allocate(capacity: Swift.max(1, count))
        for k in 0..<count { (slots + k).initialize(to: Slot()) }
    }

    deinit {
        for k in 0..<count { slots[k].buckets.deallocate() }
        slots.deinitialize(count: count)
        slots.deallocate()
    }

    /// Records `v` in sketch `k` (as ``LatencySketch/record(_:)`` does).
    @inlinable @inline(__always)
    public mutating func record(_ k: Int, _ v: Int64) {
        precondition(UInt(bitPattern: k) < UInt(bitPattern: count), "sketch index out of range")
        let s = slots + k
        let i = LatencySketch.index(of: v)
        s.pointee.count &+= 1
        s.pointee.sum += Double(v)
        if v < s.pointee.min { s.pointee.min = v }
        if v > s.pointee.max { s.pointee.max = v }
        let j = i &- s.pointee.offset
        if j >= 0 && j < s.pointee.capacity {
            s.pointee.buckets[j] &+= 1
        } else {
            grow(k, toInclude: i)
            s.pointee.buckets[i &- s.pointee.offset] &+= 1
        }
    }

    /// Widens sketch `k`'s buckets to include index `i`, with ``LatencySketch``'s slack.
    @usableFromInline @inline(never)
    mutating func grow(_ k: Int, toInclude i: Int) {
        let s = slots + k
        let (lo, hi) = LatencySketch.grownRange(offset: s.pointee.offset, count: s.pointee.capacity, toInclude: i)
        let b = UnsafeMutablePointer<UInt64>.allocate(capacity: hi - lo + 1)
        b.initialize(repeating: 0, count: hi - lo + 1)
        if s.pointee.capacity > 0 {
            (b + (s.pointee.offset - lo)).update(from: s.pointee.buckets, count: s.pointee.capacity)
        }
        s.pointee.buckets.deallocate()
        s.pointee.buckets = b
        s.pointee.offset = lo
        s.pointee.capacity = hi - lo + 1
    }

    /// Sketch `k`'s values as a ``LatencySketch`` (its buckets from the minimum's to the maximum's).
    public func sketch(_ k: Int) -> LatencySketch {
        precondition(k >= 0 && k < count, "sketch index out of range")
        let s = slots[k]
        var out = LatencySketch()
        guard s.count > 0 else { return out }
        let lo = LatencySketch.index(of: s.min), hi = LatencySketch.index(of: s.max)
        out.counts = Array(UnsafeBufferPointer(start: s.buckets + (lo - s.offset), count: hi - lo + 1))
        out.offset = lo
        out.count = s.count
        out.sum = s.sum
        out.min = s.min
        out.max = s.max
        return out
    }

    /// Empties every sketch (their buckets stay allocated, zeroed).
    public mutating func reset() {
        for k in 0..<count {
            let s = slots + k
            if s.pointee.count > 0 {
                // Only the buckets from the minimum's to the maximum's can be non-zero.
                let lo = LatencySketch.index(of: s.pointee.min), hi = LatencySketch.index(of: s.pointee.max)
                (s.pointee.buckets + (lo - s.pointee.offset)).update(repeating: 0, count: hi - lo + 1)
            }
            s.pointee.count = 0
            s.pointee.sum = 0
            s.pointee.min = .max
            s.pointee.max = .min
        }
    }
}
