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

    static func apply(_ arguments: [String], to root: inout YNode, ctx: DecodeContext) {
        for argument in arguments { applyOne(argument, to: &root, ctx: ctx) }
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
        let pathText = String(argument[argument.startIndex..<eq])
        let valueText = String(argument[argument.index(after: eq)...])
        let valueColumn = pathText.count + 2
        if pathText.trimmingSpaces().isEmpty {
            report(ctx, "malformed --set \(quoted(argument)): the path before \"=\" is empty", column: 1, argument: argument, hint: example)
            return
        }
        guard let path = ParameterPaths.parse(pathText, at: location(1), sourceLine: argument, label: "--set path",
                                              hint: example, report: ctx.add) else { return }
        guard let value = parseValue(valueText, column: valueColumn, argument: argument, ctx: ctx) else { return }
        guard root.pairs != nil else {
            report(ctx, "cannot apply --set: the scenario is not a mapping", column: 1, argument: argument)
            return
        }
        ParameterPaths.assign(&root, path, value: value, report: ctx.add)
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
            node = try Yams.compose(yaml: text, .basic)   // as SourceFile.parse: no implicit typing
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
}

extension Substring {
    func trimmingSpacesSubstring() -> Substring {
        var s = self
        while let f = s.first, f == " " || f == "\t" { s = s.dropFirst() }
        while let l = s.last, l == " " || l == "\t" { s = s.dropLast() }
        return s
    }
}
