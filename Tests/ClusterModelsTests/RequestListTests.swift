@testable import ClusterModels
import Testing

/// ``RequestList`` (an instance's waiting requests, linked through the request rows) against arrays,
/// over random sequences of pushes and pops on two lists sharing one request table, as an
/// instance's `queue` and `resume` do.
@Suite struct RequestListTests {
    @Test(arguments: 1...20)
    func matchesAnArray(seed: Int) {
        var rows = RowTable<Request>(capacity: 4)
        for _ in 0..<64 { rows.append(Request()) }
        var lists = [RequestList(), RequestList()]
        var model: [[UInt32]] = [[], []]
        var free = Array(UInt32(0)..<64)
        var state = UInt64(seed) &* 0x9E37_79B9_7F4A_7C15
        func next() -> Int {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Int(truncatingIfNeeded: state >> 33)
        }
        var mismatches = 0
        for _ in 0..<2_000 {
            let l = next() % 2
            let op = next() % 5
            if op <= 1 && !free.isEmpty {
                let r = free.removeLast()
                lists[l].pushBack(r, rows: &rows)
                model[l].append(r)
            } else if op == 2 && !free.isEmpty {
                let r = free.removeLast()
                lists[l].pushFront(r, rows: &rows)
                model[l].insert(r, at: 0)
            } else {
                let got = lists[l].popFront(rows: rows)
                let want = model[l].isEmpty ? nil : model[l].removeFirst()
                if got != want { mismatches += 1 }
                if let r = got { free.append(r) }
            }
            if lists[l].count != model[l].count || lists[l].isEmpty != model[l].isEmpty { mismatches += 1 }
        }
        // Drain both: every request comes out once, in order.
        for l in 0..<2 {
            while let r = lists[l].popFront(rows: rows) {
                if r != model[l].removeFirst() { mismatches += 1 }
            }
            if !model[l].isEmpty || lists[l].count != 0 { mismatches += 1 }
        }
        #expect(mismatches == 0, "seed \(seed)")
    }
}
