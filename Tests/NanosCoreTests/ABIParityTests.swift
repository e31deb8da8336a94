import Foundation
import NanosCore
import Testing

/// docs/abi.md, the C, Swift and JS SDKs against the ABI table: a call, a parameter or an
/// errno that one of them adds, drops or types differently fails here.
@Suite struct ABIParityTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    static func read(_ path: String) throws -> String {
        try String(contentsOf: root.appendingPathComponent(path), encoding: .utf8)
    }

    /// The text with every run of whitespace made one space.
    static func flattened(_ text: String) -> String {
        text.split(whereSeparator: \.isWhitespace).joined(separator: " ")
    }

    /// Kinds of wasm parameter an SDK declaration may have.
    enum Kind: Equatable, CustomStringConvertible {
        case pointer, i32
        var description: String { self == .pointer ? "pointer" : "i32" }
    }

    static func expectedKinds(_ call: ABICall) -> [Kind] {
        call.parameters.flatMap { parameter -> [Kind] in
            switch parameter {
            case .bytes, .output: return [.pointer, .i32]
            case .int: return [.i32]
            }
        }
    }

    static func matches(_ pattern: String, in text: String) -> [[String]] {
        guard let regex = try? NSRegularExpression(pattern: pattern) else { return [] }
        let range = NSRange(text.startIndex..., in: text)
        return regex.matches(in: text, range: range).map { match in
            (0..<match.numberOfRanges).map { index in
                Range(match.range(at: index), in: text).map { String(text[$0]) } ?? ""
            }
        }
    }

    /// The rows of the markdown table(s) under `heading`, up to the next `## ` heading.
    static func rows(of doc: String, under heading: String) -> [[String]] {
        guard let start = doc.range(of: heading) else { return [] }
        let rest = doc[start.upperBound...]
        let section = rest.range(of: "\n## ").map { rest[..<$0.lowerBound] } ?? rest
        return section.split(separator: "\n").filter { $0.hasPrefix("| `") }.map { line in
            line.split(separator: "|", omittingEmptySubsequences: false).map {
                $0.trimmingCharacters(in: .whitespaces)
            }.filter { !$0.isEmpty }
        }
    }

    static func checkDocRows(_ rows: [[String]], _ calls: [ABICall], _ where_: String) {
        var seen: Set<String> = []
        for row in rows where row.count >= 3 {
            let name = row[0].trimmingCharacters(in: CharacterSet(charactersIn: "`"))
            guard let call = calls.first(where: { $0.name == name }) else {
                Issue.record("\(where_) documents \(name), which is not in the ABI table")
                continue
            }
            seen.insert(name)
            #expect(
                row[1] == "`\(call.signature)`",
                "\(where_): \(name) is documented as \(row[1]), the table says \(call.signature)")
            #expect(row[2] == (call.group?.rawValue ?? "always"), "\(where_): \(name)'s group is \(row[2])")
        }
        for call in calls where !seen.contains(call.name) {
            Issue.record("\(where_) has no row for \(call.name)")
        }
    }

    @Test func docsListEveryCallWithItsSignatureAndGroup() throws {
        let doc = try Self.read("docs/abi.md")
        Self.checkDocRows(Self.rows(of: doc, under: "## Calls (module `nanos`)"), ABI.v1, "docs/abi.md (nanos)")
        Self.checkDocRows(
            Self.rows(of: doc, under: "## The original ABI (module `env`)"), ABI.original, "docs/abi.md (env)")
    }

    @Test func cHeaderDeclaresEveryCall() throws {
        let header = Self.flattened(try Self.read("guest/c/nanos.h"))
        let declarations = Self.matches(
            #"NANOS_IMPORT\("(\w+)"\) (int64_t|int32_t) nanos_sys_(\w+)\(([^)]*)\);"#, in: header)
        var seen: Set<String> = []
        for match in declarations {
            let (name, result, function, parameters) = (match[1], match[2], match[3], match[4])
            guard let call = ABI.v1.first(where: { $0.name == name }) else {
                Issue.record("nanos.h declares \(name), which is not in the ABI table")
                continue
            }
            seen.insert(name)
            #expect(function == name, "nanos.h names the import \(name) nanos_sys_\(function)")
            #expect(result == (call.returnsI64 ? "int64_t" : "int32_t"), "nanos.h: \(name) returns \(result)")
            let kinds: [Kind] =
                parameters == "void" || parameters.isEmpty
                ? []
                : parameters.split(separator: ",").map { $0.contains("*") ? .pointer : .i32 }
            #expect(kinds == Self.expectedKinds(call), "nanos.h: \(name) takes \(kinds)")
        }
        for call in ABI.v1 where !seen.contains(call.name) {
            Issue.record("nanos.h does not declare \(call.name)")
        }
    }

    @Test func swiftSDKDeclaresEveryCall() throws {
        let sdk = Self.flattened(try Self.read("guest/swift/Nanos.swift"))
        let declarations = Self.matches(
            #"@_extern\(wasm, module: "nanos", name: "(\w+)"\) @_extern\(c\) func nanos_sys_(\w+)\(([^)]*)\) -> (Int64|Int32)"#,
            in: sdk)
        var seen: Set<String> = []
        for match in declarations {
            let (name, function, parameters, result) = (match[1], match[2], match[3], match[4])
            guard let call = ABI.v1.first(where: { $0.name == name }) else {
                Issue.record("Nanos.swift declares \(name), which is not in the ABI table")
                continue
            }
            seen.insert(name)
            #expect(function == name, "Nanos.swift names the import \(name) nanos_sys_\(function)")
            #expect(result == (call.returnsI64 ? "Int64" : "Int32"), "Nanos.swift: \(name) returns \(result)")
            let kinds: [Kind] =
                parameters.isEmpty
                ? [] : parameters.split(separator: ",").map { $0.contains("Pointer") ? .pointer : .i32 }
            #expect(kinds == Self.expectedKinds(call), "Nanos.swift: \(name) takes \(kinds)")
        }
        for call in ABI.v1 where !seen.contains(call.name) {
            Issue.record("Nanos.swift does not declare \(call.name)")
        }
    }

    @Test func jsBindingCoversEveryCallItNames() throws {
        let binding = try Self.read("guest/js/runtime/nanos_js_sys.c")
        let sdk = try Self.read("guest/js/nanos.js")
        let table = ABI.v1.compactMap(\.jsBinding)
        for name in table {
            #expect(binding.contains("DEF(\"\(name)\","), "nanos_js_sys.c has no binding \(name)")
            #expect(sdk.contains("sys.\(name)("), "nanos.js never calls sys.\(name)")
        }
        let bound = Self.matches(#"JS_CFUNC(?:_MAGIC)?_DEF\("(\w+)""#, in: binding).map { $0[1] }
        for name in bound where !table.contains(name) && !["hooks", "exit"].contains(name) {
            Issue.record("nanos_js_sys.c binds \(name), which no call of the ABI table names")
        }
    }

    @Test func everySDKSpellsTheErrnoTable() throws {
        let doc = try Self.read("docs/abi.md")
        let header = try Self.read("guest/c/nanos.h")
        let swift = try Self.read("guest/swift/Nanos.swift")
        let js = try Self.read("guest/js/nanos.js") + (try Self.read("guest/js/runtime/nanos_js_sys.c"))
        for errno in Errno.allCases {
            #expect(doc.contains("| \(errno.rawValue) | \(errno) |"), "docs/abi.md lacks errno \(errno)")
            #expect(Self.flattened(header).contains("NANOS_\(errno) = \(errno.rawValue)"), "nanos.h lacks \(errno)")
            #expect(
                Self.flattened(swift).contains("static let \(errno): Int32 = \(errno.rawValue)"),
                "Nanos.swift lacks \(errno)")
        }
        let documented = Self.matches(#"\n\| (\d+) \| (E[A-Z0-9]+) \|"#, in: doc).map { $0[2] }
        #expect(Set(documented) == Set(Errno.allCases.map(\.description)), "docs/abi.md's errno table: \(documented)")
        let declared = Self.matches(#"NANOS_(E[A-Z0-9]+) *= *\d+"#, in: header).map { $0[1] }
        #expect(Set(declared) == Set(Errno.allCases.map(\.description)), "nanos.h's errnos: \(declared)")
        for text in [header, swift, js] {
            #expect(!text.contains("ENOSYS"), "an SDK uses ENOSYS, which is not in the errno table")
        }
    }
}
