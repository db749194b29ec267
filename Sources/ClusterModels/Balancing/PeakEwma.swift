import CGSL
import Foundation

/// Peak EWMA, as Finagle's `Balancers.p2cPeakEwma` (finagle-core, loadbalancer/PeakEwma.scala) and
/// Linkerd's balancer (tower's `PeakEwma` load): each balancer view keeps, per instance, a moving
/// average of the latency it observed, "sensitive to peaks": an observation above the average
/// replaces it at once; below, the average moves towards it with weight `1 − exp(−Δt / decay)`,
/// Δt the time since the average last changed. Reading the cost is itself an observation of 0
/// (Finagle's `rate()` calls `update(0.0)`), so an idle instance's cost decays towards 0 as time
/// passes. The load of an instance is `cost × (outstanding + 1)`; an instance with outstanding
/// requests but no latency yet (cost 0) gets Finagle's `Penalty` (`Long.MaxValue >> 16`) plus its
/// outstanding count, so a fresh or silent instance is tried once, not flooded.
///
/// The pick is Finagle's power of two choices (`P2C`): two distinct instances drawn uniformly from
/// the service's `service.NAME.balancer` stream (two draws a pick: the second over the other n − 1),
/// the one with the lower load wins, the first drawn on a tie.
///
/// Latency is observed by the caller for each attempt from its pick until its response arrives or
/// its timeout fires (elapsed time then, as Finagle observes a failed, interrupted request); an
/// attempt the caller abandons (a losing hedge) is not observed. Roots are observed by their view
/// (the load balancer in front of the service) from arrival to their end.
struct PeakEwma {
    /// Finagle's default `decayTime` for `p2cPeakEwma`: 10 seconds (ns).
    static let defaultDecay: Int64 = 10_000_000_000
    /// Finagle's penalty for an instance with outstanding requests and no latency observed yet.
    static let penalty = Double(Int64.max >> 16)

    /// Finagle's `Metric.update(rtt)` on one instance's (cost, stamp), costs in ns.
    @inline(__always)
    static func update(cost: inout Double, stamp: inout Int64, rtt: Double, now: Int64, tau: Double) {
        let td = Double(max(now &- stamp, 0))
        let w = exp(-td / tau)
        if rtt > cost { cost = rtt } else { cost = cost * w + rtt * (1 - w) }
        stamp = now
    }

    /// The load of the instance at `slot` of a view (reading decays its cost, as in Finagle).
    @inline(__always)
    static func load(slot: Int, outstanding: [Int32], costs: inout [Double], stamps: inout [Int64],
                     now: Int64, tau: Double) -> Double {
        update(cost: &costs[slot], stamp: &stamps[slot], rtt: 0, now: now, tau: tau)
        let c = costs[slot]
        let s = outstanding[slot]
        if c == 0 && s != 0 { return penalty + Double(s) }
        return c * Double(s + 1)
    }

    /// One of `m` ≥ 2 candidates; candidate t is instance `map(t)` of the view at `base`.
    @inline(__always)
    static func pick(count m: Int, outstanding: [Int32], costs: inout [Double], stamps: inout [Int64], base: Int,
                     now: Int64, tau: Double, rng: UnsafeMutablePointer<gsl_rng>, map: (Int) -> Int) -> Int {
        let a = Int(gsl_rng_uniform_int(rng, UInt(m)))
        var b = Int(gsl_rng_uniform_int(rng, UInt(m - 1)))
        if b >= a { b += 1 }
        let ka = map(a), kb = map(b)
        let la = load(slot: base + ka, outstanding: outstanding, costs: &costs, stamps: &stamps, now: now, tau: tau)
        let lb = load(slot: base + kb, outstanding: outstanding, costs: &costs, stamps: &stamps, now: now, tau: tau)
        return la <= lb ? ka : kb
    }
}
