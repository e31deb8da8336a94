import Testing

@testable import NanosManifest

@Suite struct UnitsTests {
    @Test(arguments: [
        ("512MB", 512 << 20),
        ("1.5GB", 1_610_612_736),
        ("4gb", 4 << 30),
        ("64KiB", 64 << 10),
        ("1048576", 1_048_576),
        ("100B", 100),
        ("2 MiB", 2 << 20),
        ("0.5k", 512),
        (" 1TB ", 1 << 40),
    ])
    func sizesParse(text: String, bytes: Int) {
        #expect(parseSize(text) == bytes)
    }

    @Test(arguments: ["lots", "", "MB", "-1MB", "12XB", "1.2.3MB", "1.MB", "1e9", "inf", "9999999999TB"])
    func nonSizesAreRejected(text: String) {
        #expect(parseSize(text) == nil)
    }

    @Test(arguments: [
        ("30s", Duration.seconds(30)),
        ("500ms", .milliseconds(500)),
        ("1.5s", .milliseconds(1500)),
        ("2m", .seconds(120)),
        ("1h", .seconds(3600)),
        ("250us", .microseconds(250)),
        ("10ns", .nanoseconds(10)),
        ("45", .seconds(45)),
        ("0.25", .milliseconds(250)),
    ])
    func durationsParse(text: String, duration: Duration) {
        #expect(parseDuration(text) == duration)
    }

    @Test(arguments: ["soon", "", "s", "-1s", "5 parsecs", "1d", "99999999999h"])
    func nonDurationsAreRejected(text: String) {
        #expect(parseDuration(text) == nil)
    }

    @Test func nearestNameToleratesTyposAndSpelling() {
        let keys = ["memory", "max_steps", "fuel", "timeout", "stack"]
        #expect(nearestName(to: "memroy", in: keys) == "memory")
        #expect(nearestName(to: "maxSteps", in: keys) == "max_steps")
        #expect(nearestName(to: "max-steps", in: keys) == "max_steps")
        #expect(nearestName(to: "fule", in: keys) == "fuel")
        #expect(nearestName(to: "colour", in: keys) == nil)
    }

    @Test func toolGroupsAcceptOriginalNames() {
        #expect(ToolGroup(name: "done") == .agent)
        #expect(ToolGroup(name: "get_goal") == .agent)
        #expect(ToolGroup(name: "get_tools") == .agent)
        #expect(ToolGroup(name: "llm_infer") == .llm)
        #expect(ToolGroup(name: "web_get") == .web)
        #expect(ToolGroup(name: "memory_store") == .memory)
        #expect(ToolGroup(name: "memory_recall") == .memory)
        #expect(ToolGroup(name: "mcp") == .mcp_call)
        #expect(ToolGroup(name: "agent_recv") == .agent_recv)
        #expect(ToolGroup(name: "eval_js") == nil)
        #expect(
            ToolGroup.allCases.map(\.rawValue) == [
                "agent", "fs_read", "fs_write", "llm", "mcp_call", "web", "agent_send", "agent_recv", "clock", "random",
                "memory",
            ])
    }
}
