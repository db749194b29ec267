import SimKernel
import SimRandom

/// One call an endpoint makes (scenario-format.md, "Services"): `call: SERVICE.ENDPOINT` with its
/// condition and resilience settings.
public struct CallSpec: Sendable, Equatable {
    public var service: String
    public var endpoint: String
    /// The call is made with this probability (1: always).
    public var probability: Double = 1
    /// A failed optional call does not fail the request.
    public var optional = false
    /// Per-attempt timeout (ns), as Envoy's `per_try_timeout` and Finagle's per-request timeout:
    /// the caller gives up on the attempt; the callee's work goes on and is wasted. nil: no timeout.
    public var timeout: Int64? = nil
    public var retries: RetryPolicy? = nil
    public var circuitBreaker: BreakerConfig? = nil
    /// Hedged requests (Dean & Barroso, "The Tail at Scale", 2013).
    public var hedge: HedgeConfig? = nil
    /// Bulkhead: calls of one caller instance in flight to this callee at most; past it the call
    /// fails at once as rejected (resilience4j's semaphore bulkhead with no wait).
    public var maxConcurrent: Int? = nil
    /// Overrides the callee service's and the network's protocol.
    public var protocolConfig: ProtocolConfig? = nil
    /// Overrides the callee's balancer for this call, with one view shared by every instance of the
    /// caller (a proxy tier's balancer: `kind: proxy`).
    public var proxyBalancer: ProxyBalancer? = nil

    public init(service: String, endpoint: String) {
        self.service = service; self.endpoint = endpoint
    }
}

/// The balancer of a proxy tier (`proxy: {policy: …}`): a policy and its options. Every instance of
/// the proxy balances through one shared view of the target (as HAProxy's processes share a backend's
/// counters), whatever the target's own `balancer`.
public struct ProxyBalancer: Sendable, Equatable {
    public var policy: BalancerPolicy
    public var choices: Int = 2
    public var decay: Int64 = PeakEwma.defaultDecay
    public var spillAt: Double = ZoneAware.defaultSpillAt
    /// `consistent_hash`: ring points per instance and the bounded-load factor (nil: unbounded).
    public var vnodes: Int = 100
    public var boundedLoad: Double? = nil
    /// `maglev`: the table size (a prime).
    public var tableSize: Int = MaglevTable.defaultSize
    public init(policy: BalancerPolicy) { self.policy = policy }
}

/// Retry policy of a call.
public struct RetryPolicy: Sendable, Equatable {
    public enum Backoff: String, Sendable, CaseIterable { case constant, exponential }
    /// Jitter as the AWS Architecture Blog's "Exponential Backoff and Jitter" (Brooker, 2015) names it.
    public enum Jitter: String, Sendable, CaseIterable { case none, full, equal, decorrelated }
    /// Retries after the first attempt (attempts = max + 1).
    public var max: Int
    public var backoff: Backoff = .exponential
    /// First backoff (ns). Default 25 ms: Envoy's retry `base_interval` default.
    public var base: Int64 = 25_000_000
    /// Longest backoff (ns). Default 10 × base, Envoy's `max_interval` default.
    public var cap: Int64? = nil
    public var jitter: Jitter = .none
    /// Retry budget: retries in the last `budgetWindow` may be at most this fraction of the calls
    /// made in it (Finagle's RetryBudget; Envoy's `retry_budget.budget_percent`). nil: no budget.
    public var budget: Double? = nil
    /// Retries per second the budget allows whatever the traffic, so a quiet caller can still retry:
    /// Finagle's RetryBudget `minRetriesPerSec`, 10 by default.
    public var budgetMinRate: Double = 10

    public init(max: Int) { self.max = max }
    /// The wait (ns) before retry number `n` (1-based), given the previous wait (for decorrelated
    /// jitter) and a uniform draw `u` in [0, 1): exponential backoff is base·2^(n−1) capped at `cap`;
    /// full jitter draws in [0, b), equal jitter in [b/2, b), decorrelated min(cap, U(base, 3·prev)).
    public func backoff(retry n: Int, previous: Int64, uniform u: Double) -> Int64 {
        let cap = effectiveCap
        var b: Int64
        switch backoff {
        case .constant: b = base
        case .exponential:
            let shift = Swift.min(Swift.max(n - 1, 0), 62)
            let (v, o) = base.multipliedReportingOverflow(by: Int64(1) << Int64(shift))
            b = o ? cap : v
        }
        b = Swift.min(b, cap)
        switch jitter {
        case .none: return b
        case .full: return Int64((Double(b) * u).rounded(.down))
        case .equal: return b / 2 + Int64((Double(b - b / 2) * u).rounded(.down))
        case .decorrelated:
            let prev = Swift.max(previous, base)
            let hi = Double(prev) * 3
            let v = Double(base) + (hi - Double(base)) * u
            return Swift.min(cap, v >= 9.2e18 ? cap : Int64(v.rounded(.down)))
        }
    }

    /// The cap in effect (ns).
    public var effectiveCap: Int64 { cap ?? base.multipliedReportingOverflow(by: 10).partialValue }
    /// Finagle's RetryBudget keeps deposits for 10 s (its `ttl` default).
    public static let budgetWindow: Int64 = 10_000_000_000
}

/// A circuit breaker (closed → open → half-open), as resilience4j's time-based breaker: it opens
/// when, over the last `window`, at least `minRequests` calls were made and the failure rate reached
/// `failureRate`; it stays open `openFor`, then lets `halfOpenRequests` trial calls through, closing if
/// they all succeed and opening again at the first failure. The defaults of the scenario format
/// (`min_requests` 20, one trial call) are Hystrix's (`circuitBreaker.requestVolumeThreshold` = 20,
/// a single test request when the sleep window ends).
public struct BreakerConfig: Sendable, Equatable {
    public var failureRate: Double
    public var window: Int64
    public var minRequests: Int
    public var openFor: Int64
    public var halfOpenRequests: Int = 1
    public init(failureRate: Double, window: Int64, minRequests: Int, openFor: Int64) {
        self.failureRate = failureRate; self.window = window; self.minRequests = minRequests; self.openFor = openFor
    }
}

/// Hedging: when an attempt has not answered after `after`, one more attempt is sent to another
/// instance, up to `max` extra; the first answer wins and the others' work is wasted.
public struct HedgeConfig: Sendable, Equatable {
    public var after: Int64
    public var max: Int = 1
    public init(after: Int64) { self.after = after }
}

/// One step of an endpoint after its first `work`: a call, a block of parallel calls, or more work.
public enum EndpointStep: Sendable, Equatable {
    case work(Distribution)
    case call(CallSpec)
    /// Waits for `waitFor` successful branches (nil: all of them).
    case parallel([CallSpec], waitFor: Int?)
}

/// The application protocol of a call (scenario-format.md, "Network"): how requests share
/// connections between a caller instance and a callee instance.
public struct ProtocolConfig: Sendable, Equatable {
    public enum Kind: String, Sendable, CaseIterable { case http1, http2, grpc }
    public enum Encoding: String, Sendable, CaseIterable { case json, protobuf }
    public var kind: Kind
    /// Connections per caller-instance → callee-instance pair at most.
    public var connections: Int
    /// Requests in flight per connection: 1 for HTTP/1.1 (no pipelining), streams for HTTP/2.
    public var maxStreams: Int
    /// TLS 1.3 adds one round trip to a new connection's TCP handshake (RFC 8446 §2).
    public var tls = false
    /// An idle connection closes after this (ns).
    public var keepAlive: Int64
    public var encoding: Encoding
    /// Header bytes added to each request and response.
    public var requestHeaderBytes: Int
    public var responseHeaderBytes: Int

    public init(_ kind: Kind) {
        self.kind = kind
        switch kind {
        case .http1:
            // Apache HttpClient 5's pooling connection manager: 5 connections per route by default.
            connections = 5
            maxStreams = 1
            encoding = .json
            // Typical HTTP/1.1 request headers are 700–800 bytes (Google's SPDY whitepaper, 2009);
            // responses carry fewer (status, content type, length, caching): about 250.
            requestHeaderBytes = 700
            responseHeaderBytes = 250
        case .http2, .grpc:
            // One connection per peer, as gRPC's subchannels and browsers use HTTP/2.
            connections = 1
            // RFC 9113 §6.5.2 recommends SETTINGS_MAX_CONCURRENT_STREAMS of at least 100.
            maxStreams = 100
            encoding = kind == .grpc ? .protobuf : .json
            // HPACK (RFC 7541) sends repeated headers as table indices: tens of bytes once warm.
            // gRPC adds its 5-byte length-prefixed message framing.
            requestHeaderBytes = kind == .grpc ? 65 : 60
            responseHeaderBytes = kind == .grpc ? 35 : 30
        }
        // Go's net/http DefaultTransport closes idle connections after 90 s (IdleConnTimeout).
        keepAlive = 90_000_000_000
    }

    /// CPU to decode and encode one KiB (ns), charged at the callee for the request and its response.
    /// Orders of magnitude of the Go serialization benchmarks (github.com/alecthomas/
    /// go_serialization_benchmarks): encoding/json runs at about 100–150 MB/s, protobuf at 5–10×.
    public static func cpuPerKiB(_ e: Encoding) -> Int64 {
        switch e {
        case .json: return 8_000
        case .protobuf: return 1_500
        }
    }
}
