// nanos.js — the SDK of JS/TS agents: the module that `import ... from "nanos"`
// (also "@nanos/sdk" and any path ending in nanos-sdk/index.js) resolves to.
//
// The JS runtime (guest/js/runtime) evaluates this module once, when the agent is
// compiled, before any agent code. It takes the native bindings from the hidden
// global __nanos_sys and deletes it, so agents reach the host only through the
// API below. Nothing here may call the host while it is evaluated: the results of
// compile time are frozen into the agent's module.
//
// Every call is synchronous and returns its value directly; `await` on it works
// too. A call the host refuses or fails throws NanosError, whose `code` says why
// ("EPERM": the manifest does not grant it) and whose message is the host's.

const sys = globalThis.__nanos_sys;
if (typeof sys !== "object" || sys === null) {
  throw new Error("nanos: the SDK must be loaded by the nanos JS runtime (no native bindings found)");
}
delete globalThis.__nanos_sys;

// ---------------------------------------------------------------------------
// Errors

/** A failed nanos call: `code` names the reason, `call` the SDK function. */
export class NanosError extends Error {
  constructor(message, { code = "EIO", errno = 5, call = "" } = {}) {
    super(message);
    this.code = code;
    this.errno = errno;
    this.call = call;
    // The stack starts where the agent called the SDK: the frames inside the SDK
    // (and the native binding) say nothing to the agent's author.
    if (typeof this.stack === "string") {
      const frames = this.stack.split("\n");
      let first = 0;
      while (first < frames.length && /\((nanos:\d+:\d+|native)\)$/.test(frames[first])) first++;
      this.stack = frames.slice(first).join("\n");
    }
  }
}
Object.defineProperty(NanosError.prototype, "name", {
  value: "NanosError", writable: true, configurable: true, enumerable: false,
});

// ---------------------------------------------------------------------------
// Formatting, as node's console and util.inspect do it (the common cases)

const MAX_DEPTH = 2;
const MAX_ITEMS = 100;
const LINE_WIDTH = 72;

function quote(text) {
  const escaped = text.replace(/[\\'\n\r\t\b\f\v\0]/g, (c) => ({
    "\\": "\\\\", "'": "\\'", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\b": "\\b", "\f": "\\f", "\v": "\\v", "\0": "\\0",
  })[c]);
  return `'${escaped}'`;
}

function propertyKey(key) {
  if (typeof key === "symbol") return `[${key.toString()}]`;
  return /^[A-Za-z_$][\w$]*$/.test(key) ? key : quote(key);
}

function functionLabel(fn) {
  const source = Function.prototype.toString.call(fn);
  if (source.startsWith("class")) return `[class ${fn.name || "(anonymous)"}]`;
  return fn.name ? `[Function: ${fn.name}]` : "[Function (anonymous)]";
}

function errorText(error) {
  const header = `${error.name ?? "Error"}: ${error.message ?? ""}`.replace(/: $/, "");
  const stack = typeof error.stack === "string" ? error.stack : "";
  // QuickJS's stack holds only the frames; V8's starts with the header.
  if (!stack) return header;
  if (stack.startsWith(header)) return stack.replace(/\n$/, "");
  return `${header}\n${stack.replace(/\n$/, "")}`;
}

function constructorName(value) {
  const proto = Object.getPrototypeOf(value);
  if (proto === null) return null;
  const ctor = proto.constructor;
  return typeof ctor === "function" && ctor.name ? ctor.name : "";
}

// Joins parts on one line when short enough, else one per line, indented.
function wrap(open, parts, close, indent) {
  if (parts.length === 0) return `${open}${close}`;
  const oneLine = `${open} ${parts.join(", ")} ${close}`;
  if (oneLine.length + indent.length <= LINE_WIDTH && !oneLine.includes("\n")) return oneLine;
  const inner = indent + "  ";
  return `${open}\n${parts.map((part) => inner + part).join(",\n")}\n${indent}${close}`;
}

function inspect(value, depth, seen, indent) {
  switch (typeof value) {
    case "string": return quote(value);
    case "number": return Object.is(value, -0) ? "-0" : String(value);
    case "bigint": return `${value}n`;
    case "symbol": return value.toString();
    case "undefined": return "undefined";
    case "boolean": return String(value);
    case "function": return functionLabel(value);
  }
  if (value === null) return "null";
  if (seen.includes(value)) return "[Circular]";
  if (value instanceof Error) {
    return depth === 0 ? indentLines(errorText(value), indent) + extraProperties(value, depth, seen, indent)
      : `[${errorText(value).split("\n")[0]}]`;
  }
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? "Invalid Date" : value.toISOString();
  if (value instanceof RegExp) return value.toString();
  if (value instanceof Promise) return "Promise { <state not visible> }";
  if (value instanceof WeakMap || value instanceof WeakSet) return `${constructorName(value)} { <items unknown> }`;
  if (value instanceof ArrayBuffer) return `ArrayBuffer { byteLength: ${value.byteLength} }`;

  const name = constructorName(value);
  const nested = seen.concat([value]);
  const inner = indent + "  ";
  const item = (v) => inspect(v, depth + 1, nested, inner);

  if (Array.isArray(value) || ArrayBuffer.isView(value)) {
    const prefix = Array.isArray(value) ? (name === "Array" ? "" : `${name}(${value.length}) `)
      : value instanceof DataView ? `DataView(${value.byteLength}) ` : `${name}(${value.length}) `;
    if (value instanceof DataView) return `${prefix}{ byteLength: ${value.byteLength} }`;
    if (depth > MAX_DEPTH) return Array.isArray(value) ? "[Array]" : `[${name}]`;
    const parts = [];
    const shown = Math.min(value.length, MAX_ITEMS);
    for (let i = 0; i < shown; i++) parts.push(i in value ? item(value[i]) : "<empty item>");
    if (value.length > shown) parts.push(`... ${value.length - shown} more item${value.length - shown > 1 ? "s" : ""}`);
    // Named properties of an array (rare); a long array is not scanned for them.
    if (Array.isArray(value) && value.length <= MAX_ITEMS) {
      for (const key of Object.keys(value)) if (!/^\d+$/.test(key)) parts.push(`${propertyKey(key)}: ${item(value[key])}`);
    }
    return prefix + wrap("[", parts, "]", indent);
  }
  if (value instanceof Map || value instanceof Set) {
    const label = `${name}(${value.size})`;
    if (depth > MAX_DEPTH) return `[${name}]`;
    const parts = [];
    for (const entry of value) {
      if (parts.length === MAX_ITEMS) { parts.push(`... ${value.size - MAX_ITEMS} more items`); break; }
      parts.push(value instanceof Map ? `${item(entry[0])} => ${item(entry[1])}` : item(entry));
    }
    return `${label} ${wrap("{", parts, "}", indent)}`;
  }

  const prefix = name === null ? "[Object: null prototype] " : name === "Object" || name === "" ? "" : `${name} `;
  if (depth > MAX_DEPTH) return name === null || name === "Object" || name === "" ? "[Object]" : `[${name}]`;
  return prefix + wrap("{", ownProperties(value, item), "}", indent);
}

function ownProperties(value, item) {
  const parts = [];
  const keys = Reflect.ownKeys(value);
  for (const key of keys) {
    const descriptor = Object.getOwnPropertyDescriptor(value, key);
    if (!descriptor || !descriptor.enumerable) continue;
    if (parts.length === MAX_ITEMS) { parts.push(`... more properties`); break; }
    let shown;
    if (descriptor.get || descriptor.set) {
      shown = descriptor.get && descriptor.set ? "[Getter/Setter]" : descriptor.get ? "[Getter]" : "[Setter]";
    } else {
      shown = item(descriptor.value);
    }
    parts.push(`${propertyKey(key)}: ${shown}`);
  }
  return parts;
}

// An error's own properties (code, errno...) follow its stack, one per line.
function extraProperties(error, depth, seen, indent) {
  const inner = indent + "  ";
  const item = (v) => inspect(v, depth + 1, seen.concat([error]), inner);
  const parts = ownProperties(error, item).filter((part) => !/^(stack|message): /.test(part));
  return parts.length ? ` {\n${parts.map((part) => inner + part).join(",\n")}\n${indent}}` : "";
}

function indentLines(text, indent) {
  return indent ? text.split("\n").join(`\n${indent}`) : text;
}

/** util.inspect-like text of any value (strings quoted). */
function describe(value) {
  return inspect(value, 0, [], "");
}

// console.log's format: %s %d %i %f %j %o %O %c %% in a leading string, then the
// other arguments separated by spaces, strings as they are.
function formatDirective(spec, arg) {
  switch (spec) {
    case "s":
      if (typeof arg === "string") return arg;
      if (typeof arg === "bigint") return `${arg}n`;
      return typeof arg === "object" && arg !== null ? describe(arg) : String(arg);
    case "d":
    case "i":
      if (typeof arg === "bigint") return `${arg}n`;
      return String(spec === "i" ? Math.trunc(Number(arg)) : Number(arg));
    case "f": return String(parseFloat(arg));
    case "j":
      try { return JSON.stringify(arg); } catch { return "[Circular]"; }
    case "c": return "";
    default: return describe(arg);
  }
}

function formatArgs(args) {
  const pieces = [];
  let next = 0;
  if (typeof args[0] === "string") {
    next = 1;
    const format = args[0];
    pieces.push(!format.includes("%") ? format : format.replace(/%([sdifjoOc%])/g, (directive, spec) => {
      if (spec === "%") return "%";
      return next < args.length ? formatDirective(spec, args[next++]) : directive;
    }));
  }
  for (let i = next; i < args.length; i++) {
    pieces.push(typeof args[i] === "string" ? args[i] : describe(args[i]));
  }
  return pieces.join(" ");
}

// The runtime throws NanosError through this hook and reports uncaught errors
// with `describe`.
sys.hooks(
  (errno, code, message, call) => new NanosError(message, { code, errno, call }),
  describe,
);

// ---------------------------------------------------------------------------
// Argument checks

function typeName(value) {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "object") return `an object (${constructorName(value) ?? "null prototype"})`;
  return `${typeof value === "undefined" ? "an" : "a"} ${typeof value}`;
}

function requireString(value, call, what) {
  if (typeof value !== "string") throw new TypeError(`${call}: ${what} must be a string, got ${typeName(value)}`);
  return value;
}

// A string, or the bytes of an ArrayBuffer or any view as a Uint8Array.
function contentBytes(value, call) {
  if (typeof value === "string" || value instanceof Uint8Array) return value;
  if (value instanceof ArrayBuffer) return new Uint8Array(value);
  if (ArrayBuffer.isView(value)) return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  throw new TypeError(`${call}: content must be a string, Uint8Array or ArrayBuffer, got ${typeName(value)}`);
}

// An LLM request for the host: a prompt goes as plain text (wrapped as JSON when
// it starts with "{", which the host would read as JSON); an object as JSON.
function llmRequest(input, call, arrayKey) {
  if (typeof input === "string") return input.startsWith("{") ? JSON.stringify({ prompt: input }) : input;
  if (Array.isArray(input)) {
    if (!arrayKey) throw new TypeError(`${call}: expects a prompt string or a request object, got an array`);
    return JSON.stringify({ [arrayKey]: input });
  }
  if (typeof input === "object" && input !== null) return JSON.stringify(input);
  throw new TypeError(`${call}: expects a prompt string or a request object, got ${typeName(input)}`);
}

// ---------------------------------------------------------------------------
// The API

const LOG_LEVELS = { debug: 0, info: 1, warn: 2, error: 3 };

export const fs = Object.freeze({
  /** The whole file as text (UTF-8). */
  readFile(path) {
    return sys.fsRead(requireString(path, "fs.readFile", "path"));
  },
  /** Creates or truncates the file; a string is written as UTF-8. */
  writeFile(path, content) {
    sys.fsWrite(requireString(path, "fs.writeFile", "path"), contentBytes(content, "fs.writeFile"));
  },
  /** The folder's entries: [{ name, type: "file"|"dir"|"symlink"|"other", size }]. */
  list(path) {
    return JSON.parse(sys.fsList(requireString(path, "fs.list", "path")));
  },
});

/** The original SDK's name for `fs`. */
export const fs_api = fs;

class LLMStream {
  #handle;
  #finished = false;

  constructor(handle) {
    this.#handle = handle;
  }

  next() {
    if (this.#finished) return { done: true, value: undefined };
    let piece;
    try {
      piece = sys.streamNext(this.#handle);
    } catch (error) {
      this.#abandon();
      throw error;
    }
    if (piece === null) {
      this.#finished = true; // the host closed the handle with the last piece
      return { done: true, value: undefined };
    }
    return { done: false, value: piece };
  }

  /** Stops early (a `break` out of a loop calls it): the host drops the stream. */
  return(value) {
    if (!this.#finished) {
      this.#finished = true;
      sys.streamClose(this.#handle);
    }
    return { done: true, value };
  }

  // After a failed piece the stream is over; closing it is only tidying up, and its
  // own failure must not hide the one being thrown.
  #abandon() {
    this.#finished = true;
    try { sys.streamClose(this.#handle); } catch { /* the failure being thrown says more */ }
  }

  [Symbol.iterator]() {
    return this;
  }

  [Symbol.asyncIterator]() {
    return {
      next: () => Promise.resolve().then(() => this.next()),
      return: (value) => Promise.resolve().then(() => this.return(value)),
      [Symbol.asyncIterator]() { return this; },
    };
  }
}

export const llm = Object.freeze({
  /** Generated text for a prompt, or for a request object (docs/abi.md, "LLM requests"). */
  infer(promptOrRequest) {
    return sys.llmInfer(llmRequest(promptOrRequest, "llm.infer"));
  },
  /** The assistant's reply to messages (an array) or a request:
   *  { role, content, finish_reason, usage }. */
  chat(messagesOrRequest) {
    return JSON.parse(sys.llmChat(llmRequest(messagesOrRequest, "llm.chat", "messages")));
  },
  /** The answer piece by piece: iterate it with for...of or for await...of. */
  stream(promptOrRequest) {
    return new LLMStream(sys.streamOpen(llmRequest(promptOrRequest, "llm.stream")));
  },
});

export const agent = Object.freeze({
  /** The manifest's goal. */
  getGoal() {
    return sys.goal();
  },
  /** The granted tool groups, e.g. ["agent", "fs_read"]. */
  getTools() {
    return JSON.parse(sys.tools());
  },
  /** The manifest's own permissions: { fs_read, fs_write, network, mcp_servers }. */
  getGrants() {
    return JSON.parse(sys.grants());
  },
  /** log(message) at level info, or log(level, message). */
  log(...args) {
    let level = "info";
    let message = args[0];
    if (args.length >= 2) {
      [level, message] = args;
      if (!Object.hasOwn(LOG_LEVELS, level)) {
        throw new TypeError(`agent.log: level must be "debug", "info", "warn" or "error", got ${describe(level)}`);
      }
    }
    sys.log(LOG_LEVELS[level], typeof message === "string" ? message : formatArgs([message]), false);
  },
  /** Ends the run with status ok and this summary; does not return. */
  done(summary = "") {
    sys.done(typeof summary === "string" ? summary : formatArgs([summary]));
  },
});

// ---------------------------------------------------------------------------
// Web (group "web"; docs/abi.md, "Web"). QuickJS has no TextDecoder, so the SDK
// converts between UTF-8 bytes and strings itself.

const BASE64_DIGITS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

function base64Bytes(text, call) {
  if (typeof Uint8Array.fromBase64 === "function") {
    try {
      return Uint8Array.fromBase64(text);
    } catch {
      // reported below, as for the decoder's own failure
    }
  } else {
    const digits = text.replace(/={0,2}$/, "");
    const bytes = new Uint8Array(Math.floor((digits.length * 3) / 4));
    let value = 0;
    let bits = 0;
    let index = 0;
    let valid = digits.length % 4 !== 1;
    for (let i = 0; valid && i < digits.length; i++) {
      const digit = BASE64_DIGITS.indexOf(digits[i]);
      if (digit < 0) valid = false;
      value = ((value << 6) | digit) & 0xffffff;
      bits += 6;
      if (bits >= 8) {
        bits -= 8;
        bytes[index++] = (value >> bits) & 0xff;
      }
    }
    if (valid) return bytes;
  }
  throw new NanosError("the host's body_base64 is not base64", { code: "EIO", errno: 5, call });
}

// UTF-8 to a string; each invalid sequence becomes U+FFFD, as TextDecoder does.
function utf8Decode(bytes) {
  const continuation = (i, low = 0x80, high = 0xbf) => i < bytes.length && bytes[i] >= low && bytes[i] <= high;
  let text = "";
  let codePoints = [];
  for (let i = 0; i < bytes.length;) {
    const lead = bytes[i];
    let codePoint = 0xfffd;
    let length = 1;
    if (lead < 0x80) {
      codePoint = lead;
    } else if (lead >= 0xc2 && lead <= 0xdf) {
      if (continuation(i + 1)) [codePoint, length] = [((lead & 0x1f) << 6) | (bytes[i + 1] & 0x3f), 2];
    } else if (lead >= 0xe0 && lead <= 0xef) {
      if (continuation(i + 1, lead === 0xe0 ? 0xa0 : 0x80, lead === 0xed ? 0x9f : 0xbf)) {
        length = 2;
        if (continuation(i + 2)) {
          [codePoint, length] = [((lead & 0x0f) << 12) | ((bytes[i + 1] & 0x3f) << 6) | (bytes[i + 2] & 0x3f), 3];
        }
      }
    } else if (lead >= 0xf0 && lead <= 0xf4) {
      if (continuation(i + 1, lead === 0xf0 ? 0x90 : 0x80, lead === 0xf4 ? 0x8f : 0xbf)) {
        length = 2;
        if (continuation(i + 2)) {
          length = 3;
          if (continuation(i + 3)) {
            codePoint = ((lead & 0x07) << 18) | ((bytes[i + 1] & 0x3f) << 12) | ((bytes[i + 2] & 0x3f) << 6)
              | (bytes[i + 3] & 0x3f);
            length = 4;
          }
        }
      }
    }
    codePoints.push(codePoint);
    i += length;
    if (codePoints.length === 4096) {
      text += String.fromCodePoint(...codePoints);
      codePoints = [];
    }
  }
  return text + String.fromCodePoint(...codePoints);
}

// A string to UTF-8; a lone surrogate becomes U+FFFD, as TextEncoder does.
function utf8Encode(text) {
  const bytes = [];
  for (const character of text) {
    let c = character.codePointAt(0);
    if (c >= 0xd800 && c <= 0xdfff) c = 0xfffd;
    if (c < 0x80) bytes.push(c);
    else if (c < 0x800) bytes.push(0xc0 | (c >> 6), 0x80 | (c & 0x3f));
    else if (c < 0x10000) bytes.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 0x3f), 0x80 | (c & 0x3f));
    else bytes.push(0xf0 | (c >> 18), 0x80 | ((c >> 12) & 0x3f), 0x80 | ((c >> 6) & 0x3f), 0x80 | (c & 0x3f));
  }
  return new Uint8Array(bytes);
}

/** A response's headers, names in lower case: get(name) in any case, as fetch's Headers. */
class WebHeaders {
  #entries;

  constructor(object) {
    this.#entries = Object.entries(object ?? {}).map(([name, value]) => [name.toLowerCase(), String(value)]);
    Object.freeze(this);
  }

  /** The header's value, or null. */
  get(name) {
    const key = String(name).toLowerCase();
    const entry = this.#entries.find(([entryName]) => entryName === key);
    return entry ? entry[1] : null;
  }

  has(name) {
    return this.get(name) !== null;
  }

  entries() {
    return this.#entries.map(([name, value]) => [name, value])[Symbol.iterator]();
  }

  keys() {
    return this.#entries.map(([name]) => name)[Symbol.iterator]();
  }

  values() {
    return this.#entries.map(([, value]) => value)[Symbol.iterator]();
  }

  forEach(callback, thisArg) {
    for (const [name, value] of this.#entries) callback.call(thisArg, value, name, this);
  }

  [Symbol.iterator]() {
    return this.entries();
  }

  /** The headers as a plain object, e.g. for JSON.stringify. */
  toJSON() {
    return Object.fromEntries(this.#entries);
  }
}

/** What web.fetch answers; an HTTP error status (404, 500...) is a response too. */
class WebResponse {
  // The body's text and bytes, each made from the other when first asked for. An
  // object of its own, so that the response itself can be frozen.
  #body;

  constructor(answer, call) {
    if (typeof answer !== "object" || answer === null || !Number.isInteger(answer.status)) {
      throw new NanosError("the host's answer is not a web response", { code: "EIO", errno: 5, call });
    }
    /** The HTTP status, e.g. 200 or 404. */
    this.status = answer.status;
    /** Whether the status is 2xx. */
    this.ok = answer.status >= 200 && answer.status <= 299;
    /** The final URL, after redirects. */
    this.url = typeof answer.url === "string" ? answer.url : "";
    this.headers = new WebHeaders(answer.headers);
    /** The body as text; null when it is not UTF-8 (then use bytes()). */
    this.body = typeof answer.body === "string" ? answer.body : null;
    this.#body = {
      text: this.body,
      bytes: typeof answer.body_base64 === "string" ? base64Bytes(answer.body_base64, call) : null,
    };
    Object.freeze(this);
  }

  /** The body as text (UTF-8; invalid sequences become U+FFFD). */
  text() {
    this.#body.text ??= this.#body.bytes ? utf8Decode(this.#body.bytes) : "";
    return this.#body.text;
  }

  /** The body parsed as JSON. */
  json() {
    return JSON.parse(this.text());
  }

  /** The body's bytes. */
  bytes() {
    this.#body.bytes ??= utf8Encode(this.#body.text ?? "");
    return this.#body.bytes.slice();
  }

  arrayBuffer() {
    return this.bytes().buffer;
  }
}

const FETCH_OPTIONS = ["method", "headers", "body"];
const METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"];

function requestURL(url, call) {
  if (typeof url === "string") return url;
  if (typeof url === "object" && url !== null && typeof url.href === "string") return url.href; // a URL
  throw new TypeError(`${call}: url must be a string, got ${typeName(url)}`);
}

// Headers for the request: an object, a Map, a WebHeaders or an array of [name, value].
function requestHeaders(headers, call) {
  const pairs = Array.isArray(headers) || headers instanceof Map || headers instanceof WebHeaders
    ? [...headers]
    : typeof headers === "object" && headers !== null ? Object.entries(headers) : null;
  if (pairs === null) throw new TypeError(`${call}: headers must be an object, got ${typeName(headers)}`);
  const object = {};
  for (const pair of pairs) {
    if (!Array.isArray(pair) || pair.length !== 2 || typeof pair[0] !== "string") {
      throw new TypeError(`${call}: each header must be a [name, value] pair, got ${describe(pair)}`);
    }
    object[pair[0]] = String(pair[1]);
  }
  return object;
}

// The JSON request for the host: {"url", "method"?, "headers"?, "body"?}.
function webRequest(url, options, call) {
  const request = { url: requestURL(url, call) };
  if (options === undefined || options === null) return JSON.stringify(request);
  if (typeof options !== "object" || Array.isArray(options)) {
    throw new TypeError(`${call}: options must be an object, got ${typeName(options)}`);
  }
  for (const key of Object.keys(options)) {
    if (!FETCH_OPTIONS.includes(key) && options[key] !== undefined) {
      throw new TypeError(`${call}: unknown option ${describe(key)}; the options are method, headers and body`);
    }
  }
  if (options.method !== undefined) {
    const method = requireString(options.method, call, "method");
    request.method = METHODS.includes(method.toUpperCase()) ? method.toUpperCase() : method;
  }
  if (options.headers !== undefined) request.headers = requestHeaders(options.headers, call);
  if (options.body !== undefined && options.body !== null) {
    request.body = requireString(options.body, call, "body (the host sends text bodies)");
  }
  return JSON.stringify(request);
}

export const web = Object.freeze({
  /**
   * One HTTP request (group "web", where the manifest's permissions.network allows):
   * fetch(url) is a GET; options are { method, headers, body } (body: text). Returns
   * a WebResponse { status, ok, url, headers, body, text(), json(), bytes() }.
   */
  fetch(url, options) {
    return new WebResponse(JSON.parse(sys.webFetch(webRequest(url, options, "web.fetch"))), "web.fetch");
  },
  /** The body of a GET request, as text, whatever the status. */
  get(url) {
    return new WebResponse(JSON.parse(sys.webFetch(webRequest(url, undefined, "web.get"))), "web.get").text();
  },
});

// Arguments go to the host as a JSON object; the host checks them against the tool's
// inputSchema before anything reaches the server.
function argumentsJSON(args, call) {
  if (args === undefined || args === null) return "{}";
  if (typeof args !== "object" || Array.isArray(args)) {
    throw new TypeError(`${call}: arguments must be an object, got ${describe(args)}`);
  }
  return JSON.stringify(args);
}

/** The text items of an MCP content list, joined by newlines. */
function contentText(content) {
  return (Array.isArray(content) ? content : [])
    .filter((item) => item && item.type === "text")
    .map((item) => item.text)
    .join("\n");
}

export const mcp = Object.freeze({
  /**
   * Calls a tool of a server the manifest lists: { content, structuredContent?, isError,
   * text } where `text` joins the text items. A tool error throws NanosError (EIO).
   */
  call(server, tool, args) {
    const result = JSON.parse(sys.mcpCall(
      requireString(server, "mcp.call", "server"), requireString(tool, "mcp.call", "tool"), argumentsJSON(args, "mcp.call")));
    return Object.freeze({ ...result, text: contentText(result.content) });
  },
  /** The server's tools: [{ name, description?, inputSchema, ... }]. */
  listTools(server) {
    return JSON.parse(sys.mcpListTools(requireString(server, "mcp.listTools", "server")));
  },
  /** The server's resources: [{ uri, name, mimeType?, ... }]. */
  listResources(server) {
    return JSON.parse(sys.mcpListResources(requireString(server, "mcp.listResources", "server")));
  },
  /** A resource's contents: { contents: [{ uri, text? | blob?, mimeType? }] }. */
  readResource(server, uri) {
    return JSON.parse(sys.mcpReadResource(
      requireString(server, "mcp.readResource", "server"), requireString(uri, "mcp.readResource", "uri")));
  },
  /** The server's prompts: [{ name, description?, arguments? }]. */
  listPrompts(server) {
    return JSON.parse(sys.mcpListPrompts(requireString(server, "mcp.listPrompts", "server")));
  },
  /** A prompt filled in with `args`: { description?, messages: [...] }. */
  getPrompt(server, name, args) {
    return JSON.parse(sys.mcpGetPrompt(
      requireString(server, "mcp.getPrompt", "server"), requireString(name, "mcp.getPrompt", "name"),
      argumentsJSON(args, "mcp.getPrompt")));
  },
});

export const fleet = Object.freeze({
  /** The other agents of this agent's fleet; [] outside a fleet. */
  peers() {
    return JSON.parse(sys.peers());
  },
  /** Puts `message` in agent `target`'s inbox (group "agent_send"). EAGAIN: that inbox
   *  is full, try again later; ENOENT: the fleet has no such agent. */
  send(target, message) {
    sys.agentSend(requireString(target, "fleet.send", "target"), requireString(message, "fleet.send", "message"));
  },
  /** The oldest message in this agent's inbox, { from, msg }, waiting up to
   *  `timeoutMs` (0 by default, at most 60 s); null when none arrived in time
   *  (group "agent_recv"). */
  recv(timeoutMs = 0) {
    if (!Number.isInteger(timeoutMs) || timeoutMs < 0) {
      throw new TypeError(`fleet.recv: timeoutMs must be a whole number of 0 or more, got ${describe(timeoutMs)}`);
    }
    const text = sys.agentRecv(timeoutMs);
    return text === null ? null : Object.freeze(JSON.parse(text));
  },
  /** Sends `message` to every other agent; returns how many got it. */
  broadcast(message) {
    return sys.agentBroadcast(requireString(message, "fleet.broadcast", "message"));
  },
});

export const clock = Object.freeze({
  /** Milliseconds since the Unix epoch, from the host's clock (group "clock"). */
  now() {
    return Math.floor(sys.clockNow());
  },
});

export const random = Object.freeze({
  /** `count` random bytes from the host (group "random"; at most 64 KiB a call). */
  bytes(count) {
    if (!Number.isInteger(count) || count < 0) {
      throw new TypeError(`random.bytes: count must be a whole number of 0 or more, got ${describe(count)}`);
    }
    return sys.randomBytes(count);
  },
});

export default Object.freeze({ fs, fs_api, llm, agent, web, mcp, fleet, clock, random, NanosError });

// ---------------------------------------------------------------------------
// Globals: console and process, as agents written for node expect them. The
// console never throws (a message the host refuses is dropped; agent.log throws)
// and cuts messages over the host's 64 KiB cap.

function consoleMethod(level) {
  return (...args) => {
    try {
      sys.log(level, formatArgs(args), true);
    } catch {
      // console output is best effort, as in node
    }
  };
}

const console = {
  log: consoleMethod(LOG_LEVELS.info),
  info: consoleMethod(LOG_LEVELS.info),
  warn: consoleMethod(LOG_LEVELS.warn),
  error: consoleMethod(LOG_LEVELS.error),
  debug: consoleMethod(LOG_LEVELS.debug),
};

const process = {
  /** Ends the run at once with this exit code (0 = ok). */
  exit(code = 0) {
    const number = Number(code);
    if (!Number.isInteger(number)) throw new TypeError(`process.exit: code must be an integer, got ${describe(code)}`);
    sys.exit(number);
  },
  env: {},
  argv: [],
};

// QuickJS's own performance.now() aborts the whole guest when the clock is not
// granted; this one throws NanosError instead. Its time origin is the Unix epoch,
// so timeOrigin + now() is the current time, as the standard relates them.
const performance = {
  timeOrigin: 0,
  now() {
    return sys.clockNow();
  },
};

for (const [name, value] of Object.entries({ console, process, performance })) {
  Object.defineProperty(globalThis, name, { value, writable: true, configurable: true, enumerable: false });
}
