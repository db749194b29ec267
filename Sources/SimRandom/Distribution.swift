import CGSL
import Foundation
import SimKernel

/// A probability distribution of a non-negative quantity, in the quantity's base unit (seconds for
/// durations). Built by ScenarioSpec from the spec's spellings (scenario-format.md, "Distributions");
/// every alternative parameterisation (lognormal from median and p99, gamma from mean and cv, …) is
/// converted to the canonical parameters below there, so sampling needs no conversions.
public enum Distribution: Sendable, Equatable {
    case constant(Double)
    /// Exponential with this mean.
    case exponential(mean: Double)
    /// Uniform on [min, max].
    case uniform(min: Double, max: Double)
    /// Normal, truncated at 0 by rejection (a draw below 0 is drawn again).
    case normal(mean: Double, stddev: Double)
    /// ln X ~ N(mu, sigma²).
    case lognormal(mu: Double, sigma: Double)
    /// Gamma with shape and **scale** (mean = shape × scale), as `gsl_ran_gamma` takes them.
    case gamma(shape: Double, scale: Double)
    /// Erlang-k with the given mean: the sum of k exponentials each of mean `mean / k`.
    case erlang(k: Int, mean: Double)
    /// Weibull with shape k and scale λ: P(X > x) = exp(−(x/λ)^k).
    case weibull(shape: Double, scale: Double)
    /// Pareto with shape a and scale (the minimum) b: P(X > x) = (b/x)^a for x ≥ b.
    case pareto(shape: Double, scale: Double)
    /// With probability pᵢ an exponential of mean mᵢ.
    case hyperexponential(probabilities: [Double], means: [Double])
    /// Resampling of observed values (each drawn with equal probability).
    case empirical(samples: [Double])
    /// With probability wᵢ (normalised) a draw from component i.
    indirect case mixture(weights: [Double], components: [Distribution])

    /// The mean, where it is finite (Pareto with shape ≤ 1 has none: +∞).
    public var mean: Double {
        switch self {
        case .constant(let v): return v
        case .exponential(let m): return m
        case .uniform(let a, let b): return (a + b) / 2
        case .normal(let m, let s):
            // Mean of N(m, s²) truncated to [0, ∞).
            if s == 0 { return max(m, 0) }
            let a = -m / s
            let z = gsl_cdf_ugaussian_Q(a)
            if z <= 0 { return 0 }
            return m + s * gsl_ran_ugaussian_pdf(a) / z
        case .lognormal(let mu, let sigma): return exp(mu + sigma * sigma / 2)
        case .gamma(let k, let theta): return k * theta
        case .erlang(_, let m): return m
        case .weibull(let k, let lambda): return lambda * gsl_sf_gamma(1 + 1 / k)
        case .pareto(let a, let b): return a > 1 ? a * b / (a - 1) : .infinity
        case .hyperexponential(let p, let m):
            let t = p.reduce(0, +)
            return zip(p, m).reduce(0) { $0 + $1.0 * $1.1 } / t
        case .empirical(let s): return s.isEmpty ? 0 : s.reduce(0, +) / Double(s.count)
        case .mixture(let w, let c):
            let t = w.reduce(0, +)
            return zip(w, c).reduce(0) { $0 + $1.0 * $1.1.mean } / t
        }
    }
}

/// Owns a GSL Walker table (`gsl_ran_discrete_t`) for discrete choices; freed once.
public final class DiscreteTable: @unchecked Sendable {
    public let table: UnsafeMutablePointer<gsl_ran_discrete_t>?
    public init(weights w: [Double]) {
        table = w.withUnsafeBufferPointer { gsl_ran_discrete_preproc($0.count, $0.baseAddress) }
    }
    deinit { if let t = table { gsl_ran_discrete_free(t) } }
}

/// A distribution ready to draw from: discrete choices (hyperexponential, mixture) are
/// preprocessed into GSL's Walker tables once.
///
/// A struct whose hot path takes the generator's raw pointer (``RandomStream/rng``): drawing does
/// no reference counting for the common distributions.
public struct Sampler: Sendable {
    public let distribution: Distribution
    @usableFromInline let table: DiscreteTable?
    @usableFromInline let components: [Sampler]

    public init(_ d: Distribution) {
        GSLSetup.ensure()
        distribution = d
        switch d {
        case .hyperexponential(let p, let means):
            table = DiscreteTable(weights: p)
            components = means.map { Sampler(.exponential(mean: $0)) }
        case .mixture(let w, let c):
            table = DiscreteTable(weights: w)
            components = c.map { Sampler($0) }
        default:
            table = nil
            components = []
        }
    }

    /// One draw, in the distribution's base unit.
    @inlinable
    public func sample(_ s: RandomStream) -> Double { sample(rng: s.rng) }

    /// One draw from the generator `r` (a ``RandomStream``'s `rng`).
    @inlinable
    public func sample(rng r: UnsafeMutablePointer<gsl_rng>) -> Double {
        switch distribution {
        case .constant(let v): return v
        case .exponential(let m): return gsl_ran_exponential(r, m)
        case .uniform(let a, let b): return gsl_ran_flat(r, a, b)
        case .normal(let m, let sd):
            if sd == 0 { return max(m, 0) }
            // A mean below 0 draws from the tail directly (GSL's exact tail sampler), so a mean far
            // below 0 stays exact and fast.
            if m < 0 { return m + gsl_ran_gaussian_tail(r, -m, sd) }
            // Otherwise rejection keeps the truncated shape exact; at most half the draws are rejected.
            while true {
                let x = m + gsl_ran_gaussian_ziggurat(r, sd)
                if x >= 0 { return x }
            }
        case .lognormal(let mu, let sigma): return gsl_ran_lognormal(r, mu, sigma)
        case .gamma(let k, let theta): return gsl_ran_gamma(r, k, theta)
        case .erlang(let k, let m): return gsl_ran_gamma(r, Double(k), m / Double(k))
        case .weibull(let k, let lambda): return gsl_ran_weibull(r, lambda, k)
        case .pareto(let a, let b): return gsl_ran_pareto(r, a, b)
        case .hyperexponential, .mixture:
            let i = gsl_ran_discrete(r, table?.table)
            return components[i].sample(rng: r)
        case .empirical(let xs):
            return xs.isEmpty ? 0 : xs[Int(gsl_rng_uniform_int(r, UInt(xs.count)))]
        }
    }

    /// One draw of a duration in seconds, as integer nanoseconds (rounded; negatives become 0).
    @inlinable
    public func sampleNanos(_ s: RandomStream) -> Int64 { SimDuration(seconds: sample(rng: s.rng)).ns }

    @inlinable
    public func sampleNanos(rng r: UnsafeMutablePointer<gsl_rng>) -> Int64 { SimDuration(seconds: sample(rng: r)).ns }
}
