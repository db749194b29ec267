import Testing
@testable import SimKernel

/// SplitMix64 (Steele, Lea & Flood 2014): a tiny deterministic generator for building random
/// schedules in tests. Local to the tests on purpose: the kernel has no randomness of its own.
struct SplitMix64 {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    /// Uniform in 0..<n (modulo bias is irrelevant here).
    mutating func below(_ n: UInt64) -> UInt64 { next() % n }
}

/// A random event time. The seed picks a regime so that some schedules are full of ties (times
/// from a handful of values), some are spread out, and some hit the extremes of `Int64`.
func randomTime(_ g: inout SplitMix64, regime: UInt64) -> Int64 {
    switch regime % 4 {
    case 0: return Int64(g.below(4))                          // almost everything ties
    case 1: return Int64(g.below(100))                        // many ties
    case 2: return Int64(bitPattern: g.next())                // anywhere in Int64, negatives too
    default:
        switch g.below(5) {                                   // extremes mixed with small values
        case 0: return .max
        case 1: return .min
        case 2: return .max - Int64(g.below(3))
        default: return Int64(g.below(10))
        }
    }
}

/// Drains a queue, returning the events in pop order.
func drain(_ q: inout EventQueue) -> [Event] {
    var out: [Event] = []
    while let e = q.popMin() { out.append(e) }
    return out
}

@Suite struct EventQueueTests {
    @Test func emptyQueue() {
        var q = EventQueue()
        #expect(q.isEmpty == true)
        #expect(q.count == 0)
        #expect(q.nextTime == Int64.max)
        #expect(q.popMin() == nil)
    }

    @Test func sequenceNumbersFollowSchedulingOrder() {
        var q = EventQueue(capacity: 4)
        for i in 0..<10 { q.schedule(at: Int64(100 - i), kind: 7, index: UInt32(i), tag: UInt64(i) * 3) }
        let out = drain(&q)
        #expect(out.map(\.time) == (91...100).map { Int64($0) })
        // The payload travels with its event; seq is the scheduling position.
        for e in out {
            #expect(e.seq == UInt64(e.index))
            #expect(e.kind == 7)
            #expect(e.tag == UInt64(e.index) * 3)
            #expect(e.time == Int64(100 - Int(e.index)))
        }
    }

    /// Property: for random schedules, the pop order equals a sort by (time, seq), where seq is the
    /// scheduling position. Sizes cross the 4-ary heap's level boundaries (1, 5, 21, 85, 341, …).
    @Test func popOrderMatchesSortByTimeThenSeq() {
        for seed in UInt64(0)..<200 {
            var g = SplitMix64(seed: seed)
            let n = seed < 40 ? Int(seed) : Int(g.below(1200)) + 1
            var q = EventQueue(capacity: 8)
            var scheduled: [(time: Int64, seq: UInt64)] = []
            for i in 0..<n {
                let t = randomTime(&g, regime: seed)
                q.schedule(at: t, kind: UInt32(seed % 7), index: UInt32(i), tag: UInt64(i))
                scheduled.append((t, UInt64(i)))
            }
            #expect(q.count == n)
            let expected = scheduled.sorted { $0.time < $1.time || ($0.time == $1.time && $0.seq < $1.seq) }
            let out = drain(&q)
            #expect(out.count == n, "seed \(seed)")
            let same = out.map(\.time) == expected.map(\.time) && out.map(\.seq) == expected.map(\.seq)
            #expect(same, "seed \(seed): pop order differs from sort by (time, seq)")
            // seq is exactly the scheduling index, and the payload stayed with its event.
            #expect(out.allSatisfy { $0.seq == UInt64($0.index) && $0.tag == UInt64($0.index) }, "seed \(seed)")
            #expect(q.isEmpty == true)
        }
    }

    /// Same-time events pop in the order they were scheduled, also when the heap is reshuffled by
    /// earlier and later events scheduled between them.
    @Test func sameTimeEventsPopInSchedulingOrder() {
        var q = EventQueue()
        var g = SplitMix64(seed: 99)
        var atFive: [UInt32] = []
        for i in 0..<2000 {
            if g.below(3) == 0 {
                q.schedule(at: 5, kind: 1, index: UInt32(i))
                atFive.append(UInt32(i))
            } else {
                q.schedule(at: Int64(g.below(11)), kind: 0, index: UInt32(i))
            }
        }
        let popped = drain(&q).filter { $0.time == 5 && $0.kind == 1 }.map(\.index)
        #expect(popped == atFive)
        #expect(atFive.count > 500)
    }

    /// Interleaved schedules and pops against a reference model (linear scan for the minimum).
    @Test func interleavedPushPopMatchesModel() {
        for seed in UInt64(1000)..<1020 {
            var g = SplitMix64(seed: seed)
            var q = EventQueue(capacity: 2)
            var model: [(time: Int64, seq: UInt64)] = []
            var seq: UInt64 = 0
            var pops = 0, mismatches = 0, maxSize = 0
            for _ in 0..<2000 {
                // Bias towards pushing at first, then towards popping, so the size rises and falls.
                let pushBias: UInt64 = pops < 500 ? 6 : 4
                if g.below(10) < pushBias {
                    let t = randomTime(&g, regime: seed)
                    q.schedule(at: t, kind: 0, index: 0, tag: seq)
                    model.append((t, seq))
                    seq += 1
                } else {
                    pops += 1
                    let e = q.popMin()
                    if model.isEmpty {
                        if e != nil { mismatches += 1 }
                    } else {
                        var m = 0
                        for k in 1..<model.count where
                            model[k].time < model[m].time || (model[k].time == model[m].time && model[k].seq < model[m].seq) {
                            m = k
                        }
                        let want = model.remove(at: m)
                        if !(e?.time == want.time && e?.seq == want.seq && e?.tag == want.seq) { mismatches += 1 }
                    }
                }
                maxSize = max(maxSize, model.count)
                let minTime = model.isEmpty ? Int64.max : model[model.indices.min { model[$0].time < model[$1].time }!].time
                if q.count != model.count || q.isEmpty != model.isEmpty || q.nextTime != minTime { mismatches += 1 }
            }
            #expect(mismatches == 0, "seed \(seed)")
            #expect(pops > 500 && maxSize > 100, "seed \(seed): the schedule should both grow and shrink the heap")
        }
    }

    @Test func removeAllEmptiesButKeepsSchedulingOrder() {
        var q = EventQueue()
        for i in 0..<50 { q.schedule(at: Int64(i % 3), kind: 0, index: UInt32(i)) }
        q.removeAll()
        #expect(q.isEmpty == true)
        #expect(q.popMin() == nil)
        q.schedule(at: 1, kind: 0, index: 1)
        q.schedule(at: 1, kind: 0, index: 2)
        q.schedule(at: 0, kind: 0, index: 3)
        #expect(drain(&q).map(\.index) == [3, 1, 2])
    }

    @Test func precedesIsTheTimeThenSequenceOrder() {
        let a = Event(time: 1, seq: 5, kind: 0, index: 0, tag: 0)
        let b = Event(time: 1, seq: 6, kind: 0, index: 0, tag: 0)
        let c = Event(time: 2, seq: 0, kind: 0, index: 0, tag: 0)
        #expect(a.precedes(b) && !b.precedes(a))
        #expect(a.precedes(c) && b.precedes(c) && !c.precedes(a))
        #expect(!a.precedes(a))
        // kind, index and tag never break ties.
        let d = Event(time: 1, seq: 5, kind: 9, index: 9, tag: 9)
        #expect(!a.precedes(d) && !d.precedes(a))
    }
}
