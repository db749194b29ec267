import Testing
@testable import SimStats

@Suite struct TimeWeightedTests {
    /// Queue length 0 on [0,10), 2 on [10,15), 5 on [15,20), 1 on [20,40):
    /// ∫ = 0·10 + 2·5 + 5·5 + 1·20 = 55 over 40 → 1.375.
    @Test func handComputedAverage() {
        var q = TimeWeighted()
        q.set(2, at: 10)
        q.set(5, at: 15)
        q.set(1, at: 20)
        #expect(q.integral(until: 40) == 55)
        #expect(q.mean(until: 40) == 1.375)
        #expect(q.mean(until: 20) == 35.0 / 20.0)
        #expect(q.peak == 5)
        #expect(q.value == 1)
        // Asking does not change state.
        #expect(q.integral == 35 && q.last == 20)
    }

    @Test func addAndNonZeroStart() {
        // Busy cores from t = 100: +1 at 100 (start value 0), +1 at 110, −1 at 130, +2 at 150; up to 200:
        // 1·10 + 2·20 + 1·20 + 3·50 = 220 over 100 → 2.2.
        var b = TimeWeighted(value: 0, at: 100)
        b.add(1, at: 100)
        b.add(1, at: 110)
        b.add(-1, at: 130)
        b.add(2, at: 150)
        #expect(b.mean(until: 200) == 2.2)
        #expect(b.peak == 3)
        #expect(b.start == 100)
    }

    @Test func initialValueAndEmptySpan() {
        var r = TimeWeighted(value: 3, at: 0)
        #expect(r.mean(until: 0) == 3, "empty span: the current value")
        #expect(r.mean(until: 1_000) == 3)
        r.set(3, at: 500)                    // setting the same value changes nothing
        #expect(r.mean(until: 1_000) == 3)
        r.set(1, at: 1_000)
        #expect(r.mean(until: 2_000) == 2)   // 3 for 1000 ns, 1 for 1000 ns
        // Several changes at the same instant: only the last one holds any time.
        r.set(100, at: 2_000)
        r.set(7, at: 2_000)
        let expected: Double = 11_000.0 / 3_000.0   // 3·1000 + 1·1000 + 7·1000 over 3000 ns
        #expect(r.mean(until: 3_000) == expected)
        #expect(r.peak == 100, "the peak sees even a zero-length value")
    }

    /// Reset at the end of a warm-up: the average restarts at t with the current value kept, and the
    /// peak restarts from it.
    @Test func reset() {
        var q = TimeWeighted()
        q.set(10, at: 5)
        q.set(4, at: 50)
        q.reset(at: 100)
        #expect(q.integral == 0 && q.start == 100 && q.last == 100)
        #expect(q.value == 4 && q.peak == 4)
        #expect(q.mean(until: 100) == 4)
        q.set(2, at: 130)
        // 4·30 + 2·70 = 260 over 100.
        #expect(q.mean(until: 200) == 2.6)
        #expect(q.peak == 4)
        q.set(6, at: 200)
        #expect(q.peak == 6)
    }

    /// Large magnitudes: a quantity of 10⁶ for 10¹⁵ ns keeps its average exactly.
    @Test func largeMagnitudes() {
        var q = TimeWeighted(value: 1e6, at: 0)
        q.set(0, at: 1_000_000_000_000_000)
        #expect(q.mean(until: 2_000_000_000_000_000) == 5e5)
    }
}
