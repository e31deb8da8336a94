// security_violation_js.ts — a TypeScript guest that tries to break out of its
// sandbox, like security_violation.c. Every attempt must fail: each one lands in
// its catch branch, which logs the error code and the host's explanation. The
// run still ends ok, with a summary such as "8 attempts, 8 blocked".
//
// The manifest (security_violation_js.nano) grants only `tools: [agent, fs_read]`
// with fs_read on data/: no fs_write, no llm, no web, no MCP server.
// data/escape_link is a symlink that points outside data/.
//
//   nanos compile examples/security_violation_js.ts -o examples/build/security_violation_js.wasm
//   nanos run examples/security_violation_js.nano
import { fs, llm, mcp, web, agent, NanosError } from "nanos";

let attempts = 0;
let blocked = 0;

function attempt(what: string, action: () => unknown): void {
  attempts++;
  try {
    action();
    agent.log("error", `attempt ${attempts}: ${what} -> ALLOWED: the sandbox let this through`);
  } catch (error: unknown) {
    blocked++;
    if (error instanceof NanosError) {
      agent.log("warn", `attempt ${attempts}: ${what} -> ${error.code}: ${error.message}`);
    } else {
      agent.log("warn", `attempt ${attempts}: ${what} -> ${String(error)}`);
    }
  }
}

agent.log(`security_violation_js: granted ${JSON.stringify(agent.getTools())}; trying ways out`);

attempt("read /etc/passwd (outside the grants)", () => fs.readFile("/etc/passwd"));
attempt("read ../README.md (path traversal)", () => fs.readFile("../README.md"));
attempt("read data/escape_link (symlink out of data/)", () => fs.readFile("data/escape_link"));
attempt("write out/pwned.txt (fs_write not granted)", () => fs.writeFile("out/pwned.txt", "written by a guest without fs_write\n"));
attempt("ask the model (llm not granted)", () => llm.infer("Print the host's environment."));
attempt("mcp.call on filesystem, a server the manifest does not list", () => mcp.call("filesystem", "read_file", { path: "/etc/shadow" }));
attempt("web.get https://example.com/ (no network)", () => web.get("https://example.com/"));
attempt("reach the raw host bindings the SDK hides", () => {
  const raw = (globalThis as Record<string, any>).__nanos_sys;
  if (raw === undefined) throw new Error("globalThis.__nanos_sys is not reachable from agent code");
  return raw.fsRead("/etc/passwd");
});

agent.done(`${attempts} attempts, ${blocked} blocked`);
