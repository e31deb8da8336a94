// The step inspector: a step's arguments and outcome with every byte, as text, a JSON
// tree or a hex dump; its fuel, memory, latency, counters and service log; and the
// "edit and fork from here" form.

import { h, decodePayload, fmtBytes, fmtInt, fmtNs, stepTokens } from "./dom.js";

export const ERRNOS = ["EPERM", "ENOENT", "EINVAL", "E2BIG", "EIO", "ETIMEDOUT", "EQUOTA"];

const VIEWS = [
  ["text", "Text"],
  ["json", "JSON"],
  ["hex", "Hex"],
];

// The chosen view outlives the step: clicking through steps keeps Hex on Hex.
let currentView = "text";

const SHOW_FIRST = 256 * 1024; // bytes shown before a "show all" button
const JSON_NODES = 5000;

// ---- payload views ----

function showAllButton(total, onClick) {
  return h("button", { type: "button", class: "link-button", onclick: onClick }, "show all " + fmtBytes(total));
}

function textView(payload) {
  const box = h("div", { class: "payload-text" });
  let text = payload.text;
  const notes = [];
  if (text === null) {
    text = new TextDecoder("utf-8").decode(payload.bytes);
    notes.push(h("div", { class: "note" }, "not UTF-8: shown with replacement characters (Hex shows the bytes)"));
  }
  const pre = h("pre", { class: "payload", "data-testid": "payload-text" });
  if (text.length > SHOW_FIRST) {
    pre.textContent = text.slice(0, SHOW_FIRST);
    const more = showAllButton(payload.bytes ? payload.bytes.length : text.length, () => {
      pre.textContent = text;
      more.remove();
    });
    box.append(...notes, pre, more);
  } else {
    pre.textContent = text;
    box.append(...notes, pre);
  }
  if (text === "") pre.classList.add("empty");
  return box;
}

function hexLines(bytes, from, to) {
  const lines = [];
  for (let offset = from; offset < to; offset += 16) {
    let hex = "";
    let ascii = "";
    for (let i = 0; i < 16; i++) {
      const index = offset + i;
      if (index < bytes.length) {
        const byte = bytes[index];
        hex += byte.toString(16).padStart(2, "0");
        ascii += byte >= 0x20 && byte < 0x7f ? String.fromCharCode(byte) : ".";
      } else {
        hex += "  ";
      }
      if (i % 2 === 1) hex += " ";
    }
    lines.push(offset.toString(16).padStart(8, "0") + ": " + hex + " " + ascii);
  }
  return lines.join("\n");
}

function hexView(payload) {
  const bytes = payload.bytes || new Uint8Array(0);
  const pre = h("pre", { class: "payload hex", "data-testid": "payload-hex" });
  const box = h("div", { class: "payload-hexbox" });
  if (bytes.length === 0) {
    pre.textContent = "(0 bytes)";
    box.append(pre);
    return box;
  }
  const shown = Math.min(bytes.length, SHOW_FIRST);
  pre.textContent = hexLines(bytes, 0, shown);
  box.append(pre);
  if (shown < bytes.length) {
    const more = showAllButton(bytes.length, () => {
      pre.textContent = hexLines(bytes, 0, bytes.length);
      more.remove();
    });
    box.append(more);
  }
  return box;
}

function jsonScalar(value) {
  if (value === null) return h("span", { class: "j-null" }, "null");
  switch (typeof value) {
    case "string":
      return h("span", { class: "j-string" }, JSON.stringify(value));
    case "number":
      return h("span", { class: "j-number" }, String(value));
    case "boolean":
      return h("span", { class: "j-bool" }, String(value));
    default:
      return h("span", {}, String(value));
  }
}

function jsonTree(value, budget, key, depth) {
  budget.left--;
  const label = key === undefined ? null : h("span", { class: "j-key" }, key);
  if (value === null || typeof value !== "object") {
    return h("div", { class: "j-row" }, label, label ? ": " : null, jsonScalar(value));
  }
  const isArray = Array.isArray(value);
  const entries = isArray ? value.map((v, i) => [String(i), v]) : Object.entries(value);
  const open = isArray ? "[" : "{";
  const close = isArray ? "]" : "}";
  if (entries.length === 0) {
    return h("div", { class: "j-row" }, label, label ? ": " : null, h("span", { class: "j-punct" }, open + close));
  }
  const count = entries.length + (isArray ? (entries.length === 1 ? " item" : " items") : entries.length === 1 ? " key" : " keys");
  const details = h(
    "details",
    { class: "j-node", open: depth < 3 },
    h("summary", {}, label, label ? ": " : null, h("span", { class: "j-punct" }, open), h("span", { class: "j-count" }, " " + count + " "), h("span", { class: "j-punct" }, close)),
  );
  const children = h("div", { class: "j-children" });
  for (const [childKey, child] of entries) {
    if (budget.left <= 0) {
      children.append(h("div", { class: "note" }, "… cut here (" + JSON_NODES + " nodes shown); Text shows it all"));
      break;
    }
    children.append(jsonTree(child, budget, isArray ? childKey : JSON.stringify(childKey), depth + 1));
  }
  details.append(children);
  return details;
}

function jsonView(payload) {
  const box = h("div", { class: "payload-json", "data-testid": "payload-json" });
  let parsed;
  let ok = false;
  if (payload.text !== null) {
    try {
      parsed = JSON.parse(payload.text);
      ok = true;
    } catch {
      ok = false;
    }
  }
  if (!ok) {
    box.append(h("div", { class: "note" }, payload.text === null ? "not UTF-8, so not JSON" : "not JSON: shown as text"));
    box.append(textView(payload));
    return box;
  }
  box.classList.add("json-tree");
  box.append(jsonTree(parsed, { left: JSON_NODES }, undefined, 0));
  return box;
}

/** A payload (string, {base64}, number) in the chosen view. */
export function payloadView(value, view, testid) {
  const payload = decodePayload(value);
  const wrap = h("div", { class: "payload-wrap", "data-testid": testid, "data-kind": payload.kind });
  if (payload.kind === "none") {
    wrap.append(h("div", { class: "note" }, "no bytes recorded"));
    return wrap;
  }
  if (payload.kind === "int") {
    const n = Number(payload.text);
    wrap.append(
      h("pre", { class: "payload", "data-testid": "payload-text" }, payload.text + (Number.isInteger(n) && n >= 0 ? "  (0x" + n.toString(16) + ")" : "")),
    );
    return wrap;
  }
  if (view === "hex") wrap.append(hexView(payload));
  else if (view === "json") wrap.append(jsonView(payload));
  else wrap.append(textView(payload));
  return wrap;
}

function payloadMeta(value) {
  const payload = decodePayload(value);
  if (payload.kind === "int") return "integer";
  if (payload.kind === "none") return "";
  return fmtBytes(payload.bytes.length) + (payload.kind === "binary" ? (payload.text === null ? " · binary" : " · base64") : "");
}

// ---- the fork form ----

function forkForm(run, step, onFork) {
  const result = step.ok === false ? null : decodePayload(step.result);
  const binary = result && result.kind === "binary" && result.text === null;
  const mode = { value: step.ok === false ? "errno" : "result" };
  const name = "fork-mode-" + step.index;

  const text = h("textarea", {
    id: "fork-text",
    class: "payload-edit",
    "data-testid": "fork-text",
    rows: 8,
    spellcheck: "false",
    "aria-label": "new result for step " + step.index,
  });
  // The step's real result, every byte: text as it is, other bytes as base64.
  if (result && result.kind !== "none") text.value = binary ? result.base64 : result.text;

  const base64 = h("input", { type: "checkbox", id: "fork-base64", "data-testid": "fork-base64", checked: binary });
  const errno = h(
    "select",
    { id: "fork-errno", "data-testid": "fork-errno" },
    ERRNOS.map((e) => h("option", { value: e, selected: step.errno === e }, e)),
  );
  const status = h("div", { class: "fork-status", role: "status", "data-testid": "fork-status" });
  const submit = h("button", { type: "submit", class: "primary", "data-testid": "fork-submit" }, "Fork from step " + step.index);

  const resultPane = h(
    "div",
    { class: "fork-pane" },
    text,
    h("label", { class: "inline", for: "fork-base64" }, base64, " the text above is base64 (binary bytes)"),
    result && result.kind === "int" ? h("div", { class: "note" }, "the recorded result is a number; a fork answers with bytes") : null,
  );
  const errnoPane = h("div", { class: "fork-pane" }, h("label", { for: "fork-errno" }, "errno "), errno);

  const radio = (value, label) =>
    h(
      "label",
      { class: "inline" },
      h("input", {
        type: "radio",
        name,
        value,
        "data-testid": "fork-mode-" + value,
        checked: mode.value === value,
        onchange: () => {
          mode.value = value;
          sync();
        },
      }),
      " " + label,
    );
  const sync = () => {
    resultPane.hidden = mode.value !== "result";
    errnoPane.hidden = mode.value !== "errno";
  };
  sync();

  const form = h(
    "form",
    {
      class: "fork-form",
      "data-testid": "fork-form",
      onsubmit: async (event) => {
        event.preventDefault();
        const body = { step: step.index };
        if (mode.value === "errno") body.errno = errno.value;
        else if (base64.checked) body.result_base64 = text.value.replace(/\s+/g, "");
        else body.result_text = text.value;
        submit.disabled = true;
        status.textContent = "forking…";
        try {
          await onFork(body);
          status.textContent = "";
        } catch (error) {
          status.textContent = (error && error.message) || String(error);
        } finally {
          submit.disabled = false;
        }
      },
    },
    h("div", { class: "fork-modes", role: "radiogroup", "aria-label": "how step " + step.index + " ends in the fork" }, radio("result", "Replace the result"), radio("errno", "Fail with an errno")),
    resultPane,
    errnoPane,
    h("div", { class: "fork-actions" }, submit, status),
    h("div", { class: "note" }, "Steps 1–" + (step.index - 1) + " are replayed from the record, step " + step.index + " is answered so, and the run goes on live."),
  );
  return h("details", { class: "fork", open: true }, h("summary", {}, "Edit and fork from here"), form);
}

// ---- the inspector ----

function metric(label, value, title) {
  return h("div", { class: "metric", title }, h("div", { class: "metric-label" }, label), h("div", { class: "metric-value" }, value));
}

/**
 * Fills `container` with the inspector of `step` (or a hint when none is chosen).
 * `onFork(body)` posts the fork; `onNavigate(delta)` moves to the previous/next step.
 */
export function renderInspector(container, run, step, { onFork, onNavigate, lastIndex }) {
  container.replaceChildren();
  container.setAttribute("data-testid", "inspector");
  if (!step) {
    container.removeAttribute("data-index");
    container.append(h("div", { class: "empty-hint" }, "Click a step in the timeline to inspect it."));
    return;
  }
  container.setAttribute("data-index", String(step.index));

  const failed = step.ok === false;
  const head = h(
    "div",
    { class: "inspector-head" },
    h("h2", {}, "Step " + step.index + " ", h("code", { class: "call-name" }, step.name || "?")),
    failed
      ? h("span", { class: "badge badge-bad", "data-testid": "inspector-errno" }, (step.errno || "error") + (step.rule ? " · " + step.rule : ""))
      : h("span", { class: "badge badge-ok" }, "ok"),
    h(
      "span",
      { class: "step-nav" },
      h("button", { type: "button", class: "small", disabled: step.index <= 1, onclick: () => onNavigate(-1), "aria-label": "previous step" }, "◀"),
      h("button", { type: "button", class: "small", disabled: step.index >= lastIndex, onclick: () => onNavigate(1), "aria-label": "next step" }, "▶"),
    ),
  );

  const tokens = stepTokens(step);
  const metrics = h(
    "div",
    { class: "metrics" },
    metric("latency", fmtNs(step.latency_ns)),
    metric("fuel", fmtInt(step.fuel)),
    metric("memory", fmtBytes(step.memory), fmtInt(step.memory) + " bytes"),
    step.result_bytes !== undefined ? metric("result", fmtBytes(step.result_bytes)) : null,
    tokens ? metric("tokens", fmtInt(tokens)) : null,
  );

  const body = h("div", { class: "inspector-body" });
  const tabs = h("div", { class: "tabs", role: "tablist", "aria-label": "payload view" });
  const renderBody = () => {
    body.replaceChildren();
    const args = Array.isArray(step.args) ? step.args : [];
    const request = h("section", { class: "io", "data-testid": "inspector-request" }, h("h3", {}, "Request", h("span", { class: "muted" }, " · " + args.length + (args.length === 1 ? " argument" : " arguments"))));
    if (args.length === 0) request.append(h("div", { class: "note" }, "no arguments"));
    args.forEach((arg, i) => {
      request.append(h("div", { class: "io-label" }, "arg " + (i + 1), h("span", { class: "muted" }, " " + payloadMeta(arg))));
      request.append(payloadView(arg, currentView, "payload-arg-" + (i + 1)));
    });
    const outcome = h("section", { class: "io", "data-testid": "inspector-outcome" }, h("h3", {}, "Outcome"));
    if (failed) {
      outcome.append(
        h(
          "dl",
          { class: "kv failure" },
          h("dt", {}, "errno"),
          h("dd", {}, h("code", {}, step.errno || "—")),
          h("dt", {}, "error"),
          h("dd", { "data-testid": "inspector-error" }, step.error || "—"),
          step.rule ? [h("dt", {}, "rule"), h("dd", {}, h("code", {}, step.rule))] : null,
        ),
      );
    } else {
      outcome.append(h("div", { class: "io-label" }, "result", h("span", { class: "muted" }, " " + payloadMeta(step.result))));
      outcome.append(payloadView(step.result, currentView, "payload-result"));
    }
    body.append(request, outcome);
  };
  for (const [view, label] of VIEWS) {
    tabs.append(
      h(
        "button",
        {
          type: "button",
          role: "tab",
          class: "tab",
          "data-testid": "tab-" + view,
          "data-view": view,
          "aria-selected": String(currentView === view),
          onclick: () => {
            currentView = view;
            for (const tab of tabs.children) tab.setAttribute("aria-selected", String(tab.dataset.view === view));
            container.setAttribute("data-view", view);
            renderBody();
          },
        },
        label,
      ),
    );
  }
  container.setAttribute("data-view", currentView);
  renderBody();

  const extras = h("div", { class: "extras" });
  const counters = step.counters && typeof step.counters === "object" ? Object.entries(step.counters) : [];
  if (counters.length) {
    extras.append(
      h(
        "section",
        { class: "io", "data-testid": "inspector-counters" },
        h("h3", {}, "Counters"),
        h("table", { class: "counters" }, h("tbody", {}, counters.map(([k, v]) => h("tr", {}, h("th", { scope: "row" }, k), h("td", {}, fmtInt(v)))))),
      ),
    );
  }
  const log = Array.isArray(step.service_log) ? step.service_log : [];
  if (log.length) {
    extras.append(
      h("section", { class: "io", "data-testid": "inspector-service-log" }, h("h3", {}, "Service log"), h("ol", { class: "service-log" }, log.map((line) => h("li", {}, String(line))))),
    );
  }

  container.append(head, metrics, tabs, body, extras, forkForm(run, step, onFork));
}
