/// A fixed, platform-independent 64-bit hash for the hashing balancers (ring points, Maglev
/// permutations, request keys). Swift's `Hasher` is seeded per process, so it is never used for
/// anything that decides a simulated outcome: the same scenario must pick the same instances on
/// every machine and every run.
///
/// - ``mix(_:)`` is the SplitMix64 finalizer (Steele, Lea & Flood, "Fast splittable pseudorandom
///   number generators", OOPSLA 2014; the variant "Mix13" of Stafford's MurmurHash3 `fmix64`
///   study): a bijection of `UInt64` with full avalanche.
/// - ``string(_:seed:)`` folds the UTF-8 bytes in 8-byte little-endian words, each word added to
///   the state and mixed, then the length; also fixed forever: changing it would move every key.
public enum StableHash {
    /// SplitMix64's golden-ratio increment, 2^64 / φ.
    public static let golden: UInt64 = 0x9E37_79B9_7F4A_7C15

    @inline(__always)
    public static func mix(_ x: UInt64) -> UInt64 {
        var z = x &+ golden
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Hash of (a, b): order matters.
    @inline(__always)
    public static func combine(_ a: UInt64, _ b: UInt64) -> UInt64 { mix(a ^ mix(b)) }

    /// Hash of a string's UTF-8 bytes.
    public static func string(_ s: String, seed: UInt64 = 0) -> UInt64 {
        var h = mix(seed)
        var word: UInt64 = 0
        var shift: UInt64 = 0
        var length: UInt64 = 0
        for b in s.utf8 {
            word |= UInt64(b) << shift
            shift += 8
            length += 1
            if shift == 64 { h = mix(h ^ word); word = 0; shift = 0 }
        }
        if shift > 0 { h = mix(h ^ word) }
        return mix(h ^ length)
    }

    /// Where request key `key` lands on a ring or in a table (keys are small integers or string
    /// hashes; mixing spreads both over the whole 64-bit space).
    @inline(__always)
    public static func keyPoint(_ key: UInt64) -> UInt64 { mix(key ^ 0x6B65_795F_706F_696E) }   // "key_poin"
}
