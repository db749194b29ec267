import Foundation
import Yams

/// Reading a scenario's text and turning it into a ``YNode`` tree, with every limit on input
/// checked on the way (size, encoding, emptiness, nesting, expanded size).
enum SourceFile {
    private static func fail<T>(_ d: Diagnostic) -> Result<T, ScenarioError> { .failure(ScenarioError([d])) }

    /// Reads at most `limit + 1` bytes, so a huge file (or an endless device) is never read whole.
    static func read(path: String, limit: Int) -> Result<[UInt8], ScenarioError> {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            return fail(Diagnostic(.error, "cannot read \(quoted(path)): no such file", at: nil))
        }
        if isDirectory.boolValue {
            return fail(Diagnostic(.error, "cannot read \(quoted(path)): it is a directory", at: nil))
        }
        guard let handle = FileHandle(forReadingAtPath: path) else {
            return fail(Diagnostic(.error, "cannot read \(quoted(path)): permission denied or not a regular file", at: nil))
        }
        defer { try? handle.close() }
        let data: Data
        do {
            data = try handle.read(upToCount: limit + 1) ?? Data()
        } catch {
            return fail(Diagnostic(.error, "cannot read \(quoted(path)): \(error.localizedDescription)", at: nil))
        }
        if data.count > limit {
            return fail(tooLarge(file: path, limit: limit))
        }
        return .success([UInt8](data))
    }

    static func tooLarge(file: String, limit: Int) -> Diagnostic {
        Diagnostic(.error, "file is larger than \(limit / (1 << 20)) MiB, the limit for a scenario",
                   at: SourceLocation(file: file, line: 1, column: 1),
                   hint: "put large data (samples, traces) in a CSV file and refer to it with \"file:\"")
    }

    /// Decodes UTF-8 and refuses binary content, pointing at the first offending byte.
    static func text(_ bytes: [UInt8], file: String) -> Result<String, ScenarioError> {
        var body = bytes[...]
        if body.starts(with: [0xEF, 0xBB, 0xBF]) { body = body.dropFirst(3) }   // UTF-8 byte order mark
        if let bad = firstInvalidUTF8(body) {
            let (line, column) = position(of: bad, in: body)
            return fail(Diagnostic(.error, "file is not UTF-8 text (binary data?)",
                                       at: SourceLocation(file: file, line: line, column: column),
                                       hint: "scenario files are YAML text in UTF-8"))
        }
        if let nul = body.firstIndex(of: 0) {
            let (line, column) = position(of: nul, in: body)
            return fail(Diagnostic(.error, "file contains a NUL byte (binary data?)",
                                       at: SourceLocation(file: file, line: line, column: column),
                                       hint: "scenario files are YAML text in UTF-8"))
        }
        return .success(String(decoding: body, as: UTF8.self))
    }

    /// Index of the first byte that does not belong to a valid UTF-8 sequence.
    private static func firstInvalidUTF8(_ b: ArraySlice<UInt8>) -> Int? {
        var i = b.startIndex
        while i < b.endIndex {
            let c = b[i]
            let need: Int
            var lower: UInt8 = 0x80, upper: UInt8 = 0xBF
            switch c {
            case 0x00...0x7F: i += 1; continue
            case 0xC2...0xDF: need = 1
            case 0xE0: need = 2; lower = 0xA0
            case 0xE1...0xEC, 0xEE...0xEF: need = 2
            case 0xED: need = 2; upper = 0x9F
            case 0xF0: need = 3; lower = 0x90
            case 0xF1...0xF3: need = 3
            case 0xF4: need = 3; upper = 0x8F
            default: return i
            }
            for k in 1...need {
                let j = i + k
                guard j < b.endIndex else { return i }
                let lo = k == 1 ? lower : 0x80, hi = k == 1 ? upper : 0xBF
                if b[j] < lo || b[j] > hi { return i }
            }
            i += need + 1
        }
        return nil
    }

    /// 1-based line and character column of a byte offset.
    static func position(of index: Int, in b: ArraySlice<UInt8>) -> (Int, Int) {
        var line = 1, column = 1
        var i = b.startIndex
        while i < index {
            if b[i] == 10 { line += 1; column = 1 } else if b[i] & 0xC0 != 0x80 { column += 1 }
            i += 1
        }
        return (line, column)
    }

    /// Parses YAML text into a tree. All failures come back as one diagnostic: after a syntax error
    /// nothing else in the file can be trusted.
    static func parse(_ text: String, file: String) -> Result<YNode, ScenarioError> {
        let sourceLines = SourceLines(text)
        do throws(NestingGuard.Problem) {
            try NestingGuard().check(Array(text.utf8))
        } catch {
            switch error.kind {
            case .tooDeep:
                return fail(tooDeep(file: file, line: error.line, column: error.column, lines: sourceLines))
            case .complexKey:
                return fail(complexKey(file: file, line: error.line, column: error.column, lines: sourceLines))
            }
        }
        let root: Node?
        do {
            // `Resolver.basic`: the tree keeps each scalar's text and reads only explicit tags
            // (TreeBuilder), so Yams' implicit typing is never asked for, and `Resolver.default`
            // compiles seven regular expressions through ICU at first use (about 2 ms of every run).
            root = try Yams.compose(yaml: text, .basic)
        } catch let error as YamlError {
            return fail(syntaxError(error, file: file, text: text, lines: sourceLines))
        } catch {
            return fail(Diagnostic(.error, "invalid YAML: \(error)", at: SourceLocation(file: file, line: 1, column: 1)))
        }
        guard let root else {
            return fail(Diagnostic(.error, "file is empty", at: SourceLocation(file: file, line: 1, column: 1),
                                       hint: "a scenario needs at least \"name\", \"services\", \"workload\" and \"duration\""))
        }
        var builder = TreeBuilder(file: file)
        do throws(TreeBuilder.Failure) {
            return .success(try builder.build(root))
        } catch {
            switch error {
            case .tooDeep(let mark):
                return fail(tooDeep(file: file, line: mark?.line ?? 1, column: mark?.column ?? 1, lines: sourceLines))
            case .tooManyNodes(let mark):
                let loc = SourceLocation(file: file, line: mark?.line ?? 1, column: mark?.column ?? 1)
                return fail(Diagnostic(.error, "document has more than \(TreeBuilder.maxNodes) values once its aliases are expanded",
                                           at: loc, hint: "use fewer aliases (*name), or put large data in a CSV file",
                                           sourceLine: sourceLines.line(loc.line)))
            }
        }
    }

    private static func tooDeep(file: String, line: Int, column: Int, lines: SourceLines) -> Diagnostic {
        Diagnostic(.error, "nesting deeper than \(TreeBuilder.maxDepth) levels",
                   at: SourceLocation(file: file, line: line, column: column),
                   hint: "a scenario needs only a few levels; is a bracket left unclosed?",
                   sourceLine: lines.line(line))
    }

    static func complexKey(file: String, line: Int, column: Int, lines: SourceLines) -> Diagnostic {
        Diagnostic(.error, "mapping keys must be plain names, not lists, mappings or aliases",
                   at: SourceLocation(file: file, line: line, column: column),
                   hint: "every key in a scenario is a name such as \"replicas\"",
                   sourceLine: lines.line(line))
    }

    /// Maps a Yams error (1-based marks) to a located diagnostic.
    static func syntaxError(_ error: YamlError, file: String, text: String, lines: SourceLines) -> Diagnostic {
        func diag(_ message: String, _ line: Int, _ column: Int, hint: String? = nil) -> Diagnostic {
            Diagnostic(.error, message, at: SourceLocation(file: file, line: line, column: column),
                       hint: hint, sourceLine: lines.line(line))
        }
        func describe(_ context: YamlError.Context?, _ problem: String) -> String {
            guard let context else { return problem }
            return "\(problem) (\(context.text) at line \(context.mark.line), column \(context.mark.column))"
        }
        switch error {
        case .scanner(let context, let problem, let mark, _),
             .parser(let context, let problem, let mark, _),
             .composer(let context, let problem, let mark, _):
            var hint: String? = nil
            if let line = lines.line(mark.line), line.prefix(max(0, mark.column)).contains("\t") {
                hint = "indent with spaces; YAML does not allow tabs for indentation"
            } else if let context, context.text.contains("flow") {
                hint = "check the brackets: is the one opened at line \(context.mark.line), column \(context.mark.column) closed, and are items separated by commas?"
            } else if problem.contains("mapping values are not allowed") {
                hint = "a value containing \": \" must be quoted, e.g. description: \"note: this\""
            }
            return diag("invalid YAML: \(describe(context, problem))", mark.line, mark.column, hint: hint)
        case .reader(let problem, let offset, _, _):
            var line = 1, column = 1
            if let offset {
                // `offset` counts Characters from the start.
                var l = 1, c = 1, n = 0
                for ch in text {
                    if n == offset { break }
                    if ch == "\n" || ch == "\r\n" { l += 1; c = 1 } else { c += ch.unicodeScalars.count }
                    n += 1
                }
                line = l; column = c
            }
            return diag("invalid YAML text: \(problem)", line, column)
        case .duplicatedKeysInMapping(let duplicates, let context):
            // Yams marks the first occurrence; point at the repetition when it can be found.
            let key = duplicates.first ?? ""
            let first = (line: context.mark.line, column: context.mark.column)
            let second = repetition(of: key, after: first, lines: lines)
            let names = duplicates.map { quoted($0) }.joined(separator: ", ")
            return diag("duplicate key \(names) in a mapping", second?.line ?? first.line, second?.column ?? first.column,
                        hint: second != nil ? "first written at line \(first.line); each key may appear once per mapping"
                                            : "each key may appear once per mapping")
        default:
            return diag("invalid YAML: \(error)", 1, 1)
        }
    }
}

extension SourceFile {
    /// Where `key` is written again in the block mapping whose first occurrence of it is at
    /// `first`: a later line at the same column, before the mapping ends (a line indented less).
    /// Nil for flow mappings and anything unusual; the caller then points at the first occurrence.
    static func repetition(of key: String, after first: (line: Int, column: Int),
                           lines: SourceLines) -> (line: Int, column: Int)? {
        guard !key.isEmpty else { return nil }
        var n = first.line + 1
        while let line = lines.line(n) {
            defer { n += 1 }
            let indent = line.prefix { $0 == " " }.count
            let rest = line.dropFirst(indent)
            if rest.isEmpty || rest.hasPrefix("#") { continue }
            if indent + 1 < first.column { return nil }   // the mapping has ended
            guard indent + 1 == first.column, rest.hasPrefix(key) else { continue }
            let after = rest.dropFirst(key.count).drop { $0 == " " }
            if after.hasPrefix(":") { return (n, first.column) }
        }
        return nil
    }
}

/// The lines of the scenario text, for the caret display under a diagnostic.
struct SourceLines {
    private let lines: [String]
    init(_ text: String) {
        // Split on bytes: "\r\n" is a single Character, so splitting Characters on "\n" would miss it.
        lines = text.utf8.split(separator: 10, omittingEmptySubsequences: false).map { l in
            String(decoding: l.last == 13 ? l.dropLast() : l, as: UTF8.self)
        }
    }
    func line(_ n: Int) -> String? {
        guard n >= 1, n <= lines.count else { return nil }
        return lines[n - 1]
    }
}
