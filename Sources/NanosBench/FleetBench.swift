import Foundation
import NanosFleet
import NanosJSON
import NanosKernel
import NanosManifest
import NanosNATS
import NanosStore

public struct FleetBenchOptions: Sendable {
    /// Message round trips per repetition of each round-trip figure.
    public var roundTrips: Int
    public var repetitions: Int
    /// Agents of the fleet measured for wall time and RSS, and of the large one.
    public var fleetAgents: Int
    public var largeFleetAgents: Int
    /// Messages each agent of a ring sends to the next.
    public var rounds: Int

    public init(
        roundTrips: Int = 2000, repetitions: Int = 5, fleetAgents: Int = 100, largeFleetAgents: Int = 1000,
        rounds: Int = 10
    ) {
        self.roundTrips = max(1, roundTrips)
        self.repetitions = max(1, repetitions)
        self.fleetAgents = max(2, fleetAgents)
        self.largeFleetAgents = max(2, largeFleetAgents)
        self.rounds = max(1, min(rounds, 64))
    }
}

/// Fleet figures: the cost of one message round trip between two agents, in-process and
/// with the inboxes on NATS JetStream over loopback, next to a plain NATS request/reply
/// in the same run; and whole ring fleets of compiled agents run by `nanos orchestrate`
/// in a process of their own: wall time and peak RSS.
public struct FleetBenchResults: Sendable {
    /// Medians over the repetitions, in microseconds per round trip.
    public var inProcessMicroseconds: Double
    public var natsBusMicroseconds: Double?
    public var natsRequestReplyMicroseconds: Double?
    /// Why the NATS figures are missing (no nats-server).
    public var natsNote: String?
    public var fleets: [(agents: Int, messages: Int, seconds: Double, peakRSSBytes: Int)]
    public var roundTrips: Int

    public func json() -> JSONValue {
        var members: [(String, JSONValue)] = [
            ("round_trips", .int(Int64(roundTrips))),
            ("bus_round_trip_in_process_us", .double(inProcessMicroseconds)),
        ]
        if let natsBusMicroseconds { members.append(("bus_round_trip_nats_us", .double(natsBusMicroseconds))) }
        if let natsRequestReplyMicroseconds {
            members.append(("nats_request_reply_us", .double(natsRequestReplyMicroseconds)))
        }
        if let natsNote { members.append(("nats_note", .string(natsNote))) }
        members.append(
            (
                "fleets",
                .array(
                    fleets.map {
                        .object([
                            ("agents", .int(Int64($0.agents))), ("messages", .int(Int64($0.messages))),
                            ("seconds", .double($0.seconds)), ("peak_rss_bytes", .int(Int64($0.peakRSSBytes))),
                        ])
                    })
            ))
        return .object(members)
    }

    public func table() -> String {
        var lines = ["fleet (medians of the repetitions)"]
        lines.append(
            String(format: "  agent_send → agent_recv round trip, in-process      %9.1f µs", inProcessMicroseconds))
        if let natsBusMicroseconds, let natsRequestReplyMicroseconds {
            lines.append(
                String(format: "  agent_send → agent_recv round trip, NATS JetStream  %9.1f µs", natsBusMicroseconds))
            lines.append(
                String(
                    format: "  plain NATS request/reply (same server, same run)    %9.1f µs",
                    natsRequestReplyMicroseconds))
            lines.append(
                String(
                    format:
                        "  in-process is %.0fx faster than plain NATS; the JetStream bus costs %.1fx a plain request",
                    natsRequestReplyMicroseconds / inProcessMicroseconds,
                    natsBusMicroseconds / natsRequestReplyMicroseconds))
        } else if let natsNote {
            lines.append("  NATS figures skipped: \(natsNote)")
        }
        for fleet in fleets {
            lines.append(
                String(
                    format: "  ring of %5d compiled agents, %6d messages: %7.2f s wall, peak RSS %7.1f MiB",
                    fleet.agents, fleet.messages, fleet.seconds, Double(fleet.peakRSSBytes) / 1_048_576))
        }
        if fleets.count == 2, fleets[1].agents > fleets[0].agents {
            let extra =
                Double(fleets[1].peakRSSBytes - fleets[0].peakRSSBytes) / Double(fleets[1].agents - fleets[0].agents)
            lines.append(
                String(format: "  each agent past the first %d adds %.1f KiB of RSS", fleets[0].agents, extra / 1024))
        }
        return lines.joined(separator: "\n")
    }
}

extension Benchmarks {
    public static func runFleet(options: FleetBenchOptions) throws -> FleetBenchResults {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
            "nanos-fleet-bench-\(UUID().uuidString)"
        ).path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try FleetGuests.pingPong(options.roundTrips).write(
            toFile: folder + "/pingpong.wat", atomically: true, encoding: .utf8)
        let pingPong = try FleetPlan.load(
            path: try writeManifest(
                folder, "pingpong", agents: ["ping": "pong", "pong": "ping"], module: "pingpong.wat"))

        var inProcess: [Double] = []
        for _ in 0..<options.repetitions {
            inProcess.append(try roundTrip(pingPong, options: FleetOptions(), count: options.roundTrips))
        }
        var results = FleetBenchResults(
            inProcessMicroseconds: median(inProcess), natsBusMicroseconds: nil, natsRequestReplyMicroseconds: nil,
            natsNote: nil, fleets: [], roundTrips: options.roundTrips)

        do {
            let server = try NATSServerProcess()
            defer { server.stop() }
            let connection = try NATSConnection(url: server.url, name: "nanos-bench")
            defer { connection.close() }
            var bus: [Double] = []
            var requestReply: [Double] = []
            for _ in 0..<options.repetitions {
                var fleetOptions = FleetOptions()
                fleetOptions.bus = try natsBuses(
                    connection: connection, fleetID: RunInfo.newID(), members: pingPong.names)
                bus.append(try roundTrip(pingPong, options: fleetOptions, count: options.roundTrips))
                requestReply.append(try plainRequestReply(connection, url: server.url, count: options.roundTrips))
            }
            results.natsBusMicroseconds = median(bus)
            results.natsRequestReplyMicroseconds = median(requestReply)
        } catch {
            results.natsNote = "\(error)"
        }

        for count in [options.fleetAgents, options.largeFleetAgents] {
            var agents: [String: String] = [:]
            let names = (0..<count).map { String(format: "a%05d", $0) }
            for (index, name) in names.enumerated() {
                agents[name] = (index == 0 ? "!" : "") + names[(index + 1) % count]
            }
            try FleetGuests.ring(options.rounds, agents: count, coordinator: names[0]).write(
                toFile: folder + "/ring\(count).wat", atomically: true, encoding: .utf8)
            let manifest = try writeManifest(folder, "ring\(count)", agents: agents, module: "ring\(count).wat")
            let (seconds, rss) = try orchestrateInChild(manifest)
            results.fleets.append((count, count * options.rounds, seconds, rss))
        }
        return results
    }

    /// A fleet manifest whose agents' goals are the names they send to.
    private static func writeManifest(_ folder: String, _ name: String, agents: [String: String], module: String) throws
        -> String
    {
        var text = """
            name: \(name)
            binary: \(module)
            resources: {memory: 1MB, max_steps: 100000, timeout: 300s}
            permissions: {}
            tools: [agent_send, agent_recv]
            agents:

            """
        for agent in agents.keys.sorted() { text += "  - {name: \(agent), goal: \"\(agents[agent] ?? "")\"}\n" }
        let path = folder + "/\(name).nano"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// Microseconds per round trip of the ping-pong fleet.
    private static func roundTrip(_ plan: FleetPlan, options: FleetOptions, count: Int) throws -> Double {
        let report = LocalFleet.run(plan, options: options)
        guard report.isOK else {
            throw BenchError.setup(
                "the ping-pong fleet failed: \(report.agents.map { "\($0.name) \($0.status) \($0.message ?? "")" })")
        }
        let seconds = report.agents.map(\.durationMilliseconds).max() ?? 0
        return seconds * 1000 / Double(count)
    }

    /// Microseconds per plain NATS request/reply to a responder on another connection.
    private static func plainRequestReply(_ client: NATSConnection, url: String, count: Int) throws -> Double {
        let responderConnection = try NATSConnection(url: url, name: "nanos-bench-responder")
        defer { responderConnection.close() }
        let subscription = try responderConnection.subscribe("nanos.bench.echo") { message in
            try? message.respond(message.data)
        }
        defer { subscription.unsubscribe() }
        try responderConnection.flush(timeout: .seconds(5))
        let payload = Array("p".utf8)
        let started = ContinuousClock.now
        for _ in 0..<count { _ = try client.request("nanos.bench.echo", payload, timeout: .seconds(5)) }
        return started.duration(to: .now).secondsValue * 1e6 / Double(count)
    }

    /// Runs `nanos orchestrate MANIFEST` as a process of its own: its wall time and peak RSS.
    private static func orchestrateInChild(_ manifest: String) throws -> (Double, Int) {
        let started = ContinuousClock.now
        let pid = try ChildProcess.start(["orchestrate", manifest, "--quiet", "--no-record"])
        let (status, peak) = ChildProcess.wait(pid)
        let seconds = started.duration(to: .now).secondsValue
        guard status == 0 else {
            throw BenchError.setup("nanos orchestrate \(manifest) exited with status \(status >> 8)")
        }
        return (seconds, peak)
    }
}

/// The benchmark's guests, in WebAssembly text: nothing to compile but WAT.
enum FleetGuests {
    static let imports = """
        (import "nanos" "agent_goal" (func $goal (result i64)))
        (import "nanos" "agent_send" (func $send (param i32 i32 i32 i32) (result i32)))
        (import "nanos" "agent_recv" (func $recv (param i32) (result i64)))
        (import "nanos" "agent_done" (func $done (param i32 i32) (result i32)))
        """

    static let allocator = """
        (memory (export "memory") 1)
        ;; One buffer for every result: the goal is read once, at 1024, and each message is
        ;; done with before the next arrives.
        (global $calls (mut i32) (i32.const 0))
        (func (export "nanos_alloc") (param $n i32) (result i32)
          (if (i32.gt_u (local.get $n) (i32.const 30000)) (then (return (i32.const 0))))
          (global.set $calls (i32.add (global.get $calls) (i32.const 1)))
          (select (i32.const 1024) (i32.const 32768) (i32.eq (global.get $calls) (i32.const 1))))
        (data (i32.const 16) "m")
        (data (i32.const 32) "done")
        """

    /// Ping sends first and then waits; pong waits and then answers; `count` times each.
    /// Each agent's goal is its peer's name.
    static func pingPong(_ count: Int) -> String {
        """
        (module
          \(imports)
          \(allocator)
          (func (export "run") (result i32)
            (local $peer i64) (local $i i32) (local $first i32)
            (local.set $peer (call $goal))
            ;; ping's goal is "pong" (an "o" second): it starts; pong's is "ping": it answers.
            (local.set $first (i32.eq (i32.load8_u offset=1 (i32.wrap_i64 (local.get $peer))) (i32.const 111)))
            (block $end (loop $again
              (br_if $end (i32.ge_u (local.get $i) (i32.const \(count))))
              (if (local.get $first) (then (call $message (local.get $peer))))
              (if (i64.eqz (call $recv (i32.const 30000))) (then (unreachable)))
              (if (i32.eqz (local.get $first)) (then (call $message (local.get $peer))))
              (local.set $i (i32.add (local.get $i) (i32.const 1)))
              (br $again)))
            (drop (call $done (i32.const 32) (i32.const 4)))
            (i32.const 0))
          (func $message (param $peer i64)
            (if (call $send (i32.wrap_i64 (local.get $peer)) (i32.wrap_i64 (i64.shr_u (local.get $peer) (i64.const 32)))
                  (i32.const 16) (i32.const 1))
              (then (unreachable)))))
        """
    }

    /// A ring in which every agent is alive at once: each tells the coordinator (the agent
    /// whose goal starts with "!") it is ready and waits; the coordinator, once all `agents`
    /// are ready, broadcasts "go"; then each sends `rounds` messages to the agent its goal
    /// names and takes as many. A full inbox (EAGAIN) is waited out with a short receive,
    /// whose message counts toward the agent's total.
    static func ring(_ rounds: Int, agents: Int, coordinator: String) -> String {
        """
        (module
          \(imports)
          (import "nanos" "agent_broadcast" (func $broadcast (param i32 i32) (result i32)))
          \(allocator)
          (data (i32.const 48) "\(coordinator)")
          (data (i32.const 112) "ready")
          (data (i32.const 128) "go")
          (global $received (mut i32) (i32.const 0))
          (func $take (param $wait i32) (result i32)
            (if (result i32) (i64.eqz (call $recv (local.get $wait)))
              (then (i32.const 0))
              (else (global.set $received (i32.add (global.get $received) (i32.const 1))) (i32.const 1))))
          ;; Sends until the inbox takes it: -8 (EAGAIN) waits with a short receive.
          (func $deliver (param $to i32) (param $len i32) (param $msg i32) (param $msg_len i32)
            (local $rc i32)
            (block $sent (loop $retry
              (local.set $rc (call $send (local.get $to) (local.get $len) (local.get $msg) (local.get $msg_len)))
              (br_if $sent (i32.eqz (local.get $rc)))
              (if (i32.ne (local.get $rc) (i32.const -8)) (then (unreachable)))
              (drop (call $take (i32.const 2)))
              (br $retry))))
          (func $await (param $count i32)
            (block $enough (loop $more
              (br_if $enough (i32.ge_u (global.get $received) (local.get $count)))
              (if (i32.eqz (call $take (i32.const 60000))) (then (unreachable)))
              (br $more))))
          (func (export "run") (result i32)
            (local $goal i64) (local $next i32) (local $next_len i32) (local $i i32)
            (local.set $goal (call $goal))
            (local.set $next (i32.wrap_i64 (local.get $goal)))
            (local.set $next_len (i32.wrap_i64 (i64.shr_u (local.get $goal) (i64.const 32))))
            (if (i32.eq (i32.load8_u (local.get $next)) (i32.const 33))
              (then
                (local.set $next (i32.add (local.get $next) (i32.const 1)))
                (local.set $next_len (i32.sub (local.get $next_len) (i32.const 1)))
                (call $await (i32.const \(agents - 1)))
                (global.set $received (i32.const 0))
                (drop (call $broadcast (i32.const 128) (i32.const 2))))
              (else
                (call $deliver (i32.const 48) (i32.const \(coordinator.utf8.count)) (i32.const 112) (i32.const 5))
                (call $await (i32.const 1))
                (global.set $received (i32.sub (global.get $received) (i32.const 1)))))
            (block $sent (loop $send_more
              (br_if $sent (i32.ge_u (local.get $i) (i32.const \(rounds))))
              (call $deliver (local.get $next) (local.get $next_len) (i32.const 16) (i32.const 1))
              (local.set $i (i32.add (local.get $i) (i32.const 1)))
              (br $send_more)))
            (call $await (i32.const \(rounds)))
            (drop (call $done (i32.const 32) (i32.const 4)))
            (i32.const 0)))
        """
    }
}
