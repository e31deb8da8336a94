import ArgumentParser
import Dispatch
import Foundation
import NanosBundle
import NanosServe
import Synchronization

struct ServeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve the HTTP API and the web debugger (runs, live steps, replay, fork, diff).",
        discussion: """
            Open the printed address in a browser: the run list, a timeline of each run's steps \
            (live while it runs), an inspector with every byte a step carried, charts, \
            "edit and fork from here", the run tree and a side-by-side diff. The API is \
            described at /openapi.json; docs/serve.md has the routes and the security model.

            It listens on 127.0.0.1 unless --host says otherwise; any other address needs \
            --token or --token-file, and then every API call needs Authorization: Bearer TOKEN \
            (the page asks for it, or takes it from #token=... in its address). Manifests are \
            read only from under --root. A manifest sent in a request may grant no more than \
            the policy: files inside the root, hosts on the --policy list, and no mcp_servers \
            unless --allow-commands. Runs are recorded in the trace store (--db), like nanos run.
            """)

    @Option(name: .long, help: "The folder manifests are served from; every path is confined to it.")
    var root = "."

    @Option(name: .long, help: "The address to listen on (other than loopback only with a token).")
    var host = "127.0.0.1"

    @Option(name: .long, help: "The port (0 picks a free one; the address is printed).")
    var port = 8080

    @Option(name: .long, help: "The bearer token every API call must carry (also $NANOS_SERVE_TOKEN).")
    var token: String?

    @Option(name: .long, help: "A file whose first line is the token.")
    var tokenFile: String?

    @Option(name: .long, help: "YAML policy for inline manifests: hosts: [host, host:port, ...].")
    var policy: String?

    @Flag(name: .long, help: "Let inline manifests declare mcp_servers (programs this server would start).")
    var allowCommands = false

    @Option(name: .long, help: "Send CORS headers for this one origin (off by default).")
    var corsOrigin: String?

    @Option(name: .long, help: "Runs executing at once; more get 429.")
    var maxRuns = 4

    @Option(name: .long, help: "Event streams (/v1/runs/{id}/events) open at once; more get 429.")
    var maxStreams = 64

    @OptionGroup var store: StoreOptions
    @OptionGroup var global: GlobalOptions

    func run() throws {
        global.bootstrapLogging()
        let console = Console()
        let configuration: ServeConfiguration
        do {
            configuration = try makeConfiguration()
        } catch {
            console.error(error.description)
            throw ExitCode(2)
        }
        let server: NanosServer
        do {
            server = try NanosServer(configuration: configuration)
        } catch {
            console.error(error.description)
            throw ExitCode(2)
        }
        let failure = Mutex<String?>(nil)
        let finished = DispatchSemaphore(value: 0)
        // The server runs on Swift's concurrency threads; this thread only waits for it.
        Task.detached {
            do {
                try await server.run { address in
                    // Unbuffered: scripts wait for this line to learn the port.
                    FileHandle.standardOutput.write(
                        Data(
                            """
                            nanos serve: listening on \(address) (root \(configuration.root))
                            nanos serve: open \(address) for the debugger; the API is described at \(address)openapi.json

                            """.utf8))
                }
            } catch {
                failure.withLock { $0 = "\(error)" }
            }
            finished.signal()
        }
        finished.wait()
        if let message = failure.withLock({ $0 }) {
            console.error("the server stopped: \(message)")
            throw ExitCode(1)
        }
    }

    private func makeConfiguration() throws(ServeStartError) -> ServeConfiguration {
        var token =
            self.token ?? ProcessInfo.processInfo.environment["NANOS_SERVE_TOKEN"].flatMap { $0.isEmpty ? nil : $0 }
        if let tokenFile {
            guard let line = SecretFile.read(tokenFile) else {
                throw ServeStartError("--token-file \(tokenFile): cannot read a token from its first line")
            }
            token = line
        }
        for (option, value) in [("--max-runs", maxRuns), ("--max-streams", maxStreams)] where value < 1 {
            throw ServeStartError("\(option) \(value): must be at least 1")
        }
        let rootPath = URL(fileURLWithPath: root).standardizedFileURL.path
        let servePolicy =
            try policy.map { path throws(ServeStartError) in
                try ServePolicy.load(path: path, allowCommands: allowCommands)
            } ?? ServePolicy(allowCommands: allowCommands)
        return ServeConfiguration(
            root: rootPath, host: host, port: port, token: token, policy: servePolicy, corsOrigin: corsOrigin,
            maxRuns: maxRuns, maxStreams: maxStreams, storePath: store.path, defaultAgent: try? DefaultAgent.locate(),
            version: NanosVersion.current)
    }
}
