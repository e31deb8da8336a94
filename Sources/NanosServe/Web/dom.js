// DOM building without markup strings: every text the server sends goes through
// textContent or setAttribute, so a payload like `<img onerror=…>` stays text.

const SVG_NS = "http://www.w3.org/2000/svg";

function apply(node, attrs) {
  if (!attrs) return;
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith("on") && typeof value === "function") {
      node.addEventListener(key.slice(2), value);
    } else if (key === "class") {
      node.setAttribute("class", Array.isArray(value) ? value.filter(Boolean).join(" ") : value);
    } else if (key === "style" && typeof value === "object") {
      for (const [property, v] of Object.entries(value)) node.style.setProperty(property, v);
    } else if (key === "value" && "value" in node) {
      node.value = value;
    } else if (key === "checked" || key === "selected" || key === "disabled" || key === "open") {
      node[key] = Boolean(value);
      if (value === true && key !== "checked" && key !== "selected") node.setAttribute(key, "");
    } else {
      node.setAttribute(key, value === true ? "" : String(value));
    }
  }
}

function append(node, children) {
  for (const child of children) {
    if (child === undefined || child === null || child === false) continue;
    if (Array.isArray(child)) append(node, child);
    else if (child instanceof Node) node.appendChild(child);
    else node.appendChild(document.createTextNode(String(child)));
  }
}

/** `h("div", {class: "x", "data-testid": "y", onclick: f}, "text", child, [more])` */
export function h(tag, attrs, ...children) {
  const node = document.createElement(tag);
  apply(node, attrs);
  append(node, children);
  return node;
}

/** The same for SVG elements. */
export function s(tag, attrs, ...children) {
  const node = document.createElementNS(SVG_NS, tag);
  if (attrs) {
    for (const [key, value] of Object.entries(attrs)) {
      if (value === undefined || value === null) continue;
      if (key.startsWith("on") && typeof value === "function") node.addEventListener(key.slice(2), value);
      else node.setAttribute(key, String(value));
    }
  }
  append(node, children);
  return node;
}

export function clear(node) {
  while (node.firstChild) node.removeChild(node.firstChild);
  return node;
}

export function replace(node, ...children) {
  clear(node);
  append(node, children);
  return node;
}

// ---- formatting ----

export function fmtInt(n) {
  if (typeof n !== "number" || !isFinite(n)) return "—";
  return Math.round(n).toLocaleString("en-US");
}

export function fmtNs(ns) {
  if (typeof ns !== "number" || !isFinite(ns)) return "—";
  if (ns < 1e3) return ns + " ns";
  if (ns < 1e6) return (ns / 1e3).toFixed(ns < 1e4 ? 1 : 0) + " µs";
  if (ns < 1e9) return (ns / 1e6).toFixed(ns < 1e7 ? 2 : 1) + " ms";
  return (ns / 1e9).toFixed(2) + " s";
}

export function fmtMs(ms) {
  if (typeof ms !== "number" || !isFinite(ms)) return "—";
  return fmtNs(ms * 1e6);
}

export function fmtBytes(n) {
  if (typeof n !== "number" || !isFinite(n)) return "—";
  if (n < 1024) return n + " B";
  if (n < 1024 * 1024) return (n / 1024).toFixed(n < 10240 ? 1 : 0) + " KiB";
  if (n < 1024 * 1024 * 1024) return (n / 1048576).toFixed(1) + " MiB";
  return (n / 1073741824).toFixed(2) + " GiB";
}

export function fmtTime(iso) {
  if (!iso) return "—";
  const date = new Date(iso);
  if (isNaN(date.getTime())) return String(iso);
  const pad = (v) => String(v).padStart(2, "0");
  const now = new Date();
  const time = pad(date.getHours()) + ":" + pad(date.getMinutes()) + ":" + pad(date.getSeconds());
  if (date.toDateString() === now.toDateString()) return time;
  return date.getFullYear() + "-" + pad(date.getMonth() + 1) + "-" + pad(date.getDate()) + " " + time;
}

export function shortId(id) {
  return typeof id === "string" && id.length > 12 ? id.slice(0, 12) : String(id ?? "");
}

/** One line of at most `max` characters, for previews. */
export function oneLine(text, max = 80) {
  const flat = String(text).replace(/\s+/g, " ").trim();
  return flat.length > max ? flat.slice(0, max - 1) + "…" : flat;
}

// ---- payloads ----

const utf8 = new TextEncoder();

/**
 * A payload as the API writes it (a UTF-8 string, `{"base64": …}`, or an integer):
 * `{kind: "text"|"binary"|"int"|"none", bytes: Uint8Array|null, text: string|null}`.
 * `text` is null for bytes that are not UTF-8.
 */
export function decodePayload(value) {
  if (value === undefined || value === null) return { kind: "none", bytes: null, text: null };
  if (typeof value === "number") return { kind: "int", bytes: null, text: String(value) };
  if (typeof value === "string") return { kind: "text", bytes: utf8.encode(value), text: value };
  if (typeof value === "object" && typeof value.base64 === "string") {
    let bytes;
    try {
      const raw = atob(value.base64);
      bytes = new Uint8Array(raw.length);
      for (let i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
    } catch {
      return { kind: "text", bytes: utf8.encode(value.base64), text: value.base64 };
    }
    let text = null;
    try {
      text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
    } catch {
      text = null;
    }
    return { kind: "binary", bytes, text, base64: value.base64 };
  }
  const text = JSON.stringify(value);
  return { kind: "text", bytes: utf8.encode(text), text };
}

/** Short text for a payload in a list row. */
export function previewPayload(value, max = 60) {
  const payload = decodePayload(value);
  if (payload.kind === "none") return "";
  if (payload.kind === "int") return payload.text;
  if (payload.text !== null) return JSON.stringify(oneLine(payload.text, max));
  return "<" + payload.bytes.length + " bytes>";
}

/** `name("arg", 3)` */
export function callPreview(step, max = 60) {
  const args = Array.isArray(step.args) ? step.args : [];
  const each = Math.max(16, Math.floor(max / Math.max(1, args.length)));
  return (step.name || "?") + "(" + args.map((arg) => previewPayload(arg, each)).join(", ") + ")";
}

export function outcomePreview(step, max = 60) {
  if (step.ok === false) return (step.errno || "error") + (step.error ? ": " + oneLine(step.error, max) : "");
  if (step.result === undefined) return step.result_bytes !== undefined ? step.result_bytes + " bytes" : "ok";
  return previewPayload(step.result, max);
}

/** Model tokens a step used: counters ending in `_tokens`, but not the `prompt_tokens_…`
 *  breakdowns (cached, evaluated, shared) nor a stream's `total_…` repeat. */
export function stepTokens(step) {
  const counters = step && step.counters;
  if (!counters || typeof counters !== "object") return 0;
  let sum = 0;
  for (const [key, value] of Object.entries(counters)) {
    if (typeof value !== "number") continue;
    if (!(key === "tokens" || key.endsWith("_tokens"))) continue;
    if (key.startsWith("prompt_tokens_") || key.startsWith("total_")) continue;
    sum += value;
  }
  return sum;
}

export const FINAL_STATUSES = [
  "ok", "failed", "denied", "out_of_fuel", "out_of_memory", "timeout", "max_steps",
  "trap", "invalid_module", "diverged", "stopped", "cancelled", "interrupted",
];

export function isRunning(run) {
  return Boolean(run) && (run.live === true || run.status === "running");
}

function tone(status) {
  if (status === "ok") return "ok";
  if (status === "running") return "running";
  if (status === "interrupted" || status === "cancelled" || status === "stopped" || status === "…") return "muted";
  return "bad";
}

/** Sets a badge made by statusBadge to another status. */
export function setBadge(node, status) {
  const text = String(status || "unknown");
  node.textContent = text;
  node.setAttribute("class", "badge badge-" + tone(text));
  node.setAttribute("data-status", text);
  return node;
}

export function statusBadge(status, attrs = {}) {
  return setBadge(h("span", attrs), status);
}
