import CGSL
import Testing
@testable import SimRandom

/// Blocks must give each stream exactly the values its sampler would draw one at a time, whatever
/// the order the streams are read in: the reports of every scenario depend on it.
@Suite struct DrawBlocksTests {
    static let distributions: [Distribution] = [
        .constant(0.25),
        .exponential(mean: 1),
        .exponential(mean: 3e-3),
        .uniform(min: 0.001, max: 0.004),
        .normal(mean: 0.01, stddev: 0.004),
        .normal(mean: -0.5, stddev: 0.2),      // the tail sampler
        .normal(mean: 0.02, stddev: 0),
        .lognormal(mu: -4, sigma: 0.8),
        .gamma(shape: 0.5, scale: 0.01),
        .erlang(k: 3, mean: 0.03),
        .weibull(shape: 1.5, scale: 0.02),
        .pareto(shape: 2.5, scale: 0.001),
        .hyperexponential(probabilities: [0.9, 0.1], means: [0.001, 0.05]),
        .empirical(samples: [0.001, 0.002, 0.0035, 0.5]),
        .mixture(weights: [0.7, 0.3], components: [.exponential(mean: 0.01), .lognormal(mu: -3, sigma: 0.5)]),
    ]

    /// Every distribution, several streams at once, read in a random interleaving across many
    /// block ends, against twin streams drawn one value at a time.
    @Test(arguments: [1, 7, 42, 1_000_003])
    func sameValuesAsSingleDraws(seed: UInt64) {
        let ds = Self.distributions
        let blocked = ds.indices.map { RandomStream(master: seed, replication: 0, name: "s\($0)") }
        let twins = ds.indices.map { RandomStream(master: seed, replication: 0, name: "s\($0)") }
        let samplers = ds.map(Sampler.init)
        let blocks = DrawBlocks(samplers: samplers, streams: blocked)
        let order = RandomStream(master: seed, replication: 0, name: "order")
        // Each stream read 3½ blocks' worth on average, some far more, some less.
        var mismatches: [(stream: Int, draw: Int)] = []
        var drawn = Array(repeating: 0, count: ds.count)
        for _ in 0..<(ds.count * DrawBlocks.blockSize * 7 / 2) {
            let k = order.uniformInt(order.uniform() < 0.2 ? 2 : ds.count)
            let got = blocks.next(k)
            let want = samplers[k].sampleNanos(rng: twins[k].rng)
            if got != want { mismatches.append((k, drawn[k])) }
            drawn[k] += 1
        }
        let first = mismatches.prefix(5).map { "(\($0.stream), \($0.draw))" }.joined(separator: " ")
        #expect(mismatches.count == 0, "first mismatches (stream, draw): \(first)")
        #expect(drawn.min()! > DrawBlocks.blockSize, "every stream crossed a block end")
    }

    /// A stream without a block is never drawn from, however much its neighbours are.
    @Test func streamWithoutBlockIsUntouched() {
        let a = RandomStream(master: 9, replication: 1, name: "a")
        let b = RandomStream(master: 9, replication: 1, name: "b")
        let c = RandomStream(master: 9, replication: 1, name: "c")
        let twinB = RandomStream(master: 9, replication: 1, name: "b")
        let s = Sampler(.exponential(mean: 1))
        let blocks = DrawBlocks(samplers: [s, nil, s], streams: [a, b, c])
        for i in 0..<(3 * DrawBlocks.blockSize) { _ = blocks.next(i % 2 == 0 ? 0 : 2) }
        // b's generator is where a fresh one starts.
        let got = (0..<10).map { _ in gsl_rng_get(b.rng) }
        let want = (0..<10).map { _ in gsl_rng_get(twinB.rng) }
        #expect(got == want)
    }

    /// The blocks draw from the stream only when a block is used up: the first read draws one
    /// block and no more, so draws made on the generator before the first read come first.
    @Test func drawsOnlyWhenABlockEnds() {
        let a = RandomStream(master: 3, replication: 0, name: "gaps")
        let twin = RandomStream(master: 3, replication: 0, name: "gaps")
        let s = Sampler(.exponential(mean: 2))
        let blocks = DrawBlocks(samplers: [s], streams: [a])
        // A first value drawn directly (the arrival generator's first gap), then through blocks.
        #expect(s.sampleNanos(rng: a.rng) == s.sampleNanos(rng: twin.rng))
        for _ in 0..<(DrawBlocks.blockSize + 1) { #expect(blocks.next(0) == s.sampleNanos(rng: twin.rng)) }
        // One block and one value used: two blocks drawn from the generator, then it is untouched.
        for _ in 0..<(DrawBlocks.blockSize - 1) { _ = s.sampleNanos(rng: twin.rng) }
        #expect(gsl_rng_get(a.rng) == gsl_rng_get(twin.rng))
    }
}
