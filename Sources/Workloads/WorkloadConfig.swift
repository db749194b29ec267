import SimKernel
import SimRandom

/// One breakpoint of a piecewise rate profile. From `at` on the rate is `rate`; when `ramp` > 0 the
/// rate moves linearly from the previous rate to `rate` over [at, at + ramp].
public struct ProfilePoint: Sendable, Equatable {
    public var at: Int64          // ns
    public var rate: Double       // per second
    public var ramp: Int64        // ns
    public init(at: Int64, rate: Double, ramp: Int64 = 0) { self.at = at; self.rate = rate; self.ramp = ramp }
}

/// Whether arrivals at a given rate are random (Poisson) or evenly spaced.
public enum ArrivalShape: String, Sendable, Equatable {
    case poisson, constant
}

/// How a workload's requests arrive.
public enum ArrivalProcess: Sendable, Equatable {
    /// Open arrivals at a fixed rate (per second).
    case open(shape: ArrivalShape, rate: Double)
    /// Open arrivals whose rate follows a piecewise-linear profile (non-homogeneous).
    case profile(shape: ArrivalShape, points: [ProfilePoint])
    /// Two-state (or k-state) Markov-modulated Poisson process: in state i arrivals are Poisson at
    /// `rates[i]`; the state lasts an exponential time of mean `meanHolding[i]` seconds, then the next
    /// state (cyclically) follows.
    case mmpp(rates: [Double], meanHolding: [Double])
    /// Closed users: each sends a request, waits for its response, thinks, and sends the next.
    case closed(users: Int, think: Distribution)
    /// Replay of recorded arrival instants (ns from the start, sorted), sped up by `speedup`.
    case trace(times: [Int64], speedup: Double)
}

/// One workload: a named source of requests to one endpoint.
public struct WorkloadConfig: Sendable, Equatable {
    public var name: String
    public var service: String
    public var endpoint: String
    public var arrival: ArrivalProcess
    /// Request keys for hashing balancers (nil: the workload's requests carry none).
    public var key: RequestKeys? = nil
    public init(name: String, service: String, endpoint: String, arrival: ArrivalProcess, key: RequestKeys? = nil) {
        self.name = name; self.service = service; self.endpoint = endpoint; self.arrival = arrival; self.key = key
    }
}
