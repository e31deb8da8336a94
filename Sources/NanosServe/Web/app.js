// The nanos debugger: runs, their timelines, the step inspector, forks, the run tree
// and diffs, over the API of `nanos serve` (docs/serve.md). Hash routes:
//   #/runs            the run list
//   #/runs/ID[/K]     one run (K: the step in the inspector)
//   #/diff/A/B        two runs side by side from their first difference

import { ApiError, captureTokenFromHash, get, getToken, onUnauthorized, post, runPath, setToken, streamEvents } from "./api.js";
import {
  FINAL_STATUSES, h, callPreview, setBadge, fmtInt, fmtMs, fmtNs, fmtTime, isRunning, oneLine, outcomePreview, shortId,
  statusBadge, stepTokens,
} from "./dom.js";
import { renderInspector } from "./inspector.js";
import { Charts, Timeline } from "./charts.js";

const $ = (id) => document.getElementById(id);
const main = $("main");

// ---------------------------------------------------------------- errors and token

function showError(error, context) {
  if (error && error.name === "AbortError") return;
  const banner = $("banner");
  const text = $("banner-text");
  const code = error instanceof ApiError ? error.code : "error";
  const message = (error && error.message) || String(error);
  text.replaceChildren(
    context ? h("strong", {}, context + ": ") : null,
    message,
    " ",
    h("code", { class: "muted", "data-testid": "error-code" }, code),
  );
  banner.hidden = false;
}

function clearError() {
  $("banner").hidden = true;
}

function showTokenPrompt(message) {
  const dialog = $("token-dialog");
  $("token-message").textContent = message || "This server needs a token.";
  $("token-input").value = "";
  if (!dialog.open) {
    if (typeof dialog.showModal === "function") dialog.showModal();
    else dialog.setAttribute("open", "");
  }
  $("token-input").focus();
}

onUnauthorized((error) => showTokenPrompt(getToken() ? "The token was refused: " + error.message : "This server needs a token (" + error.message + ")."));

$("token-form").addEventListener("submit", (event) => {
  event.preventDefault();
  setToken($("token-input").value.trim());
  $("token-dialog").close();
  clearError();
  loadManifests();
  route();
});
$("token-cancel").addEventListener("click", () => $("token-dialog").close());
$("banner-close").addEventListener("click", clearError);

// ---------------------------------------------------------------- header

async function loadHealth() {
  const pill = $("server-status");
  try {
    const response = await fetch("/healthz", { cache: "no-store" });
    const data = await response.json();
    const ok = response.ok && data && data.status === "ok";
    pill.className = "pill " + (ok ? "pill-ok" : "pill-bad");
    pill.textContent = (ok ? "server ok" : "server " + String(data && data.status)) + (data && data.version ? " · " + data.version : "");
    pill.dataset.state = ok ? "ok" : "bad";
  } catch {
    pill.className = "pill pill-bad";
    pill.textContent = "server unreachable";
    pill.dataset.state = "unreachable";
  }
}

async function loadManifests() {
  const select = $("manifest-select");
  try {
    const data = await get("/v1/manifests");
    const manifests = (data && Array.isArray(data.manifests) ? data.manifests : []).slice().sort((a, b) => String(a.path).localeCompare(String(b.path)));
    const previous = select.value || sessionStorage.getItem("nanos.manifest") || "";
    select.replaceChildren(
      ...manifests.map((m) =>
        h(
          "option",
          { value: m.path, disabled: Boolean(m.error), title: m.error ? "error: " + m.error : m.goal || "" },
          String(m.path) + (m.error ? " (cannot load)" : m.goal ? " — " + oneLine(m.goal, 50) : ""),
        ),
      ),
    );
    if (manifests.length === 0) select.append(h("option", { value: "", disabled: true }, "no manifests under the root"));
    if (previous && manifests.some((m) => m.path === previous && !m.error)) select.value = previous;
    select.dataset.loaded = "true";
  } catch (error) {
    if (!(error instanceof ApiError && error.status === 401)) showError(error, "manifests");
  }
}

async function startRun(body, button) {
  clearError();
  button.disabled = true;
  try {
    const data = await post("/v1/runs", body);
    navigate("#/runs/" + encodeURIComponent(data.run.id));
  } catch (error) {
    showError(error, "cannot start the run");
  } finally {
    button.disabled = false;
  }
}

$("new-run").addEventListener("submit", (event) => {
  event.preventDefault();
  const path = $("manifest-select").value;
  if (!path) return showError(new Error("choose a manifest first"), "new run");
  sessionStorage.setItem("nanos.manifest", path);
  startRun({ manifest: path }, $("run-button"));
});
$("run-inline").addEventListener("click", () => {
  const text = $("manifest-text").value;
  if (!text.trim()) return showError(new Error("the inline manifest is empty"), "new run");
  startRun({ manifest_text: text }, $("run-inline")).then(() => {
    if ($("banner").hidden) $("inline-manifest").open = false;
  });
});

// ---------------------------------------------------------------- routing

let dispose = () => {};

function navigate(hash) {
  if (location.hash === hash) route();
  else location.hash = hash;
}

function parseRoute() {
  const parts = location.hash.replace(/^#\/?/, "").split("/").filter(Boolean).map((part) => {
    try {
      return decodeURIComponent(part);
    } catch {
      return part;
    }
  });
  if (parts[0] === "runs" && parts[1]) return { name: "run", id: parts[1], step: parts[2] ? Number(parts[2]) : null };
  if (parts[0] === "diff" && parts[1] && parts[2]) return { name: "diff", a: parts[1], b: parts[2] };
  return { name: "runs" };
}

function route() {
  dispose();
  dispose = () => {};
  clearError();
  const r = parseRoute();
  main.replaceChildren();
  document.querySelectorAll(".nav a").forEach((a) => a.removeAttribute("aria-current"));
  if (r.name === "run") {
    document.title = "run " + shortId(r.id) + " · nanos";
    dispose = runView(r.id, r.step);
  } else if (r.name === "diff") {
    document.title = "diff · nanos";
    dispose = diffView(r.a, r.b);
  } else {
    document.title = "runs · nanos";
    $("nav-runs").setAttribute("aria-current", "page");
    dispose = runListView();
  }
}

window.addEventListener("hashchange", () => {
  if (captureTokenFromHash()) loadManifests();
  route();
});

const runHref = (id) => "#/runs/" + encodeURIComponent(id);

// ---------------------------------------------------------------- run list

const listFilter = { text: "", status: "" };

function runListView() {
  let runs = [];
  let timer = null;
  let gone = false;
  const controller = new AbortController();

  const filter = h("input", {
    id: "run-filter",
    type: "search",
    placeholder: "agent, status or id",
    value: listFilter.text,
    "data-testid": "run-filter",
    oninput: () => {
      listFilter.text = filter.value;
      render();
    },
  });
  const statuses = ["running", ...FINAL_STATUSES];
  const status = h(
    "select",
    {
      id: "run-status-filter",
      "data-testid": "run-status-filter",
      onchange: () => {
        listFilter.status = status.value;
        render();
      },
    },
    h("option", { value: "" }, "any status"),
    statuses.map((st) => h("option", { value: st, selected: listFilter.status === st }, st)),
  );
  const updated = h("span", { class: "muted", "data-testid": "list-updated" }, "");
  const body = h("tbody", {});
  const empty = h("div", { class: "empty-hint", hidden: true }, "");
  const table = h(
    "table",
    { class: "runs", "data-testid": "run-list" },
    h(
      "thead",
      {},
      h("tr", {}, ["status", "run", "agent", "steps", "tokens", "duration", "started", "parent"].map((c) => h("th", { scope: "col", class: "col-" + c }, c))),
    ),
    body,
  );
  main.append(
    h(
      "section",
      { class: "card" },
      h(
        "div",
        { class: "card-head toolbar" },
        h("h2", {}, "Runs"),
        h("label", { for: "run-filter", class: "sr-only" }, "Filter runs"),
        filter,
        h("label", { for: "run-status-filter", class: "sr-only" }, "Status"),
        status,
        h("button", { type: "button", class: "small", onclick: () => load() }, "Refresh"),
        updated,
      ),
      table,
      empty,
    ),
  );

  function matches(run) {
    if (listFilter.status && run.status !== listFilter.status) return false;
    const needle = listFilter.text.trim().toLowerCase();
    if (!needle) return true;
    return [run.agent, run.status, run.id, run.manifest, run.parent].some((v) => typeof v === "string" && v.toLowerCase().includes(needle));
  }

  function durationOf(run) {
    if (typeof run.duration_ms === "number") return fmtMs(run.duration_ms);
    if (isRunning(run) && run.started_at) {
      const ms = Date.now() - new Date(run.started_at).getTime();
      if (ms >= 0) return fmtMs(ms) + " …";
    }
    return "—";
  }

  function render() {
    const shown = runs.filter(matches);
    body.replaceChildren(
      ...shown.map((run) => {
        const open = () => navigate(runHref(run.id));
        return h(
          "tr",
          {
            class: ["run-row", isRunning(run) && "is-live"],
            "data-testid": "run-row",
            "data-run-id": run.id,
            "data-status": run.status,
            "data-parent": run.parent || "",
            onclick: (event) => {
              if (event.target.closest("a")) return;
              open();
            },
          },
          h("td", {}, statusBadge(run.status)),
          h("td", {}, h("a", { href: runHref(run.id), class: "mono" }, shortId(run.id))),
          h("td", {}, run.agent || "—", run.manifest ? h("span", { class: "muted small-text" }, " " + run.manifest) : null),
          h("td", { class: "num", "data-testid": "run-steps" }, fmtInt(run.steps)),
          h("td", { class: "num" }, fmtInt(run.tokens)),
          h("td", { class: "num" }, durationOf(run)),
          h("td", {}, fmtTime(run.started_at)),
          h(
            "td",
            { "data-testid": "run-parent" },
            run.parent
              ? [h("a", { href: runHref(run.parent), class: "mono" }, shortId(run.parent)), h("span", { class: "muted" }, run.fork_step ? " @ step " + run.fork_step : "")]
              : h("span", { class: "muted" }, "—"),
          ),
        );
      }),
    );
    empty.hidden = shown.length > 0;
    empty.textContent = runs.length ? "No run matches the filter." : "No runs yet: pick a manifest above and press Run.";
  }

  async function load() {
    clearTimeout(timer);
    try {
      const data = await get("/v1/runs?limit=200", { signal: controller.signal });
      if (gone) return;
      runs = data && Array.isArray(data.runs) ? data.runs : [];
      updated.textContent = "updated " + fmtTime(new Date().toISOString());
      render();
    } catch (error) {
      if (gone) return;
      if (!(error instanceof ApiError && error.status === 401)) showError(error, "runs");
    }
    if (!gone) timer = setTimeout(load, runs.some(isRunning) ? 2000 : 10000);
  }

  load();
  return () => {
    gone = true;
    clearTimeout(timer);
    controller.abort();
  };
}

// ---------------------------------------------------------------- one run

async function loadSteps(id, signal) {
  const steps = [];
  for (let page = 0; page < 50; page++) {
    const data = await get(runPath(id) + "/steps?from=" + (steps.length + 1) + "&limit=1000", { signal });
    const got = data && Array.isArray(data.steps) ? data.steps : [];
    steps.push(...got);
    if (got.length < 1000) break;
  }
  return steps;
}

function runView(id, initialStep) {
  const controller = new AbortController();
  const signal = controller.signal;
  let gone = false;
  let run = null;
  let steps = [];
  let selected = null;
  let pollTimer = null;
  let wanted = Number.isInteger(initialStep) && initialStep > 0 ? initialStep : null;

  const summary = h("section", { class: "card run-summary", "data-testid": "run-summary" });
  const treeBox = h("div", { class: "tree-box" }, h("div", { class: "empty-hint" }, "…"));
  const tree = h("section", { class: "card", "data-testid": "tree-card" }, h("div", { class: "card-head" }, h("h2", {}, "Run tree")), treeBox);
  const inspector = h("section", { class: "card inspector", "data-testid": "inspector" });
  const timeline = new Timeline({ onSelect: (index) => select(index) });
  const charts = new Charts({ onSelect: (index) => select(index) });

  main.append(
    summary,
    h("div", { class: "run-grid" }, h("div", { class: "run-left" }, timeline.el, charts.el), h("div", { class: "run-right" }, tree, inspector)),
  );
  renderInspector(inspector, null, null, {});

  // -- summary (built once, then updated in place: buttons stay under the pointer)

  const sum = {};
  {
    const value = (testid) => h("div", { class: "fact-value", "data-testid": testid });
    const factBox = (label, v, testid) => h("div", { class: "fact", "data-testid": testid }, h("div", { class: "fact-label" }, label), v);
    sum.badge = statusBadge("…", { "data-testid": "run-status" });
    sum.agent = h("h1", {});
    sum.id = h("code", { class: "run-id", "data-testid": "run-id", title: "run id" });
    sum.manifest = h("span", { class: "muted" });
    sum.live = h("span", { class: "live-dot", hidden: true }, "live");
    sum.message = h("div", { class: "message", "data-testid": "run-message", hidden: true });
    sum.summaryValue = h("span", {});
    sum.summaryText = h("div", { class: "run-summary-text", "data-testid": "run-summary-text", hidden: true }, h("span", { class: "muted" }, "summary: "), sum.summaryValue);
    sum.steps = value();
    sum.tokens = value();
    sum.fuel = value();
    sum.duration = value();
    sum.started = value();
    sum.ended = value();
    sum.parentLink = h("a", { class: "mono", "data-testid": "parent-link" });
    sum.forkStep = h("span", {});
    sum.forked = factBox("forked from", h("div", { class: "fact-value" }, sum.parentLink, sum.forkStep), "fact-parent");
    sum.forked.hidden = true;
    sum.replayResult = h("span", { class: "replay-result", "data-testid": "replay-result", role: "status" });
    sum.replay = h("button", { type: "button", "data-testid": "replay", title: "run the module again, answered from the record, and compare", onclick: () => replay() }, "Replay");
    sum.cancel = h("button", { type: "button", class: "danger", "data-testid": "cancel", hidden: true, onclick: () => cancel() }, "Cancel");
    sum.resume = h("button", { type: "button", "data-testid": "resume", hidden: true, onclick: () => resume() }, "Resume");
    sum.diffParent = h("a", { class: "button", "data-testid": "diff-parent", hidden: true }, "Diff with parent");
    summary.replaceChildren(
      h("div", { class: "summary-head" }, h("span", { class: "badge-wrap" }, sum.badge), sum.agent, sum.id, sum.manifest, sum.live),
      sum.message,
      sum.summaryText,
      h(
        "div",
        { class: "facts" },
        factBox("steps", sum.steps, "fact-steps"),
        factBox("tokens", sum.tokens, "fact-tokens"),
        factBox("fuel", sum.fuel, "fact-fuel"),
        factBox("duration", sum.duration, "fact-duration"),
        factBox("started", sum.started),
        factBox("ended", sum.ended),
        sum.forked,
      ),
      h("div", { class: "actions" }, sum.replay, sum.cancel, sum.resume, sum.diffParent, sum.replayResult),
    );
    summary.hidden = true;
  }

  function renderSummary() {
    if (!run) return;
    summary.hidden = false;
    const running = isRunning(run);
    setBadge(sum.badge, run.status);
    sum.agent.textContent = run.agent || "run";
    sum.id.textContent = run.id;
    sum.manifest.textContent = run.manifest || "";
    sum.live.hidden = !running;
    sum.message.textContent = run.message || "";
    sum.message.hidden = !run.message;
    sum.summaryValue.textContent = run.summary || "";
    sum.summaryText.hidden = !run.summary;
    sum.steps.textContent = fmtInt(Math.max(run.steps || 0, steps.length));
    sum.tokens.textContent = fmtInt(Math.max(run.tokens || 0, steps.reduce((total, step) => total + stepTokens(step), 0)));
    sum.fuel.textContent = fmtInt(Math.max(run.fuel || 0, steps.reduce((total, step) => total + (Number(step.fuel) || 0), 0)));
    sum.duration.textContent = typeof run.duration_ms === "number" ? fmtMs(run.duration_ms) : running ? "running…" : "—";
    sum.started.textContent = fmtTime(run.started_at);
    sum.ended.textContent = fmtTime(run.ended_at);
    sum.forked.hidden = !run.parent;
    if (run.parent) {
      sum.parentLink.setAttribute("href", runHref(run.parent));
      sum.parentLink.textContent = shortId(run.parent);
      sum.forkStep.textContent = run.fork_step ? " at step " + run.fork_step : "";
      sum.diffParent.setAttribute("href", "#/diff/" + encodeURIComponent(run.parent) + "/" + encodeURIComponent(run.id));
    }
    sum.diffParent.hidden = !run.parent;
    sum.replay.disabled = running || sum.replay.dataset.busy === "true";
    sum.cancel.hidden = !run.live;
    sum.resume.hidden = run.status !== "interrupted";
  }

  async function replay() {
    const result = sum.replayResult;
    sum.replay.dataset.busy = "true";
    sum.replay.disabled = true;
    result.className = "replay-result";
    result.textContent = "replaying…";
    try {
      const r = await post(runPath(run.id) + "/replay", {});
      result.dataset.identical = String(Boolean(r.identical));
      result.className = "replay-result " + (r.identical ? "good" : "bad");
      const counted = " (" + fmtInt(r.replayed_steps) + " of " + fmtInt(r.expected_steps) + " steps, " + r.status + ")";
      result.textContent = r.identical
        ? "✓ identical" + counted
        : "✗ diverged" + (r.difference ? " at step " + r.difference.step + " (" + r.difference.field + ")" : "") + counted;
    } catch (error) {
      result.textContent = "";
      showError(error, "replay");
    } finally {
      sum.replay.dataset.busy = "false";
      renderSummary();
    }
  }

  async function cancel() {
    try {
      await post(runPath(run.id) + "/cancel", {});
    } catch (error) {
      showError(error, "cancel");
    }
  }

  async function resume() {
    try {
      const r = await post(runPath(run.id) + "/resume", {});
      navigate(runHref(r.run.id));
    } catch (error) {
      showError(error, "resume");
    }
  }

  // -- steps

  function addStep(step) {
    if (!step || typeof step.index !== "number") return;
    const at = steps.findIndex((known) => known.index === step.index);
    if (at >= 0) {
      if (JSON.stringify(steps[at]) === JSON.stringify(step)) return; // sent again (a reconnect)
      steps[at] = step;
    } else {
      steps.push(step);
      if (steps.length > 1 && steps[steps.length - 2].index > step.index) steps.sort((a, b) => a.index - b.index);
    }
    timeline.add(step);
    charts.update(steps);
    if (wanted === step.index) {
      wanted = null;
      select(step.index);
    } else if (selected === step.index) {
      showInspector();
    }
  }

  function lastIndex() {
    return steps.length ? steps[steps.length - 1].index : 0;
  }

  function showInspector() {
    const step = steps.find((known) => known.index === selected) || null;
    renderInspector(inspector, run, step, {
      lastIndex: lastIndex(),
      onNavigate: (delta) => {
        const at = steps.findIndex((known) => known.index === selected);
        const next = steps[at + delta];
        if (next) select(next.index);
      },
      onFork: async (body) => {
        clearError();
        try {
          const data = await post(runPath(run.id) + "/fork", body);
          navigate(runHref(data.run.id));
        } catch (error) {
          showError(error, "fork");
          throw error;
        }
      },
    });
  }

  function select(index) {
    selected = index;
    timeline.select(index);
    charts.select(index);
    showInspector();
    history.replaceState(null, "", runHref(run ? run.id : id) + "/" + index);
  }

  // -- tree

  async function loadTree() {
    try {
      const data = await get(runPath(id) + "/tree", { signal });
      if (!gone) renderTree(treeBox, data, run ? run.id : id);
    } catch (error) {
      if (!gone && error.name !== "AbortError") treeBox.replaceChildren(h("div", { class: "note" }, "no tree: " + error.message));
    }
  }

  // -- loading and following

  // A finished run's last steps may reach the store a moment after it ends (the store
  // writes in batches): fetch until the steps match the summary's count.
  async function fillMissing() {
    for (let attempt = 0; attempt < 10 && !gone && run && steps.length < (run.steps || 0); attempt++) {
      if (attempt) await new Promise((resolve) => setTimeout(resolve, 300));
      try {
        const more = await get(runPath(id) + "/steps?from=" + (lastIndex() + 1) + "&limit=1000", { signal });
        (more.steps || []).forEach(addStep);
      } catch (error) {
        return;
      }
    }
    if (!gone) renderSummary();
  }

  async function refreshSummary() {
    const data = await get(runPath(id), { signal });
    run = data.run;
    if (run.parent && run.fork_step) timeline.markFork(run.fork_step);
    renderSummary();
    return run;
  }

  async function follow() {
    timeline.setLive(true);
    let ended = false;
    try {
      await streamEvents(
        runPath(id) + "/events",
        (name, data) => {
          if (gone) return;
          if (name === "step") {
            addStep(data);
            renderSummary();
          } else if (name === "end") {
            ended = true;
            if (data && typeof data === "object" && data.id) run = data;
            renderSummary();
            loadTree();
            fillMissing();
          }
        },
        signal,
      );
    } catch (error) {
      if (gone || error.name === "AbortError") return;
      if (!(error instanceof ApiError && error.status === 401)) showError(error, "live steps");
    }
    if (gone) return;
    timeline.setLive(false);
    if (!ended) {
      // The stream broke: look again in a moment (the stream starts from step 1 again).
      pollTimer = setTimeout(() => start().catch(() => {}), 2000);
    } else if (isRunning(run)) {
      // Running elsewhere (another process records it): poll the store.
      pollTimer = setTimeout(poll, 2000);
    }
  }

  async function poll() {
    try {
      const more = await get(runPath(id) + "/steps?from=" + (lastIndex() + 1) + "&limit=1000", { signal });
      (more.steps || []).forEach(addStep);
      await refreshSummary();
    } catch (error) {
      if (gone || error.name === "AbortError") return;
    }
    if (!gone && isRunning(run)) pollTimer = setTimeout(poll, 2000);
    else if (!gone) loadTree();
  }

  async function start() {
    try {
      await refreshSummary();
    } catch (error) {
      if (gone || error.name === "AbortError") return;
      main.replaceChildren(h("section", { class: "card empty-hint" }, "Cannot load run " + id + ". ", h("a", { href: "#/runs" }, "All runs")));
      showError(error, "run " + id);
      return;
    }
    loadTree();
    if (run.live) {
      await follow();
    } else {
      try {
        const all = await loadSteps(run.id, signal);
        all.forEach(addStep);
        renderSummary();
        await fillMissing();
      } catch (error) {
        if (!gone && error.name !== "AbortError") showError(error, "steps");
      }
      if (!gone && isRunning(run)) pollTimer = setTimeout(poll, 2000);
    }
  }

  start();
  return () => {
    gone = true;
    clearTimeout(pollTimer);
    controller.abort();
  };
}

function renderTree(box, data, currentId) {
  const key = JSON.stringify([currentId, data]);
  if (box.dataset.key === key) return; // unchanged: keep the nodes (and any focus)
  box.dataset.key = key;
  const runs = data && Array.isArray(data.runs) ? data.runs : [];
  const byId = new Map(runs.map((r) => [r.id, r]));
  const children = new Map();
  for (const r of runs) {
    if (r.parent && byId.has(r.parent) && r.id !== data.root) {
      if (!children.has(r.parent)) children.set(r.parent, []);
      children.get(r.parent).push(r);
    }
  }
  for (const list of children.values()) list.sort((a, b) => (a.fork_step || 0) - (b.fork_step || 0) || String(a.started_at).localeCompare(String(b.started_at)));
  const seen = new Set();
  const node = (r, depth) => {
    seen.add(r.id);
    const current = r.id === currentId;
    const kids = (children.get(r.id) || []).filter((kid) => !seen.has(kid.id));
    return h(
      "li",
      { "data-testid": "tree-node", "data-run-id": r.id, "data-parent": r.parent || "", class: current ? "current" : null },
      h(
        "div",
        { class: "tree-item" },
        statusBadge(r.status),
        h(
          "a",
          { href: runHref(r.id), "aria-current": current ? "page" : null, class: "mono" },
          shortId(r.id),
        ),
        r.parent && r.fork_step
          ? h("span", { class: "fork-label", "data-testid": "fork-label" }, "fork at step " + r.fork_step)
          : h("span", { class: "muted" }, r.parent ? "fork" : "root"),
        h("span", { class: "muted" }, fmtInt(r.steps) + " steps"),
        current ? h("span", { class: "this-run" }, "this run") : h("a", { href: "#/diff/" + encodeURIComponent(currentId) + "/" + encodeURIComponent(r.id), class: "small-link", title: "diff this run with " + r.id }, "diff"),
      ),
      kids.length && depth < 64 ? h("ul", {}, kids.map((kid) => node(kid, depth + 1))) : null,
    );
  };
  const root = byId.get(data.root) || runs[0];
  if (!root) {
    box.replaceChildren(h("div", { class: "note" }, "no runs"));
    return;
  }
  const list = h("ul", { class: "tree", "data-testid": "tree" }, node(root, 0));
  const orphans = runs.filter((r) => !seen.has(r.id));
  if (orphans.length) list.append(...orphans.map((r) => node(r, 1)));
  box.replaceChildren(list);
}

// ---------------------------------------------------------------- diff

function sameJSON(a, b) {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** Which parts of two steps differ: call, arguments, outcome. */
function differences(a, b) {
  const fields = new Set();
  if (!a || !b) return fields;
  if (a.name !== b.name) fields.add("call");
  if (!sameJSON(a.args, b.args)) fields.add("arguments");
  if (a.ok !== b.ok || a.errno !== b.errno || !sameJSON(a.result, b.result)) fields.add("outcome");
  return fields;
}

function diffCell(step, fields, side, full, otherCount) {
  if (!step) {
    return h("td", { class: "diff-cell missing", "data-testid": "diff-" + side }, h("span", { class: "muted" }, "no step (the run ended after " + otherCount + " steps)"));
  }
  const mark = (field) => (fields.has(field) ? "changed" : null);
  const outcome = full ? outcomeFull(step) : outcomePreview(step, 80);
  return h(
    "td",
    { class: "diff-cell", "data-testid": "diff-" + side },
    h("div", { class: ["diff-call", mark("call")] }, h("code", { class: "call-name" }, step.name || "?")),
    h("div", { class: ["diff-args", mark("arguments")], "data-field": "arguments" }, callPreview(step, full ? 400 : 80).slice((step.name || "?").length)),
    h("div", { class: ["diff-outcome", mark("outcome"), step.ok === false && "failed"], "data-field": "outcome" }, h("span", { class: "muted" }, "→ "), outcome),
    full
      ? h(
          "div",
          { class: "diff-meta" },
          h("span", { class: mark("fuel") }, "fuel " + fmtInt(step.fuel)),
          h("span", {}, " · " + fmtNs(step.latency_ns)),
          step.counters ? h("span", { class: mark("counters") }, " · " + Object.entries(step.counters).map(([k, v]) => k + "=" + v).join(" ")) : null,
        )
      : null,
  );
}

function outcomeFull(step) {
  if (step.ok === false) return (step.errno || "error") + (step.rule ? " · " + step.rule : "") + (step.error ? ": " + step.error : "");
  const value = step.result;
  if (value === undefined) return "ok";
  if (typeof value === "string") return h("pre", { class: "payload small" }, value);
  if (typeof value === "number") return String(value);
  return h("pre", { class: "payload small" }, JSON.stringify(value));
}

function diffView(aId, bId) {
  const controller = new AbortController();
  let gone = false;
  const box = h("section", { class: "card diff", "data-testid": "diff" }, h("div", { class: "empty-hint" }, "Comparing…"));
  main.append(box);

  (async () => {
    let diff;
    let stepsA;
    let stepsB;
    try {
      diff = await get("/v1/diff?a=" + encodeURIComponent(aId) + "&b=" + encodeURIComponent(bId), { signal: controller.signal });
      [stepsA, stepsB] = await Promise.all([loadSteps(diff.a.id, controller.signal), loadSteps(diff.b.id, controller.signal)]);
    } catch (error) {
      if (gone || error.name === "AbortError") return;
      box.replaceChildren(h("div", { class: "empty-hint" }, "Cannot compare these runs."));
      showError(error, "diff");
      return;
    }
    if (gone) return;
    const a = diff.a;
    const b = diff.b;
    const d = diff.difference;
    const side = (label, r, count) =>
      h(
        "div",
        { class: "diff-side" },
        h("span", { class: "diff-letter" }, label),
        statusBadge(r.status),
        h("a", { href: runHref(r.id), class: "mono" }, shortId(r.id)),
        h("span", {}, r.agent),
        h("span", { class: "muted" }, fmtInt(count) + " steps" + (r.parent ? " · fork of " + shortId(r.parent) + (r.fork_step ? " at step " + r.fork_step : "") : "")),
      );
    const verdict = d
      ? [
          d.step > 1 ? "identical up to step " + (d.step - 1) + "; " : "",
          "step ",
          h("strong", { "data-testid": "diff-step" }, String(d.step)),
          " differs in its ",
          h("strong", { "data-testid": "diff-field" }, d.field),
        ]
      : ["identical: the ", fmtInt(diff.a_steps), " steps are the same call for call"];
    box.replaceChildren(
      h(
        "div",
        { class: "card-head" },
        h("h2", {}, "Diff"),
        h("a", { href: "#/diff/" + encodeURIComponent(b.id) + "/" + encodeURIComponent(a.id), class: "small-link" }, "swap"),
      ),
      h("div", { class: "diff-sides" }, side("A", a, diff.a_steps), side("B", b, diff.b_steps)),
      h("p", { class: "diff-verdict", "data-testid": "diff-verdict" }, verdict),
    );
    if (!d) return;

    const first = d.step;
    const table = h("table", { class: "diff-table" }, h("thead", {}, h("tr", {}, h("th", { class: "col-index" }, "#"), h("th", {}, "A · " + shortId(a.id)), h("th", {}, "B · " + shortId(b.id)))));
    const body = h("tbody", {});
    table.append(body);
    if (first > 1) {
      const same = first - 1;
      const hidden = [];
      const toggle = h(
        "button",
        {
          type: "button",
          class: "link-button",
          "data-testid": "diff-identical",
          "aria-expanded": "false",
          onclick: () => {
            const open = toggle.getAttribute("aria-expanded") !== "true";
            toggle.setAttribute("aria-expanded", String(open));
            hidden.forEach((row) => (row.hidden = !open));
          },
        },
        same + (same === 1 ? " identical step" : " identical steps"),
      );
      body.append(h("tr", { class: "diff-collapsed" }, h("td", { colspan: "3" }, toggle)));
      for (let i = 1; i <= same && i <= 1000; i++) {
        const sa = stepsA.find((s) => s.index === i);
        const sb = stepsB.find((s) => s.index === i);
        const row = h("tr", { class: "diff-row same", "data-index": i, hidden: true }, h("td", { class: "col-index" }, String(i)), diffCell(sa, new Set(), "a-same", false, 0), diffCell(sb, new Set(), "b-same", false, 0));
        hidden.push(row);
        body.append(row);
      }
    }
    const last = Math.max(diff.a_steps, diff.b_steps, stepsA.length, stepsB.length);
    const limit = Math.min(last, first + 499);
    for (let i = first; i <= limit; i++) {
      const sa = stepsA.find((s) => s.index === i) || null;
      const sb = stepsB.find((s) => s.index === i) || null;
      const divergent = i === first;
      const fields = divergent ? new Set([d.field]) : differences(sa, sb);
      if (divergent && d.field === "length") fields.add("length");
      body.append(
        h(
          "tr",
          {
            class: ["diff-row", divergent && "divergent", fields.size && "differs"],
            "data-testid": "diff-row",
            "data-index": i,
            "data-divergent": divergent ? "true" : null,
            "data-field": divergent ? d.field : [...fields].join(" ") || null,
          },
          h("td", { class: "col-index" }, String(i)),
          diffCell(sa, fields, "a", divergent, stepsA.length),
          diffCell(sb, fields, "b", divergent, stepsB.length),
        ),
      );
    }
    if (limit < last) body.append(h("tr", {}, h("td", { colspan: "3", class: "muted" }, "… " + (last - limit) + " more steps")));
    box.append(table);
  })();

  return () => {
    gone = true;
    controller.abort();
  };
}

// ---------------------------------------------------------------- start

captureTokenFromHash();
loadHealth();
setInterval(loadHealth, 15000);
loadManifests();
route();
