// The HTTP API of `nanos serve` (docs/serve.md): JSON calls, the bearer token and the
// live event stream. Everything the server answers is data, never markup.

const TOKEN_KEY = "nanos.token";

let unauthorizedHandler = () => {};

/** Called with the ApiError of every 401 (the page shows its token prompt). */
export function onUnauthorized(handler) {
  unauthorizedHandler = handler;
}

export function getToken() {
  try {
    return sessionStorage.getItem(TOKEN_KEY) || "";
  } catch {
    return "";
  }
}

export function setToken(token) {
  try {
    if (token) sessionStorage.setItem(TOKEN_KEY, token);
    else sessionStorage.removeItem(TOKEN_KEY);
  } catch {
    // storage refused (private mode): the token lasts until the page is left
  }
}

/**
 * `#token=T` (alone or beside a route, `#/runs/x&token=T`): kept in sessionStorage and
 * taken out of the address, so it is neither bookmarked nor shown.
 */
export function captureTokenFromHash() {
  const hash = location.hash.replace(/^#/, "");
  if (!/(^|[&?])token=/.test(hash)) return false;
  const parts = hash.split(/[&?]/);
  const rest = [];
  for (const part of parts) {
    if (part.startsWith("token=")) {
      let value = part.slice("token=".length);
      try {
        value = decodeURIComponent(value);
      } catch {
        // kept as written
      }
      setToken(value);
    } else if (part) {
      rest.push(part);
    }
  }
  const route = rest.find((part) => part.startsWith("/")) || "";
  history.replaceState(null, "", location.pathname + location.search + (route ? "#" + route : ""));
  return true;
}

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

function headers(extra) {
  const result = Object.assign({}, extra);
  const token = getToken();
  if (token) result.Authorization = "Bearer " + token;
  return result;
}

async function failure(response) {
  let text = "";
  try {
    text = await response.text();
  } catch {
    // no body
  }
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    // not JSON
  }
  const message =
    data && typeof data.error === "string" ? data.error : text.trim().slice(0, 500) || response.statusText || "request failed";
  const code = data && typeof data.code === "string" ? data.code : "http_" + response.status;
  const error = new ApiError(response.status, code, message);
  if (response.status === 401) unauthorizedHandler(error);
  return error;
}

/** One JSON call. Throws ApiError with the server's `{"error", "code"}`. */
export async function api(method, path, body, options = {}) {
  const init = { method, headers: headers({ Accept: "application/json" }), signal: options.signal };
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(path, init);
  } catch (error) {
    if (error && error.name === "AbortError") throw error;
    throw new ApiError(0, "unreachable", "cannot reach the server (" + (error && error.message ? error.message : error) + ")");
  }
  if (!response.ok) throw await failure(response);
  const text = await response.text();
  if (!text) return null;
  try {
    return JSON.parse(text);
  } catch {
    throw new ApiError(response.status, "bad_json", "the server answered something that is not JSON");
  }
}

export const get = (path, options) => api("GET", path, undefined, options);
export const post = (path, body, options) => api("POST", path, body === undefined ? {} : body, options);

export const runPath = (id) => "/v1/runs/" + encodeURIComponent(id);

/**
 * Reads `text/event-stream` from a fetch body (EventSource cannot send the token):
 * `onEvent(name, data)` for each event, data parsed as JSON when it is JSON. Resolves
 * when the stream ends; rejects with ApiError on an HTTP error. Abort with `signal`.
 */
export async function streamEvents(path, onEvent, signal) {
  let response;
  try {
    response = await fetch(path, { headers: headers({ Accept: "text/event-stream" }), signal, cache: "no-store" });
  } catch (error) {
    if (error && error.name === "AbortError") throw error;
    throw new ApiError(0, "unreachable", "cannot reach the server (" + (error && error.message ? error.message : error) + ")");
  }
  if (!response.ok) throw await failure(response);
  if (!response.body) throw new ApiError(0, "no_stream", "this browser cannot read a streamed response");
  const reader = response.body.getReader();
  const decoder = new TextDecoder("utf-8");
  let buffer = "";
  let event = "";
  let data = [];
  const dispatch = () => {
    if (data.length === 0) {
      event = "";
      return;
    }
    const text = data.join("\n");
    let value = text;
    try {
      value = JSON.parse(text);
    } catch {
      // left as text
    }
    const name = event || "message";
    event = "";
    data = [];
    onEvent(name, value);
  };
  const line = (text) => {
    if (text === "") return dispatch();
    if (text.startsWith(":")) return; // a comment (keep-alive)
    const colon = text.indexOf(":");
    const field = colon < 0 ? text : text.slice(0, colon);
    let value = colon < 0 ? "" : text.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    if (field === "event") event = value;
    else if (field === "data") data.push(value);
  };
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, { stream: true });
    let start = 0;
    for (;;) {
      const match = /\r\n|\r|\n/g;
      match.lastIndex = start;
      const found = match.exec(buffer);
      if (!found) break;
      // A lone \r at the very end may be the first half of \r\n: wait for more.
      if (found[0] === "\r" && found.index === buffer.length - 1) break;
      line(buffer.slice(start, found.index));
      start = found.index + found[0].length;
    }
    buffer = buffer.slice(start);
  }
  buffer += decoder.decode();
  if (buffer) line(buffer);
  dispatch();
}
