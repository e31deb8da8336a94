// mcp_server_caller.ts — calls a real MCP server, mcp-server-time from PyPI, from inside
// the sandbox: lists its tools, asks for the time in Tokyo, converts a New York time,
// and shows what happens to arguments that break a tool's input schema (they never
// reach the server).
//
//   nanos compile examples/mcp_server_caller.ts -o examples/build/mcp_server_caller.wasm
//   nanos run examples/mcp_server_caller.nano
// (`make` builds it; scripts/mcp-deps.sh installs the server, and nanos finds it.)
import { mcp, agent, NanosError } from "nanos";

interface CurrentTime { timezone: string; datetime: string; day_of_week: string }
interface Conversion { time_difference: string }

/** The tool's answer as JSON: its structured content when it sends one, else its text. */
function answer<T>(result: { structuredContent?: unknown; text: string }): T {
  return (result.structuredContent ?? JSON.parse(result.text)) as T;
}

const tools = mcp.listTools("time").map((tool) => tool.name);
const expected = tools.includes("get_current_time") && tools.includes("convert_time");
agent.log(`the time server offers ${expected ? "get_current_time and convert_time" : "unexpected"} tools`);

const tokyo = answer<CurrentTime>(mcp.call("time", "get_current_time", { timezone: "Asia/Tokyo" }));
agent.log(`Tokyo: ${tokyo.datetime} (${tokyo.day_of_week})`);

const conversion = answer<Conversion>(
  mcp.call("time", "convert_time", { source_timezone: "America/New_York", time: "09:30", target_timezone: "Asia/Tokyo" }));
agent.log(`Tokyo is ${conversion.time_difference} ahead of New York at 09:30 there`);

// No "timezone": nanos checks the tool's inputSchema and refuses before sending.
try {
  mcp.call("time", "get_current_time", { zone: "Asia/Tokyo" });
  agent.log("error", "the malformed call was sent?!");
  process.exit(2);
} catch (error: unknown) {
  if (!(error instanceof NanosError) || error.code !== "EINVAL") throw error;
  agent.log("warn", `get_current_time without a timezone: ${error.code}: ${error.message}`);
}

agent.done(`Tokyo time ${tokyo.datetime}`);
