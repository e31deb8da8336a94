// Typings of the nanos SDK for JS/TS agents (guest/js/nanos.js) and of the globals
// the JS runtime provides. The module is importable as "nanos" or "@nanos/sdk".
//
// Every call is synchronous: it returns its value directly (`await` on it works
// too, as on any value). A call the host refuses or fails throws NanosError.
//
// The rest of the language is QuickJS-ng's (ES2023 and more). Two things differ
// from node: Math.random() is seeded when the agent is compiled, so it gives the
// same sequence in every run (use random.bytes() for unpredictable values), and
// Date reads the clock through the "clock" group (without it, Date.now() is 0).
// There is no setTimeout, global fetch or require (web.fetch is the SDK's): bundle
// dependencies with esbuild.

/** The console of a nanos agent: each call is one agent_log step at the method's
 *  level, formatted as node formats it. It never throws. */
interface Console {
  log(...data: unknown[]): void;
  info(...data: unknown[]): void;
  warn(...data: unknown[]): void;
  error(...data: unknown[]): void;
  debug(...data: unknown[]): void;
}
declare var console: Console;

interface NanosProcess {
  /** Ends the run at once with this exit code (0 = ok; default 0). */
  exit(code?: number): never;
  /** Always empty: agents get no environment. */
  env: Record<string, string | undefined>;
  /** Always empty. */
  argv: string[];
}
declare var process: NanosProcess;

/** Only now() and timeOrigin exist (named Performance to merge with lib.dom's). */
interface Performance {
  /** 0: performance.now() counts from the Unix epoch. */
  readonly timeOrigin: number;
  /** Milliseconds since the Unix epoch, with the fraction (group "clock"). */
  now(): number;
}
declare var performance: Performance;

declare module "nanos" {
  /** Why a call failed: the host's errno (docs/abi.md). */
  export type ErrorCode = "EPERM" | "ENOENT" | "EINVAL" | "E2BIG" | "EIO" | "ETIMEDOUT" | "EQUOTA" | "EAGAIN";

  /** A failed nanos call; `message` is the host's explanation. */
  export class NanosError extends Error {
    constructor(message: string, options?: { code?: ErrorCode; errno?: number; call?: string });
    /** "EPERM": the manifest does not grant this; see ErrorCode. */
    code: ErrorCode;
    /** The ABI errno: EPERM 1, ENOENT 2, EINVAL 3, E2BIG 4, EIO 5, ETIMEDOUT 6,
     *  EQUOTA 7, EAGAIN 8. */
    errno: number;
    /** The SDK function that failed, e.g. "fs.readFile". */
    call: string;
  }

  export interface DirEntry {
    name: string;
    type: "file" | "dir" | "symlink" | "other";
    /** Bytes. */
    size: number;
  }

  /** Files, relative to the manifest's folder (groups "fs_read", "fs_write"). */
  export interface FileSystem {
    /** The whole file as text (UTF-8). */
    readFile(path: string): string;
    /** Creates or truncates the file; a string is written as UTF-8. */
    writeFile(path: string, content: string | Uint8Array | ArrayBuffer | ArrayBufferView): void;
    /** The folder's entries. */
    list(path: string): DirEntry[];
  }
  export const fs: FileSystem;
  /** The original SDK's name for `fs`. */
  export const fs_api: FileSystem;

  export interface ChatMessage {
    role: "system" | "user" | "assistant" | "tool";
    content: string;
  }

  /** An LLM request (docs/abi.md, "LLM requests"); an unknown field is EINVAL. */
  export interface LLMRequest {
    /** Appended as a user message. */
    prompt?: string;
    /** Put first, as the system message. */
    system?: string;
    messages?: ChatMessage[];
    /** Default 256. */
    max_tokens?: number;
    /** 0 = greedy, the default. */
    temperature?: number;
    top_k?: number;
    top_p?: number;
    seed?: number;
    /** A string or up to 8 strings. */
    stop?: string | string[];
    /** A JSON Schema the answer is constrained to; not together with `grammar`. */
    schema?: object;
    /** GBNF with a `root` rule; not together with `schema`. */
    grammar?: string;
  }

  export interface ChatUsage {
    prompt_tokens: number;
    generated_tokens: number;
    prompt_ms: number;
    generation_ms: number;
  }

  export interface ChatReply {
    role: "assistant";
    content: string;
    finish_reason: "stop" | "length";
    usage: ChatUsage;
  }

  /** A streamed answer, piece by piece (whole UTF-8 characters): both a sync and an
   *  async iterator. Leaving a loop early (break, return, throw) closes it. */
  export interface LLMStream extends IterableIterator<string>, AsyncIterable<string> {
    next(): IteratorResult<string, undefined>;
    return<T>(value?: T): IteratorReturnResult<T | undefined>;
    [Symbol.iterator](): LLMStream;
    [Symbol.asyncIterator](): AsyncIterableIterator<string>;
  }

  /** The model (group "llm"). A string is a plain prompt. */
  export interface LLM {
    /** The generated text. */
    infer(promptOrRequest: string | LLMRequest): string;
    /** The assistant's reply; an array is the conversation's messages. */
    chat(messagesOrRequest: ChatMessage[] | LLMRequest | string): ChatReply;
    /** The answer as it is generated; at most 4 streams open at once (E2BIG). */
    stream(promptOrRequest: string | LLMRequest): LLMStream;
  }
  export const llm: LLM;

  export type LogLevel = "debug" | "info" | "warn" | "error";

  /** The agent itself: always available, whatever the manifest's tools. */
  export interface Agent {
    /** The manifest's goal. */
    getGoal(): string;
    /** The granted tool groups, e.g. ["agent", "fs_read"]. */
    getTools(): string[];
    /** The manifest's own permissions: file globs as written, hosts (or true/false)
     *  and MCP server names. */
    getGrants(): { fs_read: string[]; fs_write: string[]; network: boolean | string[]; mcp_servers: string[] };
    /** Records a message in the trace, at level info. */
    log(message: unknown): void;
    log(level: LogLevel, message: unknown): void;
    /** Ends the run with status ok and this summary. Returns only by throwing. */
    done(summary?: string): never;
  }
  export const agent: Agent;

  /** A URL: a string, or an object with `href` (a URL). */
  export type WebURL = string | { readonly href: string };

  export interface WebRequestOptions {
    /** Default "GET"; GET, HEAD, POST, PUT, PATCH, DELETE and OPTIONS in any case. */
    method?: string;
    /** An object, a Map, a WebHeaders or [name, value] pairs. */
    headers?: Record<string, string | number> | Map<string, string> | WebHeaders | [string, string][];
    /** The request's body: text only. */
    body?: string;
  }

  /** A response's headers, names in lower case (as fetch's Headers). */
  export interface WebHeaders extends Iterable<[string, string]> {
    /** The header's value, in any case of `name`; null when absent. */
    get(name: string): string | null;
    has(name: string): boolean;
    entries(): IterableIterator<[string, string]>;
    keys(): IterableIterator<string>;
    values(): IterableIterator<string>;
    forEach(callback: (value: string, name: string, headers: WebHeaders) => void, thisArg?: unknown): void;
    /** The headers as a plain object. */
    toJSON(): Record<string, string>;
  }

  /** What web.fetch answers. An HTTP error status (404, 500...) is a response too. */
  export interface WebResponse {
    /** The HTTP status, e.g. 200 or 404. */
    readonly status: number;
    /** Whether the status is 2xx. */
    readonly ok: boolean;
    /** The final URL, after redirects. */
    readonly url: string;
    readonly headers: WebHeaders;
    /** The body as text; null when it is not UTF-8 (use bytes()). */
    readonly body: string | null;
    /** The body as text (invalid UTF-8 becomes U+FFFD). */
    text(): string;
    /** The body parsed as JSON. */
    json(): any;
    /** The body's bytes. */
    bytes(): Uint8Array;
    arrayBuffer(): ArrayBuffer;
  }

  /** The web (group "web"), where the manifest's `permissions.network` allows
   *  (docs/abi.md, "Web"): http and https only, each redirect checked. Failures
   *  throw NanosError: EPERM (the policy refuses the URL, a redirect or the address
   *  it resolves to), EINVAL, E2BIG (a body over 8 MiB), ETIMEDOUT, EIO (the
   *  connection failed). */
  export interface Web {
    /** One HTTP request; fetch(url) is a GET. */
    fetch(url: WebURL, options?: WebRequestOptions): WebResponse;
    /** The body of a GET request, as text, whatever the status. */
    get(url: WebURL): string;
  }
  export const web: Web;

  /** One item of an MCP result: text, an image, a resource... */
  export interface MCPContent {
    type: string;
    text?: string;
    [key: string]: unknown;
  }
  /** What a tool answered. `text` joins the text items. */
  export interface MCPToolResult {
    readonly content: MCPContent[];
    readonly structuredContent?: unknown;
    readonly isError: boolean;
    readonly text: string;
  }
  export interface MCPTool {
    name: string;
    description?: string;
    inputSchema: object;
    [key: string]: unknown;
  }
  export interface MCPResource {
    uri: string;
    name: string;
    description?: string;
    mimeType?: string;
    [key: string]: unknown;
  }
  export interface MCPPrompt {
    name: string;
    description?: string;
    arguments?: { name: string; description?: string; required?: boolean }[];
  }

  /** The MCP servers the manifest's `mcp_servers` lists, by name (group "mcp_call").
   *  A server is started on first use. Arguments are checked against the tool's
   *  inputSchema before anything is sent (EINVAL, listing every bad path); a server
   *  not in the manifest is ENOENT and never started; a tool's own error is EIO with
   *  the server's text; a server that does not answer in time is ETIMEDOUT. */
  export interface MCP {
    call(server: string, tool: string, args?: Record<string, unknown>): MCPToolResult;
    listTools(server: string): MCPTool[];
    listResources(server: string): MCPResource[];
    readResource(server: string, uri: string): { contents: ({ uri: string; mimeType?: string; text?: string; blob?: string })[] };
    listPrompts(server: string): MCPPrompt[];
    getPrompt(server: string, name: string, args?: Record<string, string>): { description?: string; messages: { role: string; content: MCPContent }[] };
  }
  export const mcp: MCP;

  /** A message from another agent; `from` is stamped by the host. */
  export interface FleetMessage {
    readonly from: string;
    readonly msg: string;
  }

  /** Messages between the agents of a fleet (groups "agent_send", "agent_recv"). */
  export interface Fleet {
    /** The other agents' names; [] outside a fleet. */
    peers(): string[];
    /** Puts a message in another agent's inbox. EAGAIN: its inbox is full, try again
     *  later; ENOENT: no agent of that name. */
    send(target: string, message: string): void;
    /** The oldest message in this agent's inbox, waiting up to timeoutMs (default 0,
     *  at most 60 s); null when none arrived in time. */
    recv(timeoutMs?: number): FleetMessage | null;
    /** Sends to every other agent; returns how many got it (full inboxes are skipped). */
    broadcast(message: string): number;
  }
  export const fleet: Fleet;

  /** The host's clock (group "clock"). */
  export interface Clock {
    /** Whole milliseconds since the Unix epoch, like Date.now(). */
    now(): number;
  }
  export const clock: Clock;

  /** The host's randomness (group "random"). */
  export interface Random {
    /** `count` random bytes; at most 64 KiB a call (E2BIG). */
    bytes(count: number): Uint8Array;
  }
  export const random: Random;

  const nanos: {
    readonly fs: FileSystem;
    readonly fs_api: FileSystem;
    readonly llm: LLM;
    readonly agent: Agent;
    readonly web: Web;
    readonly mcp: MCP;
    readonly fleet: Fleet;
    readonly clock: Clock;
    readonly random: Random;
    readonly NanosError: typeof NanosError;
  };
  export default nanos;
}

declare module "@nanos/sdk" {
  export * from "nanos";
  export { default } from "nanos";
}
