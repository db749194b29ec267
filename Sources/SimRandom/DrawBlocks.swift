import CGSL

/// Durations (ns) drawn ahead, a block at a time, from streams that each serve one sampler only.
///
/// A stream whose every draw comes from the same ``Sampler`` gives the same sequence whether its
/// values are drawn one by one as they are needed or a block at a time in advance: the sampler
/// keeps no state, and nothing else advances the stream. Values drawn but not used when a run ends
/// change nothing, since the stream is not read again. Reports are the same byte for byte.
///
/// Drawn one at a time between the simulator's bookkeeping, GSL's Mersenne Twister and libm's
/// `log1p` took about 94 ms of the M/M/1 benchmark's 10⁶ customers (2·10⁶ draws, perf samples);
/// in blocks, about 47 ms (Benchmarks/README.md).
///
/// Only for streams that no other code draws from, and for samplers without state: a stream
/// shared by two samplers would have its draws reordered.
public struct DrawBlocks: ~Copyable {
    /// Values per block, a power of two.
    public static let blockSize = 128
    /// Blocks of the streams that have one, `blockSize` values each, aligned at multiples of it.
    @usableFromInline let values: UnsafeMutablePointer<Int64>
    /// Per stream: the index in `values` of its next value. At a multiple of `blockSize` (the end
    /// of its block, and where every stream starts) the block is drawn again first.
    @usableFromInline let cursor: UnsafeMutablePointer<Int>
    let samplers: [Sampler?]
    /// Kept alive here: the blocks draw through their raw generators.
    let streams: [RandomStream]
    let rngs: [UnsafeMutablePointer<gsl_rng>]
    /// Per stream: the exponential's mean for the C fill loop, or nil for other samplers.
    let exponentialMean: [Double?]

    /// - Parameters:
    ///   - samplers: per stream, the one sampler that draws from it, or nil for a stream that is
    ///     not drawn through blocks (``next(_:)`` must not be called for it).
    ///   - streams: the streams, in the same order.
    public init(samplers: [Sampler?], streams: [RandomStream]) {
        precondition(samplers.count == streams.count, "one sampler (or nil) per stream")
        let n = samplers.count
        self.samplers = samplers
        self.streams = streams
        rngs = streams.map(\.rng)
        exponentialMean = samplers.map {
            if case .exponential(let m)? = $0?.distribution { return m } else { return nil }
        }
        let blocked = samplers.filter { $0 != nil }.count
        values = .allocate(capacity: max(1, blocked) * Self.blockSize)
        cursor = .allocate(capacity: max(1, n))
        var b = 0
        for k in 0..<n {
            // A stream without a block keeps a cursor that is never a block's end: next(k) on it
            // would read before `values` (a programmer error, checked in debug builds).
            if samplers[k] != nil { b += 1; (cursor + k).initialize(to: b * Self.blockSize) }
            else { (cursor + k).initialize(to: -1) }
        }
    }

    deinit {
        values.deallocate()
        cursor.deallocate()
    }

    /// The next value of stream `k`, in nanoseconds (``Sampler/sampleNanos(rng:)``).
    @inlinable @inline(__always)
    public func next(_ k: Int) -> Int64 {
        var i = cursor[k]
        assert(i >= 0, "stream \(k) has no block")
        if i & (Self.blockSize &- 1) == 0 {
            i &-= Self.blockSize
            refill(k, at: i)
        }
        cursor[k] = i &+ 1
        return values[i]
    }

    @usableFromInline @inline(never)
    func refill(_ k: Int, at start: Int) {
        let out = values + start
        if let m = exponentialMean[k] {
            clustersim_fill_exponential_ns(rngs[k], m, out, Int32(Self.blockSize))
        } else {
            let s = samplers[k]!, r = rngs[k]
            for j in 0..<Self.blockSize { out[j] = s.sampleNanos(rng: r) }
        }
    }
}
