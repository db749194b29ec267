import Experiments
import Foundation
import ReportWriter
import ScenarioSpec
import Testing

/// A zipf-keyed workload through a frontend to a hashing service: byte-identical reports across
/// runs and `--jobs` (DESIGN.md rule 2), whichever hashing policy.
@Suite struct HashingEndToEndTests {
    static func scenario(_ balancer: String, key: String = ", key: {dist: zipf, keys: 10000, exponent: 1.1}") throws -> Scenario {
        let text = """
        name: hashing
        seed: 11
        duration: 20s
        replications: 2
        services:
          web:
            replicas: 2
            endpoints:
              home:
                work: {dist: exponential, mean: 1ms}
                calls: [{call: cache.get, timeout: 200ms}]
          cache:
            replicas: 5
            instance: {concurrency: 4}
            balancer: \(balancer)
            endpoints:
              get: {work: {dist: exponential, mean: 2ms}}
        workload:
          - {name: users, to: web.home, rate: 800/s\(key)}
        output: {timeseries: 5s}
        """
        return try ScenarioLoader.parse(yaml: text, file: "hashing.yaml", baseDirectory: "")
    }

    static func reports(_ r: RunResult) -> [String] {
        [Reports.summaryCSV(r), Reports.replicationsCSV(r), Reports.timeseriesCSV(r), Reports.json(r)]
    }

    @Test(arguments: ["{policy: consistent_hash}", "{policy: consistent_hash, bounded_load: 1.25}", "{policy: maglev}"])
    func hashingRunsAreByteIdentical(_ balancer: String) throws {
        let s = try Self.scenario(balancer)
        let a = Self.reports(Runner.run(s, jobs: 1))
        let b = Self.reports(Runner.run(s, jobs: 1))
        let c = Self.reports(Runner.run(s, jobs: 2))
        #expect(a == b)
        #expect(a == c)
        #expect(a[0].contains("service:cache"))
    }

    @Test func hashingChangesTheResults() throws {
        let hashed = Runner.run(try Self.scenario("{policy: consistent_hash}"), jobs: 1)
        let plain = Runner.run(try Self.scenario("{policy: round_robin}"), jobs: 1)
        #expect(Reports.summaryCSV(hashed) != Reports.summaryCSV(plain))
    }

    @Test func keysDrawFromTheirOwnStream() throws {
        // Behind a round-robin cache keys change nothing: with or without them, byte-identical
        // reports (the key stream is the workload's own, so no other draw moves).
        let keyed = Runner.run(try Self.scenario("{policy: round_robin}"), jobs: 1)
        let plain = Runner.run(try Self.scenario("{policy: round_robin}", key: ""), jobs: 1)
        #expect(Self.reports(keyed) == Self.reports(plain))
    }
}
