import Foundation
import Testing
@testable import ScenarioSpec

/// House rule: every key a user can write gets a test with a bad value.
///
/// Each case is the valid ``Support/yaml(extra:service:endpoint:workload:)`` scenario with one bad
/// value substituted; it must fail with exactly one diagnostic, `FILE:LINE:COL: error: MESSAGE`,
/// pointing at the bad value (or at the list or mapping that is wrong as a whole). Keys whose bad
/// values are tested elsewhere are listed in ``testedElsewhere``; ``everyKeyHasABadValueTest``
/// keeps both lists complete as the schema grows.
@Suite struct BadValueTests {
    struct Case: Sendable, CustomTestStringConvertible {
        /// The key's path: `services.X.instance.cores`, `workload.profile[].rate`, `gamma.cv`, …
        let key: String
        let value: String
        let yaml: String
        let expected: String
        var testDescription: String { "\(key) ← \(value)" }

        init(_ key: String, extra: String, _ expected: String) {
            self.key = key; value = extra; yaml = Support.yaml(extra: extra); self.expected = expected
        }
        init(_ key: String, service: String, _ expected: String) {
            self.key = key; value = service; yaml = Support.yaml(service: service); self.expected = expected
        }
        init(_ key: String, endpoint: String, _ expected: String) {
            self.key = key; value = endpoint; yaml = Support.yaml(endpoint: endpoint); self.expected = expected
        }
        init(_ key: String, workload: String, _ expected: String) {
            self.key = key; value = workload; yaml = Support.yaml(workload: workload); self.expected = expected
        }
        init(_ key: String, yaml: String, _ expected: String) {
            self.key = key; value = yaml; self.yaml = yaml; self.expected = expected
        }
    }

    /// Data files the cases name (relative to this directory).
    static let dataDirectory: String = {
        let dir = Support.tempDirectory()
        Support.write("latency_ms\n1.5\n2\n", to: dir + "/samples.csv")
        Support.write("latency_ms\n1\n-1\n", to: dir + "/negative.csv")
        Support.write("t\n0\n0.5\n12\n", to: dir + "/trace.csv")
        Support.write("t,user\n0,alice\n0.5,\n12,carol\n", to: dir + "/keyed.csv")
        return dir
    }()

    static let cases: [Case] = [
        .init("retries.min_retry_rate", endpoint: "work: 1ms\ncalls: [{call: db.get, retries: {max: 1, budget: 10%, min_retry_rate: -1/s}}]",
              "test.yaml:9:79: error: \"min_retry_rate\" must be zero or positive, found \"-1/s\""),
        .init("retries.min_retry_rate", endpoint: "work: 1ms\ncalls: [{call: db.get, retries: {max: 1, min_retry_rate: 5/s}}]",
              "test.yaml:9:66: error: \"min_retry_rate\" needs a \"budget\""),
        .init("services.X.protocol", service: "protocol: http11",
              "test.yaml:5:15: error: unknown protocol \"http11\""),
        .init("services.X.endpoints.Y.calls[].protocol", endpoint: "work: 1ms\ncalls: [{call: db.get, protocol: {connections: 2}}]",
              "test.yaml:9:42: error: protocol is missing \"name\""),
        .init("protocol.name", extra: "network: {protocol: {name: spdy}}",
              "test.yaml:16:28: error: unknown protocol \"spdy\""),
        .init("protocol.connections", extra: "network: {protocol: {name: http1, connections: 0}}",
              "test.yaml:16:48: error: \"connections\" must be between 1 and 100000, found 0"),
        .init("protocol.max_streams", extra: "network: {protocol: {name: http1, max_streams: 10}}",
              "test.yaml:16:48: error: \"max_streams\" applies to http2 and grpc"),
        .init("protocol.max_streams", extra: "network: {protocol: {name: http2, max_streams: 0}}",
              "test.yaml:16:48: error: \"max_streams\" must be between 1 and 1000000, found 0"),
        .init("protocol.tls", extra: "network: {protocol: {name: grpc, tls: 1.3}}",
              "test.yaml:16:39: error: \"tls\" must be true or false, found \"1.3\""),
        .init("protocol.keep_alive", extra: "network: {protocol: {name: http2, keep_alive: 90}}",
              "test.yaml:16:47: error: duration \"90\" has no unit"),
        .init("protocol.encoding", extra: "network: {protocol: {name: grpc, encoding: avro}}",
              "test.yaml:16:44: error: unknown encoding \"avro\""),
        .init("network.protocol", extra: "network: {protocol: http3}",
              #"test.yaml:16:21: error: unknown protocol "http3""#),
        .init("network", extra: "network: fast",
              "test.yaml:16:10: error: \"network\" must be a mapping, found \"fast\""),
        .init("network.zones", extra: "network: {zones: [a, a]}",
              "test.yaml:16:22: error: zone \"a\" is listed twice"),
        .init("network.within_zone", extra: "network: {within_zone: 1ms}",
              "test.yaml:16:24: error: \"within_zone\" must be a mapping, found \"1ms\""),
        .init("network.across_zones", extra: "network: {across_zones: [1]}",
              "test.yaml:16:25: error: \"across_zones\" must be a mapping, found a list"),
        .init("network.links", extra: "network: {links: {between: [a, b]}}",
              "test.yaml:16:18: error: \"links\" must be a list, found a mapping"),
        .init("network.retransmit_timeout", extra: "network: {retransmit_timeout: 200}",
              "test.yaml:16:31: error: duration \"200\" has no unit"),
        .init("network.path.latency", extra: "network: {within_zone: {latency: fast}}",
              "test.yaml:16:34: error: expected a duration, found \"fast\""),
        .init("network.path.bandwidth", extra: "network: {within_zone: {bandwidth: 10GB}}",
              "test.yaml:16:36: error: unknown bandwidth unit \"GB\" in \"10GB\""),
        .init("network.path.loss", extra: "network: {across_zones: {loss: 100%}}",
              "test.yaml:16:32: error: \"loss\" must be below 100%"),
        .init("network.links[].between", extra: "network: {zones: [a, b], links: [{between: [a, c]}]}",
              "test.yaml:16:48: error: unknown zone \"c\""),
        .init("network.links[].between", extra: "network: {zones: [a, b], links: [{between: [a]}]}",
              "test.yaml:16:44: error: \"between\" must name two zones, found 1 item"),
        .init("network.links[].latency", extra: "network: {zones: [a, b], links: [{between: [a, b], latency: 3}]}",
              "test.yaml:16:61: error: duration \"3\" has no unit"),
        .init("network.links[].bandwidth", extra: "network: {zones: [a, b], links: [{between: [a, b], bandwidth: 0Gbps}]}",
              "test.yaml:16:63: error: bandwidth \"0Gbps\" must be positive"),
        .init("network.links[].loss", extra: "network: {zones: [a, b], links: [{between: [a, b], loss: -1%}]}",
              "test.yaml:16:58: error: \"loss\": \"-1%\" is not between 0 and 1 (0% and 100%)"),
        .init("network.links[].one_way", extra: "network: {zones: [a, b], links: [{between: [a, b], one_way: yes}]}",
              "test.yaml:16:61: error: \"one_way\" must be true or false, found \"yes\""),
        .init("services.X.zones", service: "zones: [x]",
              "test.yaml:5:13: error: unknown zone \"x\""),
        .init("services.X.rate_limit", service: "rate_limit: 100/s",
              "test.yaml:5:17: error: \"rate_limit\" must be a mapping, found \"100/s\""),
        .init("services.X.rate_limit.rate", service: "rate_limit: {rate: 0/s}",
              "test.yaml:5:24: error: \"rate\" must be positive, found \"0/s\""),
        .init("services.X.rate_limit.burst", service: "rate_limit: {rate: 1/s, burst: 0}",
              "test.yaml:5:36: error: \"burst\" must be between 1 and 1000000000, found 0"),
        .init("services.X.endpoints.Y.calls", endpoint: "work: 1ms\ncalls: {call: db.get}",
              "test.yaml:9:16: error: \"calls\" must be a list, found a mapping"),
        .init("services.X.endpoints.Y.calls[].call", endpoint: "work: 1ms\ncalls: [{call: dbb.get}]",
              "test.yaml:9:24: error: unknown service \"dbb\" in a call"),
        .init("services.X.endpoints.Y.calls[].call", endpoint: "work: 1ms\ncalls: [{call: db.gte}]",
              "test.yaml:9:27: error: service \"db\" has no endpoint \"gte\""),
        .init("services.X.endpoints.Y.calls[].call", endpoint: "work: 1ms\ncalls: [{call: db}]",
              "test.yaml:9:24: error: \"call\" must be SERVICE.ENDPOINT, found \"db\""),
        .init("services.X.endpoints.Y.calls[].probability", endpoint: "work: 1ms\ncalls: [{call: db.get, probability: 1.5}]",
              "test.yaml:9:45: error: \"probability\": \"1.5\" is not between 0 and 1 (0% and 100%)"),
        .init("services.X.endpoints.Y.calls[].optional", endpoint: "work: 1ms\ncalls: [{call: db.get, optional: maybe}]",
              "test.yaml:9:42: error: \"optional\" must be true or false, found \"maybe\""),
        .init("services.X.endpoints.Y.calls[].timeout", endpoint: "work: 1ms\ncalls: [{call: db.get, timeout: 0ms}]",
              "test.yaml:9:41: error: \"timeout\" must be longer than 0, found \"0ms\""),
        .init("services.X.endpoints.Y.calls[].retries", endpoint: "work: 1ms\ncalls: [{call: db.get, retries: 3}]",
              "test.yaml:9:41: error: \"retries\" must be a mapping, found the number 3"),
        .init("retries.max", endpoint: "work: 1ms\ncalls: [{call: db.get, retries: {max: -1}}]",
              "test.yaml:9:47: error: \"max\" must be between 0 and 100, found -1"),
        .init("retries.backoff", endpoint: "work: 1ms\ncalls: [{call: db.get, retries: {max: 1, backoff: linear}}]",
              "test.yaml:9:59: error: unknown backoff \"linear\""),
        .init("retries.base", endpoint: "work: 1ms\ncalls: [{call: db.get, retries: {max: 1, base: 10}}]",
              "test.yaml:9:56: error: duration \"10\" has no unit"),
        .init("retries.cap", endpoint: "work: 1ms\ncalls: [{call: db.get, retries: {max: 1, base: 10ms, cap: 1ms}}]",
              "test.yaml:9:67: error: \"cap\" (1ms) is shorter than \"base\" (10ms)"),
        .init("retries.jitter", endpoint: "work: 1ms\ncalls: [{call: db.get, retries: {max: 1, jitter: half}}]",
              "test.yaml:9:58: error: unknown jitter \"half\""),
        .init("retries.budget", endpoint: "work: 1ms\ncalls: [{call: db.get, retries: {max: 1, budget: 150%}}]",
              "test.yaml:9:58: error: a retry budget over 100% (150%)"),
        .init("retries.budget", endpoint: "work: 1ms\ncalls: [{call: db.get, retries: {max: 1, budget: lots}}]",
              "test.yaml:9:58: error: \"budget\": expected a fraction, found \"lots\""),
        .init("services.X.endpoints.Y.calls[].circuit_breaker", endpoint: "work: 1ms\ncalls: [{call: db.get, circuit_breaker: {window: 10s, open_for: 5s}}]",
              "test.yaml:9:49: error: circuit_breaker is missing \"failure_rate\""),
        .init("circuit_breaker.failure_rate", endpoint: "work: 1ms\ncalls: [{call: db.get, circuit_breaker: {failure_rate: 0%, window: 10s, open_for: 5s}}]",
              "test.yaml:9:64: error: \"failure_rate\" must be above 0"),
        .init("circuit_breaker.window", endpoint: "work: 1ms\ncalls: [{call: db.get, circuit_breaker: {failure_rate: 50%, window: 0s, open_for: 5s}}]",
              "test.yaml:9:77: error: \"window\" must be longer than 0, found \"0s\""),
        .init("circuit_breaker.min_requests", endpoint: "work: 1ms\ncalls: [{call: db.get, circuit_breaker: {failure_rate: 50%, window: 10s, open_for: 5s, min_requests: 0}}]",
              "test.yaml:9:110: error: \"min_requests\" must be between 1 and 1000000000, found 0"),
        .init("circuit_breaker.open_for", endpoint: "work: 1ms\ncalls: [{call: db.get, circuit_breaker: {failure_rate: 50%, window: 10s, open_for: soon}}]",
              "test.yaml:9:92: error: expected a duration, found \"soon\""),
        .init("circuit_breaker.half_open_requests", endpoint: "work: 1ms\ncalls: [{call: db.get, circuit_breaker: {failure_rate: 50%, window: 10s, open_for: 5s, half_open_requests: 0}}]",
              "test.yaml:9:116: error: \"half_open_requests\" must be between 1 and 1000000, found 0"),
        .init("services.X.endpoints.Y.calls[].hedge", endpoint: "work: 1ms\ncalls: [{call: db.get, hedge: {max: 2}}]",
              "test.yaml:9:39: error: hedge is missing \"after\""),
        .init("hedge.after", endpoint: "work: 1ms\ncalls: [{call: db.get, hedge: {after: 0ms}}]",
              "test.yaml:9:47: error: \"after\" must be longer than 0, found \"0ms\""),
        .init("hedge.max", endpoint: "work: 1ms\ncalls: [{call: db.get, hedge: {after: 5ms, max: 0}}]",
              "test.yaml:9:57: error: \"max\" must be between 1 and 100, found 0"),
        .init("services.X.endpoints.Y.calls[].bulkhead", endpoint: "work: 1ms\ncalls: [{call: db.get, bulkhead: 20}]",
              "test.yaml:9:42: error: \"bulkhead\" must be a mapping, found the number 20"),
        .init("bulkhead.max_concurrent", endpoint: "work: 1ms\ncalls: [{call: db.get, bulkhead: {max_concurrent: 0}}]",
              "test.yaml:9:59: error: \"max_concurrent\" must be between 1 and 1000000, found 0"),
        .init("services.X.endpoints.Y.calls[].parallel", endpoint: "work: 1ms\ncalls: [{parallel: []}]",
              "test.yaml:9:28: error: \"parallel\" is empty"),
        .init("services.X.endpoints.Y.calls[].wait_for", endpoint: "work: 1ms\ncalls: [{parallel: [{call: db.get}], wait_for: 2}]",
              "test.yaml:9:56: error: \"wait_for\" is 2 but \"parallel\" has 1 call"),
        .init("services.X.endpoints.Y.calls[].work", endpoint: "work: 1ms\ncalls: [{work: -1ms}]",
              "test.yaml:9:24: error: duration \"-1ms\" is negative"),
        .init("services.X.endpoints.Y.request_size", endpoint: "work: 1ms\nrequest_size: 2",
              "test.yaml:9:23: error: size \"2\" has no unit"),
        .init("services.X.endpoints.Y.response_size", endpoint: "work: 1ms\nresponse_size: 1.5B",
              "test.yaml:9:24: error: size \"1.5B\" is not a whole number of bytes"),
        .init("limits.max_call_depth", extra: "limits: {max_call_depth: 0}",
              "test.yaml:16:26: error: \"max_call_depth\" must be between 1 and 1000, found 0"),
        .init("output.traces", extra: "output: {traces: 2}",
              "test.yaml:16:18: error: \"traces\": \"2\" is not between 0 and 1 (0% and 100%)"),
        .init("description", extra: "description: [a, b]",
              #"test.yaml:16:14: error: "description" must be a string, found a list"#),
        .init("stop.requests", extra: "stop: {requests: 0}",
              #"test.yaml:16:18: error: "requests" must be at least 1, found 0"#),
        .init("stop.requests", extra: "stop: {requests: lots}",
              #"test.yaml:16:18: error: "requests" must be a whole number, found "lots""#),
        .init("warmup", extra: "warmup: soon",
              #"test.yaml:16:9: error: "warmup" must be auto or a duration, found "soon""#),
        .init("warmup", extra: "warmup: -5s",
              #"test.yaml:16:9: error: duration "-5s" is negative"#),
        .init("warmup", extra: "warmup: 10s",
              #"test.yaml:16:9: error: "warmup" (10s) is not shorter than "duration" (10s)"#),
        .init("confidence", extra: "confidence: 0",
              #"test.yaml:16:13: error: "confidence" must be between 0 and 1 (exclusive), found 0"#),
        .init("confidence", extra: "confidence: high",
              #"test.yaml:16:13: error: "confidence" must be a number between 0 and 1, found "high""#),
        .init("limits.max_events", extra: "limits: {max_events: 0}",
              #"test.yaml:16:22: error: "max_events" must be at least 1, found 0"#),
        .init("limits.max_events", extra: "limits: {max_events: 1e9}",
              #"test.yaml:16:22: error: "max_events" must be a whole number, found "1e9""#),
        .init("limits.max_in_flight", extra: "limits: {max_in_flight: -5}",
              #"test.yaml:16:25: error: "max_in_flight" must be between 1 and 4294967294, found -5"#),
        .init("limits.max_in_flight", extra: "limits: {max_in_flight: 5000000000}",
              #"test.yaml:16:25: error: "max_in_flight" must be between 1 and 4294967294, found 5000000000"#),
        .init("output.timeseries", extra: "output: {timeseries: 0s}",
              #"test.yaml:16:22: error: "timeseries" must be longer than 0, found "0s""#),
        .init("output.timeseries", extra: "output: {timeseries: 10}",
              #"test.yaml:16:22: error: duration "10" has no unit"#),
        .init("output.percentiles", extra: "output: {percentiles: []}",
              #"test.yaml:16:23: error: "percentiles" is empty"#),
        .init("output.percentiles", extra: "output: {percentiles: [p99]}",
              #"test.yaml:16:24: error: "percentile" must be a number, found "p99""#),
        .init("stop", extra: "stop: 100",
              #"test.yaml:16:7: error: "stop" must be a mapping, found the number 100"#),
        .init("limits", extra: "limits: 5",
              #"test.yaml:16:9: error: "limits" must be a mapping, found the number 5"#),
        .init("output", extra: "output: [50]",
              #"test.yaml:16:9: error: "output" must be a mapping, found a list"#),
        .init("services.X.instance.concurrency", service: "instance: {concurrency: 0}",
              #"test.yaml:5:29: error: "concurrency" must be between 1 and 1000000, found 0"#),
        .init("services.X.instance.concurrency", service: "instance: {concurrency: 1000001}",
              #"test.yaml:5:29: error: "concurrency" must be between 1 and 1000000, found 1000001"#),
        .init("services.X.instance.queue.capacity", service: "instance: {queue: {capacity: lots}}",
              #"test.yaml:5:34: error: "capacity" must be a whole number or "unbounded", found "lots""#),
        .init("services.X.instance.queue.capacity", service: "instance: {queue: {capacity: 1.5}}",
              #"test.yaml:5:34: error: "capacity" must be a whole number or "unbounded", found "1.5""#),
        .init("services.X.instance.queue.discipline", service: "instance: {queue: {discipline: random}}",
              #"test.yaml:5:36: error: unknown queue discipline "random""#),
        .init("services.X.balancer.policy", service: "balancer: {policy: [random]}",
              #"test.yaml:5:24: error: "balancer policy" must be one of round_robin, weighted_round_robin, random, least_requests, p2c, consistent_hash, maglev, ewma, zone_aware, found a list"#),
        .init("services.X.balancer.decay", service: "replicas: 2\nbalancer: {policy: ewma, decay: 0s}",
              #"test.yaml:6:37: error: "decay" must be longer than 0, found "0s""#),
        .init("services.X.balancer.decay", service: "replicas: 2\nbalancer: {policy: p2c, decay: 10s}",
              #"test.yaml:6:29: error: balancer policy "p2c" takes no "decay""#),
        .init("services.X.balancer.spill_at", service: "replicas: 2\nbalancer: {policy: zone_aware, spill_at: 0%}",
              #"test.yaml:6:46: error: "spill_at" must be above 0"#),
        .init("services.X.balancer.spill_at", service: "replicas: 2\nbalancer: {policy: zone_aware, spill_at: 150%}",
              #"test.yaml:6:46: error: "spill_at": "150%" is not between 0 and 1 (0% and 100%)"#),
        .init("services.X.balancer.outlier_detection", service: "balancer: {policy: round_robin, outlier_detection: 5}",
              #"test.yaml:5:56: error: "outlier_detection" must be a mapping, found the number 5"#),
        .init("outlier_detection.consecutive_errors", service: "balancer: {policy: random, outlier_detection: {consecutive_errors: 0}}",
              #"test.yaml:5:72: error: "consecutive_errors" must be between 1 and 1000000, found 0"#),
        .init("outlier_detection.ejection", service: "balancer: {policy: random, outlier_detection: {ejection: 30}}",
              #"test.yaml:5:62: error: duration "30" has no unit"#),
        .init("outlier_detection.max_ejection", service: "balancer: {policy: random, outlier_detection: {ejection: 30s, max_ejection: 10s}}",
              #"test.yaml:5:81: error: "max_ejection" must be at least "ejection""#),
        .init("outlier_detection.max_ejected", service: "balancer: {policy: random, outlier_detection: {max_ejected: 2}}",
              #"test.yaml:5:65: error: "max_ejected": "2" is not between 0 and 1 (0% and 100%)"#),
        .init("services.X.balancer.weights", service: "replicas: 3\nbalancer: {policy: weighted_round_robin, weights: [3, 0, 1]}",
              #"test.yaml:6:59: error: "weight" must be between 1 and 1000000, found 0"#),
        .init("services.X.balancer.weights", service: "replicas: 3\nbalancer: {policy: weighted_round_robin, weights: [3, 1]}",
              #"test.yaml:6:55: error: "weights" has 2 weights for 3 replicas"#),
        .init("services.X.balancer.weights", service: "replicas: 3\nbalancer: {policy: weighted_round_robin, weights: 3}",
              #"test.yaml:6:55: error: "weights" must be a list, found the number 3"#),
        .init("services.X.balancer.choices", service: "replicas: 4\nbalancer: {policy: p2c, choices: 1}",
              #"test.yaml:6:38: error: "choices" must be between 2 and 100000, found 1"#),
        .init("services.X.balancer.choices", service: "replicas: 4\nbalancer: {policy: p2c, choices: 5}",
              #"test.yaml:6:38: error: "choices" must be at most the replicas (4), found 5"#),
        .init("services.X.balancer.choices", service: "balancer: {policy: random, choices: 2}",
              #"test.yaml:5:32: error: balancer policy "random" takes no "choices""#),
        .init("services.X.endpoints.Y.work", endpoint: "work: -5ms",
              #"test.yaml:8:15: error: duration "-5ms" is negative"#),
        .init("services.X.instance.queue", service: "instance: {queue: 100}",
              #"test.yaml:5:23: error: "queue" must be a mapping, found the number 100"#),
        .init("services.X.balancer", service: "balancer: round_robin",
              #"test.yaml:5:15: error: "balancer" must be a mapping, found "round_robin""#),
        .init("constant.value", endpoint: "work: {dist: constant, value: -1ms}",
              #"test.yaml:8:39: error: duration "-1ms" is negative"#),
        .init("constant.value", endpoint: "work: {dist: constant, value: fast}",
              #"test.yaml:8:39: error: expected a duration, found "fast""#),
        .init("exponential.mean", endpoint: "work: {dist: exponential, mean: 0ms}",
              #"test.yaml:8:41: error: "mean" must be longer than 0, found "0ms""#),
        .init("uniform.min", endpoint: "work: {dist: uniform, min: 1, max: 8ms}",
              #"test.yaml:8:36: error: duration "1" has no unit"#),
        .init("uniform.max", endpoint: "work: {dist: uniform, min: 2ms, max: -8ms}",
              #"test.yaml:8:46: error: duration "-8ms" is negative"#),
        .init("uniform.max", endpoint: "work: {dist: uniform, min: 8ms, max: 2ms}",
              #"test.yaml:8:46: error: uniform "max" is less than "min""#),
        .init("normal.mean", endpoint: "work: {dist: normal, mean: -5ms, stddev: 1ms}",
              #"test.yaml:8:36: error: duration "-5ms" is negative"#),
        .init("normal.stddev", endpoint: "work: {dist: normal, mean: 5ms, stddev: 1}",
              #"test.yaml:8:49: error: duration "1" has no unit"#),
        .init("lognormal.median", endpoint: "work: {dist: lognormal, median: 0ms, p99: 40ms}",
              #"test.yaml:8:41: error: "median" must be longer than 0, found "0ms""#),
        .init("lognormal.p99", endpoint: "work: {dist: lognormal, median: 4ms, p99: 4ms}",
              #"test.yaml:8:51: error: lognormal "p99" must be greater than "median""#),
        .init("lognormal.p99", endpoint: "work: {dist: lognormal, median: 4ms, p99: 2ms}",
              #"test.yaml:8:51: error: lognormal "p99" must be greater than "median""#),
        .init("lognormal.p99", endpoint: "work: {dist: lognormal, median: 4ms, p99: 40}",
              #"test.yaml:8:51: error: duration "40" has no unit"#),
        .init("lognormal.mean", endpoint: "work: {dist: lognormal, mean: 0s, stddev: 1ms}",
              #"test.yaml:8:39: error: "mean" must be longer than 0, found "0s""#),
        .init("lognormal.stddev", endpoint: "work: {dist: lognormal, mean: 5ms, stddev: -1ms}",
              #"test.yaml:8:52: error: duration "-1ms" is negative"#),
        .init("lognormal.mu", endpoint: "work: {dist: lognormal, mu: 5ms, sigma: 0.5}",
              #"test.yaml:8:37: error: "mu" must be a number, found "5ms""#),
        .init("lognormal.sigma", endpoint: "work: {dist: lognormal, mu: -5.3, sigma: -0.5}",
              #"test.yaml:8:50: error: "sigma" must not be negative, found -0.5"#),
        .init("gamma.mean", endpoint: "work: {dist: gamma, mean: 0ms, cv: 0.5}",
              #"test.yaml:8:35: error: "mean" must be longer than 0, found "0ms""#),
        .init("gamma.cv", endpoint: "work: {dist: gamma, mean: 5ms, cv: -0.5}",
              #"test.yaml:8:44: error: "cv" must be positive, found -0.5"#),
        .init("gamma.cv", endpoint: "work: {dist: gamma, mean: 5ms, cv: 50%}",
              #"test.yaml:8:44: error: "cv" must be a number, found "50%""#),
        .init("erlang.k", endpoint: "work: {dist: erlang, k: 0, mean: 5ms}",
              #"test.yaml:8:33: error: "k" must be between 1 and 1000000, found 0"#),
        .init("erlang.k", endpoint: "work: {dist: erlang, k: 2.5, mean: 5ms}",
              #"test.yaml:8:33: error: "k" must be a whole number, found "2.5""#),
        .init("erlang.mean", endpoint: "work: {dist: erlang, k: 4, mean: 0ms}",
              #"test.yaml:8:42: error: "mean" must be longer than 0, found "0ms""#),
        .init("weibull.shape", endpoint: "work: {dist: weibull, shape: 0, scale: 5ms}",
              #"test.yaml:8:38: error: "shape" must be positive, found 0"#),
        .init("weibull.scale", endpoint: "work: {dist: weibull, shape: 1.5, scale: 0ms}",
              #"test.yaml:8:50: error: "scale" must be longer than 0, found "0ms""#),
        .init("pareto.shape", endpoint: "work: {dist: pareto, shape: -1, scale: 1ms}",
              #"test.yaml:8:37: error: "shape" must be positive, found -1"#),
        .init("pareto.scale", endpoint: "work: {dist: pareto, shape: 2.5, scale: 1}",
              #"test.yaml:8:49: error: duration "1" has no unit"#),
        .init("hyperexponential.probabilities", endpoint: "work: {dist: hyperexponential, probabilities: [1.5, 0.5], means: [2ms, 50ms]}",
              #"test.yaml:8:56: error: "probability": "1.5" is not between 0 and 1 (0% and 100%)"#),
        .init("hyperexponential.probabilities", endpoint: "work: {dist: hyperexponential, probabilities: [], means: []}",
              #"test.yaml:8:55: error: "probabilities" must not be empty"#),
        .init("hyperexponential.probabilities", endpoint: "work: {dist: hyperexponential, probabilities: 1, means: [2ms]}",
              #"test.yaml:8:55: error: "probabilities" must be a list, found the number 1"#),
        .init("hyperexponential.probabilities", endpoint: "work: {dist: hyperexponential, probabilities: [0.8, 0.1], means: [2ms, 50ms]}",
              "test.yaml:8:55: error: hyperexponential probabilities sum to 0.9, not 1"),
        .init("hyperexponential.means", endpoint: "work: {dist: hyperexponential, probabilities: [0.5, 0.5], means: [2ms, 0ms]}",
              #"test.yaml:8:80: error: "mean" must be longer than 0, found "0ms""#),
        .init("hyperexponential.means", endpoint: "work: {dist: hyperexponential, probabilities: [0.5, 0.5], means: [2ms]}",
              "test.yaml:8:74: error: hyperexponential has 2 probabilities but 1 means"),
        .init("empirical.file", endpoint: "work: {dist: empirical, file: nope.csv, unit: ms}",
              #"test.yaml:8:39: error: data file "nope.csv" not found"#),
        .init("empirical.file", endpoint: "work: {dist: empirical, file: negative.csv, unit: ms}",
              #"test.yaml:8:39: error: "negative.csv" line 3: "-1" in column "latency_ms" is not a non-negative number"#),
        .init("empirical.column", endpoint: "work: {dist: empirical, file: samples.csv, column: latency, unit: ms}",
              #"test.yaml:8:39: error: data file "samples.csv" has no column "latency""#),
        .init("empirical.unit", endpoint: "work: {dist: empirical, file: samples.csv, column: latency_ms, unit: sec}",
              #"test.yaml:8:78: error: unknown unit "sec""#),
        .init("mixture.components", endpoint: "work: {dist: mixture, components: []}",
              #"test.yaml:8:43: error: "components" must not be empty"#),
        .init("mixture.components", endpoint: "work: {dist: mixture, components: 5ms}",
              #"test.yaml:8:43: error: "components" must be a list, found "5ms""#),
        .init("mixture.components", endpoint: "work: {dist: mixture, components: [5ms]}",
              #"test.yaml:8:44: error: a mixture component must be a mapping with "weight" and "dist", found "5ms""#),
        .init("mixture.components", endpoint: "work: {dist: mixture, components: [{weight: 1, dist: constant, value: 1}]}",
              #"test.yaml:8:79: error: duration "1" has no unit"#),
        .init("mixture.weight", endpoint: "work: {dist: mixture, components: [{weight: -1, dist: constant, value: 1ms}]}",
              #"test.yaml:8:53: error: "weight" must be a non-negative number or percentage, found "-1""#),
        .init("mixture.weight", endpoint: "work: {dist: mixture, components: [{weight: 5ms, dist: constant, value: 1ms}]}",
              #"test.yaml:8:53: error: "weight" must be a non-negative number or percentage, found "5ms""#),
        .init("mixture.weight", endpoint: "work: {dist: mixture, components: [{weight: 0, dist: constant, value: 1ms}]}",
              "test.yaml:8:43: error: mixture weights add up to 0"),
        .init("workload.rate", workload: "rate: 0/s",
              #"test.yaml:15:11: error: "rate" must be positive, found "0/s""#),
        .init("workload.rate", workload: "rate: 100/sec",
              #"test.yaml:15:11: error: unknown rate unit "/sec" in "100/sec""#),
        .init("workload.arrival", workload: "arrival: possion\nrate: 5/s",
              #"test.yaml:15:14: error: unknown arrival "possion""#),
        .init("workload.profile", workload: "profile: 100/s",
              #"test.yaml:15:14: error: "profile" must be a list, found "100/s""#),
        .init("workload.profile", workload: "profile: [{at: 0s, rate: 0/s}]",
              "test.yaml:15:14: error: every rate in the profile is zero"),
        .init("workload.profile[].at", workload: "profile: [{at: 0, rate: 5/s}]",
              #"test.yaml:15:20: error: duration "0" has no unit"#),
        .init("workload.profile[].rate", workload: "profile: [{at: 0s, rate: -5/s}]",
              #"test.yaml:15:30: error: "rate" must be zero or positive, found "-5/s""#),
        .init("workload.profile[].ramp", workload: "profile: [{at: 0s, rate: 5/s, ramp: -1s}]",
              #"test.yaml:15:41: error: duration "-1s" is negative"#),
        .init("workload.mmpp.rates", workload: "mmpp: {rates: [-1/s, 2/s], mean_holding: [1s, 1s]}",
              #"test.yaml:15:20: error: "rate" must be zero or positive, found "-1/s""#),
        .init("workload.mmpp.rates", workload: "mmpp: {rates: [0/s, 0/s], mean_holding: [1s, 1s]}",
              "test.yaml:15:19: error: every mmpp rate is zero"),
        .init("workload.mmpp.mean_holding", workload: "mmpp: {rates: [1/s, 2/s], mean_holding: [0s, 1s]}",
              #"test.yaml:15:46: error: "mean_holding" must be longer than 0, found "0s""#),
        .init("workload.mmpp.mean_holding", workload: "mmpp: {rates: [1/s, 2/s], mean_holding: 1s}",
              #"test.yaml:15:45: error: "mean_holding" must be a list, found "1s""#),
        .init("workload.closed.users", workload: "closed: {users: 2.5, think: 1s}",
              #"test.yaml:15:21: error: "users" must be a whole number, found "2.5""#),
        .init("workload.closed.think", workload: "closed: {users: 5, think: -1s}",
              #"test.yaml:15:31: error: duration "-1s" is negative"#),
        .init("workload.closed.think", workload: "closed: {users: 5, think: exponential}",
              #"test.yaml:15:31: error: "think" must be a duration or a distribution, found "exponential""#),
        .init("workload.mmpp", workload: "mmpp: [1/s, 2/s]",
              #"test.yaml:15:11: error: "mmpp" must be a mapping, found a list"#),
        .init("workload.closed", workload: "closed: 5",
              #"test.yaml:15:13: error: "closed" must be a mapping, found the number 5"#),
        .init("services.X.balancer.vnodes", yaml: Support.yaml(service: "replicas: 3\nbalancer: {policy: consistent_hash, vnodes: 0}", workload: "rate: 100/s\nkey: {dist: uniform, keys: 10}"),
              #"test.yaml:6:49: error: "vnodes" must be between 1 and 10000, found 0"#),
        .init("services.X.balancer.vnodes", yaml: Support.yaml(service: "replicas: 3\nbalancer: {policy: consistent_hash, vnodes: 20000}", workload: "rate: 100/s\nkey: {dist: uniform, keys: 10}"),
              #"test.yaml:6:49: error: "vnodes" must be between 1 and 10000, found 20000"#),
        .init("services.X.balancer.vnodes", yaml: Support.yaml(service: "replicas: 3\nbalancer: {policy: maglev, vnodes: 10}", workload: "rate: 100/s\nkey: {dist: uniform, keys: 10}"),
              #"test.yaml:6:32: error: balancer policy "maglev" takes no "vnodes""#),
        .init("services.X.balancer.bounded_load", yaml: Support.yaml(service: "replicas: 3\nbalancer: {policy: consistent_hash, bounded_load: 1}", workload: "rate: 100/s\nkey: {dist: uniform, keys: 10}"),
              #"test.yaml:6:55: error: "bounded_load" must be greater than 1, found 1"#),
        .init("services.X.balancer.bounded_load", yaml: Support.yaml(service: "replicas: 3\nbalancer: {policy: consistent_hash, bounded_load: 0.8}", workload: "rate: 100/s\nkey: {dist: uniform, keys: 10}"),
              #"test.yaml:6:55: error: "bounded_load" must be greater than 1, found 0.8"#),
        .init("services.X.balancer.bounded_load", yaml: Support.yaml(service: "replicas: 3\nbalancer: {policy: consistent_hash, bounded_load: high}", workload: "rate: 100/s\nkey: {dist: uniform, keys: 10}"),
              #"test.yaml:6:55: error: "bounded_load" must be a number, found "high""#),
        .init("services.X.balancer.bounded_load", yaml: Support.yaml(service: "replicas: 3\nbalancer: {policy: p2c, bounded_load: 1.25}", workload: "rate: 100/s\nkey: {dist: uniform, keys: 10}"),
              #"test.yaml:6:29: error: balancer policy "p2c" takes no "bounded_load""#),
        .init("services.X.balancer.table_size", yaml: Support.yaml(service: "replicas: 3\nbalancer: {policy: maglev, table_size: 100}", workload: "rate: 100/s\nkey: {dist: uniform, keys: 10}"),
              #"test.yaml:6:44: error: "table_size" must be a prime number, found 100"#),
        .init("services.X.balancer.table_size", yaml: Support.yaml(service: "replicas: 3\nbalancer: {policy: maglev, table_size: 2}", workload: "rate: 100/s\nkey: {dist: uniform, keys: 10}"),
              #"test.yaml:6:44: error: "table_size" must be at least the replicas (3), found 2"#),
        .init("services.X.balancer.table_size", yaml: Support.yaml(service: "replicas: 3\nbalancer: {policy: maglev, table_size: -7}", workload: "rate: 100/s\nkey: {dist: uniform, keys: 10}"),
              #"test.yaml:6:44: error: "table_size" must be between 2 and 10000000, found -7"#),
        .init("services.X.balancer.table_size", yaml: Support.yaml(service: "replicas: 3\nbalancer: {policy: consistent_hash, table_size: 65537}", workload: "rate: 100/s\nkey: {dist: uniform, keys: 10}"),
              #"test.yaml:6:41: error: balancer policy "consistent_hash" takes no "table_size""#),
        .init("workload.key", workload: "rate: 5/s\nkey: zipf",
              #"test.yaml:16:10: error: "key" must be a mapping, found "zipf""#),
        .init("workload.key.dist", workload: "rate: 5/s\nkey: {dist: normal, keys: 10}",
              #"test.yaml:16:17: error: unknown key distribution "normal""#),
        .init("workload.key.dist", workload: "rate: 5/s\nkey: {keys: 10}",
              #"test.yaml:16:10: error: key is missing "dist""#),
        .init("workload.key.keys", workload: "rate: 5/s\nkey: {dist: uniform, keys: 0}",
              #"test.yaml:16:32: error: "keys" must be between 1 and 1000000000, found 0"#),
        .init("workload.key.keys", workload: "rate: 5/s\nkey: {dist: uniform}",
              #"test.yaml:16:10: error: key is missing "keys""#),
        .init("workload.key.exponent", workload: "rate: 5/s\nkey: {dist: zipf, keys: 10, exponent: -1}",
              #"test.yaml:16:43: error: "exponent" must be positive, found -1"#),
        .init("workload.key.exponent", workload: "rate: 5/s\nkey: {dist: zipf, keys: 10}",
              #"test.yaml:16:10: error: zipf key is missing "exponent""#),
        .init("workload.key.exponent", workload: "rate: 5/s\nkey: {dist: uniform, keys: 10, exponent: 1}",
              #"test.yaml:16:36: error: "exponent" applies to dist zipf only"#),
        .init("workload.key.column", workload: "rate: 5/s\nkey: {column: user}",
              #"test.yaml:16:19: error: "column" keys need "arrival: trace""#),
        .init("workload.key.column", workload: "trace: {file: trace.csv}\nkey: {column: user}",
              #"test.yaml:16:19: error: data file "trace.csv" has no column "user""#),
        .init("workload.key.column", workload: "trace: {file: keyed.csv}\nkey: {column: user}",
              #"test.yaml:16:19: error: "keyed.csv" line 3: no key in column "user""#),
        .init("workload.key.column", workload: "trace: {file: keyed.csv}\nkey: {column: user, dist: uniform}",
              #"test.yaml:16:25: error: give "column" or "dist", not both"#),
        .init("workload.key.column", workload: "trace: {file: keyed.csv}\nkey: {column: [user]}",
              #"test.yaml:16:19: error: "column" must be a string, found a list"#),
        .init("workload.trace", workload: "trace: trace.csv",
              #"test.yaml:15:12: error: "trace" must be a mapping, found "trace.csv""#),
        .init("workload.trace.file", workload: "trace: {file: [trace.csv]}",
              #"test.yaml:15:19: error: "file" must be a string, found a list"#),
        .init("workload.trace.column", workload: "trace: {file: trace.csv, column: ts}",
              #"test.yaml:15:19: error: data file "trace.csv" has no column "ts""#),
        .init("workload.trace.speedup", workload: "trace: {file: trace.csv, speedup: 0}",
              #"test.yaml:15:39: error: "speedup" must be positive, found 0"#),
        .init("workload.trace.speedup", workload: "trace: {file: trace.csv, speedup: 2x}",
              #"test.yaml:15:39: error: "speedup" must be a number, found "2x""#),
        .init("workload.trace.speedup", workload: "trace: {file: trace.csv, speedup: 1e-9}",
              #"test.yaml:15:39: error: "speedup" 1e-9 puts line 4 of "trace.csv" past the longest time that can be simulated (about 292 years)"#),
        // Experiments (ExperimentDecoder.swift).
        .init("slo", extra: "slo: {name: a}",
              #"test.yaml:16:6: error: "slo" must be a list, found a mapping"#),
        .init("slo.name", extra: "slo: [{name: [a], scope: all, metric: latency_mean, max: 1s}]",
              #"test.yaml:16:14: error: "name" must be a string, found a list"#),
        .init("slo.scope", extra: "slo: [{name: a, scope: endpoint:web.hme, metric: latency_mean, max: 1s}]",
              #"test.yaml:16:37: error: service "web" has no endpoint "hme""#),
        .init("slo.scope", extra: "slo: [{name: a, scope: instance:web/9, metric: load_share, max: 50%}]",
              #"test.yaml:16:37: error: service "web" has 1 replica, so no instance 9"#),
        .init("slo.scope", extra: "slo: [{name: a, scope: instance:web, metric: load_share, max: 50%}]",
              #"test.yaml:16:33: error: an instance scope is written instance:SERVICE/INDEX, found "instance:web""#),
        .init("slo.scope", extra: "slo: [{name: a, scope: instance:wbe/0, metric: load_share, max: 50%}]",
              #"test.yaml:16:33: error: unknown service "wbe""#),
        .init("slo.metric", extra: "slo: [{name: a, scope: instance:web/0, metric: latency_mean, max: 1s}]",
              #"test.yaml:16:48: error: unknown metric "latency_mean" for scope "instance:web/0""#),
        .init("slo.scope", extra: "slo: [{name: a, scope: servce:web, metric: throughput, min: 1/s}]",
              #"test.yaml:16:24: error: unknown SLO scope kind "servce""#),
        .init("slo.metric", extra: "slo: [{name: a, scope: all, metric: latency_p95, max: 1s}]",
              #"test.yaml:16:37: error: unknown metric "latency_p95" for scope "all""#),
        .init("slo.metric", extra: "slo: [{name: a, scope: service:web, metric: latency_mean, max: 1s}]",
              #"test.yaml:16:45: error: unknown metric "latency_mean" for scope "service:web""#),
        .init("slo.max", extra: "slo: [{name: a, scope: all, metric: latency_p99, max: 250}]",
              #"test.yaml:16:55: error: duration "250" has no unit"#),
        .init("slo.max", extra: "slo: [{name: a, scope: all, metric: error_rate, max: 5ms}]",
              #"test.yaml:16:54: error: "max": expected a fraction, found "5ms""#),
        .init("slo.min", extra: "slo: [{name: a, scope: all, metric: throughput, min: 100}]",
              #"test.yaml:16:54: error: rate "100" has no unit"#),
        .init("sweep", extra: "sweep: [a]",
              #"test.yaml:16:8: error: "sweep" must be a mapping, found a list"#),
        .init("sweep.mode", extra: "sweep: {mode: product, parameters: {seed: [1, 2]}}",
              #"test.yaml:16:15: error: unknown sweep mode "product""#),
        .init("sweep.parameters", extra: "sweep: {parameters: {}}",
              #"test.yaml:16:21: error: the sweep has no parameters"#),
        .init("sweep.parameters", extra: "sweep: {parameters: {services.web.replicas: []}}",
              #"test.yaml:16:45: error: sweep parameter "services.web.replicas" has no values"#),
        .init("sweep.parameters", extra: "sweep: {parameters: {services.web.replicas: 4}}",
              #"test.yaml:16:45: error: sweep parameter "services.web.replicas" must be a list of values, found the number 4"#),
        .init("sweep.parameters", extra: "sweep: {parameters: {services.wbe.replicas: [1, 2]}}",
              #"test.yaml:16:31: error: unknown service "wbe""#),
        .init("sweep.parameters", extra: "sweep: {parameters: {services.web.replicas: [1, two]}}",
              #"test.yaml:16:49: error: "replicas" must be a whole number, found "two""#),
        .init("sweep.parameters", extra: "sweep: {parameters: {services.web.replica: [1, 2]}}",
              #"test.yaml:16:35: error: unknown key "replica""#),
        .init("sweep.parameters", extra: "sweep: {parameters: {replications: [1, 2]}}",
              #"test.yaml:16:22: error: sweep parameter "replications" cannot be varied"#),
        .init("sweep.parameters", extra: "sweep: {mode: zip, parameters: {seed: [1, 2], services.web.replicas: [1, 2, 3]}}",
              #"test.yaml:16:70: error: zip sweep: "services.web.replicas" has 3 values but "seed" has 2"#),
        .init("plan", extra: "plan: 5\nslo: [{name: a, scope: all, metric: latency_mean, max: 1s}]",
              #"test.yaml:16:7: error: "plan" must be a mapping, found the number 5"#),
        .init("plan.vary", extra: "plan: {vary: workload.browse.rat, range: [1, 4]}\nslo: [{name: a, scope: all, metric: latency_mean, max: 1s}]",
              #"test.yaml:16:30: error: unknown key "rat""#),
        .init("plan.range", extra: "plan: {vary: services.web.replicas, range: [4, 1]}\nslo: [{name: a, scope: all, metric: latency_mean, max: 1s}]",
              #"test.yaml:16:48: error: "range" goes from 4 down to 1"#),
        .init("plan.range", extra: "plan: {vary: services.web.replicas, range: [0, 4]}\nslo: [{name: a, scope: all, metric: latency_mean, max: 1s}]",
              #"test.yaml:16:45: error: "replicas" must be between 1 and 100000, found 0"#),
        .init("plan.range", extra: "plan: {vary: services.web.replicas, range: [4]}\nslo: [{name: a, scope: all, metric: latency_mean, max: 1s}]",
              #"test.yaml:16:44: error: "range" must be two whole numbers [LOW, HIGH], found 1 value"#),
        .init("plan.confidence", extra: "plan: {vary: services.web.replicas, range: [1, 4], confidence: 2}\nslo: [{name: a, scope: all, metric: latency_mean, max: 1s}]",
              #"test.yaml:16:64: error: "confidence" must be between 0 and 1 (exclusive), found "2""#),
        .init("plan.search", extra: "plan: {vary: services.web.replicas, range: [1, 4], search: binary}\nslo: [{name: a, scope: all, metric: latency_mean, max: 1s}]",
              #"test.yaml:16:60: error: unknown plan search "binary""#),
        .init("plan", extra: "plan: {vary: services.web.replicas, range: [1, 4]}",
              #"test.yaml:16:7: error: a plan needs at least one "slo" to meet"#),
        // Containers that are in the base scenario: whole documents.
        .init("services", yaml: "name: t\nduration: 1s\nservices: [web]\nworkload: [{name: a, to: web.home, rate: 1/s}]\n",
              #"test.yaml:3:11: error: "services" must be a mapping of service names, found a list"#),
        .init("workload", yaml: "name: t\nduration: 1s\nservices: {web: {endpoints: {home: {work: 1ms}}}}\nworkload: {name: a}\n",
              #"test.yaml:4:11: error: "workload" must be a list, found a mapping"#),
    ]

    @Test(arguments: cases)
    func badValueIsRefusedAtItsLocation(_ c: Case) {
        let lines = Support.diagnostics(c.yaml, base: Self.dataDirectory).map(Support.firstLine)
        #expect(lines == [c.expected], "\(c.key)")
    }

    /// The data files above are good ones: the cases fail only for the value they change.
    @Test func theDataFilesAreValid() {
        let empirical = Support.yaml(endpoint: "work: {dist: empirical, file: samples.csv, column: latency_ms, unit: ms}")
        #expect(Support.decode(empirical, base: Self.dataDirectory) != nil)
        let trace = Support.yaml(workload: "trace: {file: trace.csv, column: t, speedup: 0.5}")
        #expect(Support.decode(trace, base: Self.dataDirectory) != nil)
    }

    /// A small speedup is fine as long as the last arrival (12 s / speedup) stays within Int64 ns;
    /// past it the run would trap converting the time, so the decoder refuses it.
    @Test func traceSpeedupKeepsArrivalsInRange() throws {
        let ok = Support.yaml(workload: "trace: {file: trace.csv, speedup: 1e-8}")
        #expect(Support.decode(ok, base: Self.dataDirectory)?.workloads[0].arrival
                == .trace(times: [0, 500_000_000, 12_000_000_000], speedup: 1e-8))
        let bad = Support.diagnostics(Support.yaml(workload: "trace: {file: trace.csv, speedup: 1e-9}"), base: Self.dataDirectory)
        #expect(bad.first?.hint == "each arrival is at the trace value divided by speedup; use a larger speedup")
    }

    /// Keys whose bad values are tested in another file, and where.
    static let testedElsewhere: [String: String] = [
        "services.X.kind": "ProxyDecodingTests.proxyErrors",
        "services.X.proxy": "ProxyDecodingTests.proxyErrors, proxy-unknown-target.yaml",
        "services.X.work": "ProxyDecodingTests.proxyErrors",
        "proxy.to": "ProxyDecodingTests.proxyErrors, proxy-unknown-target.yaml",
        "proxy.policy": "ProxyDecodingTests.proxyErrors",
        "proxy.max_connections": "ProxyDecodingTests.proxyErrors",
        "proxy.choices": "ProxyDecodingTests.proxyErrors",
        "proxy.decay": "ProxyDecodingTests.proxyErrors",
        "proxy.spill_at": "ProxyDecodingTests.proxyErrors",
        "proxy.vnodes": "ProxyDecodingTests.proxyErrors",
        "proxy.bounded_load": "ProxyDecodingTests.proxyErrors",
        "proxy.table_size": "ProxyDecodingTests.proxyErrors",
        "name": "ScenarioDecodingTests.names, allErrorsAreReportedInFileOrder",
        "seed": "ScenarioDecodingTests.typeErrors, several-errors.yaml",
        "duration": "bare-number-duration.yaml, bad-duration-unit.yaml",
        "replications": "several-errors.yaml, ScenarioDecodingTests.allErrorsAreReportedInFileOrder",
        "confidence": "confidence-too-high.yaml",
        "services.X.replicas": "zero-replicas.yaml, string-for-number.yaml",
        "services.X.instance": "list-for-mapping.yaml",
        "services.X.instance.cores": "several-errors.yaml, ScenarioDecodingTests.typeErrors",
        "services.X.instance.io": "several-errors.yaml",
        "services.X.endpoints": "ScenarioDecodingTests.aBrokenServiceDoesNotCascade",
        "services.X.endpoints.Y.work": "DistributionDecodingTests.problems",
        "workload.name": "duplicate-workload-name.yaml, ScenarioDecodingTests.names",
        "workload.to": "unknown-service.yaml, unknown-endpoint.yaml, ScenarioDecodingTests.workloadTargets",
        "workload.rate": "negative-rate.yaml",
        "workload.profile[].at": "profile-not-at-zero.yaml, ScenarioDecodingTests.workloadValidation",
        "workload.closed.users": "ScenarioDecodingTests.workloadValidation",
        "workload.trace.file": "trace-missing-file.yaml, trace-unsorted.yaml",
        "output.percentiles": "percentile-100.yaml, percentile-name-clash.yaml",
        "output.events": "ScenarioDecodingTests.typeErrors",
        "dist": "unknown-distribution.yaml, DistributionDecodingTests.problems",
        "empirical.file": "empirical-missing-file.yaml, empirical-not-a-number.yaml",
        "empirical.column": "empirical-missing-column.yaml",
        "mixture.weight": "DistributionDecodingTests.mixture",
    ]

    /// Every key the schema accepts, as a path.
    static var everyKey: [String] {
        var keys: [String] = []
        func add(_ prefix: String, _ schema: KeySchema) { keys += schema.supported.map { prefix + $0 } }
        add("", Schema.topLevel)
        add("stop.", Schema.stop)
        add("limits.", Schema.limits)
        add("services.X.", Schema.service)
        add("services.X.instance.", Schema.instance)
        add("services.X.instance.queue.", Schema.queue)
        add("services.X.balancer.", Schema.balancer)
        add("outlier_detection.", Schema.outlierDetection)
        add("proxy.", Schema.proxy)
        add("services.X.endpoints.Y.", Schema.endpoint)
        add("workload.", Schema.workload)
        add("workload.profile[].", Schema.profilePoint)
        add("workload.mmpp.", Schema.mmpp)
        add("workload.closed.", Schema.closed)
        add("workload.trace.", Schema.trace)
        add("workload.key.", Schema.requestKey)
        add("output.", Schema.output)
        add("network.", Schema.network)
        add("network.path.", Schema.networkPath)
        add("network.links[].", Schema.link)
        add("protocol.", Schema.protocolSettings)
        add("services.X.rate_limit.", Schema.rateLimit)
        add("services.X.endpoints.Y.calls[].", Schema.call)
        add("services.X.endpoints.Y.calls[].", Schema.parallelStep)
        add("services.X.endpoints.Y.calls[].", Schema.workStep)
        add("retries.", Schema.retries)
        add("circuit_breaker.", Schema.breaker)
        add("hedge.", Schema.hedge)
        add("bulkhead.", Schema.bulkhead)
        add("slo.", Schema.slo)
        add("sweep.", Schema.sweep)
        add("plan.", Schema.plan)
        keys.append("dist")
        for kind in DistributionKind.allCases { keys += kind.parameters.map { "\(kind.rawValue).\($0)" } }
        keys.append("mixture.weight")
        return keys
    }

    @Test func everyKeyHasABadValueTest() {
        let covered = Set(Self.cases.map(\.key)).union(Self.testedElsewhere.keys)
        let missing = Self.everyKey.filter { !covered.contains($0) }
        #expect(missing.isEmpty, "keys without a bad-value test: \(missing)")
        // And no case names a key that does not exist (a typo would hide a gap).
        let known = Set(Self.everyKey)
        let unknown = covered.filter { !known.contains($0) }
        #expect(unknown.isEmpty, "not keys: \(unknown.sorted())")
    }
}
