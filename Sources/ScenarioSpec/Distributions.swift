import Foundation
import SimRandom

/// The distribution names of scenario-format.md, "Distributions", with their parameter keys and an
/// example for hints.
enum DistributionKind: String, CaseIterable {
    case constant, exponential, uniform, normal, lognormal, gamma, erlang, weibull, pareto
    case hyperexponential, empirical, mixture

    var parameters: [String] {
        switch self {
        case .constant: return ["value"]
        case .exponential: return ["mean"]
        case .uniform: return ["min", "max"]
        case .normal: return ["mean", "stddev"]
        case .lognormal: return ["median", "p99", "mean", "stddev", "mu", "sigma"]
        case .gamma: return ["mean", "cv"]
        case .erlang: return ["k", "mean"]
        case .weibull, .pareto: return ["shape", "scale"]
        case .hyperexponential: return ["probabilities", "means"]
        case .empirical: return ["file", "column", "unit"]
        case .mixture: return ["components"]
        }
    }

    var example: String {
        switch self {
        case .constant: return "{dist: constant, value: 5ms}, or just 5ms"
        case .exponential: return "{dist: exponential, mean: 5ms}"
        case .uniform: return "{dist: uniform, min: 2ms, max: 8ms}"
        case .normal: return "{dist: normal, mean: 5ms, stddev: 1ms}"
        case .lognormal: return "{dist: lognormal, median: 4ms, p99: 40ms}, or {mean, stddev}, or {mu, sigma}"
        case .gamma: return "{dist: gamma, mean: 5ms, cv: 0.5}"
        case .erlang: return "{dist: erlang, k: 4, mean: 5ms}"
        case .weibull: return "{dist: weibull, shape: 1.5, scale: 5ms}"
        case .pareto: return "{dist: pareto, shape: 2.5, scale: 1ms}"
        case .hyperexponential: return "{dist: hyperexponential, probabilities: [0.9, 0.1], means: [2ms, 50ms]}"
        case .empirical: return "{dist: empirical, file: samples.csv, column: latency_ms, unit: ms}"
        case .mixture: return "{dist: mixture, components: [{weight: 0.9, dist: exponential, mean: 2ms}, …]}"
        }
    }
}

/// z₀.₉₉, the standard normal's 99th percentile: a lognormal's p99 is exp(mu + z₀.₉₉·sigma).
let standardNormalP99 = 2.326347874040841

extension DecodeContext {
    /// Decodes a distribution of durations (values in seconds). A scalar is a constant duration; a
    /// mapping names its `dist` and parameters. `extraKeys` are allowed beside them (a mixture
    /// component's `weight`).
    func distribution(_ node: YNode, _ what: String, extraKeys: [String] = []) -> Distribution? {
        let names = DistributionKind.allCases.map(\.rawValue)
        if let text = node.scalarText {
            if let kind = DistributionKind(rawValue: text) {
                error("\(quoted(what)) must be a duration or a distribution, found \(quoted(text))", at: node,
                      hint: "write e.g. \(kind.example)")
                return nil
            }
            return seconds(node, what, allowZero: true).map { .constant($0) }
        }
        guard let pairs = node.pairs else {
            error("\(quoted(what)) must be a duration or a distribution, found \(node.kindDescription)", at: node,
                  hint: "write e.g. 5ms or {dist: exponential, mean: 5ms}")
            return nil
        }
        guard let distPair = pairs.first(where: { $0.name == "dist" }) else {
            error("distribution is missing \"dist\"", at: node, hint: "known: \(names.joined(separator: ", "))")
            return nil
        }
        guard let name = scalar(distPair.value, "dist", expected: "a distribution name") else { return nil }
        guard let kind = DistributionKind(rawValue: name) else {
            error("unknown distribution \(quoted(name))", at: distPair.value, hint: Suggest.hint(for: name, in: names))
            return nil
        }
        let schema = KeySchema(supported: ["dist"] + kind.parameters + extraKeys)
        guard let f = fields(node, what, schema: schema) else { return nil }
        return DistributionDecoder(ctx: self, fields: f, kind: kind).decode()
    }
}

/// Decodes the parameters of one `dist:` mapping into the canonical ``Distribution``.
private struct DistributionDecoder {
    let ctx: DecodeContext
    let fields: Fields
    let kind: DistributionKind

    private var label: String { "\(kind.rawValue) distribution" }

    /// The parameter's node, or a "missing" error.
    private func required(_ key: String) -> YNode? {
        if let n = fields[key] { return n }
        ctx.missing(key, in: fields, label, hint: "write e.g. \(kind.example)")
        return nil
    }

    /// A duration parameter in seconds.
    private func seconds(_ key: String, allowZero: Bool = false) -> Double? {
        guard let n = required(key) else { return nil }
        return ctx.seconds(n, key, allowZero: allowZero)
    }

    /// A positive plain number.
    private func positive(_ key: String) -> Double? {
        guard let n = required(key) else { return nil }
        return ctx.number(n, key) { $0 > 0 ? nil : "must be positive" }
    }

    func decode() -> Distribution? {
        switch kind {
        case .constant:
            return seconds("value", allowZero: true).map { .constant($0) }
        case .exponential:
            return seconds("mean").map { .exponential(mean: $0) }
        case .uniform:
            let lo = seconds("min", allowZero: true), hi = seconds("max", allowZero: true)
            guard let lo, let hi else { return nil }
            if hi < lo, let n = fields["max"] {
                ctx.error("uniform \"max\" is less than \"min\"", at: n)
                return nil
            }
            return .uniform(min: lo, max: hi)
        case .normal:
            let m = seconds("mean", allowZero: true), s = seconds("stddev", allowZero: true)
            guard let m, let s else { return nil }
            return .normal(mean: m, stddev: s)
        case .lognormal:
            return lognormal()
        case .gamma:
            let m = seconds("mean"), cv = positive("cv")
            guard let m, let cv else { return nil }
            return .gamma(shape: 1 / (cv * cv), scale: m * cv * cv)
        case .erlang:
            let k = required("k").flatMap { ctx.int($0, "k", in: 1...1_000_000) }, m = seconds("mean")
            guard let k, let m else { return nil }
            return .erlang(k: k, mean: m)
        case .weibull:
            let shape = positive("shape"), scale = seconds("scale")
            guard let shape, let scale else { return nil }
            return .weibull(shape: shape, scale: scale)
        case .pareto:
            let shape = positive("shape"), scale = seconds("scale")
            guard let shape, let scale else { return nil }
            return .pareto(shape: shape, scale: scale)
        case .hyperexponential:
            return hyperexponential()
        case .empirical:
            return empirical()
        case .mixture:
            return mixture()
        }
    }

    /// Three spellings: {median, p99}, {mean, stddev}, {mu, sigma} (mu in log-seconds).
    private func lognormal() -> Distribution? {
        let sets = [["median", "p99"], ["mean", "stddev"], ["mu", "sigma"]]
        let used = sets.filter { set in set.contains { fields.has($0) } }
        guard used.count == 1, let set = used.first else {
            let hint = "write e.g. \(kind.example)"
            if used.isEmpty {
                ctx.error("lognormal distribution needs median and p99, mean and stddev, or mu and sigma", at: fields.node, hint: hint)
            } else {
                ctx.error("lognormal distribution takes one of {median, p99}, {mean, stddev} or {mu, sigma}, not a mix",
                          at: fields.node, hint: hint)
            }
            return nil
        }
        for key in set where !fields.has(key) {
            ctx.missing(key, in: fields, label, hint: "write e.g. \(kind.example)")
            return nil
        }
        switch set[0] {
        case "median":
            let median = seconds("median"), p99 = seconds("p99")
            guard let median, let p99 else { return nil }
            guard p99 > median else {
                if let n = fields["p99"] { ctx.error("lognormal \"p99\" must be greater than \"median\"", at: n) }
                return nil
            }
            return .lognormal(mu: log(median), sigma: log(p99 / median) / standardNormalP99)
        case "mean":
            let mean = seconds("mean"), sd = seconds("stddev", allowZero: true)
            guard let mean, let sd else { return nil }
            let sigma2 = log(1 + (sd * sd) / (mean * mean))
            return .lognormal(mu: log(mean) - sigma2 / 2, sigma: sigma2.squareRoot())
        default:
            // mu is the mean of ln X with X in seconds, so a plain number (often negative).
            let mu = required("mu").flatMap { ctx.number($0, "mu") }
            let sigma = required("sigma").flatMap { n in ctx.number(n, "sigma") { $0 >= 0 ? nil : "must not be negative" } }
            guard let mu, let sigma else { return nil }
            return .lognormal(mu: mu, sigma: sigma)
        }
    }

    private func hyperexponential() -> Distribution? {
        guard let pNode = required("probabilities"), let mNode = required("means") else { return nil }
        guard let pItems = ctx.list(pNode, "probabilities"), let mItems = ctx.list(mNode, "means") else { return nil }
        let probabilities = pItems.map { ctx.fraction($0, "probability") }
        let means = mItems.map { ctx.seconds($0, "mean") }
        let ps = probabilities.compactMap { $0 }, ms = means.compactMap { $0 }
        guard ps.count == probabilities.count, ms.count == means.count else { return nil }
        if ps.isEmpty {
            ctx.error("\"probabilities\" must not be empty", at: pNode, hint: "write e.g. \(kind.example)")
            return nil
        }
        if ps.count != ms.count {
            ctx.error("hyperexponential has \(ps.count) probabilities but \(ms.count) means", at: mNode,
                      hint: "give one mean per probability")
            return nil
        }
        let sum = ps.reduce(0, +)
        if abs(sum - 1) > 1e-9 {
            ctx.error("hyperexponential probabilities sum to \(sum), not 1", at: pNode,
                      hint: "each is the chance of one branch, so together they must add up to 1")
            return nil
        }
        return .hyperexponential(probabilities: ps, means: ms)
    }

    private func empirical() -> Distribution? {
        let unitNames = Units.durationUnits.map(\.name)
        guard let fileNode = required("file") else { return nil }
        let unitNode = required("unit")
        let file = ctx.string(fileNode, "file")
        let column = fields["column"].flatMap { ctx.string($0, "column") }
        let unit = unitNode.flatMap { ctx.choice($0, "unit", unitNames) }
        guard let file, let unit, fields["column"] == nil || column != nil else { return nil }
        let path = DataFiles.resolve(file, base: ctx.baseDirectory)
        switch DataFiles.readColumn(path: path, shownAs: file, column: column) {
        case .failure(let p):
            ctx.error(p.message, at: fileNode, hint: p.hint)
            return nil
        case .success(let col):
            var samples: [Double] = []
            samples.reserveCapacity(col.cells.count)
            for cell in col.cells {
                guard let v = Units.number(cell.text), v >= 0 else {
                    ctx.error("\(quoted(file)) line \(cell.line): \(quoted(cell.text)) in column \(quoted(col.name)) is not a non-negative number",
                              at: fileNode)
                    return nil
                }
                samples.append(Self.toSeconds(v, unit: unit))
            }
            if samples.isEmpty {
                ctx.error("data file \(quoted(file)) has no values in column \(quoted(col.name))", at: fileNode)
                return nil
            }
            return .empirical(samples: samples)
        }
    }

    /// A value in `unit` as seconds: divide for sub-second units (so 1.5 ms is the double nearest
    /// 0.0015), multiply for minutes and hours.
    static func toSeconds(_ v: Double, unit: String) -> Double {
        switch unit {
        case "ns": return v / 1e9
        case "us": return v / 1e6
        case "ms": return v / 1e3
        case "m": return v * 60
        case "h": return v * 3600
        default: return v
        }
    }

    private func mixture() -> Distribution? {
        guard let cNode = required("components"), let items = ctx.list(cNode, "components") else { return nil }
        if items.isEmpty {
            ctx.error("\"components\" must not be empty", at: cNode, hint: "write e.g. \(kind.example)")
            return nil
        }
        var weights: [Double] = [], components: [Distribution] = []
        var ok = true
        for item in items {
            guard let pairs = item.pairs else {
                ctx.error("a mixture component must be a mapping with \"weight\" and \"dist\", found \(item.kindDescription)",
                          at: item, hint: "write e.g. {weight: 0.9, dist: exponential, mean: 2ms}")
                ok = false
                continue
            }
            var weight: Double? = nil
            if let w = pairs.first(where: { $0.name == "weight" })?.value {
                weight = Self.weight(w, ctx)
            } else {
                ctx.error("mixture component is missing \"weight\"", at: item, hint: "write e.g. {weight: 0.9, dist: exponential, mean: 2ms}")
            }
            let d = ctx.distribution(item, "component", extraKeys: ["weight"])
            if let weight, let d { weights.append(weight); components.append(d) } else { ok = false }
        }
        guard ok else { return nil }
        if !(weights.reduce(0, +) > 0) {
            ctx.error("mixture weights add up to 0", at: cNode)
            return nil
        }
        return .mixture(weights: weights, components: components)
    }

    /// A non-negative weight: a plain number or a percentage.
    private static func weight(_ node: YNode, _ ctx: DecodeContext) -> Double? {
        guard let text = ctx.scalar(node, "weight", expected: "a number") else { return nil }
        if let (n, unit) = Units.splitNumber(text), unit.isEmpty || unit == "%", let v = Double(String(n)), v.isFinite, v >= 0 {
            return unit == "%" ? v / 100 : v
        }
        ctx.error("\"weight\" must be a non-negative number or percentage, found \(quoted(text))", at: node)
        return nil
    }
}
