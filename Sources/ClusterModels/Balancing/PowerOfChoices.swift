import CGSL

/// Power of d choices on outstanding requests (Mitzenmacher, "The Power of Two Choices in Randomized
/// Load Balancing", IEEE TPDS 2001; Vvedenskaya, Dobrushin & Karpelevich 1996): draw d distinct
/// instances uniformly, send to the one with the fewest outstanding requests from this balancer's
/// view. As Envoy's LEAST_REQUEST (`choice_count`, default 2) and Finagle's/Linkerd's P2C.
///
/// Draws exactly d values from the service's `service.NAME.balancer` stream a pick: the k-th
/// candidate is `gsl_rng_uniform_int(n − k)` mapped onto the instances not drawn yet, so the
/// candidates are a uniformly random ordered sample without repetition. Ties go to the candidate
/// drawn first, which is uniformly random among the tied ones. d > n is capped at n.
struct PowerOfChoices: LoadBalancer {
    let choices: Int
    /// Candidates drawn so far, ascending (capacity `choices`, reused: no allocation a pick).
    var drawn: [Int]

    init(choices: Int) {
        self.choices = choices
        drawn = Array(repeating: 0, count: max(choices, 2))
    }

    mutating func pick(count n: Int, outstanding: inout [Int32], base: Int, rng: UnsafeMutablePointer<gsl_rng>?) -> Int {
        pick(count: n, outstanding: outstanding, base: base, rng: rng!) { $0 }
    }

    /// The pick over `m` available candidates only (outlier detection ejected the others):
    /// candidate t is instance `map(t)`. The same draws as ``pick(count:outstanding:base:rng:)``
    /// over `m` instances.
    @inline(__always)
    mutating func pick(count m: Int, outstanding: [Int32], base: Int, rng: UnsafeMutablePointer<gsl_rng>,
                       map: (Int) -> Int) -> Int {
        let d = min(choices, m)
        var best = 0
        var fewest = Int32.max
        for k in 0..<d {
            // The t-th candidate (0-based) among those not drawn yet.
            var t = Int(gsl_rng_uniform_int(rng, UInt(m - k)))
            var j = 0
            while j < k && drawn[j] <= t { t += 1; j += 1 }
            // Keep `drawn` sorted: insert t at j.
            var q = k
            while q > j { drawn[q] = drawn[q - 1]; q -= 1 }
            drawn[j] = t
            let o = outstanding[base + map(t)]
            if o < fewest { fewest = o; best = map(t) }
        }
        return best
    }
}
