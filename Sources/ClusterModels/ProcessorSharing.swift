/// The CPU of one instance: requests doing work share `cores` by processor sharing.
///
/// Implemented by virtual time (DESIGN.md, "The engine"): with n requests running on c cores, each
/// receives min(1, c/n) of a core, so virtual time V advances at that rate. A request arriving with
/// work w gets the finish tag V + w; the earliest tag finishes first; only the time to the earliest
/// tag is ever scheduled. O(log n) per arrival or departure, and no rescan of running requests.
///
/// V is kept exactly in integer nanoseconds of service: the fraction lost to integer division is
/// carried in `remainder` (V advances by ⌊(Δt·c + remainder)/n⌋), so no rounding accumulates.
public struct ProcessorSharing: Sendable {
    public let cores: Int64
    @usableFromInline var tags: [Int64] = []      // binary min-heap of finish tags, parallel to reqs
    @usableFromInline var reqs: [UInt32] = []
    @usableFromInline var vtime: Int64 = 0
    @usableFromInline var remainder: Int64 = 0
    @usableFromInline var last: Int64 = 0
    /// Incremented whenever the pending completion event is superseded (O(1) cancellation).
    public var generation: UInt64 = 0

    public init(cores: Int) { self.cores = Int64(cores) }

    /// Requests currently running.
    @inlinable public var running: Int { tags.count }
    /// Cores in use: min(running, cores).
    @inlinable public var busyCores: Int64 { min(Int64(tags.count), cores) }

    /// Brings virtual time up to `now`.
    @inlinable
    public mutating func advance(to now: Int64) {
        let n = Int64(tags.count)
        let dt = now &- last
        last = now
        if n == 0 || dt <= 0 { return }
        if n <= cores {
            vtime &+= dt
        } else {
            let (p, o) = dt.multipliedReportingOverflow(by: cores)
            if o {
                vtime &+= Int64((Double(dt) * Double(cores) / Double(n)).rounded(.down))
            } else {
                let num = p &+ remainder
                vtime &+= num / n
                remainder = num % n
            }
        }
    }

    /// Adds a request with `work` ns of CPU demand at `now`. Returns the delay to the new earliest
    /// completion if the pending completion event must be replaced, or nil if it stays valid.
    @inlinable
    public mutating func add(_ req: UInt32, work: Int64, now: Int64) -> Int64? {
        advance(to: now)
        let nBefore = Int64(tags.count)
        let oldMin = tags.first
        // Saturate: a heavy-tailed draw can be Int64.max ns, and a wrapped tag would sort first.
        let (tag, overflow) = vtime.addingReportingOverflow(max(0, work))
        push(overflow ? Int64.max : tag, req)
        let rateChanged = nBefore >= cores   // n crossed above c, or was already above: rate changes
        if oldMin == nil || rateChanged || tags[0] != oldMin! {
            return delayToNext()
        }
        return nil
    }

    /// Removes the request with the earliest tag (its completion event fired at `now`), returning it and
    /// the delay to the next completion (nil when the CPU is idle).
    @inlinable
    public mutating func completeEarliest(now: Int64) -> (req: UInt32, next: Int64?) {
        advance(to: now)
        let r = popMin()
        if tags.isEmpty { vtime = 0; remainder = 0 }   // restart virtual time when idle (keeps it small)
        return (r, tags.isEmpty ? nil : delayToNext())
    }

    /// Real time until the earliest tag is reached at the current rate.
    @inlinable
    public func delayToNext() -> Int64 {
        let need = tags[0] &- vtime
        if need <= 0 { return 0 }
        let n = Int64(tags.count)
        if n <= cores { return need }
        // Smallest dt with ⌊(dt·c + remainder)/n⌋ ≥ need: dt = ⌈(need·n − remainder)/c⌉.
        let (p, o) = need.multipliedReportingOverflow(by: n)
        if o { return Int64(min(9.2e18, (Double(need) * Double(n) / Double(cores)).rounded(.up))) }
        let x = p &- remainder
        return (x + cores - 1) / cores
    }

    @inlinable
    mutating func push(_ tag: Int64, _ req: UInt32) {
        tags.append(tag); reqs.append(req)
        var i = tags.count - 1
        while i > 0 {
            let p = (i - 1) >> 1
            if tags[p] <= tag { break }
            tags[i] = tags[p]; reqs[i] = reqs[p]
            i = p
        }
        tags[i] = tag; reqs[i] = req
    }

    @inlinable
    mutating func popMin() -> UInt32 {
        let top = reqs[0]
        let lastTag = tags.removeLast(), lastReq = reqs.removeLast()
        let n = tags.count
        if n == 0 { return top }
        var i = 0
        while true {
            let l = 2 * i + 1
            if l >= n { break }
            var m = l
            if l + 1 < n && tags[l + 1] < tags[l] { m = l + 1 }
            if tags[m] < lastTag { tags[i] = tags[m]; reqs[i] = reqs[m]; i = m } else { break }
        }
        tags[i] = lastTag; reqs[i] = lastReq
        return top
    }
}
