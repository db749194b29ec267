/// A growable ring buffer of request indices, usable as a FIFO or a LIFO.
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

    @inline(__always)
    public mutating func popBack() -> UInt32? {
        guard count > 0 else { return nil }
        var i = head + count - 1
        if i >= storage.count { i -= storage.count }
        count -= 1
        return storage[i]
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
