/// A point in simulated time: integer nanoseconds since the start of a replication.
///
/// `Double` time exists only while parsing and in reports (DESIGN.md, "The engine"): model state and
/// event keys use these integer types, so arithmetic is exact and independent of magnitude.
@frozen
public struct SimTime: Comparable, Hashable, Sendable, CustomStringConvertible {
    public var ns: Int64
    @inlinable public init(ns: Int64) { self.ns = ns }
    public static let zero = SimTime(ns: 0)
    /// The largest representable time, used as "never".
    public static let never = SimTime(ns: Int64.max)
    @inlinable public static func < (a: SimTime, b: SimTime) -> Bool { a.ns < b.ns }
    @inlinable public static func + (a: SimTime, d: SimDuration) -> SimTime {
        let (v, o) = a.ns.addingReportingOverflow(d.ns)
        return SimTime(ns: o ? Int64.max : v)
    }
    @inlinable public static func - (a: SimTime, b: SimTime) -> SimDuration { SimDuration(ns: a.ns &- b.ns) }
    /// Seconds, for reports only.
    @inlinable public var seconds: Double { Double(ns) / 1e9 }
    public var description: String { "\(SimDuration(ns: ns))" }
}

/// A span of simulated time in integer nanoseconds.
@frozen
public struct SimDuration: Comparable, Hashable, Sendable, CustomStringConvertible {
    public var ns: Int64
    @inlinable public init(ns: Int64) { self.ns = ns }
    public static let zero = SimDuration(ns: 0)
    @inlinable public static func seconds(_ s: Int64) -> SimDuration { SimDuration(ns: s * 1_000_000_000) }
    @inlinable public static func milliseconds(_ ms: Int64) -> SimDuration { SimDuration(ns: ms * 1_000_000) }
    /// Converts seconds to nanoseconds, rounding to nearest and saturating; negative values become 0.
    /// Used for random draws, which come from GSL as `Double`.
    @inlinable @inline(__always) public init(seconds: Double) {
        if !(seconds > 0) { self.ns = 0; return }
        // Round half up (positive values only) by truncating x + 0.5: no libm call on the hot path.
        let v = seconds * 1e9 + 0.5
        // 2⁶³ (0x1p63) is the smallest Double that does not fit in Int64; every Double below it
        // converts exactly, so saturate there rather than early.
        self.ns = v >= 0x1p63 ? Int64.max : Int64(v)
    }
    @inlinable public static func < (a: SimDuration, b: SimDuration) -> Bool { a.ns < b.ns }
    @inlinable public static func + (a: SimDuration, b: SimDuration) -> SimDuration { SimDuration(ns: a.ns &+ b.ns) }
    @inlinable public var seconds: Double { Double(ns) / 1e9 }
    public var description: String {
        if ns % 1_000_000_000 == 0 { return "\(ns / 1_000_000_000)s" }
        if ns % 1_000_000 == 0 { return "\(ns / 1_000_000)ms" }
        if ns % 1_000 == 0 { return "\(ns / 1_000)us" }
        return "\(ns)ns"
    }
}
