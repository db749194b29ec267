import CGSL

/// Uniform random choice (Envoy's RANDOM, HAProxy's `balance random` with draws = 1): one draw of
/// `gsl_rng_uniform_int` from the service's `service.NAME.balancer` stream. With Poisson arrivals
/// every instance sees a Poisson stream of rate λ/n (random splitting), so each is an M/G/c queue
/// of its own.
struct RandomBalancer: LoadBalancer {
    @inline(__always)
    static func pick(count n: Int, rng: UnsafeMutablePointer<gsl_rng>) -> Int {
        Int(gsl_rng_uniform_int(rng, UInt(n)))
    }

    mutating func pick(count: Int, outstanding: inout [Int32], base: Int, rng: UnsafeMutablePointer<gsl_rng>?) -> Int {
        Self.pick(count: count, rng: rng!)
    }
}
