import Foundation
import Testing

/// Both guest SDKs, compiled with `nanos compile` and run with `nanos run`.
@Suite struct SDKTests {
    static let manifest = """
        name: sdk
        binary: agent.wasm
        goal: exercise the SDK
        resources: {memory: 16MB, max_steps: 64, fuel: 100000000, timeout: 20s}
        tools: [agent, fs_read, fs_write, clock, random, llm]
        permissions:
          fs_read: ["in/*"]
          fs_write: ["out.txt"]
        """

    /// Compiles `source` as `name`, runs it under the shared manifest and returns the report.
    func compileAndRun(_ name: String, _ source: String) throws -> (CLI.Result, TempFolder) {
        let folder = try TempFolder()
        try folder.write("in/a.txt", "alpha")
        try folder.write("in/b.txt", "beta!")
        try folder.write("secret.txt", "nope")
        let input = try folder.write(name, source)
        try folder.write("agent.nano", Self.manifest)
        let compiled = try CLI.run(["compile", input, "-o", folder.path + "/agent.wasm"])
        #expect(compiled.exitCode == 0, "compile failed: \(compiled.stderr)")
        return (try CLI.run(["run", folder.path + "/agent.nano", "--json"]), folder)
    }

    @Test func cSDKCoversEveryCall() throws {
        let source = #"""
            #include "nanos.h"
            #include <stdio.h>
            NANOS_ENTRY int run(void) {
                char report[512];
                nanos_buf goal = nanos_goal(), tools, file, list, err;
                if (nanos_tools(&tools) != 0) return 10;
                if (nanos_fs_read("in/a.txt", &file) != 0) return 11;
                if (nanos_fs_list("in", &list) != 0) return 12;
                int denied = nanos_fs_read("secret.txt", &err);
                nanos_buf why = nanos_last_error();
                int64_t now = nanos_clock_now();
                unsigned char noise[16];
                int rnd = nanos_random(noise, sizeof noise);
                nanos_buf answer;
                int llm = nanos_llm_infer("hi", &answer);
                snprintf(report, sizeof report, "goal=%s|tools=%s|a=%s|list=%s|denied=%s|why=%s|clock=%d|random=%d|llm=%s",
                         goal.data, tools.data, file.data, list.data, nanos_errno_name(-denied), why.data,
                         now > 1700000000000000000LL, rnd, nanos_errno_name(-llm));
                if (nanos_fs_write("out.txt", report, strlen(report)) != 0) return 13;
                nanos_done("c sdk ok");
                return 0;
            }
            """#
        let (result, folder) = try compileAndRun("agent.c", source)
        #expect(result.exitCode == 0, "stderr: \(result.stderr)")
        #expect(try result.json()["summary"] as? String == "c sdk ok")
        let report = try folder.read("out.txt")
        #expect(report.contains("goal=exercise the SDK"))
        #expect(report.contains(#"tools=["agent","fs_read","fs_write","llm","clock","random"]"#))
        #expect(report.contains("a=alpha"))
        #expect(report.contains(#""name":"a.txt","type":"file","size":5"#))
        #expect(report.contains("denied=EPERM|why=access to secret.txt denied"))
        #expect(report.contains("clock=1|random=0|llm=EIO"))
    }

    @Test func embeddedSwiftSDKCoversEveryCall() throws {
        let source = #"""
            @_expose(wasm, "run")
            @_cdecl("run")
            func run() -> Int32 {
                var report = "goal=\(Nanos.goal())|tools=\(Nanos.tools().count)"
                do {
                    report += "|a=" + (try Nanos.fs.read("in/a.txt"))
                    report += "|list=" + (try Nanos.fs.list("in")).joined(separator: ",")
                } catch {
                    return 2
                }
                do {
                    _ = try Nanos.fs.read("secret.txt")
                    report += "|denied=no"
                } catch {
                    report += "|denied=\(error.name)"
                }
                do {
                    _ = try Nanos.llm.infer("hi")
                } catch {
                    report += "|llm=\(error.name)"
                }
                let now = (try? Nanos.clock.now()) ?? 0
                report += "|clock=\(now > 1_700_000_000_000_000_000)"
                report += "|random=\((try? Nanos.random.bytes(8))?.count ?? -1)"
                do {
                    try Nanos.fs.write("out.txt", report)
                } catch {
                    return 3
                }
                Nanos.done("swift sdk ok")
            }
            """#
        let (result, folder) = try compileAndRun("agent.swift", source)
        #expect(result.exitCode == 0, "stderr: \(result.stderr)")
        #expect(try result.json()["summary"] as? String == "swift sdk ok")
        #expect(
            try folder.read("out.txt")
                == "goal=exercise the SDK|tools=6|a=alpha|list=a.txt,b.txt|denied=EPERM|llm=EIO|clock=true|random=8")
    }

    /// JSON.swift: a strict parser (each rejection names what and where) and a compact writer.
    @Test func embeddedSwiftJSONParsesStrictlyAndWritesCompactly() throws {
        let source = #"""
            @_expose(wasm, "run")
            @_cdecl("run")
            func run() -> Int32 {
                let inputs = [
                    #" { "a" : [1, -2.5e3, true, false, null], "b": "x\"\\\/\n\u00e9\ud83d\ude00", "a": 2 } "#,
                    #"{"a":1,}"#, "[01]", #""abc"#, #"{"a":1} x"#, #""\x""#, "\"tab\there\"", "",
                    String(repeating: "[", count: 100), "[1.]", "tru",
                ]
                var lines: [String] = []
                for input in inputs {
                    do {
                        let value = try JSONValue.parse(input)
                        let first = value["a"]?.arrayValue?.first?.intValue ?? -1
                        let b = value["b"]?.stringValue ?? ""
                        lines.append("ok \(value.serialized) first=\(first) b=\(b.utf8.count)")
                    } catch {
                        lines.append("error \(error)")
                    }
                }
                do {
                    try Nanos.fs.write("out.txt", lines.joined(separator: "\n"))
                } catch {
                    return 1
                }
                Nanos.done("json ok")
            }
            """#
        let (result, folder) = try compileAndRun("json.swift", source)
        #expect(result.exitCode == 0, "stderr: \(result.stderr)")
        let lines = try folder.read("out.txt").split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        #expect(
            lines == [
                #"ok {"a":[1,-2.5e3,true,false,null],"b":"x\"\\/\né😀","a":2} first=1 b=11"#,
                "error expected a string key at byte 7",
                "error a number must not start with 0 at byte 2",
                "error unterminated string at byte 4",
                "error unexpected text after the JSON value at byte 8",
                #"error invalid escape '\x' in a string at byte 2"#,
                "error unescaped control character in a string at byte 4",
                "error expected a JSON value, found the end of the text at byte 0",
                "error nested deeper than 64 levels at byte 64",
                "error expected a digit after '.' at byte 3",
                "error expected true at byte 0",
            ])
    }
}
