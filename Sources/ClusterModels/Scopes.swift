import SimKernel
import SimRandom

/// Where each scope's aggregate lives: scope 0 is `all`, then services, endpoints, workloads, and
/// the call scopes `call:CALLER->SERVICE.ENDPOINT` (one per caller service and called endpoint).
///
/// What records into which scope: a request of workload w (a *root*) records into `all`,
/// `workload:w`, and its endpoint and service; a call served by endpoint e (a *span*) records into
/// e's endpoint and service scopes; a call's outcome as its caller saw it (retries included) records
/// into its call scope. Scopes that see exactly the same sources share one aggregate (a *slot*):
/// with one service, one endpoint and one workload, `all`, the service, the endpoint and the
/// workload are the same numbers, recorded once instead of four times.
public struct ScopeLayout: Sendable {
    public let names: [String]
    public let kinds: [Kind]
    public let serviceBase: Int, endpointBase: Int, workloadBase: Int, callBase: Int
    public enum Kind: Sendable { case all, service(Int), endpoint(Int), workload(Int), call(Int) }
    /// Slot of each scope.
    public let slotOf: [Int]
    public let slotCount: Int
    /// Slots a root of workload w records into: planSlots[planStart[w] ..< planStart[w + 1]]; a span
    /// served by endpoint e records into planSlots[planStart[W + e] ..< planStart[W + e + 1]].
    public let planStart: [Int]
    public let planSlots: [Int]
    /// Caller service and called endpoint of each call scope.
    public let callPairs: [(caller: Int, endpoint: Int)]
    public let workloadCount: Int

    /// - Parameters:
    ///   - calledEndpoints: endpoints some endpoint calls (their spans are recorded).
    ///   - callPairs: (caller service, called endpoint) pairs, in the order their scopes appear.
    public init(services: [ServiceConfig], workloads: [String], workloadEndpoints: [Int],
                calledEndpoints: Set<Int> = [], callPairs: [(caller: Int, endpoint: Int)] = []) {
        var names = ["all"], kinds: [Kind] = [.all]
        serviceBase = 1
        for (i, s) in services.enumerated() { names.append("service:\(s.name)"); kinds.append(.service(i)) }
        endpointBase = names.count
        var e = 0
        var endpointService: [Int] = []
        var endpointNames: [String] = []
        for (si, s) in services.enumerated() {
            for ep in s.endpoints {
                names.append("endpoint:\(s.name).\(ep.name)"); kinds.append(.endpoint(e)); e += 1
                endpointService.append(si)
                endpointNames.append("\(s.name).\(ep.name)")
            }
        }
        let endpointCount = e
        workloadBase = names.count
        for (i, w) in workloads.enumerated() { names.append("workload:\(w)"); kinds.append(.workload(i)) }
        callBase = names.count
        for (k, p) in callPairs.enumerated() {
            names.append("call:\(services[p.caller].name)->\(endpointNames[p.endpoint])"); kinds.append(.call(k))
        }
        self.callPairs = callPairs
        workloadCount = workloadEndpoints.count
        self.names = names; self.kinds = kinds
        let W = workloadEndpoints.count
        // Sources: root of workload w = w; span at endpoint e = W + e (only for called endpoints).
        func members(_ k: Kind) -> [Int] {
            var m: [Int] = []
            for w in 0..<W {
                let ep = workloadEndpoints[w]
                let hit: Bool
                switch k {
                case .all: hit = true
                case .service(let s): hit = endpointService[ep] == s
                case .endpoint(let x): hit = ep == x
                case .workload(let x): hit = w == x
                case .call: hit = false
                }
                if hit { m.append(w) }
            }
            for x in 0..<endpointCount where calledEndpoints.contains(x) {
                switch k {
                case .service(let s) where endpointService[x] == s: m.append(W + x)
                case .endpoint(let y) where y == x: m.append(W + x)
                default: break
                }
            }
            return m
        }
        var slotByMembers: [[Int]: Int] = [:]
        var slots: [Int] = []
        var count = 0
        for kind in kinds {
            if case .call = kind { slots.append(count); count += 1; continue }
            let m = members(kind)
            if m.isEmpty { slots.append(count); count += 1; continue }   // never recorded: its own slot
            if let existing = slotByMembers[m] { slots.append(existing); continue }
            slotByMembers[m] = count
            slots.append(count)
            count += 1
        }
        slotOf = slots
        slotCount = count
        var start: [Int] = [], flat: [Int] = []
        func plan(_ ks: [Int]) {
            start.append(flat.count)
            var mine: [Int] = []
            for k in ks where !mine.contains(slots[k]) { mine.append(slots[k]) }
            flat += mine
        }
        for (w, ep) in workloadEndpoints.enumerated() {
            plan([0, serviceBase + endpointService[ep], endpointBase + ep, workloadBase + w])
        }
        for x in 0..<endpointCount { plan([serviceBase + endpointService[x], endpointBase + x]) }
        start.append(flat.count)
        planStart = start
        planSlots = flat
    }
    public var count: Int { names.count }
    public func service(_ s: Int) -> Int { serviceBase + s }
    public func endpoint(_ e: Int) -> Int { endpointBase + e }
    public func workload(_ w: Int) -> Int { workloadBase + w }
    public func call(_ k: Int) -> Int { callBase + k }
}
