import ClusterModels
import Foundation
import Workloads

/// Decoding of `slo`, `sweep` and `plan` (scenario-format.md, "SLOs, sweeps, plans").
///
/// `slo` is decoded with the rest of the scenario. `sweep` and `plan` name parameter paths: once the
/// scenario itself is valid, every sweep point (and both ends of the plan's range) is built by
/// putting the values into the YAML tree and decoding that tree like a file, so a value of the
/// wrong type, or a path to a key that does not exist, gets the decoder's diagnostic pointing at
/// the sweep or plan entry that caused it.
enum ExperimentLimits {
    /// Most points a sweep may expand to: our own bound (DESIGN.md rule 3, limits on everything),
    /// far above any sweep one would run, low enough that expanding it stays quick.
    static let maxPoints = 100_000
    /// Top-level keys a sweep or plan may not vary: they describe the experiment itself.
    static let fixedKeys: [String: String] = [
        "sweep": "a sweep cannot vary its own definition",
        "plan": "a sweep or plan cannot vary the plan",
        "slo": "the SLOs are the same at every point; write them once under \"slo\"",
        "replications": "every point runs the same replications (common random numbers); set \"replications\" at top level",
        "name": "the scenario's name is the same at every point",
    ]
}

/// A sweep as written: paths and their value nodes.
struct SweepSpec {
    var mode: SweepMode
    var parameters: [(path: ParameterPath, values: [YNode])]
}

/// A plan as written.
struct PlanSpec {
    var path: ParameterPath
    var range: ClosedRange<Int64>
    var rangeNodes: (low: YNode, high: YNode)
    var confidence: Double?
    var search: PlanSearch
    var node: YNode
}

/// The scenario's YAML tree (after `--set`, without `sweep` and `plan`), kept to build the
/// scenario of any sweep point or plan value.
final class ScenarioTemplate: @unchecked Sendable {
    let tree: YNode
    let file: String
    let lines: SourceLines
    let baseDirectory: String
    let planPath: ParameterPath?
    let planValueLocation: SourceLocation?

    init(tree: YNode, file: String, lines: SourceLines, baseDirectory: String, planPath: ParameterPath? = nil,
         planValueLocation: SourceLocation? = nil) {
        self.tree = tree; self.file = file; self.lines = lines; self.baseDirectory = baseDirectory
        self.planPath = planPath; self.planValueLocation = planValueLocation
    }

    /// Decodes the tree with `assignments` in place; the diagnostics when it does not decode.
    func decode(_ assignments: [(ParameterPath, YNode)]) -> (Scenario?, [Diagnostic]) {
        var root = tree
        var diagnostics: [Diagnostic] = []
        for (path, value) in assignments {
            ParameterPaths.assign(&root, path, value: value) { diagnostics.append($0) }
        }
        let ctx = DecodeContext(file: file, lines: lines, baseDirectory: baseDirectory)
        for d in diagnostics { ctx.add(d) }
        let scenario = ctx.scenario(root)
        if let scenario, !ctx.hasErrors { return (scenario, []) }
        return (nil, ctx.sortedDiagnostics())
    }

    func scenario(setting vary: String, to value: Int64) throws(ScenarioError) -> Scenario {
        guard let path = planPath, path.text == vary else {
            throw ScenarioError([Diagnostic(.error, "this scenario's plan varies no \(quoted(vary))", at: nil)])
        }
        let loc = planValueLocation ?? path.segments[0].location
        let node = YNode(.scalar(String(value), quoted: false), at: loc, sourceLine: nil)
        let (s, ds) = decode([(path, node)])
        if let s { return s }
        throw ScenarioError(ds)
    }
}

extension DecodeContext {
    // MARK: - slo

    func slos(_ node: YNode, services: [ServiceConfig], workloads: [WorkloadConfig], percentiles: [Double]) -> [SLO] {
        guard let items = list(node, "slo") else { return [] }
        if items.isEmpty {
            error("\"slo\" is empty", at: node, hint: "write e.g. [{name: p99, scope: all, metric: latency_p99, max: 250ms}], or leave \"slo\" out")
        }
        var out: [SLO] = []
        var names: [String] = []
        for item in items {
            guard let f = fields(item, "slo entry", schema: Schema.slo) else { continue }
            var name = ""
            if let n = f["name"], let s = string(n, "name") {
                if names.contains(s) { error("two SLOs are named \(quoted(s))", at: n, hint: "each SLO needs its own name") }
                names.append(s)
                name = s
            } else if !f.has("name") {
                missing("name", in: f, "slo entry", hint: "add e.g. \"name: checkout-p99\"; it names the SLO in the table and in JUnit")
            }
            var scope: String? = nil
            if let n = f["scope"] { scope = sloScope(n, services: services, workloads: workloads) } else {
                missing("scope", in: f, "slo entry", hint: "write e.g. \"scope: all\" or \"scope: endpoint:web.home\"")
            }
            var metric: (String, String)? = nil
            if let n = f["metric"] {
                if let scope { metric = sloMetric(n, scope: scope, percentiles: percentiles) }
            } else {
                missing("metric", in: f, "slo entry", hint: "write e.g. \"metric: latency_p99\"")
            }
            let boundKey: SLO.Bound?
            switch (f.has("max"), f.has("min")) {
            case (true, true):
                error("an SLO takes \"max\" or \"min\", not both", at: f.keyNode("min") ?? item,
                      hint: "write two SLOs to bound a metric from both sides")
                boundKey = nil
            case (false, false):
                missing("max", in: f, "slo entry", hint: "write \"max: 250ms\" (at most) or \"min: 100/s\" (at least)")
                boundKey = nil
            case (true, false): boundKey = .max
            case (false, true): boundKey = .min
            }
            guard let boundKey, let valueNode = f[boundKey.rawValue], let (metricName, unit) = metric else { continue }
            guard let value = sloBound(valueNode, unit: unit, key: boundKey.rawValue) else { continue }
            out.append(SLO(name: name, scope: scope ?? "", metric: metricName, unit: unit, bound: boundKey, value: value,
                           text: valueNode.scalarText ?? "", location: item.location))
        }
        return out
    }

    private func sloScope(_ node: YNode, services: [ServiceConfig], workloads: [WorkloadConfig]) -> String? {
        guard let text = string(node, "scope") else { return nil }
        if text == "all" { return text }
        let kinds = ["all", "service", "endpoint", "workload", "call", "instance"]
        guard let colon = text.firstIndex(of: ":") else {
            error("unknown SLO scope \(quoted(text))", at: node,
                  hint: "write all, service:NAME, endpoint:SERVICE.ENDPOINT, workload:NAME, call:CALLER->SERVICE.ENDPOINT or instance:SERVICE/INDEX")
            return nil
        }
        let kind = String(text[..<colon]), rest = String(text[text.index(after: colon)...])
        let offset = kind.count + 1
        switch kind {
        case "service":
            guard services.contains(where: { $0.name == rest }) else {
                error("unknown service \(quoted(rest))", at: node, offset: offset, hint: Suggest.hint(for: rest, in: services.map(\.name)))
                return nil
            }
        case "endpoint":
            let parts = rest.split(separator: ".", maxSplits: 1).map(String.init)
            guard parts.count == 2 else {
                error("an endpoint scope is written endpoint:SERVICE.ENDPOINT, found \(quoted(text))", at: node, offset: offset)
                return nil
            }
            guard let s = services.first(where: { $0.name == parts[0] }) else {
                error("unknown service \(quoted(parts[0]))", at: node, offset: offset,
                      hint: Suggest.hint(for: parts[0], in: services.map(\.name)))
                return nil
            }
            guard s.endpoints.contains(where: { $0.name == parts[1] }) else {
                error("service \(quoted(s.name)) has no endpoint \(quoted(parts[1]))", at: node, offset: offset + parts[0].count + 1,
                      hint: Suggest.hint(for: parts[1], in: s.endpoints.map(\.name)))
                return nil
            }
        case "call":
            // call:CALLER->SERVICE.ENDPOINT, a pair some endpoint of CALLER calls.
            let sides = rest.components(separatedBy: "->")
            let target = sides.count == 2 ? sides[1].split(separator: ".", maxSplits: 1).map(String.init) : []
            guard sides.count == 2, target.count == 2 else {
                error("a call scope is written call:CALLER->SERVICE.ENDPOINT, found \(quoted(text))", at: node, offset: offset)
                return nil
            }
            guard let caller = services.first(where: { $0.name == sides[0] }) else {
                error("unknown service \(quoted(sides[0]))", at: node, offset: offset, hint: Suggest.hint(for: sides[0], in: services.map(\.name)))
                return nil
            }
            func calls(_ steps: [EndpointStep]) -> [CallSpec] {
                steps.flatMap { step -> [CallSpec] in
                    switch step {
                    case .call(let c): return [c]
                    case .parallel(let cs, _): return cs
                    case .work: return []
                    }
                }
            }
            let made = caller.endpoints.flatMap { calls($0.steps) }.map { "\($0.service).\($0.endpoint)" }
            guard made.contains(sides[1]) else {
                error("service \(quoted(caller.name)) makes no call to \(quoted(sides[1]))", at: node,
                      offset: offset + sides[0].count + 2,
                      hint: made.isEmpty ? "it makes no calls" : Suggest.hint(for: sides[1], in: Array(Set(made)).sorted(), listLabel: "its calls"))
                return nil
            }
        case "instance":
            // instance:SERVICE/INDEX, INDEX in 0 ..< replicas.
            let parts = rest.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
            guard parts.count == 2, let index = Int(parts[1]), index >= 0 else {
                error("an instance scope is written instance:SERVICE/INDEX, found \(quoted(text))", at: node, offset: offset,
                      hint: "INDEX counts the service's replicas from 0, e.g. instance:web/0")
                return nil
            }
            guard let s = services.first(where: { $0.name == parts[0] }) else {
                error("unknown service \(quoted(parts[0]))", at: node, offset: offset,
                      hint: Suggest.hint(for: parts[0], in: services.map(\.name)))
                return nil
            }
            guard index < s.replicas else {
                error("service \(quoted(s.name)) has \(s.replicas) replica\(s.replicas == 1 ? "" : "s"), so no instance \(index)",
                      at: node, offset: offset + parts[0].count + 1, hint: "instances are numbered 0 to \(s.replicas - 1)")
                return nil
            }
        case "workload":
            guard workloads.contains(where: { $0.name == rest }) else {
                error("unknown workload \(quoted(rest))", at: node, offset: offset, hint: Suggest.hint(for: rest, in: workloads.map(\.name)))
                return nil
            }
        default:
            error("unknown SLO scope kind \(quoted(kind))", at: node, hint: Suggest.hint(for: kind, in: kinds))
            return nil
        }
        return text
    }

    /// The metrics summary.csv has for a scope (spec/reports.md, "Metrics"), with their units, as
    /// ClusterModels/Results.swift writes them: a metric added there needs adding here to be an SLO.
    static func sloMetrics(scope: String, percentiles: [Double]) -> [(String, String)] {
        let request: [(String, String)] = [("requests", "count"), ("throughput", "1/s"), ("latency_mean", "s")]
            + percentiles.map { (percentileMetricName($0), "s") }
            + [("error_rate", "ratio"), ("timeout_rate", "ratio"), ("rejection_rate", "ratio")]
        if scope == "all" { return request + [("warmup", "s"), ("events", "count")] }
        if scope.hasPrefix("service:") {
            return [("throughput", "1/s"), ("error_rate", "ratio"), ("timeout_rate", "ratio"), ("rejection_rate", "ratio"),
                    ("utilization", "ratio"), ("queue_length_mean", "count"), ("in_flight_mean", "count"),
                    ("replicas_mean", "count"), ("replicas_max", "count"), ("retries", "count"),
                    ("connections_opened", "count"), ("load_imbalance", "ratio"), ("ejections", "count")]
        }
        if scope.hasPrefix("instance:") { return [("requests", "count"), ("throughput", "1/s"), ("load_share", "ratio")] }
        if scope.hasPrefix("call:") { return request + [("retries", "count")] }
        return request
    }

    private func sloMetric(_ node: YNode, scope: String, percentiles: [Double]) -> (String, String)? {
        guard let text = string(node, "metric") else { return nil }
        let known = Self.sloMetrics(scope: scope, percentiles: percentiles)
        if let m = known.first(where: { $0.0 == text }) { return m }
        var hint = Suggest.hint(for: text, in: known.map(\.0), listLabel: "metrics of \(scope)")
        if text.hasPrefix("latency_p"), !scope.hasPrefix("service:") {
            hint = "percentiles come from output.percentiles (now \(percentiles.map { ReportNumber.text($0) }.joined(separator: ", "))): add it there; " + hint
        }
        error("unknown metric \(quoted(text)) for scope \(quoted(scope))", at: node, hint: hint)
        return nil
    }

    private func sloBound(_ node: YNode, unit: String, key: String) -> Double? {
        switch unit {
        case "s": return seconds(node, key, allowZero: true)
        case "ratio": return fraction(node, key)
        case "1/s": return rate(node, key, allowZero: true)
        default: return number(node, key) { $0 >= 0 ? nil : "must not be negative" }
        }
    }

    // MARK: - sweep

    /// Where a key's or value's text starts (one past an opening quote).
    private func textStart(_ node: YNode) -> SourceLocation {
        var l = node.location
        if let line = sourceLine(of: node) {
            let chars = Array(line)
            let i = l.column - 1
            if i >= 0, i < chars.count, chars[i] == "\"" || chars[i] == "'" { l.column += 1 }
        }
        return l
    }

    /// A parameter path written as a key or value in the file.
    private func parameterPath(_ node: YNode, what: String) -> ParameterPath? {
        guard let text = scalar(node, what, expected: "a dotted path such as services.web.replicas") else { return nil }
        guard let path = ParameterPaths.parse(text, at: textStart(node), sourceLine: sourceLine(of: node), label: "parameter path",
                                              report: add) else { return nil }
        if let first = path.segments.first, let why = ExperimentLimits.fixedKeys[first.name] {
            add(Diagnostic(.error, "\(what) \(quoted(text)) cannot be varied", at: first.location, hint: why,
                           sourceLine: path.sourceLine))
            return nil
        }
        return path
    }

    func sweepSpec(_ node: YNode) -> SweepSpec? {
        guard let f = fields(node, "sweep", schema: Schema.sweep) else { return nil }
        var mode = SweepMode.grid
        if let n = f["mode"] {
            guard let m = choice(n, "sweep mode", SweepMode.allCases.map(\.rawValue)).flatMap(SweepMode.init(rawValue:)) else { return nil }
            mode = m
        }
        guard let pn = f["parameters"] else {
            missing("parameters", in: f, "sweep", hint: "write e.g. \"parameters: {services.web.replicas: [2, 4, 8]}\"")
            return nil
        }
        guard let pairs = pn.pairs else {
            error("\"parameters\" must be a mapping of parameter paths to lists of values, found \(pn.kindDescription)", at: pn,
                  hint: "write e.g. \"parameters: {services.web.replicas: [2, 4, 8]}\"")
            return nil
        }
        if pairs.isEmpty {
            error("the sweep has no parameters", at: pn, hint: "write e.g. \"parameters: {services.web.replicas: [2, 4, 8]}\"")
            return nil
        }
        var params: [(ParameterPath, [YNode])] = []
        var ok = true
        for pair in pairs {
            guard let path = parameterPath(pair.key, what: "sweep parameter") else { ok = false; continue }
            guard let items = pair.value.items else {
                error("sweep parameter \(quoted(path.text)) must be a list of values, found \(pair.value.kindDescription)", at: pair.value,
                      hint: "write the values as a list, e.g. [2, 4, 8]")
                ok = false
                continue
            }
            if items.isEmpty {
                error("sweep parameter \(quoted(path.text)) has no values", at: pair.value, hint: "list at least one value, e.g. [2, 4, 8]")
                ok = false
                continue
            }
            params.append((path, items))
        }
        guard ok else { return nil }
        if mode == .zip, let first = params.first {
            for (i, p) in params.enumerated() where p.1.count != first.1.count {
                error("zip sweep: \(quoted(p.0.text)) has \(p.1.count) value\(p.1.count == 1 ? "" : "s") but \(quoted(first.0.text)) has \(first.1.count)",
                      at: pairs[i].value, hint: "in zip mode point i takes the i-th value of every list, so the lists need the same length; mode: grid takes every combination")
                ok = false
            }
        } else {
            var count = 1
            for p in params {
                count = count.multipliedReportingOverflow(by: p.1.count).overflow ? Int.max : count * p.1.count
                if count > ExperimentLimits.maxPoints {
                    error("the sweep has more than \(ExperimentLimits.maxPoints) points", at: pn,
                          hint: "split it into several sweeps, or use fewer values")
                    return nil
                }
            }
        }
        guard ok else { return nil }
        return SweepSpec(mode: mode, parameters: params.map { (path: $0.0, values: $0.1) })
    }

    // MARK: - plan

    func planSpec(_ node: YNode, hasSLO: Bool) -> PlanSpec? {
        guard let f = fields(node, "plan", schema: Schema.plan) else { return nil }
        var path: ParameterPath? = nil
        if let n = f["vary"] { path = parameterPath(n, what: "plan parameter") } else {
            missing("vary", in: f, "plan", hint: "write e.g. \"vary: services.web.replicas\" (an integer parameter)")
        }
        var range: (ClosedRange<Int64>, YNode, YNode)? = nil
        if let n = f["range"] {
            if let items = list(n, "range") {
                if items.count != 2 {
                    error("\"range\" must be two whole numbers [LOW, HIGH], found \(items.count) value\(items.count == 1 ? "" : "s")", at: n,
                          hint: "write e.g. \"range: [1, 64]\"")
                } else if let lo = integer(items[0], "range", in: Int64(Int32.min)...Int64(Int32.max)),
                          let hi = integer(items[1], "range", in: Int64(Int32.min)...Int64(Int32.max)) {
                    if lo > hi {
                        error("\"range\" goes from \(lo) down to \(hi)", at: items[1], hint: "write the low end first, e.g. [\(hi), \(lo)]")
                    } else {
                        range = (lo...hi, items[0], items[1])
                    }
                }
            }
        } else {
            missing("range", in: f, "plan", hint: "write e.g. \"range: [1, 64]\"")
        }
        let confidence = f["confidence"].flatMap { self.planConfidence($0) }
        var search = PlanSearch.bisection
        if let n = f["search"] {
            if let s = choice(n, "plan search", PlanSearch.allCases.map(\.rawValue)).flatMap(PlanSearch.init(rawValue:)) { search = s }
        }
        if !hasSLO {
            error("a plan needs at least one \"slo\" to meet", at: node,
                  hint: "add e.g. \"slo: [{name: p99, scope: all, metric: latency_p99, max: 250ms}]\"")
            return nil
        }
        guard let path, let range else { return nil }
        return PlanSpec(path: path, range: range.0, rangeNodes: (range.1, range.2), confidence: confidence, search: search, node: node)
    }

    private func planConfidence(_ node: YNode) -> Double? {
        guard let text = scalar(node, "confidence", expected: "a number between 0 and 1") else { return nil }
        guard let v = Units.number(text) ?? (text.hasSuffix("%") ? Units.number(String(text.dropLast())).map { $0 / 100 } : nil),
              v > 0, v < 1 else {
            error("\"confidence\" must be between 0 and 1 (exclusive), found \(quoted(text))", at: node, hint: "write e.g. 0.95")
            return nil
        }
        return v
    }

    // MARK: - expansion

    /// Decodes `sweep` and `plan` from the top-level mapping, and when `scenario` is valid builds
    /// every sweep point and checks both ends of the plan's range. Returns the scenario with its
    /// experiments, or nil when something was reported.
    func experiments(_ scenario: Scenario?, root: YNode) -> Scenario? {
        let pairs = root.pairs ?? []
        let sweepNode = pairs.first { $0.name == "sweep" }?.value
        let planNode = pairs.first { $0.name == "plan" }?.value
        let sweep = sweepNode.flatMap { sweepSpec($0) }
        let plan = planNode.flatMap { planSpec($0, hasSLO: !(scenario?.slos.isEmpty ?? true) || hasSLOKey(root)) }
        guard var scenario, !hasErrors else { return nil }
        var canonical = ""
        root.canonical(into: &canonical)
        scenario.fingerprint = fingerprint(canonical)
        var tree = root
        tree.content = .mapping(pairs.filter { $0.name != "sweep" && $0.name != "plan" })
        var seen = Set<String>()
        func collect(_ ds: [Diagnostic]) {
            for d in ds where seen.insert(d.description).inserted { add(d) }
        }
        if let sweep {
            let template = ScenarioTemplate(tree: tree, file: file, lines: lines, baseDirectory: baseDirectory)
            var points: [SweepPoint] = []
            for assignment in Self.points(sweep) {
                let (s, ds) = template.decode(assignment)
                collect(ds)
                if let s { points.append(SweepPoint(values: assignment.map { $0.1.flowText }, scenario: s)) }
            }
            scenario.sweep = Sweep(mode: sweep.mode, parameters: sweep.parameters.map(\.path.text), points: points)
        }
        if let plan {
            let template = ScenarioTemplate(tree: tree, file: file, lines: lines, baseDirectory: baseDirectory,
                                            planPath: plan.path, planValueLocation: plan.rangeNodes.low.location)
            for (v, n) in [(plan.range.lowerBound, plan.rangeNodes.low), (plan.range.upperBound, plan.rangeNodes.high)] {
                let node = YNode(.scalar(String(v), quoted: false), at: n.location, sourceLine: n.sourceLine)
                collect(template.decode([(plan.path, node)]).1)
            }
            scenario.plan = Plan(vary: plan.path.text, range: plan.range, confidence: plan.confidence ?? scenario.confidence,
                                 search: plan.search, template: template)
        }
        return hasErrors ? nil : scenario
    }

    private func hasSLOKey(_ root: YNode) -> Bool {
        guard let n = root.pairs?.first(where: { $0.name == "slo" })?.value else { return false }
        return !(n.items?.isEmpty ?? true)
    }

    /// The points in order: grid with the last parameter fastest, or zip row by row.
    static func points(_ sweep: SweepSpec) -> [[(ParameterPath, YNode)]] {
        let ps = sweep.parameters
        switch sweep.mode {
        case .zip:
            let n = ps.first?.values.count ?? 0
            return (0..<n).map { i in ps.map { ($0.path, $0.values[i]) } }
        case .grid:
            var out: [[(ParameterPath, YNode)]] = [[]]
            for p in ps {
                var next: [[(ParameterPath, YNode)]] = []
                next.reserveCapacity(out.count * p.values.count)
                for prefix in out { for v in p.values { next.append(prefix + [(p.path, v)]) } }
                out = next
            }
            return out
        }
    }
}

/// Short number text for hints (99.9, 50).
enum ReportNumber {
    static func text(_ v: Double) -> String { v == v.rounded() && abs(v) < 1e15 ? String(Int64(v)) : "\(v)" }
}
