/// A token bucket: `rate` tokens a second, at most `burst` saved; each request takes one.
/// Tokens are kept exactly, in token·nanoseconds, so no rounding accumulates.
public struct TokenBucket: Sendable {
    /// Tokens × 10⁹ (one token = 10⁹ units), refilled at `rate` tokens per second = `rate` units per ns.
    var units: Double
    let capacity: Double
    let rate: Double
    var last: Int64 = 0
    public init(rate: Double, burst: Int) {
        self.rate = rate
        capacity = Double(max(burst, 1)) * 1e9
        units = capacity
    }
    /// Takes a token at `now` if there is one.
    public mutating func take(at now: Int64) -> Bool {
        units = min(capacity, units + rate * Double(now &- last))
        last = now
        if units >= 1e9 { units -= 1e9; return true }
        return false
    }
}

/// Counts over a sliding time window kept in `buckets` equal buckets (as resilience4j's time-based
/// sliding window does): a count older than the window drops out a bucket at a time.
struct SlidingCounts: Sendable {
    let bucketWidth: Int64
    var counts: [(a: Int64, b: Int64)]
    var epochs: [Int64]
    init(window: Int64, buckets: Int = 10) {
        bucketWidth = max(1, window / Int64(buckets))
        counts = Array(repeating: (0, 0), count: buckets)
        epochs = Array(repeating: -1, count: buckets)
    }
    private mutating func slot(_ now: Int64) -> Int {
        let epoch = now / bucketWidth
        let k = Int(epoch % Int64(counts.count))
        if epochs[k] != epoch { epochs[k] = epoch; counts[k] = (0, 0) }
        return k
    }
    mutating func add(a: Int64, b: Int64, at now: Int64) {
        let k = slot(now)
        counts[k].a += a; counts[k].b += b
    }
    /// Sums over the buckets still inside the window at `now`.
    func totals(at now: Int64) -> (a: Int64, b: Int64) {
        let epoch = now / bucketWidth
        var a: Int64 = 0, b: Int64 = 0
        for k in counts.indices where epochs[k] > epoch - Int64(counts.count) {
            a += counts[k].a; b += counts[k].b
        }
        return (a, b)
    }
    mutating func reset() {
        for k in counts.indices { counts[k] = (0, 0); epochs[k] = -1 }
    }
}

/// A circuit breaker of one caller instance for one call site (see ``BreakerConfig``).
public struct CircuitBreaker: Sendable {
    public enum State: Sendable, Equatable { case closed, open, halfOpen }
    let config: BreakerConfig
    public private(set) var state: State = .closed
    var openedAt: Int64 = 0
    /// When the current round of trial calls was let through.
    var trialsAt: Int64 = 0
    /// calls (a) and failures (b) over the window, while closed.
    var window: SlidingCounts
    var trialsLeft = 0
    var trialSuccesses = 0
    /// Times it opened.
    public private(set) var opened = 0

    public init(_ config: BreakerConfig) {
        self.config = config
        window = SlidingCounts(window: config.window)
    }

    /// May a call go through at `now`? Moves open → half-open once `openFor` has passed.
    public mutating func allow(at now: Int64) -> Bool {
        switch state {
        case .closed: return true
        case .open:
            guard now &- openedAt >= config.openFor else { return false }
            state = .halfOpen
            trialsLeft = config.halfOpenRequests
            trialSuccesses = 0
            trialsAt = now
            fallthrough
        case .halfOpen:
            // A trial whose result never comes (its caller gave up on it) must not wedge the breaker
            // half-open: after another `openFor` without a verdict, a new round of trials goes.
            if trialsLeft == 0 && now &- trialsAt >= config.openFor {
                trialsLeft = config.halfOpenRequests
                trialSuccesses = 0
                trialsAt = now
            }
            guard trialsLeft > 0 else { return false }
            trialsLeft -= 1
            return true
        }
    }

    /// The result of a call let through.
    public mutating func record(ok: Bool, at now: Int64) {
        switch state {
        case .closed:
            window.add(a: 1, b: ok ? 0 : 1, at: now)
            let t = window.totals(at: now)
            if t.a >= Int64(config.minRequests), Double(t.b) >= config.failureRate * Double(t.a), t.b > 0 {
                trip(at: now)
            }
        case .halfOpen:
            if !ok { trip(at: now); return }
            trialSuccesses += 1
            if trialSuccesses >= config.halfOpenRequests {
                state = .closed
                window.reset()
            }
        case .open:
            break   // a call let through before it opened: its result no longer matters
        }
    }

    mutating func trip(at now: Int64) {
        state = .open
        openedAt = now
        opened += 1
        window.reset()
    }
}

/// A retry budget (Finagle's RetryBudget): over the last 10 s, retries may be at most `fraction` of
/// the calls made plus `minRate` a second, kept per call site over all the caller's instances.
public struct RetryBudget: Sendable {
    let fraction: Double
    /// Retries the floor allows over the window.
    let reserve: Double
    /// calls (a) and retries (b).
    var window = SlidingCounts(window: RetryPolicy.budgetWindow)
    public init(fraction: Double, minRate: Double = 10) {
        self.fraction = fraction
        reserve = minRate * Double(RetryPolicy.budgetWindow) / 1e9
    }
    mutating func recordCall(at now: Int64) { window.add(a: 1, b: 0, at: now) }
    mutating func recordRetry(at now: Int64) { window.add(a: 0, b: 1, at: now) }
    func allowRetry(at now: Int64) -> Bool {
        let t = window.totals(at: now)
        return Double(t.b + 1) <= fraction * Double(t.a) + reserve
    }
}
