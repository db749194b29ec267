import CGSL

/// Least requests: the instance with the fewest requests outstanding from this balancer's view
/// (Nginx's `least_conn`, HAProxy's `balance leastconn`). Ties are broken as Nginx does, by
/// rotation: the scan starts one past the previous pick, so idle instances take turns instead of
/// the lowest index taking every request at low load. Deterministic: draws nothing (the rotation
/// cursor is one per balancer: the service's for its roots, each caller instance's own for its calls). Scans every instance: O(n) a pick.
struct LeastRequests: LoadBalancer {
    var next = 0

    mutating func pick(count n: Int, outstanding: inout [Int32], base: Int, rng: UnsafeMutablePointer<gsl_rng>?) -> Int {
        var k = next
        var best = k
        var fewest = Int32.max
        for _ in 0..<n {
            let o = outstanding[base + k]
            if o < fewest { fewest = o; best = k; if o == 0 { break } }
            k = k + 1 == n ? 0 : k + 1
        }
        next = best + 1 == n ? 0 : best + 1
        return best
    }

    /// The pick skipping the instances `isOut` names (ejected by outlier detection); −1 if all are.
    mutating func pick(count n: Int, outstanding: [Int32], base: Int, isOut: (Int) -> Bool) -> Int {
        var k = next
        var best = -1
        var fewest = Int32.max
        for _ in 0..<n {
            if !isOut(k) {
                let o = outstanding[base + k]
                if o < fewest { fewest = o; best = k; if o == 0 { break } }
            }
            k = k + 1 == n ? 0 : k + 1
        }
        if best >= 0 { next = best + 1 == n ? 0 : best + 1 }
        return best
    }
}
