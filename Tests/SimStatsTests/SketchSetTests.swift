import Foundation
import Testing
@testable import SimStats

/// ``SketchSet`` is the hot path's store for the current batch's latencies: each of its sketches
/// must give exactly the ``LatencySketch`` that recording the same values would.
@Suite struct SketchSetTests {
    /// Values that make the buckets grow down and up, with extremes (≤ 0, the top bucket).
    static func values(seed: UInt64, count: Int) -> [Int64] {
        var g = SplitMix64(seed: seed)
        return (0..<count).map { k in
            switch g.next() % 16 {
            case 0: return -Int64(g.next() % 1_000)
            case 1: return 0
            case 2: return Int64.max - Int64(g.next() % 1_000)
            case 3: return Int64(g.next() % 64)
            default:
                // Log-uniform over 1 ns … 10¹² ns, drifting so that the range moves during the run.
                let drift = Double(k) / Double(count) * 6
                return Int64(exp((g.uniform() * 20 + drift).truncatingRemainder(dividingBy: 27.6)))
            }
        }
    }

    static func expectSame(_ a: LatencySketch, _ b: LatencySketch, _ what: String) {
        #expect(a == b, "\(what): sketches differ")
        #expect(a.count == b.count && a.sum == b.sum && a.min == b.min && a.max == b.max, "\(what): summary")
        for p in [0.0, 0.01, 0.5, 0.9, 0.99, 0.999, 1.0] {
            #expect(a.quantile(p) == b.quantile(p), "\(what): quantile \(p)")
        }
        #expect(a.storedBuckets == b.storedBuckets, "\(what): stored buckets")
    }

    @Test(arguments: [1, 2, 3, 4, 5, 6, 7, 8] as [UInt64])
    func sameAsLatencySketch(seed: UInt64) {
        var set = SketchSet(count: 3)
        var reference = [LatencySketch](repeating: LatencySketch(), count: 3)
        let vs = SketchSetTests.values(seed: seed, count: 3_000)
        for (k, v) in vs.enumerated() {
            let slot = (k * 7 + Int(seed)) % 3
            set.record(slot, v)
            reference[slot].record(v)
        }
        for slot in 0..<3 { SketchSetTests.expectSame(set.sketch(slot), reference[slot], "seed \(seed) slot \(slot)") }
        // The snapshot is a plain sketch: it merges like one.
        var merged = set.sketch(0)
        merged.merge(set.sketch(1))
        var referenceMerged = reference[0]
        referenceMerged.merge(reference[1])
        SketchSetTests.expectSame(merged, referenceMerged, "seed \(seed) merged")
    }

    @Test func resetEmptiesAndKeepsWorking() {
        var set = SketchSet(count: 2)
        for v in SketchSetTests.values(seed: 99, count: 500) { set.record(0, v); set.record(1, v / 2) }
        set.reset()
        #expect(set.sketch(0) == LatencySketch() && set.sketch(1) == LatencySketch())
        #expect(set.sketch(0).count == 0 && set.sketch(0).quantile(0.5) == nil)
        // After a reset the old buckets stay allocated: new values, inside and outside their
        // range, must land as in a fresh sketch.
        var reference = LatencySketch()
        for v in [Int64(5), 1_000_000, 3, Int64.max, 70, 1 << 40, -7] {
            set.record(0, v)
            reference.record(v)
            SketchSetTests.expectSame(set.sketch(0), reference, "after reset, \(v)")
        }
        #expect(set.sketch(1).count == 0)
    }

    @Test func emptySet() {
        let set = SketchSet(count: 0)
        #expect(set.count == 0)
    }
}
