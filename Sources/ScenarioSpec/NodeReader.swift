/// The keys a mapping may have: those this version decodes, and those the spec defines but this
/// version does not model yet (each with a hint saying what is supported instead).
struct KeySchema {
    var supported: [String]
    var unsupported: [(key: String, hint: String)] = []

    func unsupportedHint(_ key: String) -> String? { unsupported.first { $0.key == key }?.hint }
}

/// A mapping whose keys have been checked against a ``KeySchema``: lookups by name, in file order.
struct Fields {
    let node: YNode
    let pairs: [YPair]

    subscript(_ key: String) -> YNode? { pairs.first { $0.name == key }?.value }
    func keyNode(_ key: String) -> YNode? { pairs.first { $0.name == key }?.key }
    func has(_ key: String) -> Bool { self[key] != nil }
}

extension DecodeContext {
    /// `"x" is not supported yet in this version of clustersim`.
    static func notSupported(_ what: String) -> String {
        "\(quoted(what)) is not supported yet in this version of clustersim"
    }

    /// Checks that `node` is a mapping and every key is known; reports unsupported and unknown keys.
    /// Returns the known entries (nil when the node is not a mapping).
    func fields(_ node: YNode, _ what: String, schema: KeySchema) -> Fields? {
        guard let pairs = node.pairs else {
            error("\(quoted(what)) must be a mapping, found \(node.kindDescription)", at: node,
                  hint: "write its keys (\(Suggest.listOf(schema.supported))) indented below it, or as {key: value, …}")
            return nil
        }
        var known: [YPair] = []
        for pair in pairs {
            guard let name = pair.name, !pair.key.isNull else {
                error("keys must be plain names, found \(pair.key.kindDescription)", at: pair.key)
                continue
            }
            if schema.supported.contains(name) {
                known.append(pair)
            } else if let hint = schema.unsupportedHint(name) {
                error(Self.notSupported(name), at: pair.key, hint: hint)
            } else {
                error("unknown key \(quoted(name))", at: pair.key,
                      hint: Suggest.hint(for: name, in: schema.supported, listLabel: "valid keys",
                                         extraCandidates: schema.unsupported.map(\.key)))
            }
        }
        return Fields(node: node, pairs: known)
    }

    /// Reports a required key that is missing, at the mapping.
    func missing(_ key: String, in fields: Fields, _ what: String, hint: String? = nil) {
        error("\(what) is missing \(quoted(key))", at: fields.node, hint: hint)
    }

    // MARK: - Scalars

    /// The text of a scalar; an error (and nil) for collections and empty values.
    func scalar(_ node: YNode, _ what: String, expected: String) -> String? {
        if node.isNull {
            error("\(quoted(what)) has no value", at: node, hint: "write \(expected) after \"\(what):\"")
            return nil
        }
        guard let s = node.scalarText else {
            error("\(quoted(what)) must be \(expected), found \(node.kindDescription)", at: node)
            return nil
        }
        return s
    }

    func string(_ node: YNode, _ what: String) -> String? {
        scalar(node, what, expected: "a string")
    }

    /// A whole number in `range`.
    func integer(_ node: YNode, _ what: String, in range: ClosedRange<Int64>) -> Int64? {
        guard let text = scalar(node, what, expected: "a whole number") else { return nil }
        guard let v = Units.integer(text) else {
            var hint: String? = nil
            if Units.number(text) != nil { hint = "write a whole number, e.g. \(range.lowerBound)" }
            else if Units.splitNumber(text) != nil { hint = "write a plain number, without a unit" }
            error("\(quoted(what)) must be a whole number, found \(quoted(text))", at: node, hint: hint)
            return nil
        }
        guard range.contains(v) else {
            error("\(quoted(what)) \(describe(range)), found \(v)", at: node)
            return nil
        }
        return v
    }

    func int(_ node: YNode, _ what: String, in range: ClosedRange<Int>) -> Int? {
        integer(node, what, in: Int64(range.lowerBound)...Int64(range.upperBound)).map { Int($0) }
    }

    private func describe(_ r: ClosedRange<Int64>) -> String {
        if r.upperBound == Int64.max || r.upperBound == Int64(Int.max) { return "must be at least \(r.lowerBound)" }
        return "must be between \(r.lowerBound) and \(r.upperBound)"
    }

    /// A plain number (no unit); `check` returns a complaint (`"must be positive"`) or nil.
    func number(_ node: YNode, _ what: String, check: (Double) -> String? = { _ in nil }) -> Double? {
        guard let text = scalar(node, what, expected: "a number") else { return nil }
        guard let v = Units.number(text) else {
            let hint = Units.splitNumber(text) != nil ? "write a plain number, without a unit" : nil
            error("\(quoted(what)) must be a number, found \(quoted(text))", at: node, hint: hint)
            return nil
        }
        if let complaint = check(v) {
            error("\(quoted(what)) \(complaint), found \(text)", at: node)
            return nil
        }
        return v
    }

    func bool(_ node: YNode, _ what: String) -> Bool? {
        guard let text = scalar(node, what, expected: "true or false") else { return nil }
        switch text {
        case "true", "True", "TRUE": return true
        case "false", "False", "FALSE": return false
        default:
            error("\(quoted(what)) must be true or false, found \(quoted(text))", at: node)
            return nil
        }
    }

    /// A duration in integer nanoseconds; zero only when `allowZero`.
    func duration(_ node: YNode, _ what: String, allowZero: Bool = false) -> Int64? {
        guard let text = scalar(node, what, expected: "a duration such as \"5ms\"") else { return nil }
        switch Units.duration(text) {
        case .failure(let p):
            error(p.message, at: node, hint: p.hint)
            return nil
        case .success(let ns):
            if ns == 0 && !allowZero {
                error("\(quoted(what)) must be longer than 0, found \(quoted(text))", at: node)
                return nil
            }
            return ns
        }
    }

    /// A duration in seconds, for distribution parameters (exact nanoseconds, then one division).
    func seconds(_ node: YNode, _ what: String, allowZero: Bool = false) -> Double? {
        duration(node, what, allowZero: allowZero).map { Double($0) / 1e9 }
    }

    /// A rate per second; zero only when `allowZero`, never negative.
    func rate(_ node: YNode, _ what: String, allowZero: Bool = false) -> Double? {
        guard let text = scalar(node, what, expected: "a rate such as \"100/s\"") else { return nil }
        switch Units.rate(text) {
        case .failure(let p):
            error(p.message, at: node, hint: p.hint)
            return nil
        case .success(let r):
            if r < 0 || (r == 0 && !allowZero) {
                error("\(quoted(what)) must be \(allowZero ? "zero or positive" : "positive"), found \(quoted(text))", at: node)
                return nil
            }
            return r
        }
    }

    /// A fraction in [0, 1], written `0.25` or `25%`.
    func fraction(_ node: YNode, _ what: String) -> Double? {
        guard let text = scalar(node, what, expected: "a fraction such as 0.25 or \"25%\"") else { return nil }
        switch Units.fraction(text) {
        case .failure(let p):
            error("\(quoted(what)): \(p.message)", at: node, hint: p.hint)
            return nil
        case .success(let f): return f
        }
    }

    /// The items of a list.
    func list(_ node: YNode, _ what: String) -> [YNode]? {
        guard let items = node.items else {
            error("\(quoted(what)) must be a list, found \(node.kindDescription)", at: node,
                  hint: "write the items as \"- item\" lines below it, or as [a, b, …]")
            return nil
        }
        return items
    }

    /// One of `choices`; an unknown value gets a did-you-mean. `unsupported` values (known to the
    /// spec, not modelled yet) get the "not supported yet" message with `unsupportedHint`.
    func choice(_ node: YNode, _ what: String, _ choices: [String], unsupported: [String] = [],
                unsupportedHint: String? = nil) -> String? {
        guard let text = scalar(node, what, expected: "one of \(choices.joined(separator: ", "))") else { return nil }
        if choices.contains(text) { return text }
        if unsupported.contains(text) {
            error("\(what) \(Self.notSupported(text))", at: node,
                  hint: unsupportedHint ?? "supported: \(choices.joined(separator: ", "))")
            return nil
        }
        error("unknown \(what) \(quoted(text))", at: node,
              hint: Suggest.hint(for: text, in: choices + unsupported))
        return nil
    }
}
