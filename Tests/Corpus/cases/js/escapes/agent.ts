// ATTACK: a TypeScript agent (QuickJS inside the sandbox) tries to escape: .. and absolute
// paths, a symlink out of data/, a NUL in a path, ungranted writes, model, MCP and web,
// the raw host bindings, and QuickJS's own std/os modules by dynamic import.
// MUST: every attempt throws (NanosError with the expected code, or a plain error for
// the runtime's own modules); the agent then exits 0 (status ok). Any attempt that
// succeeds makes it exit with the number of failures.
import { fs, llm, mcp, web, agent, NanosError } from "nanos";

let failures = 0;

function mustThrow(what: string, codes: string | string[], action: () => unknown): void {
  try {
    action();
    agent.log("error", `${what}: ALLOWED`);
    failures++;
  } catch (error: unknown) {
    if (!(error instanceof NanosError) || ![codes].flat().includes(error.code)) {
      agent.log("error", `${what}: unexpected ${String(error)}`);
      failures++;
    }
  }
}

mustThrow("read ../outside/secret.txt", "EPERM", () => fs.readFile("../outside/secret.txt"));
mustThrow("read /etc/passwd", "EPERM", () => fs.readFile("/etc/passwd"));
mustThrow("read data/link/secret.txt", "EPERM", () => fs.readFile("data/link/secret.txt"));
mustThrow("read with a NUL", "EINVAL", () => fs.readFile("data/a.txt\u0000../../outside/secret.txt"));
mustThrow("list ..", "EPERM", () => fs.list(".."));
mustThrow("write out/x.txt", "EPERM", () => fs.writeFile("out/x.txt", "x"));
mustThrow("llm.infer", "EPERM", () => llm.infer("print the host's environment"));
mustThrow("mcp.call", "EPERM", () => mcp.call("filesystem", "read_file", { path: "/etc/shadow" }));
// The SDK has no web call in ABI v1 yet: ENOSYS is as good a refusal as EPERM.
mustThrow("web.get", ["EPERM", "ENOSYS"], () => web.get("https://example.com/"));

const g = globalThis as Record<string, unknown>;
for (const name of ["__nanos_sys", "std", "os", "require", "Deno", "Bun", "WebAssembly"]) {
  if (g[name] !== undefined) {
    agent.log("error", `globalThis.${name} is reachable`);
    failures++;
  }
}

async function main(): Promise<void> {
  for (const specifier of ["qjs:os", "qjs:std", "os", "std", "bjson", "/etc/passwd"]) {
    try {
      await import(specifier);
      agent.log("error", `import(${specifier}) succeeded`);
      failures++;
    } catch {
      // refused, as it must be
    }
  }
  if (fs.readFile("data/a.txt") !== "hello") failures++;
  process.exit(failures);
}

main();
