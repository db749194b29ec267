import CGSL
import Foundation

/// A workload's request keys (scenario `key:`), which hashing balancers (`consistent_hash`,
/// `maglev`) map to instances. Keys drawn from a distribution are the integers 1 … keys; a trace
/// column's keys are the stable 64-bit hashes of its strings (ClusterModels' `StableHash`).
public enum RequestKeys: Sendable, Equatable {
    /// Uniform over 1 … keys.
    case uniform(keys: Int)
    /// Zipf over 1 … keys: P(k) ∝ k^(−exponent), exponent > 0.
    case zipf(keys: Int, exponent: Double)
    /// One key per trace row, in row order (`arrival: trace` only).
    case column(name: String, keys: [UInt64])
}

/// Draws one workload's request keys, from its own stream `workload.NAME.key` (so adding keys to
/// a workload never changes any other draw). Column keys draw nothing: the n-th arrival of a trace
/// takes the n-th row's key.
public struct RequestKeyDraw: Sendable {
    @usableFromInline let mode: Int          // 0 uniform, 1 zipf, 2 column
    @usableFromInline let n: Int
    @usableFromInline let zipf: ZipfRejectionInversion?
    @usableFromInline let columnKeys: [UInt64]
    @usableFromInline var row = 0

    public init(_ keys: RequestKeys) {
        switch keys {
        case .uniform(let k): mode = 0; n = k; zipf = nil; columnKeys = []
        case .zipf(let k, let s): mode = 1; n = k; zipf = ZipfRejectionInversion(count: k, exponent: s); columnKeys = []
        case .column(_, let ks): mode = 2; n = ks.count; zipf = nil; columnKeys = ks
        }
    }

    /// The next request's key.
    @inlinable
    public mutating func next(rng: UnsafeMutablePointer<gsl_rng>) -> UInt64 {
        switch mode {
        case 0: return UInt64(gsl_rng_uniform_int(rng, UInt(n))) + 1
        case 1: return UInt64(zipf!.sample(rng: rng))
        default:
            guard !columnKeys.isEmpty else { return 0 }
            let k = columnKeys[min(row, columnKeys.count - 1)]
            row += 1
            return k
        }
    }
}

/// Exact Zipf sampling over 1 … N by rejection-inversion (W. Hörmann & G. Derflinger,
/// "Rejection-inversion to generate variates from monotone discrete distributions", ACM TOMACS
/// 6(3), 1996), in the form of Apache Commons RNG's `RejectionInversionZipfSampler`: O(1) memory
/// and expected O(1) uniforms per draw for any N and exponent s > 0. Uniforms come from
/// `gsl_rng_uniform`.
public struct ZipfRejectionInversion: Sendable {
    public let count: Int
    public let exponent: Double
    @usableFromInline let hIntegralX1: Double
    @usableFromInline let hIntegralN: Double
    @usableFromInline let s: Double

    public init(count: Int, exponent: Double) {
        self.count = count; self.exponent = exponent
        let e = exponent
        hIntegralX1 = Self.hIntegral(1.5, e) - 1
        hIntegralN = Self.hIntegral(Double(count) + 0.5, e)
        s = 2 - Self.hIntegralInverse(Self.hIntegral(2.5, e) - Self.h(2, e), e)
    }

    @inlinable
    public func sample(rng: UnsafeMutablePointer<gsl_rng>) -> Int {
        // Bounded: the acceptance probability is above 1/2 for every N and s (Hörmann–Derflinger).
        for _ in 0..<1_000_000 {
            let u = hIntegralN + gsl_rng_uniform(rng) * (hIntegralX1 - hIntegralN)
            let x = Self.hIntegralInverse(u, exponent)
            var k = Int((x + 0.5).rounded(.down))
            if k < 1 { k = 1 } else if k > count { k = count }
            if Double(k) - x <= s || u >= Self.hIntegral(Double(k) + 0.5, exponent) - Self.h(Double(k), exponent) {
                return k
            }
        }
        return 1
    }

    /// h(x) = x^(−s).
    @usableFromInline static func h(_ x: Double, _ e: Double) -> Double { exp(-e * log(x)) }

    /// H(x) = ∫ h = (x^(1−s) − 1)/(1 − s), log x at s = 1.
    @usableFromInline static func hIntegral(_ x: Double, _ e: Double) -> Double {
        let logX = log(x)
        return helper2((1 - e) * logX) * logX
    }

    @usableFromInline static func hIntegralInverse(_ x: Double, _ e: Double) -> Double {
        var t = x * (1 - e)
        if t < -1 { t = -1 }
        return exp(helper1(t) * x)
    }

    /// log(1 + x)/x, accurate near 0.
    @usableFromInline static func helper1(_ x: Double) -> Double {
        abs(x) > 1e-8 ? log1p(x) / x : 1 - x * (0.5 - x * (1.0 / 3 - 0.25 * x))
    }

    /// (exp(x) − 1)/x, accurate near 0.
    @usableFromInline static func helper2(_ x: Double) -> Double {
        abs(x) > 1e-8 ? expm1(x) / x : 1 + x * 0.5 * (1 + x * (1.0 / 3) * (1 + 0.25 * x))
    }
}
