import CGSL

/// Turns GSL's abort-on-error handler off, once per process. GSL's default handler aborts the process
/// (../shared/notes/swift-gsl-facts.md); we check return values instead.
public enum GSLSetup {
    private static let once: Void = { _ = gsl_set_error_handler_off() }()
    public static func ensure() { _ = once }
}

/// Derives stream seeds: a 64-bit hash of (master seed, replication, stream name).
///
/// Not of creation order: adding a component never shifts another component's draws, and the same
/// stream name at every sweep point gives common random numbers (DESIGN.md, "Randomness").
/// FNV-1a over the bytes, then SplitMix64's finaliser to spread the bits; both are fixed algorithms,
/// so seeds are the same on every platform and version.
public enum StreamSeed {
    public static func derive(master: UInt64, replication: Int, name: String) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        @inline(__always) func mix(_ b: UInt8) { h ^= UInt64(b); h = h &* 0x0000_0100_0000_01b3 }
        for i in 0..<8 { mix(UInt8(truncatingIfNeeded: master >> (8 * UInt64(i)))) }
        let r = UInt64(bitPattern: Int64(replication))
        for i in 0..<8 { mix(UInt8(truncatingIfNeeded: r >> (8 * UInt64(i)))) }
        for b in name.utf8 { mix(b) }
        return splitmix(h)
    }

    /// SplitMix64 finaliser (Steele, Lea & Flood 2014).
    public static func splitmix(_ x: UInt64) -> UInt64 {
        var z = x &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// The seed reported for a replication in replications.csv: the hash of (master, replication, "").
    public static func replicationSeed(master: UInt64, replication: Int) -> UInt64 {
        derive(master: master, replication: replication, name: "")
    }
}

/// A named random stream: one GSL Mersenne Twister (`gsl_rng_mt19937`) seeded from
/// ``StreamSeed``. Not thread-safe (a `gsl_rng` never is): one per stream per replication.
///
/// A final class only to own the C generator's lifetime; the hot path calls GSL through `rng`.
public final class RandomStream: @unchecked Sendable {
    public let name: String
    public let seed: UInt64
    public let rng: UnsafeMutablePointer<gsl_rng>

    public init(master: UInt64, replication: Int, name: String) {
        GSLSetup.ensure()
        self.name = name
        self.seed = StreamSeed.derive(master: master, replication: replication, name: name)
        guard let r = gsl_rng_alloc(clustersim_rng_mt19937()) else {
            fatalError("gsl_rng_alloc failed: out of memory")
        }
        rng = r
        // mt19937's seeding takes the low 32 bits; fold the high half in so no hash bits are lost.
        gsl_rng_set(r, UInt(truncatingIfNeeded: seed ^ (seed >> 32)))
    }

    deinit { gsl_rng_free(rng) }

    /// Uniform on [0, 1).
    @inlinable public func uniform() -> Double { gsl_rng_uniform(rng) }
    /// Uniform on (0, 1).
    @inlinable public func uniformPositive() -> Double { gsl_rng_uniform_pos(rng) }
    /// Uniform integer in [0, n), n ≥ 1.
    @inlinable public func uniformInt(_ n: Int) -> Int {
        Int(gsl_rng_uniform_int(rng, UInt(n)))
    }
    /// Exponential with the given mean (GSL takes the mean, not the rate).
    @inlinable public func exponential(mean: Double) -> Double { gsl_ran_exponential(rng, mean) }
}
