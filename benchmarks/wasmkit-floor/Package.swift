// swift-tools-version:6.1
// The floor under `nanos bench`'s fs.read figure: WasmKit alone, doing what the host must
// do for a sandboxed read, with none of nanos' own work. See docs/benchmarks.md.
import PackageDescription

let package = Package(
    name: "wasmkit-floor",
    dependencies: [.package(url: "https://github.com/swiftwasm/WasmKit", exact: "0.4.2")],
    targets: [
        .executableTarget(
            name: "wasmkit-floor",
            dependencies: [.product(name: "WasmKit", package: "WasmKit"), .product(name: "WAT", package: "WasmKit")],
            swiftSettings: [.swiftLanguageMode(.v5)])
    ]
)
