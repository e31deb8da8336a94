// swift-tools-version:6.1
// nanos: sandboxed AI agents in WebAssembly, with the LLM native in the same process.
//
// Layout mirrors the architecture (docs/architecture.md):
//   NanosABI      the ABI table (every host call), errnos, limits, the JS image format
//   NanosJSON     an ordered JSON value and parser, shared by everything
//   NanosManifest the `.nano` format
//   NanosFS       capability-checked file access (used by the fs service)
//   NanosCore     the runtime core: sandbox, limits, guest memory, instance pool, run
//                 loop, trace, policy, WASI subset; it knows no service
//   CLlama        the llama.cpp C API (libllama from the cache, linked with an rpath)
//   NanosLLM      inference: the in-process llama.cpp engine and remote providers
//   NanosMCP      MCP servers over stdio through the official SDK, with schema checks
//   NanosStore    the trace store: runs and their steps in SQLite (GRDB), payloads stored once
//   NanosKernel   the core with the standard services plugged in (Services/: one file each)
//   NanosCompiler `nanos compile`: C, Embedded Swift, WAT and JS/TS (on QuickJS) to wasm
//   NanosBundle   files that ship with nanos (the default agent, benchmark data)
//   NanosBench    `nanos bench`
//   NanosServe    `nanos serve`: the HTTP API (Hummingbird) and the web debugger (Web/, embedded)
//   NanosDashboard `nanos dashboard`: a terminal UI over the fleet, store and serve APIs
//   NanosEval      `nanos eval`: task suites for agents, each task checked by what it leaves behind
//   CNats         the NATS C client (Debian libnats-dev), for JetStream
//   NanosNATS     a small Swift binding of it: connections, JetStream streams, pull consumers, KV
//   NanosFleet    `nanos orchestrate` and `nanos node`: fleets on threads, or across machines on NATS
//   nanos         the command-line front end
//
// With LLAMA_PREFIX (or the cache) holding no libllama, only the targets that do not
// need llama.cpp are declared: the core and its tests build and run on their own.
import Foundation
import PackageDescription

// llama.cpp is built by scripts/llm-deps.sh into a cache outside the clone, keyed by the
// llama-cpp-python version written in that script (one place). LLAMA_PREFIX overrides.
let environment = ProcessInfo.processInfo.environment
let packageFolder = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
let llamaVersion: String = {
    let script =
        (try? String(contentsOf: packageFolder.appendingPathComponent("scripts/llm-deps.sh"), encoding: .utf8)) ?? ""
    let line = script.split(separator: "\n").first { $0.hasPrefix("LLAMA_CPP_PYTHON_VERSION=") }
    return line.map { String($0.dropFirst("LLAMA_CPP_PYTHON_VERSION=".count)) } ?? "unknown"
}()
let llamaPrefix: String = {
    if let prefix = environment["LLAMA_PREFIX"], !prefix.isEmpty { return prefix }
    let cache =
        environment["NANOS_CACHE"].flatMap { $0.isEmpty ? nil : $0 }
        ?? (environment["HOME"] ?? "") + "/.cache/nanos"
    let variant = environment["NANOS_GPU"].flatMap { $0.isEmpty ? nil : "-" + $0 } ?? ""
    return "\(cache)/llama-cpp-python-\(llamaVersion)/prefix\(variant)"
}()

let strict: [SwiftSetting] = [.swiftLanguageMode(.v6)]
let hasLlama =
    FileManager.default.fileExists(atPath: "\(llamaPrefix)/lib/libllama.so")
    || FileManager.default.fileExists(atPath: "\(llamaPrefix)/lib/libllama.dylib")

let wasmKit = Target.Dependency.product(name: "WasmKit", package: "WasmKit")
let logging = Target.Dependency.product(name: "Logging", package: "swift-log")

/// What builds without llama.cpp: the ABI, manifest, files and the core, with their tests.
let coreTargets: [Target] = [
    .target(name: "NanosABI", swiftSettings: strict),
    .target(name: "NanosJSON", swiftSettings: strict),
    .target(name: "NanosFS", swiftSettings: strict),
    .target(
        name: "NanosManifest", dependencies: ["NanosABI", "NanosFS", .product(name: "Yams", package: "Yams")],
        swiftSettings: strict),
    .target(
        name: "NanosCore",
        dependencies: [
            "NanosABI", "NanosJSON", "NanosManifest", wasmKit, .product(name: "WasmParser", package: "WasmKit"),
        ],
        swiftSettings: strict),
    .target(
        name: "NanosStore", dependencies: ["NanosCore", .product(name: "GRDB", package: "GRDB.swift")],
        swiftSettings: strict),
    .testTarget(name: "NanosManifestTests", dependencies: ["NanosManifest"], swiftSettings: strict),
    .testTarget(name: "NanosFSTests", dependencies: ["NanosFS"], swiftSettings: strict),
    .testTarget(name: "NanosJSONTests", dependencies: ["NanosJSON"], swiftSettings: strict),
    // Fixtures the core's and the kernel's tests share (a temporary agent folder, WAT guests).
    .target(
        name: "NanosTestSupport", dependencies: ["NanosCore", .product(name: "WAT", package: "WasmKit")],
        path: "Tests/NanosTestSupport", swiftSettings: strict),
    .testTarget(name: "NanosCoreTests", dependencies: ["NanosCore", "NanosTestSupport"], swiftSettings: strict),
    .testTarget(
        name: "NanosStoreTests", dependencies: ["NanosStore", "NanosCore", "NanosTestSupport"], swiftSettings: strict),
]

let serviceTargets: [Target] = [
    .target(
        name: "CLlama",
        cSettings: [.unsafeFlags(["-I\(llamaPrefix)/include"])],
        linkerSettings: [
            .linkedLibrary("llama"), .linkedLibrary("ggml"), .linkedLibrary("ggml-base"),
            .unsafeFlags(["-L\(llamaPrefix)/lib", "-Xlinker", "-rpath", "-Xlinker", "\(llamaPrefix)/lib"]),
        ]),
    .target(
        name: "NanosLLM", dependencies: ["CLlama", "NanosManifest", "NanosJSON", logging],
        swiftSettings: strict + [.unsafeFlags(["-Xcc", "-I\(llamaPrefix)/include"])]),
    .target(
        name: "NanosMCP",
        dependencies: ["NanosManifest", "NanosJSON", .product(name: "MCP", package: "swift-sdk"), logging],
        swiftSettings: strict),
    .target(
        name: "NanosCompiler",
        dependencies: ["NanosABI", "NanosJSON", "NanosCore", wasmKit, .product(name: "WAT", package: "WasmKit")],
        swiftSettings: strict),
    .target(
        name: "NanosKernel",
        dependencies: [
            "NanosCore", "NanosManifest", "NanosFS", "NanosLLM", "NanosMCP", "NanosCompiler", "NanosStore", logging,
        ],
        swiftSettings: strict),
    .systemLibrary(name: "CNats", pkgConfig: "libnats", providers: [.apt(["libnats-dev"])]),
    .target(name: "NanosNATS", dependencies: ["CNats"], swiftSettings: strict),
    .target(
        name: "NanosFleet",
        dependencies: [
            "NanosKernel", "NanosCore", "NanosManifest", "NanosFS", "NanosStore", "NanosLLM", "NanosNATS", logging,
            .product(name: "Yams", package: "Yams"),
        ],
        swiftSettings: strict),
    .target(
        name: "NanosDashboard",
        dependencies: ["NanosKernel", "NanosCore", "NanosFleet", "NanosStore", "NanosJSON"],
        swiftSettings: strict),
    .target(
        name: "NanosEval",
        dependencies: ["NanosKernel", "NanosCore", "NanosLLM", "NanosManifest", "NanosStore", "NanosJSON"],
        swiftSettings: strict),
    .target(name: "NanosBundle", swiftSettings: strict),
    .target(
        name: "NanosBench",
        dependencies: [
            "NanosKernel", "NanosManifest", "NanosCompiler", "NanosLLM", "NanosMCP", "NanosBundle", "NanosStore",
            "NanosFleet", "NanosNATS",
        ],
        swiftSettings: strict),
    .target(
        name: "NanosServe",
        dependencies: [
            "NanosKernel", "NanosCore", "NanosManifest", "NanosStore", "NanosLLM", logging,
            .product(name: "Hummingbird", package: "hummingbird"), .product(name: "Yams", package: "Yams"),
        ],
        resources: [.embedInCode("Web")], swiftSettings: strict),
    .executableTarget(
        name: "nanos",
        dependencies: [
            "NanosKernel", "NanosManifest", "NanosCompiler", "NanosBench", "NanosMCP", "NanosBundle", "NanosStore",
            "NanosServe", "NanosFleet", "NanosNATS", "NanosLLM", "NanosDashboard", "NanosEval",
            .product(name: "ArgumentParser", package: "swift-argument-parser"), logging,
        ],
        swiftSettings: strict),
    .testTarget(
        name: "NanosMCPTests", dependencies: ["NanosMCP", "NanosManifest", "NanosJSON"], swiftSettings: strict),
    .testTarget(
        name: "NanosLLMTests", dependencies: ["NanosLLM", "NanosJSON", "NanosManifest"],
        resources: [.copy("Recordings")], swiftSettings: strict),
    .testTarget(
        name: "NanosKernelTests",
        dependencies: [
            "NanosKernel", "NanosCore", "NanosManifest", "NanosCompiler", "NanosTestSupport",
            .product(name: "WAT", package: "WasmKit"),
        ],
        swiftSettings: strict),
    .testTarget(name: "NanosNATSTests", dependencies: ["NanosNATS"], swiftSettings: strict),
    .testTarget(name: "NanosCLITests", dependencies: ["NanosNATS"], swiftSettings: strict),
]

let package = Package(
    name: "nanos",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "NanosCore", targets: ["NanosCore"]),
        .library(name: "NanosABI", targets: ["NanosABI"]),
        .library(name: "NanosJSON", targets: ["NanosJSON"]),
        .library(name: "NanosManifest", targets: ["NanosManifest"]),
        .library(name: "NanosStore", targets: ["NanosStore"]),
    ]
        + (hasLlama
            ? [
                .executable(name: "nanos", targets: ["nanos"]),
                .library(name: "NanosKernel", targets: ["NanosKernel"]),
                // The rest are products so the fuzz package (fuzz/) can link them.
                .library(name: "NanosLLM", targets: ["NanosLLM"]),
                .library(name: "NanosMCP", targets: ["NanosMCP"]),
                .library(name: "NanosCompiler", targets: ["NanosCompiler"]),
            ] : []),
    dependencies: [
        // One trait, named: with the default three, SwiftPM passes their -D flags in a
        // different order on each build, and WasmKit is compiled again every time.
        .package(url: "https://github.com/swiftwasm/WasmKit", exact: "0.4.2", traits: ["MultiThread"]),
        .package(url: "https://github.com/jpsim/Yams", exact: "6.2.2"),
        .package(url: "https://github.com/apple/swift-argument-parser", exact: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", exact: "1.16.2"),
        .package(url: "https://github.com/modelcontextprotocol/swift-sdk", exact: "0.12.1"),
        .package(url: "https://github.com/groue/GRDB.swift", exact: "7.10.0"),
        // Only the HTTP/1 server: the default traits would add swift-configuration.
        .package(url: "https://github.com/hummingbird-project/hummingbird", exact: "2.28.1", traits: []),
    ],
    targets: coreTargets + (hasLlama ? serviceTargets : [])
)
