// swift-tools-version:6.1
// nanos: sandboxed AI agents in WebAssembly, with the LLM native in the same process.
//
// Layout mirrors the architecture (docs/architecture.md):
//   NanosJSON     an ordered JSON value and parser, shared by kernel and services
//   NanosKernel   sandbox, syscall table, policy, trace (the only module that touches WasmKit)
//   NanosManifest the `.nano` format
//   NanosFS       capability-checked file access (the fs service)
//   NanosWasm     bounds on modules and WAT text, checked before WasmKit parses them
//   CLlama        the llama.cpp C API (libllama from the cache, linked with an rpath)
//   NanosLLM      inference: the in-process llama.cpp engine and remote providers (the llm service)
//   NanosMCP      MCP servers over stdio through the official SDK, with schema checks (the mcp service)
//   NanosCompiler `nanos compile`: C, Embedded Swift, WAT and JS/TS (on QuickJS) to wasm
//   NanosBench    `nanos bench`
//   nanos         the command-line front end
import Foundation
import PackageDescription

// llama.cpp is built by scripts/llm-deps.sh into a cache outside the clone, keyed by the
// llama-cpp-python version written in that script (one place). LLAMA_PREFIX overrides.
let environment = ProcessInfo.processInfo.environment
let packageFolder = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
let llamaVersion: String = {
    let script = (try? String(contentsOf: packageFolder.appendingPathComponent("scripts/llm-deps.sh"), encoding: .utf8)) ?? ""
    let line = script.split(separator: "\n").first { $0.hasPrefix("LLAMA_CPP_PYTHON_VERSION=") }
    return line.map { String($0.dropFirst("LLAMA_CPP_PYTHON_VERSION=".count)) } ?? "unknown"
}()
let llamaPrefix: String = {
    if let prefix = environment["LLAMA_PREFIX"], !prefix.isEmpty { return prefix }
    let cache = environment["NANOS_CACHE"].flatMap { $0.isEmpty ? nil : $0 }
        ?? (environment["HOME"] ?? "") + "/.cache/nanos"
    let variant = environment["NANOS_GPU"].flatMap { $0.isEmpty ? nil : "-" + $0 } ?? ""
    return "\(cache)/llama-cpp-python-\(llamaVersion)/prefix\(variant)"
}()

let strict: [SwiftSetting] = [.swiftLanguageMode(.v6)]

let package = Package(
    name: "nanos",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "nanos", targets: ["nanos"]),
        .library(name: "NanosKernel", targets: ["NanosKernel"]),
        // The rest are products so the fuzz package (fuzz/) can link them.
        .library(name: "NanosJSON", targets: ["NanosJSON"]),
        .library(name: "NanosManifest", targets: ["NanosManifest"]),
        .library(name: "NanosLLM", targets: ["NanosLLM"]),
        .library(name: "NanosMCP", targets: ["NanosMCP"]),
    ],
    dependencies: [
        .package(url: "https://github.com/swiftwasm/WasmKit", exact: "0.4.2"),
        .package(url: "https://github.com/jpsim/Yams", exact: "6.2.2"),
        .package(url: "https://github.com/apple/swift-argument-parser", exact: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", exact: "1.16.2"),
        .package(url: "https://github.com/modelcontextprotocol/swift-sdk", exact: "0.12.1"),
    ],
    targets: [
        .target(
            name: "NanosManifest",
            dependencies: ["NanosFS", .product(name: "Yams", package: "Yams")],
            swiftSettings: strict),
        .target(name: "NanosJSON", swiftSettings: strict),
        .target(name: "NanosFS", swiftSettings: strict),
        .target(
            name: "NanosWasm",
            dependencies: [
                .product(name: "WasmParser", package: "WasmKit"), .product(name: "WAT", package: "WasmKit"),
            ],
            swiftSettings: strict),
        .target(
            name: "CLlama",
            cSettings: [.unsafeFlags(["-I\(llamaPrefix)/include"])],
            linkerSettings: [
                .linkedLibrary("llama"), .linkedLibrary("ggml"), .linkedLibrary("ggml-base"),
                .unsafeFlags(["-L\(llamaPrefix)/lib", "-Xlinker", "-rpath", "-Xlinker", "\(llamaPrefix)/lib"]),
            ]),
        .target(
            name: "NanosLLM",
            dependencies: [
                "CLlama", "NanosManifest", "NanosJSON", .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict + [.unsafeFlags(["-Xcc", "-I\(llamaPrefix)/include"])]),
        .target(
            name: "NanosMCP",
            dependencies: [
                "NanosManifest", "NanosJSON", .product(name: "MCP", package: "swift-sdk"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict),
        .target(
            name: "NanosKernel",
            dependencies: [
                "NanosJSON", "NanosManifest", "NanosFS", "NanosLLM", "NanosMCP", "NanosWasm",
                .product(name: "WasmKit", package: "WasmKit"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict),
        .target(
            name: "NanosCompiler",
            dependencies: ["NanosJSON", "NanosWasm", .product(name: "WasmKit", package: "WasmKit")],
            swiftSettings: strict),
        .target(
            name: "NanosBench", dependencies: ["NanosKernel", "NanosManifest", "NanosCompiler", "NanosLLM", "NanosMCP"],
            swiftSettings: strict),
        .executableTarget(
            name: "nanos",
            dependencies: [
                "NanosKernel", "NanosManifest", "NanosCompiler", "NanosBench", "NanosMCP",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict),
        .testTarget(name: "NanosManifestTests", dependencies: ["NanosManifest"], swiftSettings: strict),
        .testTarget(name: "NanosFSTests", dependencies: ["NanosFS"], swiftSettings: strict),
        .testTarget(name: "NanosJSONTests", dependencies: ["NanosJSON"], swiftSettings: strict),
        .testTarget(
            name: "NanosMCPTests", dependencies: ["NanosMCP", "NanosManifest", "NanosJSON"], swiftSettings: strict),
        .testTarget(
            name: "NanosLLMTests", dependencies: ["NanosLLM", "NanosJSON", "NanosManifest"],
            resources: [.copy("Recordings")], swiftSettings: strict),
        .testTarget(
            name: "NanosKernelTests",
            dependencies: [
                "NanosKernel", "NanosManifest", "NanosCompiler", "NanosWasm", .product(name: "WAT", package: "WasmKit"),
            ],
            swiftSettings: strict),
        .testTarget(name: "NanosCLITests", swiftSettings: strict),
    ]
)
