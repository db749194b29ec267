/// One scheduled event: a small value (DESIGN.md, "The engine"). `kind` says what happens and
/// `index` names the row of a model table it concerns; `tag` carries a generation counter (for O(1)
/// cancellation: a handler drops an event whose tag no longer matches) or any other small payload.
@frozen
public struct Event: Sendable {
    public var time: Int64
    public var seq: UInt64
    public var kind: UInt32
    public var index: UInt32
    public var tag: UInt64
    @inlinable public init(time: Int64, seq: UInt64, kind: UInt32, index: UInt32, tag: UInt64) {
        self.time = time; self.seq = seq; self.kind = kind; self.index = index; self.tag = tag
    }
    /// Total order: (time, sequence). The sequence is assigned at scheduling, so same-time events
    /// run in the order they were scheduled. There is no other tie-break.
    @inlinable @inline(__always)
    public func precedes(_ o: Event) -> Bool {
        time < o.time || (time == o.time && seq < o.seq)
    }
}

/// A 4-ary min-heap of events keyed by (time, sequence).
///
/// Hand-written rather than swift-collections' `Heap`: the event loop is the hot path, and a 4-ary
/// heap on a flat array measured ~25% faster per pop+push at 10⁵ pending events
/// (../shared/notes/swift-gsl-facts.md). No allocation per event once the array has grown.
@frozen
public struct EventQueue: Sendable {
    /// Storage; the heap is `heap[0 ..< n]`. Slots past `n` are kept (not removed) so a push
    /// after a pop writes in place: one uniqueness check per operation instead of two.
    @usableFromInline var heap: [Event]
    @usableFromInline var n: Int = 0
    @usableFromInline var nextSeq: UInt64 = 0

    public init(capacity: Int = 1024) {
        heap = []
        heap.reserveCapacity(capacity)
    }

    @inlinable public var count: Int { rootTaken ? n - 1 : n }
    @inlinable public var isEmpty: Bool { count == 0 }
    /// Earliest pending event time, or `Int64.max` when empty.
    @inlinable public var nextTime: Int64 {
        if !rootTaken { return n == 0 ? Int64.max : heap[0].time }
        // The root is being handled: the next pending event is the least of its children.
        var t = Int64.max
        var j = 1
        while j < Swift.min(5, n) { t = Swift.min(t, heap[j].time); j &+= 1 }
        return t
    }

    @inlinable
    public mutating func schedule(at time: Int64, kind: UInt32, index: UInt32, tag: UInt64 = 0) {
        let e = Event(time: time, seq: nextSeq, kind: kind, index: index, tag: tag)
        nextSeq &+= 1
        if rootTaken { rootTaken = false; replaceRoot(e); return }
        if n == heap.count { heap.append(e) }
        let start = n
        n &+= 1
        heap.withUnsafeMutableBufferPointer { h in
            var i = start
            while i > 0 {
                let p = (i - 1) >> 2
                if e.precedes(h[p]) { h[i] = h[p]; i = p } else { break }
            }
            h[i] = e
        }
    }

    @inlinable
    public mutating func popMin() -> Event? {
        if rootTaken { rootTaken = false; _ = popMin() }   // a taken root is already gone
        guard n > 0 else { return nil }
        n &-= 1
        let top = heap[0]
        if n > 0 { siftDownFromRoot(heap[n], size: n) }
        return top
    }

    /// True while the root has been handed out by ``takeMin()`` but not yet removed: the next
    /// ``schedule`` replaces it in place (one sift-down instead of a pop and a push).
    @usableFromInline var rootTaken = false

    /// Returns the earliest event and marks it taken; it leaves the heap at the next `schedule`
    /// (replaced by the new event) or at ``settle()``.
    @inlinable
    public mutating func takeMin() -> Event? {
        guard n > 0 else { return nil }
        rootTaken = true
        return heap[0]
    }

    /// Removes a taken root that no `schedule` replaced.
    @inlinable
    public mutating func settle() {
        if rootTaken { rootTaken = false; _ = popMin() }
    }

    @inlinable
    mutating func replaceRoot(_ e: Event) {
        siftDownFromRoot(e, size: n)
    }

    /// Puts `e` at the root of the heap `heap[0 ..< size]` and sifts it down to its place.
    @inlinable
    mutating func siftDownFromRoot(_ e: Event, size: Int) {
        heap.withUnsafeMutableBufferPointer { h in
            var i = 0
            while true {
                let c = 4 &* i &+ 1
                if c >= size { break }
                var m = c
                let end = Swift.min(c &+ 4, size)
                var j = c &+ 1
                while j < end {
                    if h[j].precedes(h[m]) { m = j }
                    j &+= 1
                }
                if h[m].precedes(e) { h[i] = h[m]; i = m } else { break }
            }
            h[i] = e
        }
    }

    public mutating func removeAll() {
        n = 0
        rootTaken = false
    }
}
