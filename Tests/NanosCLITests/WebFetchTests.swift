import Foundation
import Testing

/// `web_fetch` from a C, an Embedded Swift and a TS guest against a real HTTP server on
/// 127.0.0.1 (Tests/Fixtures/http_test_server.py): what the policy allows is fetched,
/// and another port, another scheme, a redirect to an unlisted port and a listed name
/// that resolves to an unlisted address are each refused with EPERM.
@Suite(.serialized) struct WebFetchTests {
    /// The server, alive while `stdin` is open.
    final class TestServer {
        let process = Process()
        let stdin = Pipe()
        let port: Int

        init() throws {
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = ["python3", CLI.repositoryRoot + "/Tests/Fixtures/http_test_server.py"]
            let stdout = Pipe()
            process.standardInput = stdin
            process.standardOutput = stdout
            try process.run()
            var line = Data()
            while let byte = try stdout.fileHandleForReading.read(upToCount: 1), let first = byte.first, first != 0x0A {
                line.append(first)
            }
            port = try #require(Int(String(decoding: line, as: UTF8.self)), "the test server printed no port")
        }

        deinit {
            try? stdin.fileHandleForWriting.close()
            process.waitUntilExit()
        }
    }

    /// The attempts every guest makes, by label; the goal gives the ports.
    static let expected = [
        "ok=200 hello from the test server",
        "missing=404",
        "post=200 POST ping",
        "port=EPERM",
        "scheme=EPERM",
        "redirect=EPERM",
        "name=EPERM",
        "followed=200 hello from the test server",
    ]

    func run(_ file: String, _ source: String) throws {
        let server = try TestServer()
        let folder = try TempFolder()
        // A port nothing is granted on (the server's own port plus one is never listed).
        let other = server.port + 1
        let named = server.port + 2
        try folder.write(
            "agent.nano",
            """
            name: web
            binary: agent.wasm
            goal: "\(server.port) \(other) \(named)"
            resources: {memory: 16MB, max_steps: 64, fuel: 10000000000, timeout: 30s}
            tools: [web, fs_write]
            permissions:
              fs_write: [out.txt]
              network: ["127.0.0.1:\(server.port)", "localhost:\(named)"]
            """)
        let input = try folder.write(file, source)
        let compiled = try CLI.run(["compile", input, "-o", folder.path + "/agent.wasm"])
        try #require(compiled.exitCode == 0, "compile failed: \(compiled.stderr)")
        let result = try CLI.run(["run", folder.path + "/agent.nano", "--json"])
        #expect(result.exitCode == 0, "stderr: \(result.stderr)")
        let lines = try folder.read("out.txt").split(separator: "\n").map(String.init)
        #expect(lines == Self.expected)
        withExtendedLifetime(server) {}
    }

    @Test func cGuest() throws {
        try run(
            "agent.c",
            #"""
            #include "nanos.h"
            #include <stdio.h>
            #include <stdlib.h>
            static char out[4096];
            static void attempt(const char * label, const char * request) {
                nanos_buf answer;
                int err = nanos_web_fetch(request, &answer);
                size_t used = strlen(out);
                if (err) { snprintf(out + used, sizeof out - used, "%s=%s\n", label, nanos_errno_name(err)); return; }
                /* The answer is JSON: pick the status and the body out of it by hand. */
                const char * status = strstr(answer.data, "\"status\":");
                const char * body = strstr(answer.data, "\"body\":\"");
                char text[256] = "";
                if (body) { body += 8; size_t n = strcspn(body, "\""); if (n > 255) n = 255; memcpy(text, body, n); text[n] = 0; }
                int code = status ? atoi(status + 9) : -1;
                if (code == 404) snprintf(out + used, sizeof out - used, "%s=%d\n", label, code);
                else snprintf(out + used, sizeof out - used, "%s=%d %s\n", label, code, text);
                nanos_buf_free(&answer);
            }
            NANOS_ENTRY int run(void) {
                nanos_buf goal = nanos_goal();
                int port = 0, other = 0, named = 0;
                sscanf(goal.data, "%d %d %d", &port, &other, &named);
                char url[512];
                snprintf(url, sizeof url, "http://127.0.0.1:%d/hello", port); attempt("ok", url);
                snprintf(url, sizeof url, "http://127.0.0.1:%d/status/404", port); attempt("missing", url);
                snprintf(url, sizeof url, "{\"url\":\"http://127.0.0.1:%d/echo\",\"method\":\"POST\",\"body\":\"ping\"}", port); attempt("post", url);
                snprintf(url, sizeof url, "http://127.0.0.1:%d/hello", other); attempt("port", url);
                snprintf(url, sizeof url, "gopher://127.0.0.1:%d/hello", port); attempt("scheme", url);
                snprintf(url, sizeof url, "http://127.0.0.1:%d/redirect?to=http://127.0.0.1:%d/hello", port, other); attempt("redirect", url);
                snprintf(url, sizeof url, "http://localhost:%d/hello", named); attempt("name", url);
                snprintf(url, sizeof url, "http://127.0.0.1:%d/redirect?to=/hello", port); attempt("followed", url);
                return nanos_fs_write("out.txt", out, strlen(out)) ? 1 : 0;
            }
            """#)
    }

    @Test func swiftGuest() throws {
        try run(
            "agent.swift",
            #"""
            var out = ""
            func attempt(_ label: String, _ request: String) {
                do {
                    let answer = try Nanos.web.fetch(request)
                    out += answer.status == 404 ? "\(label)=404\n" : "\(label)=\(answer.status) \(answer.text)\n"
                } catch {
                    out += "\(label)=\(error.name)\n"
                }
            }
            @_expose(wasm, "run")
            @_cdecl("run")
            func run() -> Int32 {
                let ports = Nanos.goal().split(separator: " ").map { String($0) }
                let (port, other, named) = (ports[0], ports[1], ports[2])
                attempt("ok", "http://127.0.0.1:\(port)/hello")
                attempt("missing", "http://127.0.0.1:\(port)/status/404")
                attempt("post", "{\"url\":\"http://127.0.0.1:\(port)/echo\",\"method\":\"POST\",\"body\":\"ping\"}")
                attempt("port", "http://127.0.0.1:\(other)/hello")
                attempt("scheme", "gopher://127.0.0.1:\(port)/hello")
                attempt("redirect", "http://127.0.0.1:\(port)/redirect?to=http://127.0.0.1:\(other)/hello")
                attempt("name", "http://localhost:\(named)/hello")
                attempt("followed", "http://127.0.0.1:\(port)/redirect?to=/hello")
                do {
                    try Nanos.fs.write("out.txt", out)
                } catch {
                    return 1
                }
                return 0
            }
            """#)
    }

    @Test func tsGuest() throws {
        try run(
            "agent.ts",
            #"""
            import { agent, fs, web } from "nanos";
            const [port, other, named] = agent.getGoal().split(" ");
            let out = "";
            function attempt(label: string, url: string, options?: { method?: string; body?: string }): void {
              try {
                const answer = web.fetch(url, options);
                out += answer.status === 404 ? `${label}=404\n` : `${label}=${answer.status} ${answer.text()}\n`;
              } catch (error: any) {
                out += `${label}=${error.code}\n`;
              }
            }
            attempt("ok", `http://127.0.0.1:${port}/hello`);
            attempt("missing", `http://127.0.0.1:${port}/status/404`);
            attempt("post", `http://127.0.0.1:${port}/echo`, { method: "POST", body: "ping" });
            attempt("port", `http://127.0.0.1:${other}/hello`);
            attempt("scheme", `gopher://127.0.0.1:${port}/hello`);
            attempt("redirect", `http://127.0.0.1:${port}/redirect?to=http://127.0.0.1:${other}/hello`);
            attempt("name", `http://localhost:${named}/hello`);
            attempt("followed", `http://127.0.0.1:${port}/redirect?to=/hello`);
            fs.writeFile("out.txt", out);
            """#)
    }
}

/// examples/web_fetch.nano as a user runs it, against `python3 -m http.server` serving
/// examples/data (on a free port, written into a copy of the manifest).
@Suite struct WebFetchExampleTests {
    @Test func theExampleFetchesItsFileAndIsRefusedElsewhere() throws {
        let server = Process()
        server.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        server.arguments = [
            "python3", "-u", "-m", "http.server", "0", "--bind", "127.0.0.1", "--directory",
            CLI.repositoryRoot + "/examples/data",
        ]
        let stdout = Pipe()
        server.standardOutput = stdout
        server.standardError = FileHandle.nullDevice
        try server.run()
        defer {
            // SIGKILL: the test runner's blocked signals (SIGTERM among them) are inherited.
            kill(server.processIdentifier, SIGKILL)
            server.waitUntilExit()
        }
        // "Serving HTTP on 127.0.0.1 port 41234 (http://127.0.0.1:41234/) ..."
        var line = Data()
        while let byte = try stdout.fileHandleForReading.read(upToCount: 1), let first = byte.first, first != 0x0A {
            line.append(first)
        }
        let words = String(decoding: line, as: UTF8.self).split(separator: " ")
        let port = try #require(words.firstIndex(of: "port").flatMap { Int(words[$0 + 1]) }, "no port in \(words)")

        let folder = try TempFolder()
        try folder.write("out/.keep", "")  // as examples/out/ is
        let example = try String(contentsOfFile: CLI.repositoryRoot + "/examples/web_fetch.nano", encoding: .utf8)
        try folder.write(
            "web_fetch.nano",
            example.replacingOccurrences(of: "8765", with: "\(port)")
                .replacingOccurrences(
                    of: "binary: build/web_fetch.wasm",
                    with: "binary: \(CLI.repositoryRoot)/examples/build/web_fetch.wasm"))
        let result = try CLI.run(["run", folder.path + "/web_fetch.nano", "--json"])
        #expect(result.exitCode == 0, "stderr: \(result.stderr)")
        #expect(try result.json()["summary"] as? String == "fetched 200; refused EPERM, EPERM, EPERM")
        let notes = try String(contentsOfFile: CLI.repositoryRoot + "/examples/data/notes.txt", encoding: .utf8)
        #expect(try folder.read("out/fetched.txt") == notes)
    }
}
