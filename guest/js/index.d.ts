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
// There is no setTimeout, fetch or require: bundle dependencies with esbuild.

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
  /** Why a call failed. ENOSYS: the call does not exist in this nanos version. */
  export type ErrorCode = "EPERM" | "ENOENT" | "EINVAL" | "E2BIG" | "EIO" | "ETIMEDOUT" | "EQUOTA" | "ENOSYS";

  /** A failed nanos call; `message` is the host's explanation. */
  export class NanosError extends Error {
    constructor(message: string, options?: { code?: ErrorCode; errno?: number; call?: string });
    /** "EPERM": the manifest does not grant this; see ErrorCode. */
    code: ErrorCode;
    /** The ABI errno: EPERM 1, ENOENT 2, EINVAL 3, E2BIG 4, EIO 5, ETIMEDOUT 6,
     *  EQUOTA 7; ENOSYS is 38 (POSIX's number; it never comes from the host). */
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

  /** The agent itself (group "agent"). */
  export interface Agent {
    /** The manifest's goal. */
    getGoal(): string;
    /** The granted tool groups, e.g. ["agent", "fs_read"]. */
    getTools(): string[];
    /** Records a message in the trace, at level info. */
    log(message: unknown): void;
    log(level: LogLevel, message: unknown): void;
    /** Ends the run with status ok and this summary. Returns only by throwing. */
    done(summary?: string): never;
  }
  export const agent: Agent;

  /** The web (group "web"). Not in this nanos version: every call throws
   *  NanosError ENOSYS. */
  export interface Web {
    get(url: string): never;
    fetch(url: string, options?: object): never;
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

  /** Messages between agents (groups "agent_send", "agent_recv"). Not in this nanos
   *  version: every call throws NanosError ENOSYS. */
  export interface Fleet {
    send(target: string, message: string): never;
    recv(): never;
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
