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
/// (../shared/notes/swift-gsl-facts.md). No allocation per event once the storage has grown.
///
/// Noncopyable, with its storage behind a pointer it owns alone: a write needs no copy-on-write
/// uniqueness check (an array cost one runtime call per push and per pop, about three a request
/// in an M/M/1 run).
@frozen
public struct EventQueue: ~Copyable, @unchecked Sendable {
    /// Storage of `capacity` events; the heap is `base[0 ..< n]`.
    @usableFromInline var base: UnsafeMutablePointer<Event>
    @usableFromInline var capacity: Int
    @usableFromInline var n: Int = 0
    @usableFromInline var nextSeq: UInt64 = 0

    public init(capacity: Int = 1024) {
        self.capacity = Swift.max(4, capacity)
        base = UnsafeMutablePointer<Event>.allocate(capacity: self.capacity)
    }

    deinit { base.deallocate() }

    /// Pending events.
    @inlinable public var count: Int { rootTaken ? n - 1 : n }
    @inlinable public var isEmpty: Bool { count == 0 }
    /// Time of the earliest pending event, or `Int64.max` when none.
    @inlinable public var nextTime: Int64 {
        if !rootTaken { return n == 0 ? Int64.max : base[0].time }
        // The root is being handled: the next pending event is the least of its children.
        var t = Int64.max
        var j = 1
        while j < Swift.min(5, n) { t = Swift.min(t, base[j].time); j &+= 1 }
        return t
    }

    /// Schedules an event; it gets the next sequence number.
    @inlinable @inline(__always)
    public mutating func schedule(at time: Int64, kind: UInt32, index: UInt32, tag: UInt64 = 0) {
        let e = Event(time: time, seq: nextSeq, kind: kind, index: index, tag: tag)
        nextSeq &+= 1
        // The root was taken by `takeMin`: the new event replaces it (one sift instead of a pop
        // and a push).
        if rootTaken { rootTaken = false; replaceRoot(e); return }
        if n == capacity { grow() }
        let h = base
        var i = n
        n &+= 1
        while i > 0 {
            let p = (i &- 1) >> 2
            if e.precedes(h[p]) { h[i] = h[p]; i = p } else { break }
        }
        h[i] = e
    }

    /// Doubles the storage.
    @usableFromInline
    mutating func grow() {
        let c = capacity &* 2
        let b = UnsafeMutablePointer<Event>.allocate(capacity: c)
        b.moveInitialize(from: base, count: n)
        base.deallocate()
        base = b
        capacity = c
    }

    /// Removes and returns the earliest event.
    @inlinable
    public mutating func popMin() -> Event? {
        if rootTaken { rootTaken = false; _ = popMin() }   // a taken root is already gone
        guard n > 0 else { return nil }
        n &-= 1
        let top = base[0]
        if n > 0 { siftDownFromRoot(base[n], size: n) }
        return top
    }

    /// The root was taken by ``takeMin()`` and not yet replaced.
    @usableFromInline var rootTaken = false

    /// Returns the earliest event and marks it taken: the next ``schedule(at:kind:index:tag:)``
    /// replaces it in one sift, or ``settle()`` removes it. The engine's loop: take, handle, settle.
    @inlinable @inline(__always)
    public mutating func takeMin() -> Event? {
        guard n > 0 else { return nil }
        rootTaken = true
        return base[0]
    }

    /// Removes a taken root that no schedule replaced.
    @inlinable @inline(__always)
    public mutating func settle() {
        guard rootTaken else { return }
        rootTaken = false
        n &-= 1
        if n > 0 { siftDownFromRoot(base[n], size: n) }
    }

    @inlinable @inline(__always)
    mutating func replaceRoot(_ e: Event) {
        siftDownFromRoot(e, size: n)
    }

    /// Places `e` at the root of `base[0 ..< size]` and sifts it down.
    @inlinable @inline(__always)
    mutating func siftDownFromRoot(_ e: Event, size: Int) {
        let h = base
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

    /// Drops every pending event (sequence numbers go on).
    public mutating func removeAll() {
        n = 0
        rootTaken = false
    }
}
