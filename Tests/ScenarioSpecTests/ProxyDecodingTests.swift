import ClusterModels
import Testing
@testable import ScenarioSpec

/// `kind: proxy` services: expanded into endpoints that forward to the target, and their errors.
@Suite struct ProxyDecodingTests {
    static func yaml(_ lb: String, web: String = "endpoints: {home: {work: 5ms}, about: {work: 1ms}}") -> String {
        """
        name: test
        duration: 10s
        services:
          lb:
            \(lb)
          web:
            replicas: 3
            \(web)
        workload:
          - name: browse
            to: lb.home
            rate: 100/s
        """
    }

    @Test func aProxyServesEveryEndpointOfItsTarget() throws {
        let text = Self.yaml("{kind: proxy, replicas: 2, work: 1ms, proxy: {to: web, policy: p2c, choices: 3, max_connections: 100}}")
        let s = try #require(Support.decode(text))
        let lb = try #require(s.services.first { $0.name == "lb" })
        #expect(lb.replicas == 2)
        #expect(lb.concurrency == 100)
        #expect(lb.queueCapacity == Int.max)
        #expect(lb.endpoints.map(\.name) == ["home", "about"])
        for e in lb.endpoints {
            #expect(e.work == .constant(0.001))
            guard case .call(let c) = e.steps.first else { Issue.record("no call"); continue }
            #expect(c.service == "web" && c.endpoint == e.name)
            #expect(c.proxyBalancer?.policy == .p2c && c.proxyBalancer?.choices == 3)
        }
    }

    static let errors: [(String, String)] = [
        ("{kind: proxy, proxy: {to: wbe, policy: round_robin, max_connections: 10}}",
         #"test.yaml:5:31: error: unknown service "wbe" in proxy "lb""#),
        ("{kind: proxy, proxy: {to: web, max_connections: 10}, endpoints: {a: {work: 1ms}}}",
         #"error: proxy "lb" takes no "endpoints""#),
        ("{kind: gateway, endpoints: {a: {work: 1ms}}}",
         #"error: unknown service kind "gateway""#),
        ("{kind: proxy, proxy: {to: web, max_connections: 0}}",
         #"error: "max_connections" must be between 1 and 1000000, found 0"#),
        ("{kind: proxy, proxy: {to: web}}",
         #"error: proxy is missing "max_connections""#),
        ("{kind: proxy, proxy: {to: web, policy: fastest, max_connections: 5}}",
         #"error: unknown proxy policy "fastest""#),
        ("{kind: proxy, proxy: {to: web, policy: random, choices: 2, max_connections: 5}}",
         #"error: proxy policy "random" takes no "choices""#),
        ("{kind: proxy, proxy: {to: web, policy: ewma, decay: 0s, max_connections: 5}}",
         #"error: "decay" must be longer than 0"#),
        ("{kind: proxy, proxy: {to: web, policy: zone_aware, spill_at: 0, max_connections: 5}}",
         #"error: "spill_at" must be above 0"#),
        ("{kind: proxy, proxy: {to: web, policy: p2c, choices: 4, max_connections: 5}}",
         #"error: "choices" must be at most the replicas of "web" (3), found 4"#),
        ("{kind: proxy, proxy: {to: [web], max_connections: 5}}",
         #"error: "to" must be"#),
        ("{kind: proxy, work: fast, proxy: {to: web, max_connections: 5}}",
         #"error: expected a duration, found "fast""#),
        ("{kind: proxy, proxy: 5}",
         #"error: "proxy" must be a mapping"#),
        ("{work: 1ms, endpoints: {a: {work: 1ms}}}",
         #"error: only a proxy takes "work" here"#),
        ("{proxy: {to: web}, endpoints: {a: {work: 1ms}}}",
         #"error: only a proxy takes "proxy" here"#),
        ("{kind: proxy, proxy: {to: web, policy: consistent_hash, bounded_load: 1, max_connections: 5}}",
         #"error: "bounded_load" must be greater than 1, found 1"#),
        ("{kind: proxy, proxy: {to: web, policy: maglev, table_size: 1000, max_connections: 5}}",
         #"error: "table_size" must be a prime number, found 1000"#),
        ("{kind: proxy, proxy: {to: web, policy: consistent_hash, vnodes: 0, max_connections: 5}}",
         #"error: "vnodes" must be between 1 and 10000, found 0"#),
        ("{kind: proxy, proxy: {to: web, policy: p2c, vnodes: 10, max_connections: 5}}",
         #"error: proxy policy "p2c" takes no "vnodes""#),
        ("{kind: proxy, proxy: {to: web, policy: maglev, max_connections: 5}}",
         #"error: service "lb" uses maglev but workload "browse" reaching it has no key"#),
    ]

    @Test(arguments: errors) func proxyErrors(_ lb: String, _ expected: String) {
        var text = Self.yaml(lb)
        if lb.contains("kind: gateway") || lb.contains("endpoints: {a") && !lb.contains("kind: proxy") {
            text = text.replacingOccurrences(of: "to: lb.home", with: "to: web.home")
        }
        if (lb.contains("consistent_hash") || lb.contains("maglev")) && !expected.contains("has no key") {
            // A hashing proxy needs keyed requests: give them keys, so the option's error is the only one.
            text = text.replacingOccurrences(of: "    rate: 100/s", with: "    rate: 100/s\n    key: {dist: uniform, keys: 10}")
        }
        let d = Support.diagnostics(text)
        #expect(d.count == 1, "\(d.map(Support.firstLine))")
        #expect(d.first.map(Support.firstLine)?.contains(expected) == true, "\(d.map(Support.firstLine))")
    }

    @Test func anUnknownTargetSuggestsTheNearestService() {
        let d = Support.diagnostics(Self.yaml("{kind: proxy, proxy: {to: wbe, policy: round_robin, max_connections: 10}}"))
        #expect(d.first?.hint?.contains("web") == true, "\(d)")
    }
}
