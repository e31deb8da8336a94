import Foundation

/// The include and library folders of a wasi-libc installation.
struct WASISysroot: Equatable, Sendable {
    let include: String
    let lib: String

    /// The sysroot under `root`, in either the per-target layout (`include/wasm32-wasi`,
    /// as Debian and wasi-sdk ship it) or the flat one (`include`, `lib`).
    static func at(_ root: String) -> WASISysroot? {
        for target in ["wasm32-wasi", "wasm32-wasip1", ""] {
            let include = Paths.join(root, "include", target)
            let lib = Paths.join(root, "lib", target)
            // wasi/api.h is unique to wasi-libc, so a host's /usr/include is never mistaken for it.
            if Paths.isFile(Paths.join(include, "wasi/api.h")), Paths.isFile(Paths.join(lib, "libc.a")) {
                return WASISysroot(include: include, lib: lib)
            }
        }
        return nil
    }
}

/// Finds, at run time, the compilers, libraries and guest SDK that `nanos compile` uses.
///
/// Every location can be overridden by an environment variable; an override that is
/// set is the only place searched, so a typo is reported instead of silently ignored.
struct Toolchain: Sendable {
    static let toolchainVariable = "NANOS_TOOLCHAIN"
    static let sysrootVariable = "NANOS_WASI_SYSROOT"
    static let builtinsVariable = "NANOS_WASM_BUILTINS"
    static let guestDirectoryVariable = "NANOS_GUEST_DIR"

    let environment: [String: String]
    /// The folder of the running executable, symlinks resolved; the guest SDK is searched from it.
    let executableDirectory: String?

    init(environment: [String: String], executablePath: String?) throws(CompileError) {
        self.environment = environment
        self.executableDirectory = executablePath.map { Paths.parent(Paths.resolvingSymlinks($0)) }
        try validateOverrides()
    }

    // MARK: Tools

    /// The path of an executable of the toolchain: clang, wasm-ld or swiftc.
    func tool(_ name: String) throws(CompileError) -> String {
        for directory in toolDirectories() {
            let candidate = Paths.join(directory, name)
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        if let override = value(of: Toolchain.toolchainVariable) {
            throw .toolNotFound(
                name: name, hint: "\(Toolchain.toolchainVariable) is '\(override)', which holds no '\(name)'")
        }
        let hint =
            name == "swiftc"
            ? "install a Swift 6 toolchain (https://www.swift.org/install) and put it on PATH, or set \(Toolchain.toolchainVariable) to its bin folder"
            : "it ships with the Swift toolchain: put `swiftc` on PATH, or set \(Toolchain.toolchainVariable) to a folder holding clang, wasm-ld and swiftc"
        throw .toolNotFound(name: name, hint: hint)
    }

    /// The folder of clang's own headers (stddef.h and friends), which every C compile reads.
    func clangResourceDirectory(_ clang: String) -> String? {
        guard let result = try? ToolRunner.run(clang, ["-print-resource-dir"], environment: environment),
            result.exitCode == 0
        else { return nil }
        let folder = result.output.trimmingCharacters(in: .whitespacesAndNewlines)
        return folder.isEmpty ? nil : folder
    }

    /// The override alone if set; else the real folder of `swiftc` (whose clang and
    /// wasm-ld match it), then PATH.
    private func toolDirectories() -> [String] {
        if let override = value(of: Toolchain.toolchainVariable) { return [override] }
        var directories: [String] = []
        if let swiftToolchain = swiftToolchainDirectory() { directories.append(swiftToolchain) }
        return directories + pathDirectories()
    }

    private func swiftToolchainDirectory() -> String? {
        if let override = value(of: Toolchain.toolchainVariable) { return override }
        for directory in pathDirectories() {
            let swiftc = Paths.join(directory, "swiftc")
            if FileManager.default.isExecutableFile(atPath: swiftc) {
                return Paths.parent(Paths.resolvingSymlinks(swiftc))
            }
        }
        return nil
    }

    private func pathDirectories() -> [String] {
        (environment["PATH"] ?? "").split(separator: ":").map(String.init)
    }

    /// A program installed on the host (esbuild, tsc), found on PATH; `hint` says how to install it.
    func hostProgram(_ name: String, hint: String) throws(CompileError) -> String {
        for directory in pathDirectories() {
            let candidate = Paths.join(directory, name)
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        throw .toolNotFound(name: name, hint: hint)
    }

    /// Where set-up scripts and the compiler keep built third-party code: NANOS_CACHE,
    /// else ~/.cache/nanos.
    func cacheDirectory() -> String {
        if let cache = value(of: "NANOS_CACHE") { return cache }
        return Paths.join(
            environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSTemporaryDirectory(), ".cache/nanos")
    }

    // MARK: Libraries

    static let defaultSysrootRoots = [
        "/usr",  // Debian and Ubuntu: include/wasm32-wasi, lib/wasm32-wasi
        "/usr/share/wasi-sysroot",  // Arch, Fedora
        "/usr/local/share/wasi-sysroot",
        "/opt/wasi-sdk/share/wasi-sysroot",
        "/opt/homebrew/share/wasi-sysroot",
    ]

    /// wasi-libc: the C library guests link against.
    func wasiSysroot() throws(CompileError) -> WASISysroot {
        if let override = value(of: Toolchain.sysrootVariable) {
            if let sysroot = WASISysroot.at(override) { return sysroot }
            throw .toolNotFound(name: "wasi-libc", hint: Toolchain.badSysrootHint(override))
        }
        var roots = Toolchain.defaultSysrootRoots
        if let wasiSDK = value(of: "WASI_SDK_PATH") { roots.insert(Paths.join(wasiSDK, "share/wasi-sysroot"), at: 0) }
        for root in roots {
            if let sysroot = WASISysroot.at(root) { return sysroot }
        }
        throw .toolNotFound(
            name: "wasi-libc",
            hint: "install it (Debian/Ubuntu: apt-get install wasi-libc) or set \(Toolchain.sysrootVariable) "
                + "to a folder holding include/ and lib/ of wasi-libc. Searched: \(roots.joined(separator: ", "))")
    }

    /// compiler-rt's builtins for wasm32 (long double arithmetic and the like).
    func builtinsArchive() throws(CompileError) -> String {
        if let override = value(of: Toolchain.builtinsVariable) { return override }  // checked in init
        var patterns: [String] = []
        if let swiftToolchain = swiftToolchainDirectory() {
            patterns += [
                Paths.join(swiftToolchain, "../lib/clang/*/lib/wasi/libclang_rt.builtins-wasm32.a"),
                Paths.join(swiftToolchain, "../lib/clang/*/lib/wasm32-unknown-wasi/libclang_rt.builtins.a"),
            ]
        }
        patterns += [
            "/usr/lib/llvm-*/lib/clang/*/lib/wasi/libclang_rt.builtins-wasm32.a",  // Debian, Ubuntu
            "/usr/lib/clang/*/lib/wasi/libclang_rt.builtins-wasm32.a",
            "/usr/lib/clang/*/lib/wasm32-unknown-wasi/libclang_rt.builtins.a",
            "/opt/wasi-sdk/lib/clang/*/lib/wasi/libclang_rt.builtins-wasm32.a",
            "/opt/wasi-sdk/lib/clang/*/lib/wasm32-unknown-wasi/libclang_rt.builtins.a",
        ]
        for pattern in patterns {
            if let newest = Paths.glob(pattern).first { return Paths.standardized(newest) }
        }
        throw .toolNotFound(
            name: "libclang_rt.builtins-wasm32.a",
            hint: "install compiler-rt for wasm32 (Debian/Ubuntu: apt-get install libclang-rt-19-dev-wasm32; "
                + "any version works) or set \(Toolchain.builtinsVariable) to that file")
    }

    /// Libraries of the Swift toolchain that Embedded Swift guests may need. Archives
    /// only add the members a guest uses, so linking them costs nothing otherwise.
    func embeddedSwiftLibraries() -> [String] {
        guard let swiftToolchain = swiftToolchainDirectory() else { return [] }
        let tables = Paths.standardized(
            Paths.join(swiftToolchain, "../lib/swift/embedded/wasm32-unknown-none-wasm/libswiftUnicodeDataTables.a"))
        return Paths.isFile(tables) ? [tables] : []
    }

    // MARK: Guest SDK

    /// A file of the guest SDK, e.g. "c/nanos.h".
    func guestSDKFile(_ relativePath: String) throws(CompileError) -> String {
        let file = Paths.join(try guestSDKDirectory(), relativePath)
        guard Paths.isFile(file) else {
            throw .io(path: file, reason: "is missing from the guest SDK; restore it from the nanos sources")
        }
        return file
    }

    /// Every `.swift` file of the Embedded Swift SDK (`swift/Nanos.swift` and its
    /// companions, such as `swift/JSON.swift`), sorted so the output is reproducible.
    func guestSwiftSDKFiles() throws(CompileError) -> [String] {
        let directory = Paths.parent(try guestSDKFile("swift/Nanos.swift"))
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return names.filter { $0.hasSuffix(".swift") }.sorted().map { Paths.join(directory, $0) }.filter(Paths.isFile)
    }

    /// NANOS_GUEST_DIR; else `<executable dir>/../share/nanos/guest` (an installed nanos);
    /// else a `guest` folder in the executable's folder or above (a build inside the repository).
    private func guestSDKDirectory() throws(CompileError) -> String {
        if let override = value(of: Toolchain.guestDirectoryVariable) {
            guard Toolchain.isGuestSDK(override) else { throw .sdkNotFound(searched: [override]) }
            return override
        }
        var searched: [String] = []
        if let executableDirectory {
            let installed = Paths.standardized(Paths.join(executableDirectory, "../share/nanos/guest"))
            searched.append(installed)
            if Toolchain.isGuestSDK(installed) { return installed }
            var directory = executableDirectory
            while true {
                let candidate = Paths.join(directory, "guest")
                searched.append(candidate)
                if Toolchain.isGuestSDK(candidate) { return candidate }
                let parent = Paths.parent(directory)
                if parent == directory { break }
                directory = parent
            }
        }
        throw .sdkNotFound(searched: searched)
    }

    private static func isGuestSDK(_ directory: String) -> Bool {
        Paths.isFile(Paths.join(directory, "c/nanos.h"))
    }

    // MARK: Overrides

    /// A path from an environment variable, made absolute (tools may run in another
    /// folder); an empty value counts as unset.
    private func value(of variable: String) -> String? {
        guard let value = environment[variable], !value.isEmpty else { return nil }
        return Paths.standardized(value)
    }

    private func validateOverrides() throws(CompileError) {
        if let toolchain = value(of: Toolchain.toolchainVariable), !Paths.isDirectory(toolchain) {
            throw .toolNotFound(
                name: "the toolchain", hint: "\(Toolchain.toolchainVariable) is '\(toolchain)', which is not a folder")
        }
        if let sysroot = value(of: Toolchain.sysrootVariable), WASISysroot.at(sysroot) == nil {
            throw .toolNotFound(name: "wasi-libc", hint: Toolchain.badSysrootHint(sysroot))
        }
        if let builtins = value(of: Toolchain.builtinsVariable), !Paths.isFile(builtins) {
            throw .toolNotFound(
                name: "libclang_rt.builtins-wasm32.a",
                hint: "\(Toolchain.builtinsVariable) is '\(builtins)', which is not a file")
        }
        if let guest = value(of: Toolchain.guestDirectoryVariable), !Toolchain.isGuestSDK(guest) {
            throw .sdkNotFound(searched: [guest])
        }
    }

    private static func badSysrootHint(_ root: String) -> String {
        "\(sysrootVariable) is '\(root)', which holds no wasi-libc "
            + "(expected include/wasi/api.h and lib/libc.a, directly or under a wasm32-wasi folder)"
    }
}
