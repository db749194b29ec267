/// Reads scenario files (scenario-format.md) into validated ``Scenario`` values.
///
/// Decoding works on the YAML node tree rather than `Decodable`, so that every problem points at a
/// file, line and column; all problems are collected before failing. A ``ScenarioError`` carries
/// every ``Diagnostic`` found, in file order, each with a message, the source line for a caret, and
/// a hint where one helps (did you mean…, the valid choices, the spelling with a unit).
///
/// Nothing a user writes can crash the loader: files are size-limited and read at most once past
/// the limit, binary and non-UTF-8 input is refused, nesting is bounded before the YAML parser's
/// recursion sees it, and alias expansion is bounded.
public enum ScenarioLoader {
    /// Largest scenario file accepted (8 MiB); larger files get a diagnostic and are not read whole.
    /// Bulk data (samples, traces) belongs in CSV files the scenario names.
    public static let maxFileBytes: Int = 8 << 20

    /// Reads, decodes and validates a scenario file.
    ///
    /// - Parameters:
    ///   - path: the file, as named in diagnostics; relative data files (empirical samples, traces)
    ///     are resolved against its directory.
    ///   - overrides: `--set PATH=VALUE` arguments, applied to the YAML tree before decoding
    ///     (`services.web.replicas=6`, `workload.browse.rate=400/s`, `seed=7`).
    /// - Throws: ``ScenarioError`` with every diagnostic found.
    public static func load(path: String, overrides: [String] = []) throws(ScenarioError) -> Scenario {
        let bytes: [UInt8]
        switch SourceFile.read(path: path, limit: maxFileBytes) {
        case .failure(let e): throw finished(e)
        case .success(let b): bytes = b
        }
        let text: String
        switch SourceFile.text(bytes, file: path) {
        case .failure(let e): throw finished(e)
        case .success(let t): text = t
        }
        return try decode(text, file: path, baseDirectory: directory(of: path), overrides: overrides)
    }

    /// Decodes and validates scenario text.
    ///
    /// - Parameters:
    ///   - yaml: the scenario text.
    ///   - file: the name diagnostics give the text.
    ///   - baseDirectory: directory that relative data files are resolved against ("" for the
    ///     current directory).
    ///   - overrides: `--set PATH=VALUE` arguments, as for ``load(path:overrides:)``.
    /// - Throws: ``ScenarioError`` with every diagnostic found.
    public static func parse(yaml: String, file: String, baseDirectory: String,
                             overrides: [String] = []) throws(ScenarioError) -> Scenario {
        if yaml.utf8.count > maxFileBytes {
            throw ScenarioError([SourceFile.tooLarge(file: file, limit: maxFileBytes)])
        }
        switch SourceFile.text(Array(yaml.utf8), file: file) {
        case .failure(let e): throw finished(e)
        case .success(let t): return try decode(t, file: file, baseDirectory: baseDirectory, overrides: overrides)
        }
    }

    private static func decode(_ text: String, file: String, baseDirectory: String,
                               overrides: [String]) throws(ScenarioError) -> Scenario {
        var root: YNode
        switch SourceFile.parse(text, file: file) {
        case .failure(let e): throw finished(e)
        case .success(let r): root = r
        }
        let ctx = DecodeContext(file: file, lines: SourceLines(text), baseDirectory: baseDirectory)
        Overrides.apply(overrides, to: &root, ctx: ctx)
        let decoded = ctx.scenario(root)
        // `sweep` and `plan` (ExperimentDecoder.swift): each point is the tree with its values in place.
        let scenario = ctx.experiments(decoded, root: root)
        if let scenario, !ctx.hasErrors { return scenario }
        throw finished(ScenarioError(ctx.sortedDiagnostics()))
    }

    /// Most diagnostics reported for one file; past it a last line says how many more there were.
    static let maxDiagnostics = 500

    /// Caps the number of diagnostics and clips very long source lines (a minified one-line file)
    /// after the caret, so that printing them stays quick and readable.
    private static func finished(_ error: ScenarioError) -> ScenarioError {
        var ds = Array(error.diagnostics.prefix(maxDiagnostics)).map { d -> Diagnostic in
            var d = d
            if let line = d.sourceLine, line.utf8.count > 240 {
                let keep = max((d.location?.column ?? 1) + 40, 200)
                let clipped = line.prefix(keep)
                if clipped.utf8.count < line.utf8.count { d.sourceLine = String(clipped) + " …" }
            }
            return d
        }
        if error.diagnostics.count > maxDiagnostics {
            ds.append(Diagnostic(.error, "… and \(error.diagnostics.count - maxDiagnostics) more errors", at: nil))
        }
        return ScenarioError(ds)
    }

    /// The directory part of a path ("" when it has none).
    static func directory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "" }
        if slash == path.startIndex { return "/" }
        return String(path[path.startIndex..<slash])
    }
}
