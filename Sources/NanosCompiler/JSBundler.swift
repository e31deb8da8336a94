import Foundation
import NanosJSON

/// Bundles a JS/TS agent and its imports into one ES module with esbuild, and
/// type-checks TypeScript with tsc on request. Diagnostics come out as
/// `file:line:col: error: message`, with paths as the user wrote them.
struct JSBundler {
    /// The specifiers that mean the nanos SDK: left to the runtime's module loader,
    /// which maps each of them to the built-in SDK module.
    static let sdkSpecifiers = ["nanos", "@nanos/sdk", "*nanos-sdk/index.js"]

    let toolchain: Toolchain

    struct Bundle {
        let source: [UInt8]
        /// esbuild's warnings, unchanged; empty when there were none.
        let warnings: String
    }

    func bundle(_ input: String) throws(CompileError) -> Bundle {
        let esbuild = try toolchain.hostProgram(
            "esbuild", hint: "install esbuild 0.17 or later (Debian: apt-get install esbuild)")
        // Run from the entry's folder: esbuild writes paths relative to its working folder
        // into the bundle, so the same sources give the same bytes wherever nanos runs.
        let folder = Paths.parent(Paths.standardized(input))
        var arguments = [
            Paths.lastComponent(input), "--bundle", "--format=esm", "--platform=neutral", "--target=esnext",
            "--main-fields=module,main", "--charset=utf8", "--color=false", "--log-level=warning",
        ]
        arguments += JSBundler.sdkSpecifiers.map { "--external:\($0)" }
        let result = try ToolRunner.run(
            esbuild, arguments, environment: toolchain.environment, in: folder, separateErrors: true)
        guard result.exitCode == 0 else {
            throw .compilerFailed(
                tool: "esbuild", exitCode: result.exitCode,
                output: JSBundler.esbuildDiagnostics(result.errors, folder: Paths.parent(input)))
        }
        return Bundle(source: Array(result.output.utf8), warnings: result.errors)
    }

    /// Walks the entry's imports, file by file, before anything is bundled or type-checked,
    /// and refuses any that leaves `root` (symlinks resolved) or names a package: esbuild
    /// would read such a file and, for `.txt` and `.json`, bake its text into the module.
    /// Each file's imports come from esbuild itself, with every import left external, so
    /// nothing beyond that one file is read.
    func checkImports(_ entry: String, root: SourceRoot) throws(CompileError) {
        var pending = [Paths.standardized(entry)]
        var seen: Set<String> = []
        while let file = pending.popLast() {
            guard seen.insert(file).inserted else { continue }
            guard seen.count <= JSBundler.maxSourceFiles else {
                throw .refusedSource(file: entry, reason: "imports more than \(JSBundler.maxSourceFiles) files")
            }
            for specifier in try imports(of: file) where !JSBundler.isSDK(specifier) {
                guard
                    specifier.hasPrefix("./") || specifier.hasPrefix("../") || specifier.hasPrefix("/")
                        || specifier == "." || specifier == ".."
                else {
                    throw .refusedSource(
                        file: file,
                        reason: "imports the package \"\(specifier)\"; an agent may import the nanos SDK and its own "
                            + "files by relative path (there is no npm, and node built-ins do not exist in the sandbox)"
                    )
                }
                let target = specifier.hasPrefix("/") ? specifier : Paths.join(Paths.parent(file), specifier)
                let resolved = JSBundler.resolve(Paths.standardized(target))
                try root.require(resolved ?? target, importer: file, specifier: specifier)
                if let resolved, JSBundler.scriptExtensions.contains(Paths.splitExtension(resolved).extension) {
                    pending.append(resolved)
                }
            }
        }
    }

    static let maxSourceFiles = 1_000
    static let scriptExtensions: Set<String> = ["ts", "tsx", "mts", "cts", "js", "jsx", "mjs", "cjs"]
    /// esbuild's order for a path written without its extension.
    static let resolveExtensions = [".tsx", ".ts", ".jsx", ".js", ".css", ".json"]

    /// Whether esbuild leaves `specifier` to the runtime as the SDK (see `sdkSpecifiers`).
    static func isSDK(_ specifier: String) -> Bool {
        sdkSpecifiers.contains { pattern in
            pattern.hasPrefix("*") ? specifier.hasSuffix(pattern.dropFirst()) : specifier == pattern
        }
    }

    /// The file esbuild would load for `path`: itself, with an extension added, a `.js`
    /// written for a `.ts` file, or a folder's index; nil when there is none.
    static func resolve(_ path: String) -> String? {
        if Paths.isFile(path) { return path }
        for candidate in resolveExtensions.map({ path + $0 }) where Paths.isFile(candidate) { return candidate }
        if path.hasSuffix(".js") {
            let base = String(path.dropLast(3))
            for candidate in [base + ".ts", base + ".tsx"] where Paths.isFile(candidate) { return candidate }
        }
        if Paths.isDirectory(path) {
            for candidate in resolveExtensions.map({ Paths.join(path, "index" + $0) }) where Paths.isFile(candidate) {
                return candidate
            }
        }
        return nil
    }

    /// The import specifiers of one file, as esbuild parses them (static, dynamic, require),
    /// with every import external so that esbuild reads no other file. A file esbuild cannot
    /// parse has none here: bundling it reports the error properly.
    private func imports(of file: String) throws(CompileError) -> [String] {
        let esbuild = try toolchain.hostProgram(
            "esbuild", hint: "install esbuild 0.17 or later (Debian: apt-get install esbuild)")
        let base = toolchain.environment["TMPDIR"].flatMap { $0.isEmpty ? nil : $0 } ?? NSTemporaryDirectory()
        return try Paths.withTemporaryDirectory(in: base) { (scratch: String) throws(CompileError) -> [String] in
            let meta = Paths.join(scratch, "meta.json")
            let arguments = [
                Paths.lastComponent(file), "--bundle", "--format=esm", "--platform=neutral", "--external:*",
                "--metafile=\(meta)", "--outfile=\(Paths.join(scratch, "out.js"))", "--log-level=silent",
            ]
            let result = try ToolRunner.run(
                esbuild, arguments, environment: toolchain.environment, in: Paths.parent(file), separateErrors: true)
            guard result.exitCode == 0, let data = FileManager.default.contents(atPath: meta),
                let json = try? JSONValue.parse(Array(data)), let inputs = json["inputs"]?.objectValue
            else { return [] }
            return inputs.flatMap { $0.1["imports"]?.arrayValue ?? [] }.compactMap { $0["path"]?.stringValue }
        }
    }

    /// Runs tsc on the entry and what it imports, against the SDK's typings, emitting nothing.
    func typecheck(_ input: String) throws(CompileError) {
        let tsc = try toolchain.hostProgram("tsc", hint: "install TypeScript (Debian: apt-get install node-typescript)")
        let typings = try toolchain.guestSDKFile("js/index.d.ts")
        let arguments = [
            "--noEmit", "--pretty", "false", "--strict", "--target", "es2022", "--module", "es2022",
            "--moduleResolution", "node", "--lib", "es2022", "--skipLibCheck",
            "--allowJs", "--checkJs", "false",
            typings, GuestCompiler.operand(input),
        ]
        let result = try ToolRunner.run(tsc, arguments, environment: toolchain.environment)
        guard result.exitCode == 0 else {
            throw .compilerFailed(
                tool: "tsc", exitCode: result.exitCode, output: JSBundler.tscDiagnostics(result.output))
        }
    }

    // MARK: Diagnostics

    /// esbuild prints "✘ [ERROR] message" and, indented below, "path:line:col:"; this
    /// puts them on one line in front, keeping the code excerpt below.
    static func esbuildDiagnostics(_ output: String, folder: String) -> String {
        var lines: [String] = []
        var pending: String?
        for line in output.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) {
            if let range = line.range(of: "[ERROR] ") {
                if let message = pending { lines.append("error: \(message)") }
                pending = String(line[range.upperBound...])
                continue
            }
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if let message = pending, trimmed.hasSuffix(":"), let location = location(in: String(trimmed.dropLast())) {
                let path =
                    location.path.hasPrefix("/") || folder.isEmpty ? location.path : Paths.join(folder, location.path)
                // esbuild counts columns from 0; compilers print them from 1.
                lines.append("\(path):\(location.line):\(location.column + 1): error: \(message)")
                pending = nil
                continue
            }
            if pending == nil, !trimmed.isEmpty, !trimmed.hasSuffix("error"), !trimmed.hasSuffix("errors") {
                lines.append(line)
            }
        }
        if let message = pending { lines.append("error: \(message)") }
        return lines.joined(separator: "\n") + "\n"
    }

    /// tsc prints "path(line,col): error TS2322: message".
    static func tscDiagnostics(_ output: String) -> String {
        output.split(separator: "\n").map { line -> String in
            guard let open = line.firstIndex(of: "("), let close = line[open...].firstIndex(of: ")"),
                line[close...].hasPrefix("): ")
            else { return String(line) }
            let position = line[line.index(after: open)..<close].split(separator: ",")
            guard position.count == 2, position.allSatisfy({ Int($0) != nil }) else { return String(line) }
            return "\(line[..<open]):\(position[0]):\(position[1]): \(line[line.index(close, offsetBy: 3)...])"
        }.joined(separator: "\n") + "\n"
    }

    /// "src/a.ts:3:14" as its parts; nil when the text is no location.
    static func location(in text: String) -> (path: String, line: Int, column: Int)? {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count >= 3, let line = Int(parts[parts.count - 2]), let column = Int(parts[parts.count - 1]) else {
            return nil
        }
        return (parts.dropLast(2).joined(separator: ":"), line, column)
    }
}
