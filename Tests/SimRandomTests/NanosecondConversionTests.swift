import CGSL
import SimKernel
import Testing

/// The hot path converts its exponential draws with the C helper `clustersim_ns_from_seconds`;
/// it must give exactly what `SimDuration(seconds:)` gives, everywhere.
@Suite struct NanosecondConversionTests {
    @Test func sameAsSimDuration() {
        var edge: [Double] = [0, -0.0, -1, -1e300, .nan, -.nan, .infinity, -.infinity, .leastNonzeroMagnitude,
                              .leastNormalMagnitude, 1e-10, 4.999999999e-10, 5e-10, 5.000000001e-10, 1e-9, 1.5e-9,
                              2.5e-9, 0.1, 1, 1.0000000005, 9.223372036854775e9, 9.2233720368547758e9,
                              9.223372036854777e9, 1e10, 1e300, .greatestFiniteMagnitude]
        // Around every power of two in the range, where a double's spacing changes.
        for e in -40...70 {
            let x = Double(sign: .plus, exponent: e, significand: 1)
            edge += [x.nextDown, x, x.nextUp, x / 1e9, (x / 1e9).nextUp, (x / 1e9).nextDown]
        }
        // Exponential draws of several means, as the hot path makes them.
        let rng = gsl_rng_alloc(clustersim_rng_mt19937())!
        defer { gsl_rng_free(rng) }
        gsl_rng_set(rng, 42)
        for mean in [1e-9, 1e-6, 1e-3, 1, 1e3, 1e9] {
            for _ in 0..<20_000 { edge.append(gsl_ran_exponential(rng, mean)) }
        }
        var mismatches: [Double] = []
        for x in edge where clustersim_ns_from_seconds(x) != SimDuration(seconds: x).ns { mismatches.append(x) }
        #expect(mismatches.isEmpty, "differ at \(mismatches.prefix(5))")
        #expect(clustersim_ns_from_seconds(1) == 1_000_000_000 && clustersim_ns_from_seconds(1e300) == Int64.max)
    }
}
