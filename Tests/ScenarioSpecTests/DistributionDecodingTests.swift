import Foundation
import SimRandom
import Testing
@testable import ScenarioSpec

@Suite struct DistributionDecodingTests {
    /// The `work` of endpoint web.home when written as `text`.
    private func work(_ text: String, base: String = "", sourceLocation: Testing.SourceLocation = #_sourceLocation) -> Distribution? {
        Support.decode(Support.yaml(endpoint: "work: \(text)"), base: base, sourceLocation: sourceLocation)?
            .services[0].endpoints[0].work
    }

    private func errors(_ text: String, base: String = "") -> [String] {
        Support.diagnostics(Support.yaml(endpoint: "work: \(text)"), base: base).map(\.message)
    }

    private func close(_ a: Double, _ b: Double, _ tol: Double = 1e-12) -> Bool { abs(a - b) <= tol * max(1, abs(b)) }

    @Test func constants() {
        #expect(work("1.5ms") == .constant(0.0015))
        #expect(work("0s") == .constant(0))
        #expect(work("{dist: constant, value: 200ms}") == .constant(0.2))
    }

    @Test func simpleForms() {
        #expect(work("{dist: exponential, mean: 5ms}") == .exponential(mean: 0.005))
        #expect(work("{dist: uniform, min: 2ms, max: 8ms}") == .uniform(min: 0.002, max: 0.008))
        #expect(work("{dist: normal, mean: 5ms, stddev: 1ms}") == .normal(mean: 0.005, stddev: 0.001))
        #expect(work("{dist: erlang, k: 4, mean: 5ms}") == .erlang(k: 4, mean: 0.005))
        #expect(work("{dist: weibull, shape: 1.5, scale: 5ms}") == .weibull(shape: 1.5, scale: 0.005))
        #expect(work("{dist: pareto, shape: 2.5, scale: 1ms}") == .pareto(shape: 2.5, scale: 0.001))
    }

    @Test func gammaFromMeanAndCV() throws {
        let d = try #require(work("{dist: gamma, mean: 4ms, cv: 0.8}"))
        guard case .gamma(let shape, let scale) = d else { Issue.record("not gamma: \(d)"); return }
        #expect(close(shape, 1 / 0.64))
        #expect(close(scale, 0.004 * 0.64))
        #expect(close(shape * scale, 0.004))      // mean
        #expect(close(1 / shape.squareRoot(), 0.8))   // cv
    }

    @Test func lognormalFromMedianAndP99() throws {
        let d = try #require(work("{dist: lognormal, median: 4ms, p99: 40ms}"))
        guard case .lognormal(let mu, let sigma) = d else { Issue.record("not lognormal: \(d)"); return }
        #expect(close(mu, log(0.004)))
        #expect(close(sigma, log(10) / 2.326347874040841))
        #expect(close(exp(mu), 0.004))                              // median
        #expect(close(exp(mu + 2.326347874040841 * sigma), 0.040))  // p99
    }

    @Test func lognormalFromMeanAndStddev() throws {
        let d = try #require(work("{dist: lognormal, mean: 5ms, stddev: 2ms}"))
        guard case .lognormal(let mu, let sigma) = d else { Issue.record("not lognormal: \(d)"); return }
        let s2 = log(1 + 0.04 / 0.25 * 0.01 / 0.01)   // sd²/mean² = (2/5)²
        #expect(close(sigma * sigma, s2))
        #expect(close(mu, log(0.005) - s2 / 2))
        #expect(close(d.mean, 0.005))
    }

    @Test func lognormalFromMuAndSigma() {
        #expect(work("{dist: lognormal, mu: -5.3, sigma: 0.5}") == .lognormal(mu: -5.3, sigma: 0.5))
    }

    @Test func lognormalProblems() {
        #expect(errors("{dist: lognormal, median: 4ms}") == [#"lognormal distribution is missing "p99""#])
        #expect(errors("{dist: lognormal, median: 4ms, stddev: 1ms}")
                == ["lognormal distribution takes one of {median, p99}, {mean, stddev} or {mu, sigma}, not a mix"])
        #expect(errors("{dist: lognormal}") == ["lognormal distribution needs median and p99, mean and stddev, or mu and sigma"])
        #expect(errors("{dist: lognormal, median: 4ms, p99: 2ms}") == [#"lognormal "p99" must be greater than "median""#])
    }

    @Test func hyperexponential() {
        #expect(work("{dist: hyperexponential, probabilities: [0.9, 0.1], means: [2ms, 50ms]}")
                == .hyperexponential(probabilities: [0.9, 0.1], means: [0.002, 0.05]))
        #expect(work("{dist: hyperexponential, probabilities: [90%, 10%], means: [2ms, 50ms]}")
                == .hyperexponential(probabilities: [0.9, 0.1], means: [0.002, 0.05]))
        #expect(errors("{dist: hyperexponential, probabilities: [0.8, 0.1], means: [2ms, 50ms]}")
                == ["hyperexponential probabilities sum to 0.9, not 1"])
        #expect(errors("{dist: hyperexponential, probabilities: [0.5, 0.5], means: [2ms]}")
                == ["hyperexponential has 2 probabilities but 1 means"])
    }

    @Test func mixture() {
        let text = "{dist: mixture, components: [{weight: 0.95, dist: exponential, mean: 2ms}, {weight: 5%, dist: constant, value: 200ms}]}"
        #expect(work(text) == .mixture(weights: [0.95, 0.05], components: [.exponential(mean: 0.002), .constant(0.2)]))
        #expect(errors("{dist: mixture, components: [{dist: exponential, mean: 2ms}]}") == [#"mixture component is missing "weight""#])
        #expect(errors("{dist: mixture, components: [{weight: 1, dist: exponential, mean: 2ms, shape: 2}]}")
                == [#"unknown key "shape""#])
    }

    @Test func empirical() throws {
        let dir = Support.tempDirectory()
        Support.write("id,latency_ms,\"note, with comma\"\n1,1.5,a\n2,2,\"b\"\n\n3,0.25,c\n", to: dir + "/db.csv")
        #expect(work("{dist: empirical, file: db.csv, column: latency_ms, unit: ms}", base: dir)
                == .empirical(samples: [0.0015, 0.002, 0.00025]))
        #expect(work("{dist: empirical, file: db.csv, unit: s}", base: dir) == .empirical(samples: [1, 2, 3]))
        #expect(work("{dist: empirical, file: \(dir)/db.csv, column: latency_ms, unit: us}")
                == .empirical(samples: [1.5e-6, 2e-6, 0.25e-6]))
        #expect(errors("{dist: empirical, file: nope.csv, column: x, unit: ms}", base: dir) == [#"data file "nope.csv" not found"#])
        #expect(errors("{dist: empirical, file: db.csv, column: latency, unit: ms}", base: dir)
                == [#"data file "db.csv" has no column "latency""#])
        #expect(errors("{dist: empirical, file: db.csv, column: note, unit: ms}", base: dir)
                == [#"data file "db.csv" has no column "note""#])
        #expect(errors("{dist: empirical, file: db.csv, column: \"note, with comma\", unit: ms}", base: dir)
                == [#""db.csv" line 2: "a" in column "note, with comma" is not a non-negative number"#])
        #expect(errors("{dist: empirical, file: db.csv, column: latency_ms}", base: dir)
                == [#"empirical distribution is missing "unit""#])
        #expect(errors("{dist: empirical, file: db.csv, column: latency_ms, unit: sec}", base: dir)
                == [#"unknown unit "sec""#])
    }

    @Test func problems() throws {
        #expect(errors("{dist: exponentail, mean: 5ms}") == [#"unknown distribution "exponentail""#])
        let hint = Support.diagnostics(Support.yaml(endpoint: "work: {dist: exponentail, mean: 5ms}")).first?.hint
        #expect(hint == #"did you mean "exponential"? known: constant, exponential, uniform, normal, lognormal, gamma, erlang, weibull, pareto, hyperexponential, empirical, mixture"#)
        #expect(errors("{dist: exponential}") == [#"exponential distribution is missing "mean""#])
        #expect(errors("{dist: exponential, mean: 5ms, rate: 3}") == [#"unknown key "rate""#])
        #expect(errors("{mean: 5ms}") == [#"distribution is missing "dist""#])
        #expect(errors("{dist: exponential, mean: 5}") == [#"duration "5" has no unit"#])
        #expect(errors("{dist: exponential, mean: 0ms}") == [#""mean" must be longer than 0, found "0ms""#])
        #expect(errors("{dist: uniform, min: 8ms, max: 2ms}") == [#"uniform "max" is less than "min""#])
        #expect(errors("{dist: gamma, mean: 5ms, cv: 0}") == [#""cv" must be positive, found 0"#])
        #expect(errors("{dist: erlang, k: 2.5, mean: 5ms}") == [#""k" must be a whole number, found "2.5""#])
        #expect(errors("exponential") == [#""work" must be a duration or a distribution, found "exponential""#])
        #expect(errors("[5ms]") == [#""work" must be a duration or a distribution, found a list"#])
        #expect(errors("5") == [#"duration "5" has no unit"#])
    }

    @Test func thinkTimeIsADistributionToo() throws {
        let s = try #require(Support.decode(Support.yaml(workload: "closed: {users: 5, think: {dist: uniform, min: 1s, max: 3s}}")))
        #expect(s.workloads[0].arrival == .closed(users: 5, think: .uniform(min: 1, max: 3)))
    }
}
