import ClusterModels
import SimKernel
import Testing

/// Call graphs, the network and resilience against hand-computed cases.
@Suite struct CallGraphTests {
    static let ms: Int64 = 1_000_000

    /// web.home (work `webWork`, then `steps`) and db.get (work `dbWork`); endpoint 0 is web.home.
    func model(webWork: Double = 1, steps: [EndpointStep] = [.call(CallSpec(service: "db", endpoint: "get"))],
               io: IOMode = .blocking, webConcurrency: Int = 1, dbWork: Double = 2, dbReplicas: Int = 1,
               dbConcurrency: Int = 100, extraDB: [EndpointConfig] = [], rateLimit: RateLimit? = nil) -> Model {
        var web = ServiceConfig(name: "web", cores: webConcurrency, concurrency: webConcurrency, io: io,
                                queueCapacity: Int.max,
                                endpoints: [EndpointConfig(name: "home", work: .constant(webWork), steps: steps)])
        web.rateLimit = rateLimit
        let db = ServiceConfig(name: "db", replicas: dbReplicas, cores: dbConcurrency, concurrency: dbConcurrency,
                               queueCapacity: Int.max,
                               endpoints: [EndpointConfig(name: "get", work: .constant(dbWork))] + extraDB)
        return Model(services: [web, db])
    }

    func results(_ r: borrowing ModelRun) -> [MetricValue] {
        r.driver.cluster.results(end: r.engine.now, warmup: .fixed(0), percentiles: [50]).metrics
    }

    @Test func blockingHoldsTheWorkerThroughTheCall() {
        // Worker pool of 1 at web: the second request waits until the first's call returns.
        let r = model(io: .blocking).run([Arrival(time: 0), Arrival(time: 0)])
        #expect(r.driver.finishTimes == [3 * second, 6 * second])
    }

    @Test func asyncFreesTheWorkerWhileTheCallIsOut() {
        // web work 0–1 and 1–2; db (many workers) 1–3 and 2–4.
        let r = model(io: .async).run([Arrival(time: 0), Arrival(time: 0)])
        #expect(r.driver.finishTimes == [3 * second, 4 * second])
        let m = results(r)
        // Little's law at web: both requests are in flight (waiting without a worker) until they end.
        #expect(close(m.value("service:web", "in_flight_mean"), (3.0 + 4.0) / 4.0))
    }

    @Test func asyncNeedsAWorkerAgainForWorkAfterTheCalls() {
        // Work 1 s, call db (2 s), work 1 s more. Two requests, one worker, async:
        // A: 0–1 work, call 1–3; B: 1–2 work, call 2–4; A resumes 3–4; B resumes 4–5.
        let steps: [EndpointStep] = [.call(CallSpec(service: "db", endpoint: "get")), .work(.constant(1))]
        let r = model(steps: steps, io: .async).run([Arrival(time: 0), Arrival(time: 0)])
        #expect(r.driver.finishTimes == [4 * second, 5 * second])
    }

    @Test func parallelWaitsForAllOrForK() {
        let slow = EndpointConfig(name: "slow", work: .constant(3))
        let branches = [CallSpec(service: "db", endpoint: "get"), CallSpec(service: "db", endpoint: "slow")]
        let all = model(webWork: 0, steps: [.parallel(branches, waitFor: nil)], dbWork: 1, extraDB: [slow])
        #expect(all.run([Arrival(time: 0)]).driver.finishTimes == [3 * second])
        let first = model(webWork: 0, steps: [.parallel(branches, waitFor: 1)], dbWork: 1, extraDB: [slow])
        #expect(first.run([Arrival(time: 0)]).driver.finishTimes == [1 * second])
    }

    @Test func waitForCountsTheCallsMade() {
        // parallel [db.get (1 s), db.slow (3 s, never made)] with wait_for 1: the step waits for get.
        let slow = EndpointConfig(name: "slow", work: .constant(3))
        var skipped = CallSpec(service: "db", endpoint: "slow")
        skipped.probability = 0
        let m = model(webWork: 0, steps: [.parallel([CallSpec(service: "db", endpoint: "get"), skipped], waitFor: 1)],
                      dbWork: 1, extraDB: [slow])
        #expect(m.run([Arrival(time: 0)]).driver.finishTimes == [1 * second])
        // Nothing made at all: the step is over at once.
        var none = CallSpec(service: "db", endpoint: "get")
        none.probability = 0
        #expect(model(webWork: 0, steps: [.parallel([none, skipped], waitFor: 1)], dbWork: 1, extraDB: [slow])
            .run([Arrival(time: 0)]).driver.finishTimes == [0])
    }

    @Test func aFailedOptionalBranchNeitherCountsNorFails() {
        // parallel [db.slow (3 s), db.get optional, timed out at 0.5 s], wait for all: done at 3 s;
        // with wait_for 1 the timed-out optional call does not end the step either: still 3 s.
        let slow = EndpointConfig(name: "slow", work: .constant(3))
        var opt = CallSpec(service: "db", endpoint: "get")
        opt.optional = true
        opt.timeout = 500 * Self.ms
        for k in [nil, 1] as [Int?] {
            let m = model(webWork: 0, steps: [.parallel([CallSpec(service: "db", endpoint: "slow"), opt], waitFor: k)],
                          dbWork: 1, extraDB: [slow])
            let r = m.run([Arrival(time: 0)])
            #expect(r.driver.finishTimes == [3 * second])
            #expect(results(r).value("all", "error_rate") == 0)
        }
        // Two required calls, wait_for 1: one failing is absorbed, the other's success ends it.
        var failing = CallSpec(service: "db", endpoint: "slow")
        failing.timeout = 500 * Self.ms
        let m = model(webWork: 0, steps: [.parallel([failing, CallSpec(service: "db", endpoint: "get")], waitFor: 1)],
                      dbWork: 1, extraDB: [slow])
        #expect(m.run([Arrival(time: 0)]).driver.finishTimes == [1 * second])
    }

    @Test func probabilityZeroSkipsTheCall() {
        var c = CallSpec(service: "db", endpoint: "get")
        c.probability = 0
        let r = model(steps: [.call(c)]).run([Arrival(time: 0)])
        #expect(r.driver.finishTimes == [1 * second])
        #expect(results(r).value("endpoint:db.get", "requests") == 0)
    }

    @Test func networkLatencyAndBandwidth() {
        var m = model(webWork: 0, dbWork: 1)
        m.network.withinZone = .init(latency: .constant(0.010))
        // 10 ms there, 1 s of work, 10 ms back.
        #expect(m.run([Arrival(time: 0)]).driver.finishTimes == [1_020 * Self.ms])
        // 1 MB request at 8 Mbps = 1 s of serialization on top.
        m.services[1].endpoints[0].requestSize = 1_000_000
        m.network.withinZone.bandwidth = 8e6
        #expect(m.run([Arrival(time: 0)]).driver.finishTimes == [2_020 * Self.ms])
    }

    @Test func zonesPickTheirPath() {
        var m = model(webWork: 0, dbWork: 1)
        m.network.zones = ["a", "b"]
        m.network.withinZone = .init(latency: .constant(0.001))
        m.network.acrossZones = .init(latency: .constant(0.005))
        m.network.links = [{ var l = NetworkConfig.Link(from: "a", to: "b"); l.latency = .constant(0.050); l.oneWay = true; return l }()]
        m.services[0].zones = ["a"]
        m.services[1].zones = ["b"]
        // a → b takes the one-way link (50 ms); b → a the across-zone path (5 ms).
        #expect(m.run([Arrival(time: 0)]).driver.finishTimes == [1_055 * Self.ms])
        m.services[1].zones = ["a"]
        #expect(m.run([Arrival(time: 0)]).driver.finishTimes == [1_002 * Self.ms])
    }

    @Test func timeoutFailsTheCallAndTheCalleeWorkGoesOn() {
        // A 0.5 s timeout on a 1 s constant callee times out every call.
        var c = CallSpec(service: "db", endpoint: "get")
        c.timeout = 500 * Self.ms
        let r = model(webWork: 0, steps: [.call(c)], dbWork: 1).run([Arrival(time: 0), Arrival(time: 10 * second)])
        #expect(r.driver.finishTimes == [500 * Self.ms, 10_500 * Self.ms])
        let m = results(r)
        #expect(m.value("call:web->db.get", "timeout_rate") == 1)
        #expect(m.value("all", "timeout_rate") == 1)
        // The callee finished its (wasted) work: 2 ok spans at db.
        #expect(m.value("endpoint:db.get", "requests") == 2)
        #expect(m.value("endpoint:db.get", "error_rate") == 0)
    }

    @Test func optionalCallFailureDoesNotFailTheRequest() {
        var c = CallSpec(service: "db", endpoint: "get")
        c.timeout = 500 * Self.ms
        c.optional = true
        let r = model(webWork: 0, steps: [.call(c)], dbWork: 1).run([Arrival(time: 0)])
        #expect(r.driver.finishTimes == [500 * Self.ms])
        #expect(results(r).value("all", "error_rate") == 0)
    }

    @Test func retriesWithConstantBackoff() {
        // Timeout 0.5 s, 2 retries 100 ms apart: attempts at 0, 0.6, 1.2 s; the call fails at 1.7 s.
        var c = CallSpec(service: "db", endpoint: "get")
        c.timeout = 500 * Self.ms
        var p = RetryPolicy(max: 2)
        p.backoff = .constant
        p.base = 100 * Self.ms
        c.retries = p
        let r = model(webWork: 0, steps: [.call(c)], dbWork: 1).run([Arrival(time: 0)])
        #expect(r.driver.finishTimes == [1_700 * Self.ms])
        let m = results(r)
        #expect(m.value("call:web->db.get", "retries") == 2)
        #expect(m.value("service:web", "retries") == 2)
        #expect(m.value("endpoint:db.get", "requests") == 3)
    }

    @Test func rejectedAttemptsAreRetriedThenFail() {
        // db has one worker and no queue: an attempt that finds it busy is rejected (503).
        var c = CallSpec(service: "db", endpoint: "get")
        var p = RetryPolicy(max: 1)
        p.backoff = .constant
        p.base = 0
        c.retries = p
        var m = model(webWork: 0, steps: [.call(c)], webConcurrency: 2, dbWork: 1, dbReplicas: 1, dbConcurrency: 1)
        m.services[1].queueCapacity = 0
        // Request A takes db's only worker 0–1 s; B's attempt at 0.5 s is rejected, retried at once,
        // rejected again: the call ends rejected and B fails with an error at web.
        let r = m.run([Arrival(time: 0), Arrival(time: 500 * Self.ms)])
        #expect(r.driver.finishTimes == [1 * second, 500 * Self.ms])
        let mv = results(r)
        #expect(mv.value("call:web->db.get", "rejection_rate") == 0.5)
        #expect(mv.value("all", "error_rate") == 0.5)
        #expect(mv.value("call:web->db.get", "retries") == 1)
    }

    @Test func backoffShapes() {
        var p = RetryPolicy(max: 5)
        p.base = 10 * Self.ms
        p.cap = 50 * Self.ms
        #expect((1...5).map { p.backoff(retry: $0, previous: 0, uniform: 0) } == [10, 20, 40, 50, 50].map { $0 * Self.ms })
        p.jitter = .full
        p.jitter = .equal
        #expect(p.backoff(retry: 2, previous: 0, uniform: 0) == 10 * Self.ms)
        p.backoff = .constant
        p.jitter = .none
        #expect(p.backoff(retry: 4, previous: 0, uniform: 0.7) == 10 * Self.ms)
    }

    @Test func jitterStaysWithinItsRange() {
        // Full jitter within [0, backoff]; equal within [backoff/2, backoff]; decorrelated within
        // [base, min(cap, 3·previous)].
        var p = RetryPolicy(max: 10)
        p.base = 10 * Self.ms
        p.cap = 1 * second
        for n in 1...10 {
            for k in 0...100 {
                let u = Double(k) / 101
                p.jitter = .none
                let b = p.backoff(retry: n, previous: 0, uniform: u)
                p.jitter = .full
                let f = p.backoff(retry: n, previous: 0, uniform: u)
                #expect(f >= 0 && f <= b)
                p.jitter = .equal
                let e = p.backoff(retry: n, previous: 0, uniform: u)
                #expect(e >= b / 2 && e <= b)
                p.jitter = .decorrelated
                let prev = Int64(n) * 37 * Self.ms
                let d = p.backoff(retry: n, previous: prev, uniform: u)
                #expect(d >= p.base && d <= min(p.cap!, 3 * max(prev, p.base)))
            }
        }
    }

    @Test func circuitBreakerOpensAndHalfOpens() {
        // 5 calls at least, 50 % failures over 10 s: opens on the 5th failure; open 5 s; then one
        // trial; its success closes it.
        var b = CircuitBreaker(BreakerConfig(failureRate: 0.5, window: 10 * second, minRequests: 5, openFor: 5 * second))
        for k in 0..<4 {
            do { let ok = b.allow(at: Int64(k) * Self.ms); #expect(ok) }
            b.record(ok: false, at: Int64(k) * Self.ms)
            #expect(b.state == .closed)          // fewer than min_requests
        }
        do { let ok = b.allow(at: 4 * Self.ms); #expect(ok) }
        b.record(ok: false, at: 4 * Self.ms)
        #expect(b.state == .open)
        do { let ok = b.allow(at: 4 * Self.ms + 5 * second - 1); #expect(!ok) }
        do { let ok = b.allow(at: 4 * Self.ms + 5 * second); #expect(ok) }
        #expect(b.state == .halfOpen)
        do { let ok = b.allow(at: 4 * Self.ms + 5 * second); #expect(!ok) }   // one trial at a time
        b.record(ok: true, at: 6 * second)
        #expect(b.state == .closed)
        // A failed trial opens it again.
        for k in 0..<5 { _ = b.allow(at: 7 * second); b.record(ok: false, at: 7 * second + Int64(k)) }
        #expect(b.state == .open)
        do { let ok = b.allow(at: 12 * second + 4); #expect(ok) }
        b.record(ok: false, at: 12 * second + 5)
        #expect(b.state == .open)
        #expect(b.opened == 3)
    }

    @Test func breakerInTheModelFailsFast() {
        // Every call times out (0.1 s on a 1 s callee); after 2 failures the breaker opens for 10 s
        // and later calls are refused at once, without reaching db.
        var c = CallSpec(service: "db", endpoint: "get")
        c.timeout = 100 * Self.ms
        c.circuitBreaker = BreakerConfig(failureRate: 0.5, window: 60 * second, minRequests: 2, openFor: 10 * second)
        let arrivals = (0..<5).map { Arrival(time: Int64($0) * second) }
        let r = model(webWork: 0, steps: [.call(c)], dbWork: 1).run(arrivals)
        #expect(r.driver.finishTimes == [100 * Self.ms, 1_100 * Self.ms, 2 * second, 3 * second, 4 * second])
        let m = results(r)
        #expect(m.value("endpoint:db.get", "requests") == 2)
        #expect(m.value("call:web->db.get", "rejection_rate") == 0.6)
    }

    @Test func rateLimitRejectsOverTheBucket() {
        // 1 token a second, burst 1: requests at 0, 0.5 s, 1 s → the one at 0.5 s is rejected (429).
        let m = model(steps: [], rateLimit: RateLimit(rate: 1, burst: 1))
        let r = m.run([Arrival(time: 0), Arrival(time: 500 * Self.ms), Arrival(time: 1_001 * Self.ms)])
        let v = results(r)
        #expect(v.value("all", "rejection_rate") == 1.0 / 3)
    }

    @Test func bulkheadRefusesTheCallOverItsLimit() {
        // One caller instance with 2 workers, calls limited to 1 at a time: the second is refused.
        var c = CallSpec(service: "db", endpoint: "get")
        c.maxConcurrent = 1
        let r = model(webWork: 0, steps: [.call(c)], webConcurrency: 2, dbWork: 1).run([Arrival(time: 0), Arrival(time: 0)])
        #expect(r.driver.finishTimes == [1 * second, 0])
        #expect(results(r).value("call:web->db.get", "rejection_rate") == 0.5)
    }

    @Test func hedgeSendsASecondAttempt() {
        // db has 2 replicas with one worker each and 1 s of work. "pre" (service load) calls db at
        // 0 and takes replica 0 (load's own rotation starts there) until 1 s. web's call at 0 also
        // goes to replica 0 (web's own rotation starts there too) and queues behind it; the hedge
        // after 0.5 s goes to replica 1 (web's next turn) and answers at 1.5 s, before the first
        // attempt (done at 2 s) would have.
        var c = CallSpec(service: "db", endpoint: "get")
        c.hedge = HedgeConfig(after: 500 * Self.ms)
        var m = model(webWork: 0, steps: [.call(c)], dbWork: 1, dbReplicas: 2, dbConcurrency: 1)
        m.services.append(ServiceConfig(name: "load", endpoints: [EndpointConfig(name: "x", work: .constant(0),
            steps: [.call(CallSpec(service: "db", endpoint: "get"))])]))
        m.services[1].endpoints[0].work = .constant(1)
        m.workloadNames = ["w", "pre"]
        m.workloadEndpoints = [0, 2]
        let r = m.run([Arrival(time: 0, endpoint: 2, workload: 1), Arrival(time: 0)])
        #expect(r.driver.finishTimes == [1 * second, 3 * second / 2])
        // db served pre, web's first attempt (it runs on, wasted, until 2 s) and the hedge.
        #expect(results(r).value("endpoint:db.get", "requests") == 3)
        #expect(results(r).value("call:web->db.get", "latency_mean") == 1.5)
    }

    @Test func partitionDropsMessagesAndTheCallerTimesOut() {
        var c = CallSpec(service: "db", endpoint: "get")
        c.timeout = 200 * Self.ms
        var m = model(webWork: 0, steps: [.call(c)], dbWork: 1)
        m.network.zones = ["a", "b"]
        m.services[0].zones = ["a"]
        m.services[1].zones = ["b"]
        var engine = Engine()
        var d = Driver(cluster: m.cluster(), arrivals: [Arrival(time: 0)])
        d.cluster.network.isolate(zone: 1)
        engine.schedule(at: 0, kind: Driver.arrivalKind, index: 0)
        _ = engine.run(&d, until: Int64.max, maxEvents: 1000)
        #expect(d.finishTimes == [200 * Self.ms])
        let v = d.cluster.results(end: engine.now, warmup: .fixed(0), percentiles: [50]).metrics
        #expect(v.value("endpoint:db.get", "requests") == 0)
        #expect(v.value("all", "timeout_rate") == 1)
    }

    @Test func callDepthLimitEndsARecursiveChain() {
        // web.home calls itself with probability 1 (validation refuses this; the model must still
        // end it): with a depth limit of 3, the 4th level fails and the error propagates up.
        let steps: [EndpointStep] = [.call(CallSpec(service: "web", endpoint: "home"))]
        var m = model(webWork: 0.001, steps: steps, webConcurrency: 10)
        m.maxCallDepth = 3
        let r = m.run([Arrival(time: 0)])
        // Levels 0–3 each work 1 ms before calling; the call to level 4 fails at 4 ms.
        #expect(r.driver.finishTimes == [4 * Self.ms])
        let v = results(r)
        #expect(v.value("all", "error_rate") == 1)
        #expect(v.value("endpoint:web.home", "requests") == 4)
    }
}

/// Protocols: connection pools, multiplexing, handshakes, keep-alive, serialization.
@Suite struct ProtocolTests {
    static let ms: Int64 = 1_000_000

    /// web (2 workers) calls db.get (1 s, many workers) over `proto`.
    func model(_ proto: ProtocolConfig, latency: Double = 0, timeout: Int64? = nil, sizes: (Int, Int) = (0, 0)) -> Model {
        var c = CallSpec(service: "db", endpoint: "get")
        c.timeout = timeout
        let web = ServiceConfig(name: "web", cores: 2, concurrency: 2, queueCapacity: Int.max,
                                endpoints: [EndpointConfig(name: "home", work: .constant(0), steps: [.call(c)])])
        var db = ServiceConfig(name: "db", cores: 100, concurrency: 100, queueCapacity: Int.max,
                               endpoints: [EndpointConfig(name: "get", work: .constant(1), requestSize: sizes.0, responseSize: sizes.1)])
        db.protocolConfig = proto
        var m = Model(services: [web, db])
        m.network.withinZone = .init(latency: .constant(latency))
        return m
    }

    func metrics(_ r: borrowing ModelRun) -> [MetricValue] {
        r.driver.cluster.results(end: r.engine.now, warmup: .fixed(0), percentiles: [50]).metrics
    }

    @Test func http1PoolOfOneSerializes() {
        var p = ProtocolConfig(.http1)
        p.connections = 1
        #expect(model(p).run([Arrival(time: 0), Arrival(time: 0)]).driver.finishTimes == [1 * second, 2 * second])
        p.connections = 2
        #expect(model(p).run([Arrival(time: 0), Arrival(time: 0)]).driver.finishTimes == [1 * second, 1 * second])
    }

    @Test func http2MultiplexesUpToMaxStreams() {
        var p = ProtocolConfig(.http2)
        #expect(p.connections == 1 && p.maxStreams == 100)
        let r = model(p).run([Arrival(time: 0), Arrival(time: 0)])
        #expect(r.driver.finishTimes == [1 * second, 1 * second])
        #expect(metrics(r).value("service:web", "connections_opened") == 1)
        p.maxStreams = 1
        #expect(model(p).run([Arrival(time: 0), Arrival(time: 0)]).driver.finishTimes == [1 * second, 2 * second])
    }

    @Test func handshakesAndKeepAlive() {
        // 10 ms each way. A new TLS connection: 2 round trips (40 ms), then 10 ms there, 1 s of
        // work, 10 ms back. At 5 s the connection is reused; at 200 s (keep-alive 90 s) it is new again.
        var p = ProtocolConfig(.http2)
        p.tls = true
        let r = model(p, latency: 0.010).run([Arrival(time: 0), Arrival(time: 5 * second), Arrival(time: 200 * second)])
        #expect(r.driver.finishTimes == [1_060 * Self.ms, 6_020 * Self.ms, 201_060 * Self.ms])
        #expect(metrics(r).value("service:web", "connections_opened") == 2)
        p.tls = false
        #expect(model(p, latency: 0.010).run([Arrival(time: 0)]).driver.finishTimes == [1_040 * Self.ms])
    }

    @Test func aTimedOutHTTP1RequestClosesItsConnection() {
        // HTTP/1.1 cancels by closing: the second call needs a new connection. HTTP/2 resets the
        // stream and keeps the connection.
        var p1 = ProtocolConfig(.http1)
        p1.connections = 1
        let r1 = model(p1, timeout: 500 * Self.ms).run([Arrival(time: 0), Arrival(time: 600 * Self.ms)])
        #expect(r1.driver.finishTimes == [500 * Self.ms, 1_100 * Self.ms])
        #expect(metrics(r1).value("service:web", "connections_opened") == 2)
        let r2 = model(ProtocolConfig(.http2), timeout: 500 * Self.ms).run([Arrival(time: 0), Arrival(time: 600 * Self.ms)])
        #expect(metrics(r2).value("service:web", "connections_opened") == 1)
    }

    @Test func aRequestWaitingForAConnectionCanTimeOut() {
        // Pool of 1: the second request waits behind the first's 1 s call and gives up at 0.5 s;
        // it was never sent, so db serves one request.
        var p = ProtocolConfig(.http1)
        p.connections = 1
        let r = model(p, timeout: 500 * Self.ms).run([Arrival(time: 0), Arrival(time: 0)])
        #expect(r.driver.finishTimes == [500 * Self.ms, 500 * Self.ms])
        #expect(metrics(r).value("endpoint:db.get", "requests") == 1)
    }

    @Test func serializationCPUAtTheCallee() {
        // JSON, 1 KiB request + 1 KiB response: 2 × 8 µs of CPU on top of db's 1 s.
        let r = model(ProtocolConfig(.http2), sizes: (1024, 1024)).run([Arrival(time: 0)])
        #expect(r.driver.finishTimes == [1 * second + 16_000])
        var g = ProtocolConfig(.grpc)
        g.encoding = .protobuf
        #expect(model(g, sizes: (1024, 1024)).run([Arrival(time: 0)]).driver.finishTimes == [1 * second + 3_000])
    }

    @Test func headerBytesCrossTheBandwidth() {
        // HTTP/1.1 headers: 700 B out, 250 B back; at 8 Mbps (1 byte per µs): 950 µs more.
        var m = model(ProtocolConfig(.http1))
        m.network.withinZone.bandwidth = 8e6
        #expect(m.run([Arrival(time: 0)]).driver.finishTimes == [1 * second + 950_000])
    }
}

@Suite struct UtilizationWithCallsTests {
    @Test func aBlockingWorkerWaitingOnItsCallIsNotABusyCore() {
        // web: 1 core, 1 worker (dedicated), blocking; 1 s of work then a 2 s call: busy 1 s of 3.
        for io in [IOMode.blocking, .async] {
            let web = ServiceConfig(name: "web", cores: 1, concurrency: 1, io: io, queueCapacity: Int.max,
                                    endpoints: [EndpointConfig(name: "home", work: .constant(1),
                                                               steps: [.call(CallSpec(service: "db", endpoint: "get"))])])
            let db = ServiceConfig(name: "db", endpoints: [EndpointConfig(name: "get", work: .constant(2))])
            let r = Model(services: [web, db]).run([Arrival(time: 0)])
            #expect(r.driver.finishTimes == [3 * second])
            let m = r.driver.cluster.results(end: r.engine.now, warmup: .fixed(0), percentiles: [50]).metrics
            #expect(close(m.value("service:web", "utilization"), 1.0 / 3), "\(io)")
            #expect(close(m.value("service:web", "in_flight_mean"), 1), "\(io)")
        }
    }
}
