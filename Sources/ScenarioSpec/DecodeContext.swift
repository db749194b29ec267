/// State shared by every decoding step: the diagnostics found so far, where each key was written,
/// and what is needed to read data files relative to the scenario.
final class DecodeContext {
    /// The scenario file as it is named in diagnostics.
    let file: String
    let lines: SourceLines
    /// Directory that relative data-file paths (empirical samples, traces) start from.
    let baseDirectory: String
    private(set) var diagnostics: [Diagnostic] = []
    /// Dotted path → where it was written (``Scenario/locations``).
    var locations: [String: SourceLocation] = [:]
    /// Services whose endpoints could not be read: workloads naming them are not checked further,
    /// so one mistake gives one diagnostic.
    var servicesWithUnknownEndpoints: Set<String> = []
    /// `services` itself could not be read: workload targets are not checked.
    var servicesUnreadable = false
    /// Call targets, checked once every service is known.
    var pendingCalls: [PendingCall] = []
    /// Each proxy's `to` node, for diagnostics once every service is known.
    var proxyTargets: [String: YNode] = [:]

    init(file: String, lines: SourceLines, baseDirectory: String) {
        self.file = file; self.lines = lines; self.baseDirectory = baseDirectory
    }

    var hasErrors: Bool { diagnostics.contains { $0.severity == .error } }

    /// The text of the node's line, for the caret display.
    func sourceLine(of node: YNode) -> String? {
        if let s = node.sourceLine { return s }
        return node.location.file == file ? lines.line(node.location.line) : nil
    }

    func error(_ message: String, at node: YNode, hint: String? = nil) {
        diagnostics.append(Diagnostic(.error, message, at: node.location, hint: hint, sourceLine: sourceLine(of: node)))
    }

    /// An error pointing `offset` characters into a single-line scalar (e.g. at the endpoint part of
    /// `frontend.home`).
    func error(_ message: String, at node: YNode, offset: Int, hint: String? = nil) {
        var n = node
        if case .scalar(let s, _) = node.content, !s.contains("\n") {
            // Quoted scalars start at their opening quote.
            let quote = (node.sourceLine ?? sourceLine(of: node)).flatMap { line -> Int? in
                let chars = Array(line)
                let i = node.location.column - 1
                guard i >= 0, i < chars.count else { return nil }
                return chars[i] == "\"" || chars[i] == "'" ? 1 : 0
            } ?? 0
            n.location.column += offset + quote
        }
        error(message, at: n, hint: hint)
    }

    func add(_ diagnostic: Diagnostic) { diagnostics.append(diagnostic) }

    /// Records where `path` was written: the value for scalars, the key for collections.
    func record(_ path: String, key: YNode?, value: YNode) {
        if case .scalar = value.content { locations[path] = value.location } else { locations[path] = (key ?? value).location }
    }

    /// Diagnostics in file order (line, then column), the scenario file before `--set` arguments;
    /// equal positions keep the order they were found in.
    func sortedDiagnostics() -> [Diagnostic] {
        diagnostics.enumerated().sorted { a, b in
            let ka = sortKey(a.element, a.offset), kb = sortKey(b.element, b.offset)
            return ka.0 != kb.0 ? ka.0 < kb.0 : ka.1 != kb.1 ? ka.1 < kb.1 : ka.2 != kb.2 ? ka.2 < kb.2 : ka.3 < kb.3
        }.map(\.element)
    }

    private func sortKey(_ d: Diagnostic, _ index: Int) -> (Int, Int, Int, Int) {
        guard let l = d.location else { return (-1, 0, 0, index) }
        return (l.file == file ? 0 : 1, l.line, l.column, index)
    }
}
