/// A time-weighted average of a piecewise-constant quantity (queue length, busy cores, replicas).
///
/// Times are integer nanoseconds; the integral is kept in `Double` value·ns (a quantity of 10⁶ over
/// 10¹⁵ ns is 10²¹, well inside `Double`'s range at 16 significant digits).
public struct TimeWeighted: Sendable, Equatable {
    public var value: Double
    public var last: Int64
    /// ∫ value dt from `start` to `last`, in value·ns.
    public var integral: Double = 0
    public var start: Int64
    /// Largest value seen.
    public var peak: Double

    public init(value: Double = 0, at t: Int64 = 0) {
        self.value = value; last = t; start = t; peak = value
    }

    /// The quantity changes to `v` at time `t` (t ≥ the previous change).
    @inlinable
    public mutating func set(_ v: Double, at t: Int64) {
        integral += value * Double(t &- last)
        last = t
        value = v
        if v > peak { peak = v }
    }

    /// Adds `d` to the quantity at time `t`.
    @inlinable
    public mutating func add(_ d: Double, at t: Int64) { set(value + d, at: t) }

    /// The integral up to `t` (≥ last change), without changing state.
    public func integral(until t: Int64) -> Double { integral + value * Double(t &- last) }

    /// Time average over [start, t], or the current value for an empty span.
    public func mean(until t: Int64) -> Double {
        let span = t &- start
        return span > 0 ? integral(until: t) / Double(span) : value
    }

    /// Restarts the average at `t`, keeping the current value (used at the end of a warm-up).
    public mutating func reset(at t: Int64) {
        integral = 0; last = t; start = t; peak = value
    }
}
