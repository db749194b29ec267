/// "Did you mean …?" suggestions by edit distance.
enum Suggest {
    /// Optimal string alignment distance (Levenshtein plus adjacent transpositions, so
    /// "exponentail" is one edit from "exponential"). Case differences count as edits.
    static func distance(_ a: String, _ b: String) -> Int {
        let x = Array(a.unicodeScalars), y = Array(b.unicodeScalars)
        if x.isEmpty { return y.count }
        if y.isEmpty { return x.count }
        var prev2 = [Int](repeating: 0, count: y.count + 1)
        var prev = Array(0...y.count)
        var cur = [Int](repeating: 0, count: y.count + 1)
        for i in 1...x.count {
            cur[0] = i
            for j in 1...y.count {
                let cost = x[i - 1] == y[j - 1] ? 0 : 1
                var v = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
                if i > 1, j > 1, x[i - 1] == y[j - 2], x[i - 2] == y[j - 1] {
                    v = min(v, prev2[j - 2] + 1)
                }
                cur[j] = v
            }
            (prev2, prev, cur) = (prev, cur, prev2)
        }
        return prev[y.count]
    }

    /// The candidate closest to `word`, if it is close enough to be a likely typo: a case-insensitive
    /// match, or at most about a third of the word's letters changed (at least 1, at most 3).
    /// Ties go to the earlier candidate, so the answer never depends on hash order.
    static func closest(to word: String, in candidates: [String]) -> String? {
        guard !word.isEmpty, word.count <= 64 else { return nil }
        let lower = word.lowercased()
        if let same = candidates.first(where: { $0.lowercased() == lower }) { return same }
        let limit = max(1, min(3, word.count / 3))
        var best: (String, Int)?
        // Bounded work whatever the input: a CSV header may have a million columns.
        for c in candidates.prefix(10_000) where abs(c.count - word.count) <= limit {
            let d = distance(lower, c.lowercased())
            if d <= limit, d < (best?.1 ?? Int.max) { best = (c, d) }
        }
        return best?.0
    }

    /// `did you mean "x"? known: a, b, c` — or just the list when nothing is close.
    static func hint(for word: String, in candidates: [String], listLabel: String = "known",
                     extraCandidates: [String] = []) -> String {
        let list = listOf(candidates)
        if let s = closest(to: word, in: candidates) ?? closest(to: word, in: extraCandidates) {
            return "did you mean \(quoted(s))? \(listLabel): \(list)"
        }
        return "\(listLabel): \(list)"
    }

    /// `a, b, c`, shortened with `…` past a dozen names.
    static func listOf(_ names: [String]) -> String {
        if names.isEmpty { return "(none)" }
        if names.count <= 12 { return names.joined(separator: ", ") }
        return names.prefix(12).joined(separator: ", ") + ", …"
    }
}
