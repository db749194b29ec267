import CGSL
import Foundation
import SimRandom
import Testing
@testable import Workloads

@Suite struct RequestKeysTests {
    @Test func zipfMatchesItsProbabilities() {
        // N = 10, s = 1.1: frequencies of 200 000 draws against P(k) = k^−s / H(N, s), each within
        // 4.5 binomial standard deviations.
        let n = 10, s = 1.1, draws = 200_000
        let stream = RandomStream(master: 5, replication: 0, name: "workload.w.key")
        var d = RequestKeyDraw(.zipf(keys: n, exponent: s))
        var counts = [Int](repeating: 0, count: n + 1)
        for _ in 0..<draws {
            let k = Int(d.next(rng: stream.rng))
            #expect(k >= 1 && k <= n)
            counts[min(max(k, 0), n)] += 1
        }
        let norm = (1...n).reduce(0.0) { $0 + pow(Double($1), -s) }
        for k in 1...n {
            let p = pow(Double(k), -s) / norm
            let sd = (Double(draws) * p * (1 - p)).squareRoot()
            #expect(abs(Double(counts[k]) - Double(draws) * p) < 4.5 * sd, "k=\(k): \(counts[k]) vs \(Double(draws) * p)")
        }
    }

    @Test func zipfStaysInRangeForLargeAndSmallExponents() {
        let stream = RandomStream(master: 6, replication: 0, name: "k")
        for (n, s) in [(1, 1.0), (2, 0.5), (100_000, 1.1), (1_000_000_000, 0.8), (50, 3.0)] {
            var d = RequestKeyDraw(.zipf(keys: n, exponent: s))
            for _ in 0..<10_000 {
                let k = d.next(rng: stream.rng)
                #expect(k >= 1 && k <= UInt64(n))
            }
        }
        // Exponent 1 exactly (the log branch): P(1)/P(2) = 2.
        var d = RequestKeyDraw(.zipf(keys: 2, exponent: 1))
        var ones = 0
        for _ in 0..<90_000 where d.next(rng: stream.rng) == 1 { ones += 1 }
        #expect(abs(Double(ones) / 90_000 - 2.0 / 3) < 0.01)
    }

    @Test func uniformAndColumnKeys() {
        let stream = RandomStream(master: 7, replication: 0, name: "k")
        var u = RequestKeyDraw(.uniform(keys: 5))
        var seen = Set<UInt64>()
        for _ in 0..<1000 { seen.insert(u.next(rng: stream.rng)) }
        #expect(seen == [1, 2, 3, 4, 5])
        var c = RequestKeyDraw(.column(name: "user", keys: [10, 20, 30]))
        #expect((0..<3).map { _ in c.next(rng: stream.rng) } == [10, 20, 30])
    }
}
