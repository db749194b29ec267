import Testing
@testable import SimKernel

/// Records every event it handles; optionally schedules follow-ups or asks to stop.
struct Recorder: EventHandler {
    var seen: [(time: Int64, kind: UInt32, index: UInt32)] = []
    /// Request a stop (with this reason) after handling the event with this index.
    var stopAfterIndex: UInt32? = nil
    var stopReason: StopReason = .model("test stop")
    /// For kind 1: schedule a follow-up of kind 1 `chainDelay` later, until `chainLeft` reaches 0.
    var chainDelay: Int64 = 0
    var chainLeft = 0

    mutating func handle(_ event: Event, engine: inout Engine) {
        #expect(engine.now == event.time, "the clock is at the event's time while it is handled")
        seen.append((event.time, event.kind, event.index))
        if event.kind == 1 && chainLeft > 0 {
            chainLeft -= 1
            engine.schedule(after: chainDelay, kind: 1, index: event.index + 1)
        }
        if event.index == stopAfterIndex { engine.stopRequest = stopReason }
    }
}

@Suite struct EngineTests {
    func engine(times: [Int64]) -> Engine {
        var e = Engine(capacity: 4)
        for (i, t) in times.enumerated() { e.schedule(at: t, kind: 0, index: UInt32(i)) }
        return e
    }

    @Test func drainedWhenNoEventsLeft() {
        var e = engine(times: [30, 10, 20])
        var h = Recorder()
        let r = e.run(&h, until: 1_000, maxEvents: 100)
        #expect(r == .drained)
        #expect(h.seen.map(\.time) == [10, 20, 30])
        #expect(h.seen.map(\.index) == [1, 2, 0])
        #expect(e.eventsProcessed == 3)
        #expect(e.now == 30, "drained before the horizon: the clock stays at the last event")
        #expect(e.time == SimTime(ns: 30))
        // Running an empty engine again is harmless.
        #expect(e.run(&h, until: 1_000, maxEvents: 100) == .drained)
        #expect(e.eventsProcessed == 3)
    }

    @Test func horizonRunsEventsAtExactlyUntilButNotLater() {
        var e = engine(times: [10, 20, 20, 21, 30])
        var h = Recorder()
        let r = e.run(&h, until: 20, maxEvents: 100)
        #expect(r == .horizon)
        #expect(h.seen.map(\.time) == [10, 20, 20])
        #expect(h.seen.map(\.index) == [0, 1, 2])
        #expect(e.now == 20, "the clock is left at the horizon")
        #expect(e.eventsProcessed == 3)
        #expect(e.queue.count == 2, "later events stay queued")
        #expect(e.queue.nextTime == 21)
    }

    @Test func horizonBetweenEventsLeavesClockAtHorizon() {
        var e = engine(times: [10, 50])
        var h = Recorder()
        #expect(e.run(&h, until: 25, maxEvents: 100) == .horizon)
        #expect(e.now == 25)
        #expect(h.seen.count == 1)
        // An event may be scheduled between the horizon and the next pending event.
        e.schedule(at: 30, kind: 0, index: 9)
        #expect(e.run(&h, until: 100, maxEvents: 100) == .drained)
        #expect(h.seen.map(\.time) == [10, 30, 50])
    }

    /// Stopping at a horizon and continuing must not change the order of the events beyond it:
    /// same-time events still run in scheduling order (DESIGN.md: no other tie-break, ever).
    @Test func continuingAfterHorizonKeepsSchedulingOrder() {
        var e = Engine()
        for i in 0..<6 { e.schedule(at: 100, kind: 0, index: UInt32(i)) }
        e.schedule(at: 100, kind: 0, index: 6)
        var h = Recorder()
        // Several short runs that each stop at a horizon before time 100.
        for until in [10, 20, 50, 99] as [Int64] {
            #expect(e.run(&h, until: until, maxEvents: 1_000) == .horizon)
            #expect(e.now == until)
        }
        #expect(h.seen.isEmpty)
        #expect(e.run(&h, until: 1_000, maxEvents: 1_000) == .drained)
        #expect(h.seen.map(\.index) == [0, 1, 2, 3, 4, 5, 6])
    }

    @Test func stopsAtMaxEvents() {
        var e = engine(times: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10])
        var h = Recorder()
        #expect(e.run(&h, until: .max, maxEvents: 4) == .maxEvents)
        #expect(h.seen.map(\.time) == [1, 2, 3, 4])
        #expect(e.eventsProcessed == 4)
        #expect(e.now == 4)
        #expect(e.queue.count == 6)
        // The budget counts all events processed by this engine, across runs.
        #expect(e.run(&h, until: .max, maxEvents: 4) == .maxEvents)
        #expect(h.seen.count == 4)
        #expect(e.run(&h, until: .max, maxEvents: 7) == .maxEvents)
        #expect(h.seen.map(\.time) == [1, 2, 3, 4, 5, 6, 7])
        // Zero budget: nothing runs.
        var e2 = engine(times: [1])
        var h2 = Recorder()
        #expect(e2.run(&h2, until: .max, maxEvents: 0) == .maxEvents)
        #expect(h2.seen.isEmpty)
    }

    @Test func stopsOnModelStopRequestAfterTheCurrentEvent() {
        var e = engine(times: [1, 2, 3, 4, 5])
        var h = Recorder(stopAfterIndex: 2, stopReason: .model("max_in_flight"))
        #expect(e.run(&h, until: 100, maxEvents: 100) == .model("max_in_flight"))
        #expect(h.seen.map(\.index) == [0, 1, 2], "the event that asked to stop is the last one handled")
        #expect(e.now == 3)
        #expect(e.eventsProcessed == 3)
        // The request stays until the caller clears it.
        #expect(e.run(&h, until: 100, maxEvents: 100) == .model("max_in_flight"))
        #expect(h.seen.count == 3)
        e.stopRequest = nil
        #expect(e.run(&h, until: 100, maxEvents: 100) == .drained)
        #expect(h.seen.map(\.index) == [0, 1, 2, 3, 4])
    }

    @Test func stopRequestWithRequestsReason() {
        var e = engine(times: [1, 2, 3])
        var h = Recorder(stopAfterIndex: 0, stopReason: .requests)
        #expect(e.run(&h, until: 100, maxEvents: 100) == .requests)
        #expect(h.seen.count == 1)
    }

    @Test func handlerSchedulesFollowUps() {
        var e = Engine()
        e.schedule(at: 5, kind: 1, index: 0)
        e.schedule(at: 12, kind: 0, index: 100)
        var h = Recorder(chainDelay: 3, chainLeft: 4)
        #expect(e.run(&h, until: 1_000, maxEvents: 100) == .drained)
        // Chain: 5, 8, 11, 14, 17; the independent event at 12 interleaves by time.
        #expect(h.seen.map(\.time) == [5, 8, 11, 12, 14, 17])
        #expect(h.seen.map(\.index) == [0, 1, 2, 100, 3, 4])
    }

    /// An event scheduled for "now" by a handler runs after the same-time events already queued.
    @Test func zeroDelayFollowUpRunsAfterQueuedSameTimeEvents() {
        var e = Engine()
        e.schedule(at: 5, kind: 1, index: 0)
        e.schedule(at: 5, kind: 0, index: 50)
        e.schedule(at: 5, kind: 0, index: 51)
        var h = Recorder(chainDelay: 0, chainLeft: 1)
        #expect(e.run(&h, until: 5, maxEvents: 100) == .drained)
        #expect(h.seen.map(\.index) == [0, 50, 51, 1])
        #expect(h.seen.allSatisfy { $0.time == 5 })
    }

    @Test func scheduleAfterSaturatesAtNever() {
        var e = engine(times: [10])
        var h = Recorder()
        _ = e.run(&h, until: 10, maxEvents: 10)
        e.schedule(after: .max, kind: 0, index: 7)
        #expect(e.queue.nextTime == Int64.max)
        e.schedule(after: 5, kind: 0, index: 8)
        #expect(e.queue.nextTime == 15)
        // A horizon of Int64.max still runs the event at Int64.max.
        #expect(e.run(&h, until: .max, maxEvents: 10) == .drained)
        #expect(h.seen.map(\.time) == [10, 15, .max])
        #expect(e.now == .max)
    }

    @Test func stopPrecedence() {
        // A pending stop request wins over everything. Then an empty queue and the horizon win over
        // an exhausted budget: the budget only ends a run that had an event left to run.
        var e = engine(times: [1, 2])
        var h = Recorder()
        e.stopRequest = .model("early")
        #expect(e.run(&h, until: 0, maxEvents: 0) == .model("early"))
        e.stopRequest = nil
        #expect(e.run(&h, until: 0, maxEvents: 0) == .horizon)
        #expect(e.run(&h, until: 0, maxEvents: 10) == .horizon)
        #expect(e.run(&h, until: .max, maxEvents: 0) == .maxEvents)
        #expect(h.seen.isEmpty)
        var empty = Engine()
        #expect(empty.run(&h, until: .max, maxEvents: 0) == .drained)
    }
}
