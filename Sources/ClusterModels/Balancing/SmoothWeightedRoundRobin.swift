import CGSL

/// Smooth weighted round robin as Nginx does it (`ngx_http_upstream_get_peer` in
/// src/http/ngx_http_upstream_round_robin.c, since 1.0.1): each pick adds every instance's weight to
/// its current weight, takes the instance with the largest current weight (the first one on a tie)
/// and subtracts the total weight from it. Weights 5, 1, 1 give a, a, b, a, c, a, a — spread out,
/// not bunched. Equal weights give exactly round robin's order. Deterministic: draws nothing. One
/// rotation per balancer, like ``RoundRobin``. (Nginx's `effective_weight`, lowered on failures, is
/// not modelled: it equals `weight` here.)
struct SmoothWeightedRoundRobin: LoadBalancer {
    var weights: [Int]
    var current: [Int]
    let total: Int

    init(weights: [Int]) {
        self.weights = weights
        current = Array(repeating: 0, count: weights.count)
        total = weights.reduce(0, +)
    }

    mutating func pick(count n: Int) -> Int {
        var best = 0
        var bestWeight = Int.min
        for k in 0..<n {
            current[k] &+= weights[k]
            if current[k] > bestWeight { bestWeight = current[k]; best = k }
        }
        current[best] &-= total
        return best
    }

    mutating func pick(count: Int, outstanding: inout [Int32], base: Int, rng: UnsafeMutablePointer<gsl_rng>?) -> Int {
        pick(count: count)
    }

    /// The pick among the instances `isOut` does not name, as Nginx skips peers that are down: they
    /// neither gain current weight nor count in the total.
    mutating func pick(count n: Int, isOut: (Int) -> Bool) -> Int {
        var best = -1
        var bestWeight = Int.min
        var sum = 0
        for k in 0..<n where !isOut(k) {
            current[k] &+= weights[k]
            sum &+= weights[k]
            if current[k] > bestWeight { bestWeight = current[k]; best = k }
        }
        if best >= 0 { current[best] &-= sum }
        return best
    }
}
