import ClusterModels
import SimKernel
import Workloads

extension DecodeContext {
    /// Decodes the whole document. Returns nil when anything was wrong (the diagnostics say what).
    func scenario(_ root: YNode) -> Scenario? {
        guard root.pairs != nil else {
            error("a scenario must be a mapping of keys (name, services, workload, …), found \(root.kindDescription)", at: root,
                  hint: "start with \"name: my-scenario\" on the first line")
            return nil
        }
        guard let f = fields(root, "scenario", schema: Schema.topLevel) else { return nil }
        for pair in f.pairs { if let k = pair.name { record(k, key: pair.key, value: pair.value) } }

        var name = ""
        if let n = f["name"] { name = scenarioName(n) ?? "" } else {
            missing("name", in: f, "scenario", hint: "add e.g. \"name: checkout\"; it names the report directory")
        }
        let description = f["description"].flatMap { self.string($0, "description") }
        let seed = f["seed"].flatMap { self.seed($0) } ?? 1
        let duration = f["duration"].flatMap { self.duration($0, "duration") }
        let stopRequests = f["stop"].flatMap { self.stop($0) }
        if !f.has("duration") && !f.has("stop") {
            error("scenario needs \"duration\" or \"stop.requests\"", at: root,
                  hint: "add e.g. \"duration: 10m\" or \"stop: {requests: 100000}\"")
        }
        var warmup = Warmup.auto
        if let n = f["warmup"], let w = self.warmup(n) {
            warmup = w
            if case .fixed(let d) = w, let duration, d.ns >= duration {
                error("\"warmup\" (\(SimDurationText.format(d.ns))) is not shorter than \"duration\" (\(SimDurationText.format(duration)))",
                      at: n, hint: "nothing would be left to measure")
            }
        }
        let replications = f["replications"].flatMap { self.int($0, "replications", in: 1...10_000) } ?? 5
        let confidence = f["confidence"].flatMap { self.confidence($0) } ?? 0.95
        let limits = f["limits"].flatMap { self.limits($0) } ?? Limits()
        var network = NetworkConfig()
        if let n = f["network"], let v = self.network(n) { network = v }
        var services: [ServiceConfig] = []
        if let n = f["services"] { services = self.services(n, network: network); checkCalls(services: services) } else {
            missing("services", in: f, "scenario", hint: "add e.g. \"services: {web: {endpoints: {home: {work: 5ms}}}}\"")
            servicesUnreadable = true
        }
        var workloads: [WorkloadConfig] = []
        if let n = f["workload"] { workloads = self.workloads(n, services: services) } else {
            missing("workload", in: f, "scenario", hint: "add e.g. \"workload: [{name: browse, to: web.home, rate: 100/s}]\"")
        }
        let output = f["output"].flatMap { self.output($0) } ?? OutputConfig()
        // Experiments (ExperimentDecoder.swift): `sweep` and `plan` are expanded by the loader.
        let slos = f["slo"].map { self.slos($0, services: services, workloads: workloads, percentiles: output.percentiles) } ?? []

        guard !hasErrors else { return nil }
        var scenario = Scenario(name: name, description: description, seed: seed, duration: duration.map { SimDuration(ns: $0) },
                        stopRequests: stopRequests, warmup: warmup, replications: replications, confidence: confidence,
                        limits: limits, network: network, services: services, workloads: workloads, output: output, file: file,
                        locations: locations)
        scenario.slos = slos
        return scenario
    }

    /// Used in report file names: letters, digits, `.`, `_`, `-`; not `.` or `..`.
    private func scenarioName(_ node: YNode) -> String? {
        guard let s = string(node, "name") else { return nil }
        let safe = s.unicodeScalars.allSatisfy { c in
            (c >= "a" && c <= "z") || (c >= "A" && c <= "Z") || (c >= "0" && c <= "9") || c == "_" || c == "-" || c == "."
        }
        guard safe, !s.isEmpty, s != ".", s != "..", s.count <= 200 else {
            error("invalid scenario name \(quoted(s))", at: node,
                  hint: "the name becomes a file name: use letters, digits, \".\", \"_\" and \"-\" (at most 200)")
            return nil
        }
        return s
    }

    private func seed(_ node: YNode) -> UInt64? {
        guard let text = scalar(node, "seed", expected: "a whole number") else { return nil }
        guard let v = Units.unsignedInteger(text) else {
            error("\"seed\" must be a non-negative whole number, found \(quoted(text))", at: node,
                  hint: "write e.g. \"seed: 42\" (0 to \(UInt64.max))")
            return nil
        }
        return v
    }

    private func stop(_ node: YNode) -> Int64? {
        guard let f = fields(node, "stop", schema: Schema.stop) else { return nil }
        guard let n = f["requests"] else {
            missing("requests", in: f, "stop", hint: "write e.g. \"stop: {requests: 100000}\"")
            return nil
        }
        record("stop.requests", key: f.keyNode("requests"), value: n)
        return integer(n, "requests", in: 1...Int64.max)
    }

    private func warmup(_ node: YNode) -> Warmup? {
        guard let text = scalar(node, "warmup", expected: "auto or a duration") else { return nil }
        if text == "auto" { return .auto }
        if Units.splitNumber(text) == nil {
            error("\"warmup\" must be auto or a duration, found \(quoted(text))", at: node,
                  hint: "auto lets MSER-5 choose the truncation point; \"0s\" keeps everything; or a duration such as \"30s\"")
            return nil
        }
        return duration(node, "warmup", allowZero: true).map { .fixed(SimDuration(ns: $0)) }
    }

    /// Strictly between 0 and 1; `95%` is accepted too.
    private func confidence(_ node: YNode) -> Double? {
        guard let text = scalar(node, "confidence", expected: "a number between 0 and 1") else { return nil }
        guard let (number, unit) = Units.splitNumber(text), unit.isEmpty || unit == "%",
              let raw = Double(String(number)), raw.isFinite else {
            error("\"confidence\" must be a number between 0 and 1, found \(quoted(text))", at: node, hint: "write e.g. 0.95")
            return nil
        }
        let v = unit == "%" ? raw / 100 : raw
        guard v > 0, v < 1 else {
            error("\"confidence\" must be between 0 and 1 (exclusive), found \(text)", at: node,
                  hint: "write e.g. 0.95 (or 95%)")
            return nil
        }
        return v
    }

    private func limits(_ node: YNode) -> Limits? {
        guard let f = fields(node, "limits", schema: Schema.limits) else { return nil }
        var limits = Limits()
        if let n = f["max_events"] {
            record("limits.max_events", key: f.keyNode("max_events"), value: n)
            if let v = integer(n, "max_events", in: 1...Int64.max) { limits.maxEvents = v }
        }
        if let n = f["max_in_flight"] {
            record("limits.max_in_flight", key: f.keyNode("max_in_flight"), value: n)
            // Request rows are numbered with 32 bits (event payloads): at most 2³² − 2 in flight.
            if let v = int(n, "max_in_flight", in: 1...4_294_967_294) { limits.maxInFlight = v }
        }
        if let n = f["max_call_depth"] {
            record("limits.max_call_depth", key: f.keyNode("max_call_depth"), value: n)
            if let v = int(n, "max_call_depth", in: 1...1_000) { limits.maxCallDepth = v }
        }
        return limits
    }

    private func output(_ node: YNode) -> OutputConfig? {
        guard let f = fields(node, "output", schema: Schema.output) else { return nil }
        var out = OutputConfig()
        if let n = f["percentiles"] {
            record("output.percentiles", key: f.keyNode("percentiles"), value: n)
            if let items = list(n, "percentiles") {
                var ps: [Double] = []
                for item in items {
                    guard let p = number(item, "percentile", check: { $0 > 0 && $0 < 100 ? nil : "must be between 0 and 100 (exclusive)" })
                    else { continue }
                    if ps.contains(p) {
                        error("percentile \(item.scalarText ?? "") is listed twice", at: item)
                    } else if let other = ps.first(where: { percentileMetricName($0) == percentileMetricName(p) }) {
                        // 9.99 and 99.9 would both be reported as latency_p999.
                        error("percentiles \(other) and \(item.scalarText ?? "") would both be reported as \(percentileMetricName(p))",
                              at: item, hint: "keep one of them")
                    }
                    ps.append(p)
                }
                if items.isEmpty {
                    error("\"percentiles\" is empty", at: n, hint: "write e.g. [50, 90, 99, 99.9]")
                }
                out.percentiles = ps
            }
        }
        if let n = f["timeseries"] {
            record("output.timeseries", key: f.keyNode("timeseries"), value: n)
            out.timeseries = duration(n, "timeseries").map { SimDuration(ns: $0) }
        }
        if let n = f["events"] {
            record("output.events", key: f.keyNode("events"), value: n)
            if let b = bool(n, "events") { out.events = b }
        }
        if let n = f["traces"] {
            record("output.traces", key: f.keyNode("traces"), value: n)
            if let v = fraction(n, "traces") { out.traces = v }
        }
        return out
    }
}
