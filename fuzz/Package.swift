// swift-tools-version:6.1
// Coverage-guided fuzzing of nanos with libFuzzer (docs/fuzzing.md).
//
// One executable, NanosFuzz, holds every fuzz target; which one runs is chosen by the
// name it is started as (`fuzz-<target>`, links that fuzz/run.sh makes) or by
// NANOS_FUZZ_TARGET. Built by fuzz/run.sh with
//   swift build --sanitize=fuzzer --sanitize=address \
//       -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library -Xswiftc -enable-testing
// (SwiftPM's own --sanitize=fuzzer lets libFuzzer's main link; -Xswiftc instruments the
// Swift code of nanos and of its dependencies for coverage).
import Foundation
import PackageDescription

// A path dependency's identity is its folder's name, which is the clone's name (not
// always "nanos"), so it is read here.
let nanos = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .lastPathComponent.lowercased()

let package = Package(
    name: "nanos-fuzz",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(path: ".."),
        // The same versions as the root package (its WAT and MCP modules are used directly).
        .package(url: "https://github.com/swiftwasm/WasmKit", exact: "0.4.2", traits: ["MultiThread"]),
        .package(url: "https://github.com/modelcontextprotocol/swift-sdk", exact: "0.12.1"),
    ],
    targets: [
        .executableTarget(
            name: "NanosFuzz",
            dependencies: [
                .product(name: "NanosJSON", package: nanos),
                .product(name: "NanosManifest", package: nanos),
                .product(name: "NanosLLM", package: nanos),
                .product(name: "NanosMCP", package: nanos),
                .product(name: "NanosKernel", package: nanos),
                .product(name: "NanosCore", package: nanos),
                .product(name: "WAT", package: "WasmKit"),
                .product(name: "MCP", package: "swift-sdk"),
            ],
            swiftSettings: [.swiftLanguageMode(.v6)])
    ]
)
