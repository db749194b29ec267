import ClusterModels
import Foundation
import Testing
import Workloads
@testable import ScenarioSpec

/// Workload `key` and the hashing balancers' options, decoded.
@Suite struct RequestKeyDecodingTests {
    @Test func keysAndHashingOptionsDecode() throws {
        let text = Support.yaml(service: "replicas: 3\nbalancer: {policy: consistent_hash, vnodes: 50, bounded_load: 1.25}",
                                workload: "rate: 100/s\nkey: {dist: zipf, keys: 1000, exponent: 1.1}")
        let s = try #require(Support.decode(text))
        #expect(s.workloads[0].key == .zipf(keys: 1000, exponent: 1.1))
        #expect(s.services[0].balancer == .consistentHash)
        #expect(s.services[0].balancerVnodes == 50)
        #expect(s.services[0].balancerBoundedLoad == 1.25)
        #expect(s.services[0].countsOutstanding)
        let m = try #require(Support.decode(Support.yaml(service: "replicas: 3\nbalancer: {policy: maglev, table_size: 251}",
                                                          workload: "rate: 100/s\nkey: {dist: uniform, keys: 7}")))
        #expect(m.services[0].balancerTableSize == 251)
        #expect(!m.services[0].countsOutstanding)
        #expect(m.workloads[0].key == .uniform(keys: 7))
    }

    @Test func traceColumnKeysAreHashedRowByRow() throws {
        let dir = Support.tempDirectory()
        Support.write("t,user\n0,alice\n0.5,bob\n12,alice\n", to: dir + "/keyed.csv")
        let text = Support.yaml(service: "replicas: 2\nbalancer: {policy: maglev}",
                                workload: "trace: {file: keyed.csv, column: t}\nkey: {column: user}")
        let s = try #require(Support.decode(text, base: dir))
        let a = StableHash.string("alice"), b = StableHash.string("bob")
        #expect(s.workloads[0].key == .column(name: "user", keys: [a, b, a]))
    }

    @Test func aKeylessWorkloadMustNotReachAHashingService() {
        // Through a call (made with any probability) as well as directly; one replica needs no key.
        let viaCall = Support.yaml(extra: "", service: "replicas: 1",
                                   endpoint: "work: 1ms\ncalls: [{call: db.get, probability: 0.1}]")
            .replacingOccurrences(of: "  db:\n    endpoints:", with: "  db:\n    replicas: 2\n    balancer: {policy: consistent_hash}\n    endpoints:")
        let d = Support.diagnostics(viaCall)
        #expect(d.map(\.message) == [#"service "db" uses consistent_hash but workload "browse" reaching it has no key"#])
        #expect(Support.decode(Support.yaml(service: "replicas: 1\nbalancer: {policy: maglev}")) != nil)
        // The error is per workload: a keyed one is fine.
        #expect(Support.decode(viaCall.replacingOccurrences(of: "rate: 100/s", with: "rate: 100/s\n    key: {dist: uniform, keys: 5}")) != nil)
    }
}
