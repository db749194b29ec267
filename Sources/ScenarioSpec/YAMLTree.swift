import Yams

/// The YAML document as the decoder reads it: Yams' node tree converted into values that carry a
/// full ``SourceLocation`` (file, 1-based line, 1-based column of the value's first character).
///
/// Our own tree rather than `Yams.Node`, because `--set` overrides graft nodes that come from the
/// command line (file `--set`), and Yams' `Mark` cannot be made outside Yams.
struct YNode {
    enum Content {
        /// A scalar's text; `quoted` for quoted, block (`|`, `>`) or `!!str`-tagged scalars, which
        /// are always strings.
        case scalar(String, quoted: Bool)
        case mapping([YPair])
        case sequence([YNode])
    }

    var content: Content
    var location: SourceLocation
    /// The text of the line the node came from, when it is not a line of the scenario file
    /// (nodes from `--set` carry the argument).
    var sourceLine: String?

    init(_ content: Content, at location: SourceLocation, sourceLine: String? = nil) {
        self.content = content; self.location = location; self.sourceLine = sourceLine
    }

    /// Plain `~`, `null`, `Null`, `NULL` or nothing at all (`key:` without a value).
    var isNull: Bool {
        if case .scalar(let s, let q) = content, !q { return s.isEmpty || s == "~" || s == "null" || s == "Null" || s == "NULL" }
        return false
    }

    var scalarText: String? {
        if case .scalar(let s, _) = content, !isNull { return s }
        return nil
    }

    var isQuoted: Bool {
        if case .scalar(_, let q) = content { return q }
        return false
    }

    var pairs: [YPair]? {
        if case .mapping(let p) = content { return p }
        return nil
    }

    var items: [YNode]? {
        if case .sequence(let s) = content { return s }
        return nil
    }

    /// "a mapping", "a list", "a string" …, for messages.
    var kindDescription: String {
        switch content {
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .scalar(let s, let q):
            if isNull { return "nothing" }
            if !q, Units.number(s) != nil { return "the number \(s)" }
            return "\(quoted(s))"
        }
    }
}

/// A mapping entry. Keys are kept as nodes, so messages can point at them.
struct YPair {
    var key: YNode
    var value: YNode
    /// The key's text, when the key is a scalar.
    var name: String? {
        if case .scalar(let s, _) = key.content { return s }
        return nil
    }
}

/// Converts Yams nodes to ``YNode``s, enforcing the depth and size limits on the way.
struct TreeBuilder {
    /// Deepest nesting accepted (collections within collections).
    static let maxDepth = 64
    /// Most nodes accepted, counting every use of an alias again (a "billion laughs" document is
    /// tiny on disk and enormous once its aliases are expanded).
    static let maxNodes = 1_000_000

    enum Failure: Error {
        case tooDeep(Mark?)
        case tooManyNodes(Mark?)
    }

    let file: String
    private var count = 0

    init(file: String) { self.file = file }

    mutating func build(_ node: Node) throws(Failure) -> YNode {
        try convert(node, depth: 1)
    }

    private func location(_ mark: Mark?) -> SourceLocation {
        SourceLocation(file: file, line: mark?.line ?? 1, column: mark?.column ?? 1)
    }

    private mutating func convert(_ node: Node, depth: Int) throws(Failure) -> YNode {
        count += 1
        if count > Self.maxNodes { throw .tooManyNodes(node.mark) }
        if depth > Self.maxDepth + 1 { throw .tooDeep(node.mark) }
        switch node {
        case .scalar(let s):
            let quoted = s.style == .singleQuoted || s.style == .doubleQuoted || s.style == .literal
                || s.style == .folded || s.tag.description == Tag.Name.str.rawValue
            return YNode(.scalar(s.string, quoted: quoted), at: location(s.mark))
        case .mapping(let m):
            if depth > Self.maxDepth { throw .tooDeep(node.mark) }
            var pairs: [YPair] = []
            pairs.reserveCapacity(m.count)
            for (k, v) in m {
                let key = try convert(k, depth: depth + 1)
                let value = try convert(v, depth: depth + 1)
                pairs.append(YPair(key: key, value: value))
            }
            return YNode(.mapping(pairs), at: location(m.mark))
        case .sequence(let q):
            if depth > Self.maxDepth { throw .tooDeep(node.mark) }
            var items: [YNode] = []
            items.reserveCapacity(q.count)
            for n in q { items.append(try convert(n, depth: depth + 1)) }
            return YNode(.sequence(items), at: location(q.mark))
        case .alias(let a):
            // The parser resolves aliases to their nodes; this case only exists for emitting.
            return YNode(.scalar("*" + a.anchor.rawValue, quoted: true), at: location(a.mark))
        }
    }
}
