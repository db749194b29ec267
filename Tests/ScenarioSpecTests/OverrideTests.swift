import Testing
import Workloads
@testable import ScenarioSpec

@Suite struct OverrideTests {
    private func decode(_ overrides: [String], _ text: String = Support.yaml(),
                        sourceLocation: Testing.SourceLocation = #_sourceLocation) -> Scenario? {
        Support.decode(text, overrides: overrides, sourceLocation: sourceLocation)
    }

    private func lines(_ overrides: [String], _ text: String = Support.yaml()) -> [String] {
        Support.diagnostics(text, overrides: overrides).map(Support.firstLine)
    }

    @Test func replacesValues() throws {
        let s = try #require(decode(["services.web.replicas=6", "seed=7", "workload.browse.rate=400/s",
                                     "services.web.endpoints.home.work={dist: exponential, mean: 2ms}"]))
        #expect(s.services[0].replicas == 6)
        #expect(s.seed == 7)
        #expect(s.workloads[0].arrival == .open(shape: .poisson, rate: 400))
        #expect(s.services[0].endpoints[0].work == .exponential(mean: 0.002))
    }

    @Test func addsMissingKeysAndMappings() throws {
        let s = try #require(decode(["stop.requests=1000", "services.web.instance.queue.capacity=unbounded",
                                     "output.percentiles=[50, 99]", "description=from the command line"]))
        #expect(s.stopRequests == 1000)
        #expect(s.services[0].queueCapacity == Int.max)
        #expect(s.output.percentiles == [50, 99])
        #expect(s.description == "from the command line")
        // A key that exists with no value yet.
        let withNull = try #require(decode(["stop.requests=5"], Support.yaml(extra: "stop:")))
        #expect(withNull.stopRequests == 5)
    }

    @Test func laterOverridesWin() throws {
        let s = try #require(decode(["seed=7", "seed=9"]))
        #expect(s.seed == 9)
    }

    @Test func overriddenValuesAreLocatedInTheArgument() throws {
        let s = try #require(decode(["services.web.replicas=6"]))
        #expect(s.locations["services.web.replicas"] == SourceLocation(file: "--set", line: 1, column: 23))
    }

    @Test func badValuesPointIntoTheArgument() throws {
        #expect(lines(["services.web.replicas=0"]) == [#"--set:1:23: error: "replicas" must be between 1 and 100000, found 0"#])
        #expect(lines(["workload.browse.rate=400"]) == [#"--set:1:22: error: rate "400" has no unit"#])
        let d = try #require(Support.diagnostics(Support.yaml(), overrides: ["seed=x"]).first)
        #expect(d.sourceLine == "seed=x")
        #expect(d.description.contains("seed=x\n     ^"))
    }

    @Test func unknownSegmentsGetDidYouMean() throws {
        #expect(lines(["services.webb.replicas=6"]) == [#"--set:1:10: error: unknown service "webb""#])
        let hint = Support.diagnostics(Support.yaml(), overrides: ["services.webb.replicas=6"]).first?.hint
        #expect(hint == #"did you mean "web"? known: web, db"#)
        #expect(lines(["services.web.endpoints.hom.work=1ms"]) == [#"--set:1:24: error: service "web" has no endpoint "hom""#])
        #expect(lines(["workload.brwse.rate=5/s"]) == [#"--set:1:10: error: "workload" has no item named "brwse""#])
        // A misspelt schema key is added, and the decoder reports it like any unknown key.
        #expect(lines(["services.web.replica=6"]) == [#"--set:1:14: error: unknown key "replica""#])
        let keyHint = Support.diagnostics(Support.yaml(), overrides: ["services.web.replica=6"]).first?.hint
        #expect(keyHint?.hasPrefix(#"did you mean "replicas"?"#) == true)
        #expect(lines(["sed=7"]) == [#"--set:1:1: error: unknown key "sed""#])
        #expect(lines(["seed.value=7"], Support.yaml(extra: "seed: 3"))
                == [#"--set:1:6: error: "seed" is a single value, so it has no "value""#])
        // Without a seed in the file, the path makes a mapping, which the decoder refuses.
        #expect(lines(["seed.value=7"]) == [#"--set:1:1: error: "seed" must be a whole number, found a mapping"#])
    }

    @Test func malformedArguments() {
        #expect(lines(["services.web.replicas"]) == [#"--set:1:1: error: malformed --set "services.web.replicas": expected PATH=VALUE"#])
        #expect(lines(["=5"]) == [#"--set:1:1: error: malformed --set "=5": the path before "=" is empty"#])
        #expect(lines(["services..replicas=5"]) == [#"--set:1:10: error: empty segment in --set path "services..replicas""#])
        #expect(lines(["seed=[1, 2"]).first?.hasPrefix("--set:1:") == true)
        #expect(lines(["seed=[1, 2"]).first?.contains("error: in --set value: invalid YAML") == true)
    }

    @Test func fileErrorsAndOverrideErrorsTogether() {
        let text = Support.yaml(service: "replicas: 0")
        #expect(lines(["seed=-3"], text) == [
            #"test.yaml:5:15: error: "replicas" must be between 1 and 100000, found 0"#,
            #"--set:1:6: error: "seed" must be a non-negative whole number, found "-3""#,
        ])
        // An override can also repair the file.
        #expect(decode(["services.web.replicas=2"], text)?.services[0].replicas == 2)
    }
}
