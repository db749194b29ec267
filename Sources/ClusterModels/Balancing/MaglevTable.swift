/// Maglev hashing (Eisenbud et al., "Maglev: A Fast and Reliable Software Network Load Balancer",
/// NSDI 2016, §3.4): a lookup table of prime size M; backend i has a permutation of the table
/// positions, `offset = h1(i) mod M`, `skip = h2(i) mod (M − 1) + 1`, position j of it being
/// `(offset + j·skip) mod M`; backends take turns, each claiming the next free position of its
/// permutation, until the table is full. With equal weights every backend holds ⌊M/N⌋ or ⌈M/N⌉
/// entries. A request key goes to `table[hash(key) mod M]`.
///
/// h1 and h2 are ``StableHash`` values of (salt, instance index) under two fixed seeds; the
/// cluster salts with the service name.
///
/// **Membership** (``setAvailable(_:_:)``): the table is populated again over the available
/// backends, as the paper does on a backend change; most entries keep their backend, a few move
/// between the remaining ones (the small extra churn the paper trades for balance).
public struct MaglevTable: Sendable {
    /// The paper's default table size (a prime; M > 100·N keeps shares within 1%).
    public static let defaultSize = 65537
    public let size: Int
    public let count: Int
    let offsets: [Int]
    let skips: [Int]
    public private(set) var table: [Int32]
    public private(set) var available: [Bool]

    public init(salt: String, count: Int, size: Int = MaglevTable.defaultSize) {
        precondition(count >= 1 && size >= 2)
        self.size = size; self.count = count
        let base = StableHash.string(salt)
        var offsets: [Int] = [], skips: [Int] = []
        for i in 0..<count {
            let h = StableHash.combine(base, UInt64(i))
            offsets.append(Int(StableHash.mix(h ^ 0x6D61_676C_6576_3168) % UInt64(size)))          // "maglev1h"
            skips.append(Int(StableHash.mix(h ^ 0x6D61_676C_6576_3268) % UInt64(size - 1)) + 1)    // "maglev2h"
        }
        self.offsets = offsets; self.skips = skips
        table = []
        available = Array(repeating: true, count: count)
        populate()
    }

    /// The paper's Pseudocode 1 over the available backends.
    mutating func populate() {
        let m = size
        var t = Array(repeating: Int32(-1), count: m)
        let backends = (0..<count).filter { available[$0] }
        guard !backends.isEmpty else { table = t; return }
        var next = Array(repeating: 0, count: count)
        var filled = 0
        while true {
            for i in backends {
                var c = (offsets[i] + next[i] * skips[i]) % m
                while t[c] >= 0 {
                    next[i] += 1
                    c = (offsets[i] + next[i] * skips[i]) % m
                }
                t[c] = Int32(i)
                next[i] += 1
                filled += 1
                if filled == m { table = t; return }
            }
        }
    }

    /// The backend of key hash point `h`.
    @inline(__always)
    public func owner(ofPoint h: UInt64) -> Int { Int(table[Int(h % UInt64(size))]) }

    @inline(__always)
    func pick(key: UInt64) -> Int { owner(ofPoint: StableHash.keyPoint(key)) }

    /// Entries held by each backend.
    public func entryCounts() -> [Int] {
        var c = Array(repeating: 0, count: count)
        for b in table where b >= 0 { c[Int(b)] += 1 }
        return c
    }

    /// Marks backend `i` unavailable or available again, repopulates the table, and returns the
    /// fraction of table entries whose backend changed.
    @discardableResult
    public mutating func setAvailable(_ i: Int, _ isAvailable: Bool) -> Double {
        guard available[i] != isAvailable else { return 0 }
        let before = table
        available[i] = isAvailable
        populate()
        var changed = 0
        for k in 0..<size where before[k] != table[k] { changed += 1 }
        return Double(changed) / Double(size)
    }
}
