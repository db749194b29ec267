/// A quick pass over the raw text that refuses two kinds of hostile input before Yams sees it.
///
/// 1. Absurdly deep nesting. Yams builds its node tree recursively, so a 100 000-deep `[[[[…` would
///    exhaust the stack. This scan estimates the depth without recursion: open flow collections
///    (`[`, `{`) plus open block collections (one per indentation column that starts `- ` entries
///    or `key:` lines). The estimate exceeds the real depth by at most a line or two, and is at
///    least about half of it (a block sequence written at its parent key's column adds no column),
///    so what it lets through is shallow enough for Yams; ``TreeBuilder`` then checks the exact
///    depth.
/// 2. Complex mapping keys (`? ` keys, lists, mappings or aliases used as keys). Yams hashes every
///    key to find duplicates; a key that is an alias of a "billion laughs" structure would be
///    hashed node by node for hours. Scenario keys are always plain names.
struct NestingGuard {
    struct Problem: Error {
        enum Kind { case tooDeep, complexKey }
        var kind: Kind
        var line: Int
        /// 1-based, in characters (as Yams counts).
        var column: Int
    }

    let limit: Int

    init(limit: Int = TreeBuilder.maxDepth) { self.limit = limit }

    private static let space = UInt8(ascii: " "), tab = UInt8(ascii: "\t")
    private static let dash = UInt8(ascii: "-"), question = UInt8(ascii: "?"), colon = UInt8(ascii: ":")
    private static let hash = UInt8(ascii: "#"), comma = UInt8(ascii: ",")
    private static let squote = UInt8(ascii: "'"), dquote = UInt8(ascii: "\""), backslash = UInt8(ascii: "\\")
    private static let lbracket = UInt8(ascii: "["), rbracket = UInt8(ascii: "]")
    private static let lbrace = UInt8(ascii: "{"), rbrace = UInt8(ascii: "}")
    private static let pipe = UInt8(ascii: "|"), greater = UInt8(ascii: ">")
    private static let percent = UInt8(ascii: "%"), dot = UInt8(ascii: ".")
    private static let star = UInt8(ascii: "*"), ampersand = UInt8(ascii: "&"), bang = UInt8(ascii: "!")

    private static func isBlank(_ c: UInt8) -> Bool { c == space || c == tab }
    private static func isFlowIndicator(_ c: UInt8) -> Bool {
        c == comma || c == lbracket || c == rbracket || c == lbrace || c == rbrace
    }

    /// Throws at the first place where the estimated depth passes the limit or a complex key starts.
    func check(_ bytes: [UInt8]) throws(Problem) {
        var blockColumns: [Int] = []          // columns of open block collections
        var flowStarts: [Int] = []            // byte offsets of open flow collections
        var inQuote: UInt8? = nil
        var blockScalarParent: Int? = nil      // the indentation a block scalar's lines must exceed
        var blockScalarIndent: Int? = nil      // the indentation of its first line
        var lineNumber = 0
        var lineStart = 0
        while lineStart <= bytes.count {
            lineNumber += 1
            var lineEnd = lineStart
            while lineEnd < bytes.count, bytes[lineEnd] != 10 { lineEnd += 1 }
            var end = lineEnd
            if end > lineStart, bytes[end - 1] == 13 { end -= 1 }
            let first = lineStart
            defer { lineStart = lineEnd + 1 }

            func problem(_ kind: Problem.Kind, _ i: Int) -> Problem {
                // Characters, not bytes, before i: count the bytes that are not UTF-8 continuations.
                let chars = bytes[first..<max(first, min(i, end))].reduce(0) { $0 + (($1 & 0xC0) == 0x80 ? 0 : 1) }
                return Problem(kind: kind, line: lineNumber, column: chars + 1)
            }

            var indent = 0
            while first + indent < end, bytes[first + indent] == Self.space { indent += 1 }
            let contentStart = first + indent
            let blank = contentStart >= end || bytes[contentStart] == Self.hash

            if let parent = blockScalarParent {
                if contentStart >= end { continue }
                if let contentIndent = blockScalarIndent {
                    if indent >= contentIndent { continue }
                } else if indent > parent {
                    blockScalarIndent = indent
                    continue
                }
                blockScalarParent = nil
                blockScalarIndent = nil
            }

            var i = first
            var valueIndicatorColumn = indent
            if inQuote == nil && flowStarts.isEmpty {
                if blank { continue }
                i = contentStart
                if indent == 0, end - i >= 3,
                   (bytes[i] == Self.dash && bytes[i + 1] == Self.dash && bytes[i + 2] == Self.dash)
                    || (bytes[i] == Self.dot && bytes[i + 1] == Self.dot && bytes[i + 2] == Self.dot),
                   end - i == 3 || Self.isBlank(bytes[i + 3]) {
                    blockColumns.removeAll()
                    i += 3
                } else if indent == 0, bytes[i] == Self.percent {
                    continue
                } else {
                    var columns: [Int] = []
                    // Compact entries: "- - x"; "? key" is a complex key.
                    while i < end, bytes[i] == Self.dash || bytes[i] == Self.question,
                          i + 1 == end || Self.isBlank(bytes[i + 1]) {
                        if bytes[i] == Self.question { throw problem(.complexKey, i) }
                        columns.append(i - first)
                        i += 1
                        while i < end, Self.isBlank(bytes[i]) { i += 1 }
                    }
                    if let afterColon = keyColon(bytes, from: i, to: end) {
                        if i < end, bytes[i] == Self.star { throw problem(.complexKey, i) }
                        columns.append(i - first)
                        i = afterColon
                    }
                    if let firstColumn = columns.first {
                        while let top = blockColumns.last, top > firstColumn { blockColumns.removeLast() }
                        var push = columns[...]
                        if blockColumns.last == firstColumn { push = push.dropFirst() }
                        for c in push {
                            blockColumns.append(c)
                            if blockColumns.count > limit { throw problem(.tooDeep, first + c) }
                        }
                        valueIndicatorColumn = columns.last ?? indent
                    }
                }
            }

            // The rest of the line: quoted scalars, flow collections, aliases, comments, block scalars.
            var atScalarStart = inQuote == nil
            var complexItemStart: Int? = nil   // the item just ended was a collection or an alias
            while i < end {
                let c = bytes[i]
                if let q = inQuote {
                    if q == Self.dquote && c == Self.backslash { i += 2; continue }
                    if c == q {
                        if q == Self.squote, i + 1 < end, bytes[i + 1] == Self.squote { i += 2; continue }
                        inQuote = nil
                        atScalarStart = false
                    }
                    i += 1
                    continue
                }
                if Self.isBlank(c) { i += 1; continue }
                if c == Self.hash, i == first || Self.isBlank(bytes[i - 1]) { break }
                if c == Self.colon, let start = complexItemStart,
                   i + 1 == end || Self.isBlank(bytes[i + 1]) || Self.isFlowIndicator(bytes[i + 1]) {
                    throw problem(.complexKey, start)
                }
                if atScalarStart, c == Self.ampersand || c == Self.bang {
                    // An anchor or a tag: the node itself follows.
                    while i < end, !Self.isBlank(bytes[i]), !(flowStarts.count > 0 && Self.isFlowIndicator(bytes[i])) { i += 1 }
                    continue
                }
                if atScalarStart, c == Self.star {
                    complexItemStart = i
                    while i < end, !Self.isBlank(bytes[i]), !(flowStarts.count > 0 && Self.isFlowIndicator(bytes[i])) { i += 1 }
                    atScalarStart = false
                    continue
                }
                if atScalarStart, c == Self.squote || c == Self.dquote {
                    inQuote = c
                    complexItemStart = nil
                    i += 1
                    continue
                }
                if (!flowStarts.isEmpty || atScalarStart), c == Self.lbracket || c == Self.lbrace {
                    flowStarts.append(i)
                    if blockColumns.count + flowStarts.count > limit { throw problem(.tooDeep, i) }
                    atScalarStart = true
                    complexItemStart = nil
                    i += 1
                    continue
                }
                if !flowStarts.isEmpty {
                    if c == Self.rbracket || c == Self.rbrace {
                        let start = flowStarts.removeLast()
                        complexItemStart = start >= first ? start : first
                        atScalarStart = false
                    } else if c == Self.comma || c == Self.colon || c == Self.dash {
                        atScalarStart = true
                        complexItemStart = nil
                    } else if c == Self.question, i + 1 == end || Self.isBlank(bytes[i + 1]) {
                        throw problem(.complexKey, i)
                    } else {
                        atScalarStart = false
                        complexItemStart = nil
                    }
                    i += 1
                    continue
                }
                if complexItemStart != nil { i += 1; continue }
                if atScalarStart, c == Self.pipe || c == Self.greater {
                    blockScalarParent = valueIndicatorColumn
                    blockScalarIndent = nil
                }
                // A plain scalar in block context: nothing more of interest on this line.
                break
            }
        }
    }

    /// If the text from `i` is `key:` followed by a space or the end of the line (a block mapping
    /// entry), the index after the colon.
    private func keyColon(_ b: [UInt8], from start: Int, to end: Int) -> Int? {
        var i = start
        guard i < end else { return nil }
        let c = b[i]
        if c == Self.lbracket || c == Self.lbrace || c == Self.hash { return nil }
        if c == Self.squote || c == Self.dquote {
            i += 1
            while i < end {
                if c == Self.dquote && b[i] == Self.backslash { i += 2; continue }
                if b[i] == c {
                    if c == Self.squote, i + 1 < end, b[i + 1] == Self.squote { i += 2; continue }
                    break
                }
                i += 1
            }
            i += 1
            while i < end, Self.isBlank(b[i]) { i += 1 }
            if i < end, b[i] == Self.colon, i + 1 == end || Self.isBlank(b[i + 1]) { return i + 1 }
            return nil
        }
        while i < end {
            if b[i] == Self.hash, i > start, Self.isBlank(b[i - 1]) { return nil }
            if b[i] == Self.colon, i + 1 == end || Self.isBlank(b[i + 1]) { return i + 1 }
            i += 1
        }
        return nil
    }
}
