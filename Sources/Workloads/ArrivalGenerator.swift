import CGSL
import Foundation
import SimKernel
import SimRandom

/// Produces the arrival instants of one open workload, one at a time.
///
/// Each generator draws from its own stream (`workload.NAME.arrivals`, and `workload.NAME.states`
/// for an MMPP's state changes), so adding a workload never shifts another's draws.
public struct ArrivalGenerator: Sendable {
    /// Which process; a plain value so the hot path's switch copies nothing reference counted.
    public enum Mode: Sendable { case poisson, constant, profile, mmpp, trace }

    public let mode: Mode
    @usableFromInline let meanGapSeconds: Double        // poisson
    @usableFromInline let gapNs: Int64                  // constant
    @usableFromInline let profile: RateProfile?         // profile
    @usableFromInline let profileShape: ArrivalShape
    @usableFromInline let rates: [Double]               // mmpp
    @usableFromInline let meanHolding: [Double]
    @usableFromInline let times: [Int64]                // trace
    @usableFromInline let speedup: Double
    // MMPP state
    @usableFromInline var state = 0
    @usableFromInline var switchAt: Int64 = 0
    // trace position
    @usableFromInline var position = 0

    /// Builds the generator for an open arrival process; closed workloads have none (nil).
    public init?(_ process: ArrivalProcess) {
        var meanGap = 0.0, gap: Int64 = 0, profile: RateProfile? = nil, shape = ArrivalShape.poisson
        var rates: [Double] = [], holding: [Double] = [], times: [Int64] = [], speedup = 1.0
        switch process {
        case .open(.poisson, let rate):
            mode = .poisson; meanGap = 1 / rate
        case .open(.constant, let rate):
            mode = .constant; gap = max(1, SimDuration(seconds: 1 / rate).ns)
        case .profile(let sh, let points):
            mode = .profile; profile = RateProfile(points); shape = sh
        case .mmpp(let r, let h):
            mode = .mmpp; rates = r; holding = h
        case .trace(let t, let s):
            mode = .trace; times = t; speedup = s
        case .closed:
            return nil
        }
        meanGapSeconds = meanGap; gapNs = gap; self.profile = profile; profileShape = shape
        self.rates = rates; meanHolding = holding; self.times = times; self.speedup = speedup
    }

    /// Prepares state that needs a first draw (the MMPP's first holding time). The generators are
    /// the `rng` of the streams `workload.NAME.arrivals` and `workload.NAME.states`.
    public mutating func start(arrivals: UnsafeMutablePointer<gsl_rng>, states: UnsafeMutablePointer<gsl_rng>) {
        if mode == .mmpp {
            state = 0
            switchAt = SimDuration(seconds: gsl_ran_exponential(states, meanHolding[0])).ns
        }
    }

    /// The next arrival after the previous one at `now` (or the first, from `now` = 0 at start), or
    /// nil when the process has no more arrivals.
    public mutating func next(after now: Int64, first: Bool, arrivals: UnsafeMutablePointer<gsl_rng>,
                              states: UnsafeMutablePointer<gsl_rng>) -> Int64? {
        switch mode {
        case .poisson:
            return sat(now, max(1, SimDuration(seconds: gsl_ran_exponential(arrivals, meanGapSeconds)).ns))
        case .constant:
            return sat(now, gapNs)
        case .profile:
            let need: Double
            switch profileShape {
            case .poisson: need = gsl_ran_exponential(arrivals, 1)
            case .constant: need = 1
            }
            guard let t = profile?.timeAfter(now, expectedArrivals: need) else { return nil }
            return max(t, sat(now, 1))
        case .mmpp:
            var t = now
            // Bounded: validation guarantees a positive rate in some state; each turn moves t on.
            for _ in 0..<1_000_000 {
                let r = rates[state]
                if r > 0 {
                    let cand = sat(t, max(1, SimDuration(seconds: gsl_ran_exponential(arrivals, 1 / r)).ns))
                    if cand < switchAt { return cand }
                }
                // Memoryless: restart the draw at the switch, in the next state.
                t = switchAt
                state = (state + 1) % rates.count
                switchAt = sat(t, max(1, SimDuration(seconds: gsl_ran_exponential(states, meanHolding[state])).ns))
            }
            return nil
        case .trace:
            guard position < times.count else { return nil }
            let raw = times[position]
            position += 1
            let t = speedup == 1 ? raw : Int64((Double(raw) / speedup).rounded())
            return max(t, first ? 0 : now)
        }
    }

    /// Current MMPP state (for tests and time series).
    public var mmppState: Int { state }
}

/// A piecewise rate: constant between breakpoints, linear over a breakpoint's ramp.
/// Used by inversion of the cumulative intensity Λ(t): the next arrival after t is the s with
/// Λ(s) − Λ(t) = E, E ~ Exp(1) for Poisson arrivals (or E = 1 for evenly spaced ones). One draw per
/// arrival, no thinning.
public struct RateProfile: Sendable {
    /// Segments [start, end) in ns with the rate (per second) at each end; end = Int64.max for the last.
    public struct Segment: Sendable { public var start: Int64; public var end: Int64; public var r0: Double; public var r1: Double }
    public let segments: [Segment]

    public init(_ points: [ProfilePoint]) {
        var segs: [Segment] = []
        // Before the first point the rate is 0, so a ramp on the first point ramps up from 0.
        var prevRate = 0.0
        for (i, p) in points.enumerated() {
            let nextAt = i + 1 < points.count ? points[i + 1].at : Int64.max
            if p.ramp > 0 {
                let rampEnd = min(p.at &+ p.ramp, nextAt)
                // Rate reached at rampEnd when the ramp is cut short by the next breakpoint.
                let frac = Double(rampEnd - p.at) / Double(p.ramp)
                let rEnd = prevRate + (p.rate - prevRate) * frac
                segs.append(Segment(start: p.at, end: rampEnd, r0: prevRate, r1: rEnd))
                if rampEnd < nextAt { segs.append(Segment(start: rampEnd, end: nextAt, r0: p.rate, r1: p.rate)) }
                prevRate = rampEnd < nextAt ? p.rate : rEnd
            } else {
                segs.append(Segment(start: p.at, end: nextAt, r0: p.rate, r1: p.rate))
                prevRate = p.rate
            }
        }
        segments = segs
    }

    /// The rate (per second) at time t.
    public func rate(at t: Int64) -> Double {
        for s in segments where t >= s.start && t < s.end {
            if s.r0 == s.r1 || s.end == Int64.max { return s.r0 }
            return s.r0 + (s.r1 - s.r0) * Double(t - s.start) / Double(s.end - s.start)
        }
        return 0
    }

    /// The time s > t at which Λ(s) − Λ(t) = need, or nil if the rate stays 0 forever.
    public func timeAfter(_ t: Int64, expectedArrivals need: Double) -> Int64? {
        var remaining = need
        for s in segments where s.end > t {
            let a = max(s.start, t)
            let spanS = s.end == Int64.max ? Double.infinity : Double(s.end - a) * 1e-9
            if s.r0 == s.r1 || s.end == Int64.max {
                let r = s.r0
                if r <= 0 { continue }
                if remaining <= r * spanS { return sat(a, SimDuration(seconds: remaining / r).ns) }
                remaining -= r * spanS
            } else {
                // Linear rate over the segment; ra = rate at a, slope k per second.
                let len = Double(s.end - s.start) * 1e-9
                let k = (s.r1 - s.r0) / len
                let ra = s.r0 + k * Double(a - s.start) * 1e-9
                let area = ra * spanS + k * spanS * spanS / 2
                if remaining <= area {
                    // Solve ra·u + k·u²/2 = remaining for the smallest u ≥ 0.
                    let u: Double
                    if abs(k) < 1e-300 {
                        u = remaining / ra
                    } else {
                        let disc = max(0, ra * ra + 2 * k * remaining)
                        // Numerically stable root of k/2 u² + ra u − remaining = 0.
                        u = 2 * remaining / (ra + disc.squareRoot())
                    }
                    return sat(a, SimDuration(seconds: u).ns)
                }
                remaining -= area
            }
        }
        return nil
    }
}

/// a + b saturating at `Int64.max`: a vanishing rate gives "never", not a wrapped negative time.
@inline(__always) func sat(_ a: Int64, _ b: Int64) -> Int64 {
    let (v, o) = a.addingReportingOverflow(b)
    return o ? Int64.max : v
}
