/// A growable ring buffer of request indices, used as a FIFO (requests waiting for a pooled connection).
/// No allocation per operation once it has grown to the queue's working size.
public struct RingQueue: Sendable {
    @usableFromInline var storage: [UInt32] = []
    @usableFromInline var head = 0
    public private(set) var count = 0

    public init() {}

    @inlinable public var isEmpty: Bool { count == 0 }

    @inline(__always)
    public mutating func pushBack(_ x: UInt32) {
        if count == storage.count { growStorage() }
        var i = head + count
        if i >= storage.count { i -= storage.count }
        storage[i] = x
        count += 1
    }

    @inline(__always)
    public mutating func popFront() -> UInt32? {
        guard count > 0 else { return nil }
        let x = storage[head]
        head += 1
        if head == storage.count { head = 0 }
        count -= 1
        return x
    }

    @inline(never)
    private mutating func growStorage() {
        let newCap = max(8, storage.count * 2)
        var s = [UInt32](repeating: 0, count: newCap)
        for k in 0..<count {
            var i = head + k
            if i >= storage.count { i -= storage.count }
            s[k] = storage[i]
        }
        storage = s
        head = 0
    }
}

/// Requests waiting at an instance, in order, linked through their request rows
/// (`Request.nextQueued`): the list keeps no storage of its own, so a push writes only rows of the
/// cluster's request table, with no copy-on-write check (a ``RingQueue``'s array cost one runtime
/// call per push). A request waits in at most one list at a time.
public struct RequestList: Sendable {
    @usableFromInline var head: Int32 = -1
    @usableFromInline var tail: Int32 = -1
    public private(set) var count = 0

    public init() {}

    @inlinable public var isEmpty: Bool { count == 0 }

    /// Appends request `r` (FIFO: it is served after those already waiting).
    @inline(__always)
    mutating func pushBack(_ r: UInt32, rows: inout RowTable<Request>) {
        rows[Int(r)].nextQueued = -1
        if tail >= 0 { rows[Int(tail)].nextQueued = Int32(r) } else { head = Int32(r) }
        tail = Int32(r)
        count += 1
    }

    /// Puts request `r` in front (LIFO: it is served next).
    @inline(__always)
    mutating func pushFront(_ r: UInt32, rows: inout RowTable<Request>) {
        rows[Int(r)].nextQueued = head
        head = Int32(r)
        if tail < 0 { tail = head }
        count += 1
    }

    /// Removes and returns the request in front, or nil when none waits.
    @inline(__always)
    mutating func popFront(rows: borrowing RowTable<Request>) -> UInt32? {
        guard head >= 0 else { return nil }
        let r = head
        head = rows[Int(r)].nextQueued
        if head < 0 { tail = -1 }
        count -= 1
        return UInt32(r)
    }
}
