import Foundation
import Testing

/// `nanos serve` as a client sees it: the API on a real socket, its auth, root confinement,
/// inline-manifest policy and limits, and time travel through HTTP (docs/serve.md).
@Suite(.serialized) struct ServeTests {
    let folder: TempFolder
    let db: String
    let examples = CLI.repositoryRoot + "/examples"

    init() throws {
        folder = try TempFolder()
        db = folder.path + "/runs.db"
    }

    /// A guest that computes forever (no syscall): only fuel, the deadline or a cancel stop it.
    static let spinner = """
        (module
          (memory (export "memory") 1)
          (func (export "run") (result i32)
            (loop $forever (br $forever))
            (i32.const 0)))
        """

    func spinnerRoot() throws -> String {
        let root = folder.path + "/root"
        try folder.write("root/spin.wat", Self.spinner)
        try folder.write(
            "root/spin.nano",
            """
            name: spin
            binary: spin.wat
            resources: {memory: 1MB, max_steps: 10, fuel: 100000000000000, timeout: 60s}
            permissions: {}
            """)
        return root
    }

    func run(_ answer: ServeProcess.Answer) throws -> [String: Any] {
        try #require(try answer.json()["run"] as? [String: Any], "no run in \(answer.text)")
    }

    // MARK: start-up

    @Test func aNonLoopbackAddressWithoutATokenIsRefusedAtStart() throws {
        let result = try CLI.run(["serve", "--host", "0.0.0.0", "--port", "0", "--root", examples, "--db", db])
        #expect(result.exitCode == 2)
        #expect(result.stderr.contains("--token"), "\(result.stderr)")
        let short = try CLI.run(["serve", "--token", "short", "--port", "0", "--root", examples, "--db", db])
        #expect(short.exitCode == 2)
        #expect(short.stderr.contains("at least 16"), "\(short.stderr)")
        for option in ["--max-runs", "--max-streams"] {
            let none = try CLI.run(["serve", option, "0", "--port", "0", "--root", examples, "--db", db])
            #expect(none.exitCode == 2)
            #expect(none.stderr.contains("\(option) 0: must be at least 1"), "\(none.stderr)")
        }
    }

    // MARK: auth

    @Test func withATokenEveryAPICallNeedsItAndThePageDoesNot() throws {
        let token = "0123456789abcdef0123456789abcdef"
        let server = try ServeProcess(root: examples, db: db, token: token)
        let missing = try server.request("GET", "/v1/runs", token: "")
        #expect(missing.status == 401)
        #expect(try missing.json()["code"] as? String == "unauthorized")
        #expect(missing.header("WWW-Authenticate") == "Bearer")
        let wrong = try server.request("GET", "/v1/runs", token: String(token.dropLast()) + "0")
        #expect(wrong.status == 401)
        #expect(try server.request("GET", "/v1/runs", token: token + "0").status == 401)
        #expect(try server.request("GET", "/metrics", token: "").status == 401)
        #expect(try server.request("POST", "/v1/runs", json: ["manifest": "hello.nano"], token: "").status == 401)
        #expect(try server.request("GET", "/v1/runs").status == 200)
        #expect(try server.request("GET", "/", token: "").status == 200)
        #expect(try server.request("GET", "/healthz", token: "").status == 200)
    }

    // MARK: root confinement

    @Test func pathsOutsideTheRootAreRefusedWith403() throws {
        let outside = try TempFolder()
        try outside.write("secret.nano", "name: secret\nresources: {memory: 1MB, max_steps: 1}\npermissions: {}\n")
        let root = try spinnerRoot()
        try FileManager.default.createSymbolicLink(
            atPath: root + "/link.nano", withDestinationPath: outside.path + "/secret.nano")
        let server = try ServeProcess(root: root, db: db)
        for path in [
            "../runs.db", "/etc/passwd", "../../../../etc/hostname", outside.path + "/secret.nano", "link.nano",
        ] {
            let answer = try server.request("POST", "/v1/runs", json: ["manifest": path])
            #expect(answer.status == 403, "\(path): \(answer.text)")
            #expect(try answer.json()["code"] as? String == "outside_root")
            let original = try server.request(
                "GET", "/v1/manifest?path=\(path.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")")
            #expect(original.status == 403, "\(path): \(original.text)")
        }
        #expect(try server.request("POST", "/v1/runs", json: ["manifest": "nothing.nano"]).status == 404)
        // The listing shows what is inside, not what the link leads to.
        let listed = try server.request("GET", "/v1/manifests").json()["manifests"] as? [[String: Any]] ?? []
        #expect(listed.compactMap { $0["path"] as? String } == ["spin.nano"])
    }

    // MARK: inline-manifest policy

    @Test func anInlineManifestMayGrantNoMoreThanThePolicy() throws {
        let root = try spinnerRoot()
        let policy = try folder.write("policy.yaml", "hosts: [api.example.com]\n")
        let server = try ServeProcess(root: root, db: db, ["--policy", policy])
        let base = "name: x\nbinary: spin.wat\nresources: {memory: 1MB, max_steps: 1, timeout: 1s}\n"
        let noGrants = "permissions: {}\n"
        let refused: [(String, String)] = [
            (noGrants + "mcp_servers: [{name: t, command: /bin/sh, args: [-c, id]}]\n", "--allow-commands"),
            ("permissions: {fs_read: [\"../*\"]}\n", "permissions.fs_read"),
            ("permissions: {fs_write: [\"/etc/*\"]}\n", "permissions.fs_write"),
            ("permissions: {network: [evil.example.com]}\n", "permissions.network"),
            ("permissions: {network: true}\n", "permissions.network"),
            (
                noGrants + "model: {provider: openai, api_url: \"http://169.254.169.254/v1\", model_name: m}\n",
                "model.api_url"
            ),
        ]
        for (grant, field) in refused {
            let answer = try server.request("POST", "/v1/runs", json: ["manifest_text": base + grant])
            #expect(answer.status == 403, "\(grant): \(answer.text)")
            let message = try answer.json()["error"] as? String ?? ""
            #expect(message.contains(field), "\(grant): \(answer.text)")
        }
        let binaryOutside = "name: x\nbinary: /bin/true\nresources: {memory: 1MB, max_steps: 1}\npermissions: {}\n"
        #expect(try server.request("POST", "/v1/runs", json: ["manifest_text": binaryOutside]).status == 403)
        // What the policy allows runs.
        let allowed = base + "permissions: {network: [api.example.com]}\n"
        let started = try server.request("POST", "/v1/runs", json: ["manifest_text": allowed, "wait": true])
        #expect(started.status == 200, "\(started.text)")
        #expect(try run(started)["status"] as? String == "timeout")
    }

    @Test func allowCommandsLetsAnInlineManifestDeclareMCPServers() throws {
        let root = try spinnerRoot()
        let server = try ServeProcess(root: root, db: db, ["--allow-commands"])
        let text = """
            name: x
            binary: spin.wat
            resources: {memory: 1MB, max_steps: 1, timeout: 1s}
            permissions: {}
            mcp_servers: [{name: t, command: /bin/true, args: []}]
            """
        let answer = try server.request("POST", "/v1/runs", json: ["manifest_text": text, "wait": true])
        #expect(answer.status == 200, "\(answer.text)")
    }

    // MARK: limits and errors

    @Test func bodiesRunsAndErrorsAreBoundedAndJSON() throws {
        let root = try spinnerRoot()
        let server = try ServeProcess(root: root, db: db, ["--max-runs", "1"])
        let big = Data(repeating: UInt8(ascii: " "), count: (1 << 20) + 10)
        let tooBig = try server.request("POST", "/v1/runs", raw: big, headers: ["Content-Type": "application/json"])
        #expect(tooBig.status == 413)
        #expect(try tooBig.json()["code"] as? String == "too_large")
        let notJSON = try server.request("POST", "/v1/runs", raw: Data("{".utf8))
        #expect(notJSON.status == 400)
        #expect(try notJSON.json()["error"] as? String != nil)
        let unknown = try server.request("GET", "/v1/nothing")
        #expect(unknown.status == 404)
        #expect(try unknown.json()["code"] as? String == "not_found")
        #expect(try server.request("GET", "/v1/runs?limit=100000").status == 400)
        #expect(try server.request("GET", "/v1/runs/no-such-run").status == 404)

        // One run at a time: a second gets 429 until the first is cancelled.
        let first = try run(try server.request("POST", "/v1/runs", json: ["manifest": "spin.nano"]))
        let id = try #require(first["id"] as? String)
        #expect(first["live"] as? Bool == true)
        let second = try server.request("POST", "/v1/runs", json: ["manifest": "spin.nano"])
        #expect(second.status == 429)
        #expect(second.header("Retry-After") != nil)
        let cancel = try server.request("POST", "/v1/runs/\(id)/cancel")
        #expect(cancel.status == 202)
        let ended = try server.waitForEnd(id, seconds: 30)
        #expect(ended["status"] as? String == "cancelled")
        #expect(try server.request("POST", "/v1/runs/\(id)/cancel").status == 409)
        #expect(try server.request("POST", "/v1/runs", json: ["manifest": "spin.nano", "wait": false]).status == 202)
    }

    @Test func corsIsOffUnlessOneOriginIsGiven() throws {
        let off = try ServeProcess(root: examples, db: db)
        let plain = try off.request("GET", "/v1/runs", headers: ["Origin": "https://evil.example"])
        #expect(plain.header("Access-Control-Allow-Origin") == nil)
        let on = try ServeProcess(root: examples, db: db, ["--cors-origin", "https://ui.example"])
        #expect(
            try on.request("GET", "/v1/runs", headers: ["Origin": "https://ui.example"]).header(
                "Access-Control-Allow-Origin") == "https://ui.example")
        #expect(
            try on.request("GET", "/v1/runs", headers: ["Origin": "https://evil.example"]).header(
                "Access-Control-Allow-Origin") == nil)
    }

    @Test func secretsAreNeverReturned() throws {
        let root = folder.path + "/secrets"
        try folder.write(
            "secrets/remote.nano",
            """
            name: remote
            model: {provider: openai, api_url: "http://127.0.0.1:9/v1", api_key: sk-do-not-show, model_name: m}
            resources: {memory: 1MB, max_steps: 1}
            permissions: {}
            token: fleet-secret-value
            """)
        let server = try ServeProcess(root: root, db: db)
        let manifest = try server.request("GET", "/v1/manifest?path=remote.nano")
        #expect(manifest.status == 200, "\(manifest.text)")
        #expect(!manifest.text.contains("sk-do-not-show"))
        #expect(!manifest.text.contains("fleet-secret-value"))
        #expect(try manifest.json()["name"] as? String == "remote")
    }

    // MARK: runs, steps, events and time travel

    @Test func anEventStreamWhoseClientGoesAwayGivesItsPlaceBack() throws {
        let server = try ServeProcess(root: examples, db: db, ["--max-streams", "2"])
        let started = try server.request("POST", "/v1/runs", json: ["manifest": "hello.nano", "wait": true])
        let id = try #require(try run(started)["id"] as? String)
        for _ in 0..<40 { try server.abandon("/v1/runs/\(id)/events") }
        // The server notices the resets in its own time: wait for every place to come back.
        var open = "?"
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline {
            let metrics = try server.request("GET", "/metrics").text
            open =
                metrics.split(separator: "\n").first { $0.hasPrefix("nanos_event_streams_open ") }
                .map { String($0.dropFirst("nanos_event_streams_open ".count)) } ?? "missing"
            if open == "0" { break }
            Thread.sleep(forTimeInterval: 0.1)
        }
        #expect(open == "0", "event streams still counted open after their clients left")
        for _ in 0..<3 {
            let events = try server.request("GET", "/v1/runs/\(id)/events")
            #expect(events.status == 200, "\(events.text)")
            #expect(events.text.contains("event: end\n"))
        }
    }

    @Test func aRunIsStartedWatchedReplayedForkedAndDiffed() throws {
        let server = try ServeProcess(root: examples, db: db)
        let started = try server.request("POST", "/v1/runs", json: ["manifest": "hello.nano", "wait": true])
        #expect(started.status == 200, "\(started.text)")
        let hello = try run(started)
        let id = try #require(hello["id"] as? String)
        #expect(hello["status"] as? String == "ok")
        #expect(hello["manifest"] as? String == "hello.nano")

        let steps = try #require(try server.request("GET", "/v1/runs/\(id)/steps").json()["steps"] as? [[String: Any]])
        let notes = try String(contentsOfFile: examples + "/data/notes.txt", encoding: .utf8)
        let read = try #require(steps.firstIndex { ($0["result"] as? String) == notes }, "no step returned notes.txt")
        let readStep = read + 1
        #expect(try server.request("GET", "/v1/runs/\(id)/steps/\(readStep)").json()["step"] != nil)
        #expect(try server.request("GET", "/v1/runs/\(id)/steps/999").status == 404)

        // The event stream of a finished run: every step, then the end.
        let events = try server.request("GET", "/v1/runs/\(id)/events")
        #expect(events.header("Content-Type")?.hasPrefix("text/event-stream") == true)
        #expect(events.text.components(separatedBy: "event: step\n").count - 1 == steps.count)
        #expect(events.text.contains("event: end\ndata: {\"id\":\"\(id)\""))

        let replay = try server.request("POST", "/v1/runs/\(id)/replay", json: [:] as [String: Any]).json()
        #expect(replay["identical"] as? Bool == true, "\(replay)")

        let payload = "<img src=x onerror=alert(1)>"
        let forked = try run(
            try server.request(
                "POST", "/v1/runs/\(id)/fork", json: ["step": readStep, "result_text": payload, "wait": true]))
        let forkID = try #require(forked["id"] as? String)
        #expect(forked["parent"] as? String == id)
        #expect(forked["fork_step"] as? Int == readStep)
        let forkedStep = try server.request("GET", "/v1/runs/\(forkID)/steps/\(readStep)").json()["step"]
        #expect((forkedStep as? [String: Any])?["result"] as? String == payload)

        let diff = try server.request("GET", "/v1/diff?a=\(id)&b=\(forkID)").json()
        #expect((diff["difference"] as? [String: Any])?["step"] as? Int == readStep, "\(diff)")
        let tree = try server.request("GET", "/v1/runs/\(forkID)/tree").json()
        #expect(tree["root"] as? String == id)
        #expect((tree["runs"] as? [[String: Any]])?.count == 2)

        #expect(try server.request("POST", "/v1/runs/\(id)/fork", json: ["step": 999, "errno": "EIO"]).status == 400)
        #expect(try server.request("POST", "/v1/runs/\(id)/fork", json: ["step": 1, "errno": "EWHAT"]).status == 400)
        #expect(try server.request("POST", "/v1/runs/\(id)/resume", json: [:] as [String: Any]).status == 409)

        let listed = try server.request("GET", "/v1/runs?agent=hello").json()["runs"] as? [[String: Any]] ?? []
        #expect(Set(listed.compactMap { $0["id"] as? String }) == [id, forkID])

        let metrics = try server.request("GET", "/metrics").text
        #expect(metrics.contains("nanos_runs_total{status=\"ok\"} 2"), "\(metrics)")
        #expect(metrics.contains("nanos_syscall_latency_seconds_count{call=\"fs.read\"}"), "\(metrics)")
        #expect(metrics.contains("nanos_model_queue_length 0"))
    }

    @Test func aLiveRunStreamsItsStepsAsTheyAreMade() throws {
        let root = folder.path + "/ticks"
        // Ten clock reads, each after a busy loop: the stream shows them before the run ends.
        try folder.write(
            "ticks/ticks.wat",
            """
            (module
              (import "nanos" "clock_now" (func $now (result i64)))
              (memory (export "memory") 1)
              (func (export "run") (result i32)
                (local $i i32) (local $j i32)
                (loop $ticks
                  (local.set $j (i32.const 0))
                  (loop $spin
                    (local.set $j (i32.add (local.get $j) (i32.const 1)))
                    (br_if $spin (i32.lt_u (local.get $j) (i32.const 3000000))))
                  (drop (call $now))
                  (local.set $i (i32.add (local.get $i) (i32.const 1)))
                  (br_if $ticks (i32.lt_u (local.get $i) (i32.const 10))))
                (i32.const 0)))
            """)
        try folder.write(
            "ticks/ticks.nano",
            "name: ticks\nbinary: ticks.wat\ntools: [clock]\nresources: {memory: 1MB, max_steps: 20, timeout: 60s}\npermissions: {}\n"
        )
        let server = try ServeProcess(root: root, db: db)
        let id = try #require(
            try run(try server.request("POST", "/v1/runs", json: ["manifest": "ticks.nano"]))["id"] as? String)
        var sawPartial = false
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline {
            let current = try run(try server.request("GET", "/v1/runs/\(id)"))
            let count = current["steps"] as? Int ?? 0
            if current["live"] as? Bool == true, count > 0, count < 10 { sawPartial = true }
            if current["live"] as? Bool == false { break }
            Thread.sleep(forTimeInterval: 0.02)
        }
        #expect(sawPartial, "never saw the run with some of its steps made")
        let events = try server.request("GET", "/v1/runs/\(id)/events").text
        #expect(events.components(separatedBy: "event: step\n").count - 1 == 10)
        #expect(try server.waitForEnd(id)["status"] as? String == "ok")
    }

    // MARK: the original routes and the page

    @Test func theOriginalRoutesKeepTheirShapes() throws {
        let server = try ServeProcess(root: examples, db: db)
        let status = try server.request("GET", "/v1/status").json()
        #expect(status["status"] as? String == "ok")
        #expect((status["auto_discovered_manifests"] as? [String])?.contains("agent.nano") == true)
        let manifest = try server.request("GET", "/v1/manifest?path=hello.nano").json()
        #expect(manifest["name"] as? String == "hello")
        #expect(manifest.keys.contains("api_key") == false)

        let original: [String: Any] = [
            "name": "hello", "model": NSNull(), "binary": "build/hello.wasm", "goal": NSNull(),
            "resources": ["memory": "16MB", "max_steps": 32],
            "permissions": ["fs_read": ["data/*.txt"], "fs_write": ["out/*.txt"], "network": false],
            "tools": ["agent", "fs_read", "fs_write"], "mcp_servers": NSNull(),
        ]
        let ran = try server.request("POST", "/v1/run", json: original)
        #expect(ran.status == 200, "\(ran.text)")
        let body = try ran.json()
        #expect(body["status"] as? String == "success")
        let traces = try #require(body["traces"] as? [[String: Any]])
        #expect(!traces.isEmpty)
        for trace in traces {
            for key in ["step", "action", "args", "tokens", "latency", "result"] {
                #expect(trace[key] != nil, "trace without \(key): \(trace)")
            }
        }
        let read = try #require(traces.firstIndex { ($0["action"] as? String)?.contains("read") == true })
        let replayed = try server.request(
            "POST", "/v1/replay",
            json: [
                "manifest": original, "history": Array(traces.prefix(read)), "override_observation": "one line\n",
                "run_id": try #require(body["run_id"] as? String),
            ])
        #expect(replayed.status == 200, "\(replayed.text)")
        let again = try #require(try replayed.json()["traces"] as? [[String: Any]])
        #expect(again[read]["result"] as? String == "one line\n")
    }

    /// Every file of the page is served from the binary, and the OpenAPI document describes the routes.
    @Test func theDebuggerAndTheOpenAPIDocumentAreServed() throws {
        let server = try ServeProcess(root: examples, db: db)
        let web = CLI.repositoryRoot + "/Sources/NanosServe/Web"
        let files = try FileManager.default.contentsOfDirectory(atPath: web)
        #expect(files.contains("index.html"))
        for file in files {
            let answer = try server.request("GET", "/" + file)
            #expect(answer.status == 200, "/\(file)")
            #expect(answer.body == FileManager.default.contents(atPath: web + "/" + file), "/\(file) is stale")
        }
        let page = try server.request("GET", "/")
        #expect(page.header("Content-Type")?.hasPrefix("text/html") == true)
        #expect(page.header("Content-Security-Policy")?.contains("script-src 'self'") == true)
        let spec = try server.request("GET", "/openapi.json").json()
        #expect(spec["openapi"] as? String == "3.1.0")
        let paths = try #require(spec["paths"] as? [String: Any])
        for route in ["/v1/runs", "/v1/runs/{id}/events", "/v1/runs/{id}/fork", "/v1/diff", "/metrics", "/healthz"] {
            #expect(paths[route] != nil, "\(route) is not in openapi.json")
        }
    }
}
