import ArgumentParser
import Foundation
import NanosKernel
import NanosMCP
import NanosManifest

struct MCPCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mcp",
        abstract: "Inspect the MCP servers a manifest whitelists.",
        subcommands: [List.self]
    )

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "ls",
            abstract: "List each whitelisted MCP server's tools (with their input schemas), resources and prompts.",
            discussion: """
                Starts each server (or only SERVER) the way an agent's first request would: the \
                manifest's command, arguments, environment and folder, with the MCP handshake, \
                and stops it afterwards. Servers the manifest does not list are never started. \
                Exit code 0 when every server answered, 1 when one failed, 2 for a manifest error \
                or an unknown server name.
                """
        )

        @Argument(help: "The agent's manifest (.nano).")
        var manifest: String

        @Argument(help: "Only this server (a name from the manifest's mcp_servers).")
        var server: String?

        @Flag(name: .long, help: "Print one JSON object on stdout: {server: {tools, resources, prompts} or {error}}.")
        var json = false

        @OptionGroup var global: GlobalOptions

        func run() throws {
            global.bootstrapLogging()
            let console = Console()
            let loaded: Manifest
            do {
                loaded = try Manifest.load(path: manifest)
            } catch {
                console.error(error.description)
                throw ExitCode(2)
            }
            var specs = loaded.mcpServers
            if let server {
                specs = specs.filter { $0.name == server }
                guard !specs.isEmpty else {
                    let names = loaded.mcpServers.map(\.name)
                    console.error(
                        "\(manifest): no MCP server named \"\(server)\" in mcp_servers"
                            + (names.isEmpty ? " (it lists none)" : "; it lists \(names.joined(separator: ", "))"))
                    throw ExitCode(2)
                }
            }
            if specs.isEmpty {
                console.line("\(manifest) lists no MCP servers (mcp_servers is empty)")
                if json { print(JSONValue.object([]).serialized()) }
                return
            }

            var report: [(String, JSONValue)] = []
            var failed = false
            for spec in specs {
                // One session per server, closed before the next starts: `ls` holds one process at a time.
                let session = MCPSession(servers: [spec])
                defer { session.close() }
                do throws(MCPServiceError) {
                    let listing = try Listing(session: session, server: spec.name)
                    report.append((spec.name, listing.json))
                    if !json { print(listing.text(server: spec)) }
                } catch {
                    failed = true
                    report.append((spec.name, .object([("error", .string(error.message))])))
                    console.error("\(spec.name): \(error.message)")
                }
            }
            if json { print(JSONValue.object(report).serialized()) }
            if failed { throw ExitCode(1) }
        }
    }
}

/// One server's tools, resources and prompts.
private struct Listing {
    let tools: JSONValue
    let resources: JSONValue
    let prompts: JSONValue

    init(session: MCPSession, server: String) throws(MCPServiceError) {
        tools = try session.listTools(server: server, deadline: nil)
        resources = try session.listResources(server: server, deadline: nil)
        prompts = try session.listPrompts(server: server, deadline: nil)
    }

    var json: JSONValue { .object([("tools", tools), ("resources", resources), ("prompts", prompts)]) }

    func text(server spec: MCPServerSpec) -> String {
        var lines = ["\(spec.name)  (\(([spec.command] + spec.args).joined(separator: " ")))"]
        let tools = tools.arrayValue ?? []
        lines.append("  tools (\(tools.count)):")
        for tool in tools {
            lines.append("    \(tool["name"]?.stringValue ?? "?")" + Self.describe(tool))
            if let schema = tool["inputSchema"] { lines += Self.block("input schema", schema) }
            if let schema = tool["outputSchema"] { lines += Self.block("output schema", schema) }
        }
        let resources = resources.arrayValue ?? []
        lines.append("  resources (\(resources.count)):")
        for resource in resources {
            let mime = resource["mimeType"]?.stringValue.map { " [\($0)]" } ?? ""
            lines.append("    \(resource["uri"]?.stringValue ?? "?")\(mime)" + Self.describe(resource))
        }
        let prompts = prompts.arrayValue ?? []
        lines.append("  prompts (\(prompts.count)):")
        for prompt in prompts {
            let arguments = (prompt["arguments"]?.arrayValue ?? []).map { argument in
                (argument["name"]?.stringValue ?? "?") + (argument["required"]?.boolValue == true ? "" : "?")
            }
            lines.append(
                "    \(prompt["name"]?.stringValue ?? "?")(\(arguments.joined(separator: ", ")))"
                    + Self.describe(prompt))
        }
        return lines.joined(separator: "\n")
    }

    static func describe(_ item: JSONValue) -> String {
        guard let description = item["description"]?.stringValue, !description.isEmpty else { return "" }
        let line = description.split(separator: "\n").first.map(String.init) ?? description
        return " — " + line
    }

    static func block(_ title: String, _ schema: JSONValue) -> [String] {
        ["      \(title):"] + schema.prettyPrinted().split(separator: "\n").map { "        " + $0 }
    }
}
