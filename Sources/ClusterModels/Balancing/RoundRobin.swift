import CGSL

/// Round robin: instances in turn, one rotation per balancer: the service's for its roots, each
/// caller instance's own for its calls (Nginx's
/// default `upstream` rotation with equal weights; Envoy's ROUND_ROBIN).
struct RoundRobin: LoadBalancer {
    var next = 0

    @inline(__always)
    mutating func pick(count n: Int) -> Int {
        let k = next
        next = k + 1 == n ? 0 : k + 1
        return k
    }

    mutating func pick(count: Int, outstanding: inout [Int32], base: Int, rng: UnsafeMutablePointer<gsl_rng>?) -> Int {
        pick(count: count)
    }
}
