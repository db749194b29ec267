import CGSL
import SimRandom

/// One finished span of a sampled request.
public struct TraceSpan: Sendable, Equatable {
    public var trace: Int32
    public var span: Int32
    /// −1 for the root.
    public var parent: Int32
    public var service: Int32
    public var endpoint: Int32
    public var instance: Int32
    public var start: Int64
    public var end: Int64
    public var outcome: Outcome
}

/// Samples whole requests (`output.traces`, a fraction of the workload's requests): the root and
/// every call it makes, retries and hedges included, each a span. Bounded: at most ``maxSpans``
/// spans per replication, then it stops and says so.
public struct Tracer: Sendable {
    public static let maxSpans = 200_000
    let fraction: Double
    let stream: RandomStream
    var nextTrace: Int32 = 0
    var nextSpan: Int32 = 0
    public private(set) var spans: [TraceSpan] = []
    public private(set) var truncated = false

    public init(fraction: Double, stream: RandomStream) {
        self.fraction = fraction; self.stream = stream
    }

    /// A new root: its trace id if sampled, else −1.
    mutating func sampleRoot() -> (trace: Int32, span: Int32) {
        guard !truncated, gsl_rng_uniform(stream.rng) < fraction else { return (-1, 0) }
        nextTrace += 1
        return (nextTrace, newSpan())
    }

    mutating func newSpan() -> Int32 { nextSpan += 1; return nextSpan }

    mutating func record(_ s: TraceSpan) {
        if spans.count >= Tracer.maxSpans { truncated = true; return }
        spans.append(s)
    }
}
