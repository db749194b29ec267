/// The rows of one of a ``Cluster``'s hot tables (requests, instances, service gauges) in one
/// allocation that the cluster owns alone.
///
/// Why not an `Array`: every write to an array stored in a struct first checks that the array's
/// buffer is not shared (copy on write); the M/M/1 path wrote to these three tables about six times
/// a request. A table owned by a noncopyable value cannot be shared, so there is nothing to check.
/// Indices are still checked against `count`.
public struct RowTable<Row>: ~Copyable {
    @usableFromInline var base: UnsafeMutablePointer<Row>
    public private(set) var count: Int = 0
    @usableFromInline var capacity: Int

    /// An empty table with room for `capacity` rows before it grows.
    public init(capacity: Int = 16) {
        self.capacity = Swift.max(1, capacity)
        base = .allocate(capacity: self.capacity)
    }

    /// The rows of `array`, in order.
    public init(_ array: [Row]) {
        self.init(capacity: array.count)
        array.withUnsafeBufferPointer { b in
            if let p = b.baseAddress { base.initialize(from: p, count: b.count) }
        }
        count = array.count
    }

    deinit {
        base.deinitialize(count: count)
        base.deallocate()
    }

    public var indices: Range<Int> { 0..<count }

    public subscript(i: Int) -> Row {
        @inline(__always) unsafeAddress {
            precondition(UInt(bitPattern: i) < UInt(bitPattern: count), "row index out of range")
            return UnsafePointer(base + i)
        }
        @inline(__always) unsafeMutableAddress {
            precondition(UInt(bitPattern: i) < UInt(bitPattern: count), "row index out of range")
            return base + i
        }
    }

    /// Adds a row at the end (amortised O(1): the allocation doubles when full).
    @inline(__always)
    public mutating func append(_ row: Row) {
        if count == capacity { grow(to: 2 * capacity) }
        (base + count).initialize(to: row)
        count += 1
    }

    @inline(never)
    mutating func grow(to newCapacity: Int) {
        let b = UnsafeMutablePointer<Row>.allocate(capacity: newCapacity)
        b.moveInitialize(from: base, count: count)
        base.deallocate()
        base = b
        capacity = newCapacity
    }

    /// The rows transformed, in order.
    public func map<T>(_ transform: (Row) throws -> T) rethrows -> [T] {
        var out: [T] = []
        out.reserveCapacity(count)
        for i in 0..<count { out.append(try transform(base[i])) }
        return out
    }
}

extension RowTable: @unchecked Sendable where Row: Sendable {}
