import Foundation

/// Reading one column of a CSV data file (empirical samples, arrival traces): RFC 4180 with a
/// header row, quoted fields allowed, blank lines skipped.
enum DataFiles {
    /// Largest data file read (samples and traces can be long; each value costs 8 bytes once read).
    static let maxBytes = 256 << 20

    struct Cell {
        /// 1-based line of the file where the row starts.
        var line: Int
        var text: String
    }

    struct Column {
        var name: String
        var cells: [Cell]
    }

    /// A problem with the file itself; the caller places it at the `file:` value.
    struct Problem: Error {
        var message: String
        var hint: String?
    }

    /// `path` resolved against `base` unless it is absolute.
    static func resolve(_ path: String, base: String) -> String {
        if path.hasPrefix("/") || base.isEmpty { return path }
        return base.hasSuffix("/") ? base + path : base + "/" + path
    }

    /// The cells of `column` (the first column when nil) of the CSV file at `path`.
    static func readColumn(path: String, shownAs shown: String, column: String?) -> Result<Column, Problem> {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue else {
            return .failure(Problem(message: "data file \(quoted(shown)) not found",
                                    hint: "paths are relative to the scenario file's directory (looked for \(quoted(path)))"))
        }
        guard let handle = FileHandle(forReadingAtPath: path) else {
            return .failure(Problem(message: "cannot read data file \(quoted(shown))"))
        }
        defer { try? handle.close() }
        guard let data = try? handle.read(upToCount: maxBytes + 1) else {
            return .failure(Problem(message: "cannot read data file \(quoted(shown))"))
        }
        if data.count > maxBytes {
            return .failure(Problem(message: "data file \(quoted(shown)) is larger than \(maxBytes >> 20) MiB"))
        }
        guard let text = String(data: data, encoding: .utf8) else {
            return .failure(Problem(message: "data file \(quoted(shown)) is not UTF-8 text"))
        }
        let rows = parse(text)
        guard let header = rows.first else {
            return .failure(Problem(message: "data file \(quoted(shown)) is empty",
                                    hint: "a header row naming the columns, then one value per row"))
        }
        let names = header.fields.map { $0.trimmingSpaces() }.map(String.init)
        let index: Int
        if let column {
            guard let i = names.firstIndex(of: column) else {
                return .failure(Problem(message: "data file \(quoted(shown)) has no column \(quoted(column))",
                                        hint: Suggest.hint(for: column, in: names, listLabel: "columns")))
            }
            index = i
        } else {
            index = 0
        }
        var cells: [Cell] = []
        cells.reserveCapacity(rows.count - 1)
        for row in rows.dropFirst() {
            let text = index < row.fields.count ? String(row.fields[index].trimmingSpaces()) : ""
            cells.append(Cell(line: row.line, text: text))
        }
        return .success(Column(name: names[index], cells: cells))
    }

    struct Row {
        var line: Int
        var fields: [String]
    }

    /// Splits CSV text into rows of fields. Blank lines are skipped; a quoted field may hold commas,
    /// newlines and doubled quotes.
    static func parse(_ text: String) -> [Row] {
        var rows: [Row] = []
        var fields: [String] = []
        var field: [UInt8] = []
        var inQuotes = false
        var line = 1
        var rowLine = 1
        var rowHasContent = false
        let bytes = Array(text.utf8)
        var i = 0
        func endField() {
            fields.append(String(decoding: field, as: UTF8.self))
            field.removeAll(keepingCapacity: true)
        }
        func endRow() {
            endField()
            if rowHasContent || fields.count > 1 { rows.append(Row(line: rowLine, fields: fields)) }
            fields.removeAll(keepingCapacity: true)
            rowHasContent = false
        }
        while i < bytes.count {
            let c = bytes[i]
            if inQuotes {
                if c == UInt8(ascii: "\"") {
                    if i + 1 < bytes.count, bytes[i + 1] == UInt8(ascii: "\"") { field.append(c); i += 2; continue }
                    inQuotes = false
                } else {
                    if c == 10 { line += 1 }
                    field.append(c)
                }
                i += 1
                continue
            }
            switch c {
            case UInt8(ascii: "\""): inQuotes = true; rowHasContent = true
            case UInt8(ascii: ","): endField()
            case 13: break
            case 10:
                endRow()
                line += 1
                rowLine = line
            default:
                field.append(c)
                if c != UInt8(ascii: " ") && c != UInt8(ascii: "\t") { rowHasContent = true }
            }
            i += 1
        }
        if rowHasContent || !fields.isEmpty { endRow() }
        return rows
    }
}
