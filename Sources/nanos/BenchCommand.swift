import ArgumentParser
import Foundation
import NanosBench

struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure boot time, syscall round trips and memory, next to real alternatives.",
        discussion: """
            Every figure is a median (p50) or p99 over many runs, measured in this process, \
            with anchors measured in the same run: spawning /bin/true and `python3 -c pass` \
            for boot, and the same file read done directly by the host for syscalls.
            """
    )

    @Flag(name: .long, help: "Print the results as JSON on stdout.")
    var json = false

    @Option(name: .long, help: "Boot iterations (at least 1000 for the published figure).")
    var bootRuns = 1000

    @Option(name: .long, help: "Syscall iterations (at least 100000 for the published figure).")
    var syscallRuns = 100_000

    @Option(name: .long, help: "Reads timed together per fs.read and host-read sample (the sample is their mean).")
    var readsPerSample = 10

    @OptionGroup var global: GlobalOptions

    func run() throws {
        global.bootstrapLogging()
        let results = try Benchmarks.run(options: BenchOptions(bootRuns: bootRuns, syscallRuns: syscallRuns, readsPerSample: readsPerSample))
        if json {
            print(results.json().serialized())
        } else {
            print(results.table())
        }
    }
}
