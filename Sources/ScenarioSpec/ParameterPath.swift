/// Parameter paths (scenario-format.md, "SLOs, sweeps, plans"): dotted paths into the scenario,
/// where a list item is named by its `name` (`workload.browse.rate`). One resolver serves
/// `--set PATH=VALUE`, `sweep.parameters` and `plan.vary`: each works on the YAML node tree, and the
/// tree with the value in place goes through the same decoding and validation as a file, so a value
/// of the wrong type gets the decoder's own diagnostic, pointing where the value was written.
struct ParameterPath: Sendable {
    struct Segment: Sendable {
        var name: String
        /// Where the segment was written (a `--set` argument, or a key or value in the file).
        var location: SourceLocation
    }

    var text: String
    var segments: [Segment]
    /// The line the path was written on, for the caret display.
    var sourceLine: String?
    /// "--set path" or "parameter path", for messages.
    var label: String

    var names: [String] { segments.map(\.name) }
}

enum ParameterPaths {
    static let maxSegments = 32

    /// Splits `text`, written at `start` (its first character), into located segments. Reports an
    /// empty path, an empty segment or too many segments and returns nil.
    static func parse(_ text: String, at start: SourceLocation, sourceLine: String?, label: String,
                      hint: String? = nil, report: (Diagnostic) -> Void) -> ParameterPath? {
        func fail(_ message: String, column: Int) -> ParameterPath? {
            var l = start
            l.column = start.column + column - 1
            report(Diagnostic(.error, message, at: l, hint: hint, sourceLine: sourceLine))
            return nil
        }
        if text.isEmpty { return fail("empty \(label)", column: 1) }
        var segments: [ParameterPath.Segment] = []
        var column = 1
        for part in text.split(separator: ".", omittingEmptySubsequences: false) {
            let name = String(part.trimmingSpacesSubstring())
            if name.isEmpty { return fail("empty segment in \(label) \(quoted(text))", column: column) }
            var l = start
            l.column = start.column + column - 1 + (part.prefix { $0 == " " || $0 == "\t" }.count)
            segments.append(.init(name: name, location: l))
            column += part.count + 1
        }
        if segments.count > maxSegments { return fail("\(label) has more than \(maxSegments) segments", column: 1) }
        return ParameterPath(text: text, segments: segments, sourceLine: sourceLine, label: label)
    }

    /// Mappings whose keys are names the user chose: a missing name there is a typo, not a new key.
    private static func namedCollection(_ walked: [String]) -> String? {
        if walked == ["services"] { return "service" }
        if walked.count == 3, walked[0] == "services", walked[2] == "endpoints" { return "endpoint" }
        return nil
    }

    /// Puts `value` at `path` in `root`. A mapping key the path names that is not there yet is added
    /// (the decoder then checks it like any key, so a misspelt key gets the usual did-you-mean); a
    /// service, endpoint or list item that does not exist is reported here, with a did-you-mean.
    /// Returns false when something was reported.
    @discardableResult
    static func assign(_ root: inout YNode, _ path: ParameterPath, value: YNode, report: (Diagnostic) -> Void) -> Bool {
        guard root.pairs != nil else {
            report(Diagnostic(.error, "cannot apply the \(path.label) \(quoted(path.text)): the scenario is not a mapping",
                              at: path.segments.first?.location, sourceLine: path.sourceLine))
            return false
        }
        return set(&root, path.segments[...], value: value, walked: [], path: path, report: report)
    }

    private static func set(_ node: inout YNode, _ segments: ArraySlice<ParameterPath.Segment>, value: YNode,
                            walked: [String], path: ParameterPath, report: (Diagnostic) -> Void) -> Bool {
        guard let segment = segments.first else { return true }
        let rest = segments.dropFirst()
        func fail(_ message: String, hint: String?) -> Bool {
            report(Diagnostic(.error, message, at: segment.location, hint: hint, sourceLine: path.sourceLine))
            return false
        }
        let here = walked.isEmpty ? "the scenario" : quoted(walked.joined(separator: "."))
        if node.isNull { node.content = .mapping([]) }   // `stop:` with nothing yet
        switch node.content {
        case .mapping(var pairs):
            if let i = pairs.firstIndex(where: { $0.name == segment.name }) {
                var ok = true
                if rest.isEmpty {
                    pairs[i].value = value
                } else {
                    ok = set(&pairs[i].value, rest, value: value, walked: walked + [segment.name], path: path, report: report)
                }
                node.content = .mapping(pairs)
                return ok
            }
            if let kind = namedCollection(walked) {
                let names = pairs.compactMap(\.name)
                let message = kind == "service" ? "unknown service \(quoted(segment.name))"
                    : "service \(quoted(walked[1])) has no endpoint \(quoted(segment.name))"
                return fail(message, hint: Suggest.hint(for: segment.name, in: names))
            }
            let key = YNode(.scalar(segment.name, quoted: false), at: segment.location, sourceLine: path.sourceLine)
            var ok = true
            if rest.isEmpty {
                pairs.append(YPair(key: key, value: value))
            } else {
                var child = YNode(.mapping([]), at: segment.location, sourceLine: path.sourceLine)
                ok = set(&child, rest, value: value, walked: walked + [segment.name], path: path, report: report)
                pairs.append(YPair(key: key, value: child))
            }
            node.content = .mapping(pairs)
            return ok
        case .sequence(var items):
            let names = items.map { item in item.pairs?.first(where: { $0.name == "name" })?.value.scalarText }
            guard let i = names.firstIndex(where: { $0 == segment.name }) else {
                return fail("\(here) has no item named \(quoted(segment.name))",
                            hint: Suggest.hint(for: segment.name, in: names.compactMap { $0 }, listLabel: "names"))
            }
            var ok = true
            if rest.isEmpty {
                items[i] = value
            } else {
                ok = set(&items[i], rest, value: value, walked: walked + [segment.name], path: path, report: report)
            }
            node.content = .sequence(items)
            return ok
        case .scalar:
            let whole = walked.joined(separator: ".")
            return fail("\(here) is a single value, so it has no \(quoted(segment.name))",
                        hint: path.label == "--set path" ? "set \(here) itself: \(whole)=VALUE" : "name \(here) itself: \(whole)")
        }
    }
}

extension YNode {
    /// The value as one line of YAML flow text (`200/s`, `[1, 2]`, `{dist: exponential, mean: 2ms}`),
    /// for parameter columns of the reports.
    var flowText: String {
        switch content {
        case .scalar(let s, let q):
            if !q { return s }
            let plain = !s.isEmpty && s.allSatisfy { c in c.isLetter || c.isNumber || "._-/%".contains(c) }
            return plain ? s : "\"" + s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
                .replacingOccurrences(of: "\n", with: "\\n") + "\""
        case .sequence(let items): return "[" + items.map(\.flowText).joined(separator: ", ") + "]"
        case .mapping(let pairs): return "{" + pairs.map { "\($0.key.flowText): \($0.value.flowText)" }.joined(separator: ", ") + "}"
        }
    }

    /// The tree's content without locations, in a fixed spelling: equal for two trees that decode the
    /// same way whatever their layout or comments. Hashed into ``Scenario/fingerprint``.
    func canonical(into s: inout String) {
        switch content {
        case .scalar(let t, let q):
            s += q ? "'" : "="
            s += String(t.utf8.count)
            s += ":"
            s += t
        case .sequence(let items):
            s += "[" + String(items.count) + ":"
            for i in items { i.canonical(into: &s) }
            s += "]"
        case .mapping(let pairs):
            s += "{" + String(pairs.count) + ":"
            for p in pairs { p.key.canonical(into: &s); p.value.canonical(into: &s) }
            s += "}"
        }
    }
}

/// FNV-1a 64 of the text, twice with different offsets, as 32 hex digits: a fingerprint, not a
/// security measure (shards of one sweep must come from the same scenario).
func fingerprint(_ text: String) -> String {
    var a: UInt64 = 0xcbf2_9ce4_8422_2325, b: UInt64 = 0x8422_2325_cbf2_9ce4
    for byte in text.utf8 {
        a = (a ^ UInt64(byte)) &* 0x0000_0100_0000_01B3
        b = (b ^ UInt64(byte)) &* 0x0000_0100_0000_01B3
        b = b ^ (b >> 29)
    }
    func hex(_ v: UInt64) -> String {
        let s = String(v, radix: 16)
        return String(repeating: "0", count: 16 - s.count) + s
    }
    return hex(a) + hex(b)
}
