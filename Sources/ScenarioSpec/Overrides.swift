import Yams

/// `--set PATH=VALUE` overrides, applied to the YAML tree before decoding (scenario-format.md,
/// "SLOs, sweeps, plans": parameter paths are dotted paths into the scenario; a list item is named
/// by its `name`).
///
/// Diagnostics about an argument point into it: file `--set`, line 1, the column of the offending
/// segment (or value character) in the argument, with the argument as the source line. A value that
/// replaces a key keeps those locations, so the decoder's own errors about it point there too; a
/// key the path adds (e.g. `stop.requests` in a file with only `duration`) is checked by the
/// decoder like any other, so a misspelt key gets the usual did-you-mean.
enum Overrides {
    static let file = "--set"
    static let maxSegments = 32

    static func apply(_ arguments: [String], to root: inout YNode, ctx: DecodeContext) {
        for argument in arguments { applyOne(argument, to: &root, ctx: ctx) }
    }

    private struct Segment {
        var name: String
        /// 1-based column of the segment in the argument.
        var column: Int
    }

    private static func location(_ column: Int) -> SourceLocation {
        SourceLocation(file: file, line: 1, column: column)
    }

    private static func report(_ ctx: DecodeContext, _ message: String, column: Int, argument: String, hint: String? = nil) {
        ctx.add(Diagnostic(.error, message, at: location(column), hint: hint, sourceLine: argument))
    }

    private static func applyOne(_ argument: String, to root: inout YNode, ctx: DecodeContext) {
        let example = "write PATH=VALUE, e.g. services.web.replicas=6 or workload.browse.rate=400/s"
        guard let eq = argument.firstIndex(of: "=") else {
            report(ctx, "malformed --set \(quoted(argument)): expected PATH=VALUE", column: 1, argument: argument, hint: example)
            return
        }
        let pathText = argument[argument.startIndex..<eq]
        let valueText = String(argument[argument.index(after: eq)...])
        let valueColumn = pathText.count + 2
        var segments: [Segment] = []
        var column = 1
        for part in pathText.split(separator: ".", omittingEmptySubsequences: false) {
            let name = String(part.trimmingSpacesSubstring())
            if name.isEmpty {
                report(ctx, pathText.isEmpty ? "malformed --set \(quoted(argument)): the path before \"=\" is empty"
                                             : "empty segment in --set path \(quoted(String(pathText)))",
                       column: column, argument: argument, hint: example)
                return
            }
            segments.append(Segment(name: name, column: column))
            column += part.count + 1
        }
        if segments.count > maxSegments {
            report(ctx, "--set path has more than \(maxSegments) segments", column: 1, argument: argument)
            return
        }
        guard let value = parseValue(valueText, column: valueColumn, argument: argument, ctx: ctx) else { return }
        guard root.pairs != nil else {
            report(ctx, "cannot apply --set: the scenario is not a mapping", column: 1, argument: argument)
            return
        }
        set(&root, segments[...], value: value, walked: [], argument: argument, ctx: ctx)
    }

    /// The value as a YAML node located in the argument.
    private static func parseValue(_ text: String, column: Int, argument: String, ctx: DecodeContext) -> YNode? {
        let here = location(column)
        if text.trimmingSpaces().isEmpty {
            return YNode(.scalar("", quoted: false), at: here, sourceLine: argument)
        }
        do throws(NestingGuard.Problem) {
            try NestingGuard().check(Array(text.utf8))
        } catch {
            let message = error.kind == .tooDeep ? "--set value is nested deeper than \(TreeBuilder.maxDepth) levels"
                                                 : "mapping keys in a --set value must be plain names"
            report(ctx, message, column: column + error.column - 1, argument: argument)
            return nil
        }
        let node: Node?
        do {
            node = try Yams.compose(yaml: text)
        } catch let error as YamlError {
            var d = SourceFile.syntaxError(error, file: file, text: text, lines: SourceLines(text))
            if let l = d.location { d.location = location(column + (l.line == 1 ? l.column - 1 : 0)) }
            d.sourceLine = argument
            d.message = "in --set value: " + d.message
            ctx.add(d)
            return nil
        } catch {
            report(ctx, "invalid --set value \(quoted(text))", column: column, argument: argument)
            return nil
        }
        guard let node else { return YNode(.scalar("", quoted: false), at: here, sourceLine: argument) }
        var builder = TreeBuilder(file: file)
        guard let tree = try? builder.build(node) else {
            report(ctx, "--set value is too large or too deeply nested", column: column, argument: argument)
            return nil
        }
        return relocated(tree, offset: column - 1, argument: argument)
    }

    /// Moves a node parsed from the value text to its place in the argument.
    private static func relocated(_ node: YNode, offset: Int, argument: String) -> YNode {
        var n = node
        if n.location.line == 1 { n.location.column += offset }
        n.location.line = 1
        n.sourceLine = argument
        switch n.content {
        case .scalar: break
        case .sequence(let items): n.content = .sequence(items.map { relocated($0, offset: offset, argument: argument) })
        case .mapping(let pairs):
            n.content = .mapping(pairs.map {
                YPair(key: relocated($0.key, offset: offset, argument: argument),
                      value: relocated($0.value, offset: offset, argument: argument))
            })
        }
        return n
    }

    /// Mappings whose keys are names the user chose: a missing name there is a typo, not a new key.
    private static func namedCollection(_ walked: [String]) -> String? {
        if walked == ["services"] { return "service" }
        if walked.count == 3, walked[0] == "services", walked[2] == "endpoints" { return "endpoint" }
        return nil
    }

    private static func set(_ node: inout YNode, _ segments: ArraySlice<Segment>, value: YNode, walked: [String],
                            argument: String, ctx: DecodeContext) {
        guard let segment = segments.first else { return }
        let rest = segments.dropFirst()
        let here = walked.isEmpty ? "the scenario" : quoted(walked.joined(separator: "."))
        if node.isNull { node.content = .mapping([]) }   // `stop:` with nothing yet
        switch node.content {
        case .mapping(var pairs):
            if let i = pairs.firstIndex(where: { $0.name == segment.name }) {
                if rest.isEmpty {
                    pairs[i].value = value
                } else {
                    set(&pairs[i].value, rest, value: value, walked: walked + [segment.name], argument: argument, ctx: ctx)
                }
                node.content = .mapping(pairs)
                return
            }
            if let kind = namedCollection(walked) {
                let names = pairs.compactMap(\.name)
                let message = kind == "service" ? "unknown service \(quoted(segment.name))"
                    : "service \(quoted(walked[1])) has no endpoint \(quoted(segment.name))"
                report(ctx, message, column: segment.column, argument: argument, hint: Suggest.hint(for: segment.name, in: names))
                return
            }
            let key = YNode(.scalar(segment.name, quoted: false), at: location(segment.column), sourceLine: argument)
            if rest.isEmpty {
                pairs.append(YPair(key: key, value: value))
            } else {
                var child = YNode(.mapping([]), at: location(segment.column), sourceLine: argument)
                set(&child, rest, value: value, walked: walked + [segment.name], argument: argument, ctx: ctx)
                pairs.append(YPair(key: key, value: child))
            }
            node.content = .mapping(pairs)
        case .sequence(var items):
            let names = items.map { item in item.pairs?.first(where: { $0.name == "name" })?.value.scalarText }
            guard let i = names.firstIndex(where: { $0 == segment.name }) else {
                report(ctx, "\(here) has no item named \(quoted(segment.name))", column: segment.column, argument: argument,
                       hint: Suggest.hint(for: segment.name, in: names.compactMap { $0 }, listLabel: "names"))
                return
            }
            if rest.isEmpty {
                items[i] = value
            } else {
                set(&items[i], rest, value: value, walked: walked + [segment.name], argument: argument, ctx: ctx)
            }
            node.content = .sequence(items)
        case .scalar:
            report(ctx, "\(here) is a single value, so it has no \(quoted(segment.name))", column: segment.column,
                   argument: argument, hint: "set \(here) itself: \(walked.joined(separator: "."))=VALUE")
        }
    }
}

extension Substring {
    func trimmingSpacesSubstring() -> Substring {
        var s = self
        while let f = s.first, f == " " || f == "\t" { s = s.dropFirst() }
        while let l = s.last, l == " " || l == "\t" { s = s.dropLast() }
        return s
    }
}
