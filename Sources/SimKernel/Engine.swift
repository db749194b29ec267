/// Why a run stopped.
public enum StopReason: Equatable, Sendable {
    /// The simulated horizon was reached.
    case horizon
    /// The requested number of completed requests was reached.
    case requests
    /// `limits.max_events` was reached.
    case maxEvents
    /// The model asked to stop (for example `limits.max_in_flight`); the string says why.
    case model(String)
    /// No events were left.
    case drained
}

/// What a model must provide to be driven by ``Engine``.
public protocol EventHandler: ~Copyable {
    /// Handles one event. `engine` gives the clock and schedules further events.
    mutating func handle(_ event: Event, engine: inout Engine)
}

/// The clock and the event queue. Single-threaded; one per replication.
@frozen
public struct Engine: ~Copyable, Sendable {
    public var queue: EventQueue
    /// Current simulated time in nanoseconds.
    public var now: Int64 = 0
    /// Events processed so far.
    public var eventsProcessed: Int64 = 0
    /// Set by a model to end the run after the current event.
    public var stopRequest: StopReason? = nil {
        didSet { stopRequested = stopRequest != nil }
    }
    /// Mirrors `stopRequest != nil` so the event loop tests a flag, not an optional enum with a payload.
    @usableFromInline var stopRequested = false

    public init(capacity: Int = 1024) { queue = EventQueue(capacity: capacity) }

    @inlinable public var time: SimTime { SimTime(ns: now) }

    /// Schedules an event `delay` nanoseconds from now.
    @inlinable @inline(__always)
    public mutating func schedule(after delay: Int64, kind: UInt32, index: UInt32, tag: UInt64 = 0) {
        precondition(delay >= 0, "event scheduled in the past")
        let (t, o) = now.addingReportingOverflow(delay)
        queue.schedule(at: o ? Int64.max : t, kind: kind, index: index, tag: tag)
    }

    @inlinable @inline(__always)
    public mutating func schedule(at time: Int64, kind: UInt32, index: UInt32, tag: UInt64 = 0) {
        precondition(time >= now, "event scheduled in the past")
        queue.schedule(at: time, kind: kind, index: index, tag: tag)
    }

    /// Events that may run at one instant before the run is declared stuck (a zero-time loop,
    /// e.g. users that think 0 s against a service that rejects at once). Far above any real
    /// burst: 10⁷ events at one instant.
    public static let maxEventsAtOneInstant: Int64 = 10_000_000

    /// Runs events until the horizon (events at exactly `until` still run), the event budget, or a
    /// model stop request. Returns why it stopped; `now` is left at the horizon when it was reached.
    ///
    /// Order of the checks: a stop request, then no events left, then the horizon, then the event
    /// budget, so a run whose last event used the budget's last unit ends as it would have anyway
    /// (drained or at the horizon), not as a limit hit.
    @inlinable
    public mutating func run<H: EventHandler & ~Copyable>(_ handler: inout H, until: Int64, maxEvents: Int64) -> StopReason {
        var sameInstant: Int64 = 0
        var lastTime = Int64.min
        // Each turn ends with the taken root settled, so the loop reads the heap directly: its
        // root is the next event (a root a caller took before the run is settled first).
        queue.settle()
        while true {
            if stopRequested, let r = stopRequest { return r }
            if queue.n == 0 { return .drained }
            let e = queue.base[0]
            // Look before taking: an event past the horizon stays queued with its original
            // sequence number, so a caller who continues later keeps same-time events in
            // scheduling order (re-scheduling it would give it a new, later sequence number).
            if e.time > until {
                now = until
                return .horizon
            }
            if eventsProcessed >= maxEvents { return .maxEvents }
            queue.rootTaken = true
            if e.time == lastTime {
                sameInstant &+= 1
                if sameInstant >= Engine.maxEventsAtOneInstant {
                    queue.settle()
                    now = e.time
                    return .model("no simulated progress: \(Engine.maxEventsAtOneInstant) events at one instant (a loop that takes no time, e.g. zero think time against a service that rejects at once)")
                }
            } else {
                sameInstant = 0
                lastTime = e.time
            }
            now = e.time
            eventsProcessed &+= 1
            handler.handle(e, engine: &self)
            queue.settle()
        }
    }
}
