// The run view's pictures: the timeline (a waterfall of steps, bars placed by cumulative
// latency) and SVG charts of memory, cumulative fuel and cumulative model tokens.

import { h, s, callPreview, fmtBytes, fmtInt, fmtNs, stepTokens } from "./dom.js";

// ---- timeline ----

export class Timeline {
  constructor({ onSelect }) {
    this.onSelect = onSelect;
    this.steps = [];
    this.rows = [];
    this.starts = []; // cumulative latency before each step
    this.total = 0;
    this.forkStep = null;
    this.selected = null;
    this.pending = false;
    this.count = h("span", { class: "muted", "data-testid": "step-count" }, "0 steps");
    this.scaleEnd = h("span", {}, "");
    this.liveMark = h("span", { class: "live-dot", hidden: true, title: "steps arrive as they are made" }, "live");
    this.list = h("div", {
      class: "timeline-rows",
      onkeydown: (event) => this.key(event),
    });
    this.empty = h("div", { class: "empty-hint" }, "No steps yet.");
    this.el = h(
      "section",
      { class: "card timeline", "data-testid": "timeline" },
      h("div", { class: "card-head" }, h("h2", {}, "Timeline"), this.count, this.liveMark),
      h(
        "div",
        { class: "timeline-scale", "aria-hidden": "true" },
        h("span", { class: "tl-index" }, "#"),
        h("span", { class: "tl-call" }, "call"),
        h("span", { class: "tl-track-scale" }, h("span", {}, "0"), this.scaleEnd),
        h("span", { class: "tl-latency" }, "latency"),
      ),
      this.list,
      this.empty,
    );
  }

  /** The step a fork answered with the outcome it was given. */
  markFork(index) {
    this.forkStep = index;
    this.rows.forEach((row, i) => this.decorate(row, this.steps[i]));
  }

  decorate(row, step) {
    const forked = this.forkStep === step.index;
    row.classList.toggle("forked", forked);
    const call = row.querySelector(".tl-call");
    const mark = call.querySelector(".fork-mark");
    if (forked && !mark) call.prepend(h("span", { class: "fork-mark", "data-testid": "fork-mark", title: "the fork's edited step" }, "✎"));
    else if (!forked && mark) mark.remove();
  }

  setLive(live) {
    this.liveMark.hidden = !live;
  }

  /** Adds a step (or replaces one already shown with the same index). */
  add(step) {
    const index = step.index;
    if (typeof index !== "number") return;
    const at = this.steps.findIndex((known) => known.index === index);
    if (at >= 0) {
      if (JSON.stringify(this.steps[at]) === JSON.stringify(step)) return;
      this.steps[at] = step;
      const row = this.row(step);
      this.rows[at].replaceWith(row);
      this.rows[at] = row;
    } else if (this.steps.length === 0 || index > this.steps[this.steps.length - 1].index) {
      this.steps.push(step);
      const row = this.row(step);
      this.rows.push(row);
      this.list.append(row);
    } else {
      // out of order: rebuild (rare)
      this.steps.push(step);
      this.steps.sort((a, b) => a.index - b.index);
      this.rows = this.steps.map((known) => this.row(known));
      this.list.replaceChildren(...this.rows);
    }
    this.empty.hidden = true;
    this.count.textContent = this.steps.length + (this.steps.length === 1 ? " step" : " steps");
    this.schedule();
  }

  schedule() {
    if (this.pending) return;
    this.pending = true;
    requestAnimationFrame(() => {
      this.pending = false;
      this.rescale();
    });
  }

  rescale() {
    let cumulative = 0;
    this.starts = this.steps.map((step) => {
      const start = cumulative;
      cumulative += Math.max(0, Number(step.latency_ns) || 0);
      return start;
    });
    this.total = cumulative;
    this.scaleEnd.textContent = fmtNs(cumulative);
    const total = cumulative || 1;
    this.steps.forEach((step, i) => {
      const bar = this.rows[i].querySelector(".tl-bar");
      const left = (this.starts[i] / total) * 100;
      const width = ((Math.max(0, Number(step.latency_ns) || 0)) / total) * 100;
      bar.style.left = left.toFixed(3) + "%";
      bar.style.width = width.toFixed(3) + "%";
    });
  }

  row(step) {
    const failed = step.ok === false;
    const badge = failed
      ? h("span", { class: "badge badge-bad errno", "data-testid": "step-errno", title: step.error || "" }, (step.errno || "error") + (step.rule ? " · " + step.rule : ""))
      : null;
    const row = h(
      "button",
      {
        type: "button",
        class: ["step-row", failed && "failed", this.selected === step.index && "selected"],
        "data-testid": "step-row",
        "data-index": step.index,
        "data-name": step.name || "",
        "data-ok": String(!failed),
        "aria-pressed": String(this.selected === step.index),
        title: callPreview(step, 200),
        onclick: () => this.onSelect(step.index),
      },
      h("span", { class: "tl-index" }, String(step.index)),
      h("span", { class: "tl-call" }, h("span", { class: "call-name" }, step.name || "?"), badge, h("span", { class: "tl-args" }, callPreview(step, 48).slice((step.name || "?").length))),
      h("span", { class: "tl-track" }, h("span", { class: "tl-bar" })),
      h("span", { class: "tl-latency" }, fmtNs(step.latency_ns)),
    );
    this.decorate(row, step);
    return row;
  }

  select(index) {
    this.selected = index;
    this.rows.forEach((row, i) => {
      const on = this.steps[i].index === index;
      row.classList.toggle("selected", on);
      row.setAttribute("aria-pressed", String(on));
      if (on && row.scrollIntoView) row.scrollIntoView({ block: "nearest" });
    });
  }

  key(event) {
    if (event.key !== "ArrowDown" && event.key !== "ArrowUp") return;
    const at = this.steps.findIndex((step) => step.index === this.selected);
    const next = at < 0 ? 0 : at + (event.key === "ArrowDown" ? 1 : -1);
    if (next < 0 || next >= this.steps.length) return;
    event.preventDefault();
    this.onSelect(this.steps[next].index);
    this.rows[next].focus();
  }
}

// ---- charts ----

const W = 320;
const H = 120;
const PAD = { left: 8, right: 8, top: 22, bottom: 18 };

function chart(title, testid, points, format, selectedIndex, onSelect) {
  const n = points.length;
  const max = Math.max(1, ...points.map((p) => p.value));
  const innerW = W - PAD.left - PAD.right;
  const innerH = H - PAD.top - PAD.bottom;
  const x = (i) => PAD.left + (n <= 1 ? innerW / 2 : (i / (n - 1)) * innerW);
  const y = (v) => PAD.top + innerH - (v / max) * innerH;
  const svg = s("svg", {
    viewBox: "0 0 " + W + " " + H,
    class: "chart",
    role: "img",
    "aria-label": title + ", " + n + " steps, last " + (n ? format(points[n - 1].value) : "none"),
    "data-testid": testid,
  });
  svg.append(s("line", { x1: PAD.left, y1: PAD.top + innerH, x2: W - PAD.right, y2: PAD.top + innerH, class: "axis" }));
  svg.append(s("line", { x1: PAD.left, y1: PAD.top, x2: W - PAD.right, y2: PAD.top, class: "grid" }));
  svg.append(s("text", { x: PAD.left, y: 12, class: "chart-title" }, title));
  svg.append(s("text", { x: W - PAD.right, y: 12, class: "chart-value", "text-anchor": "end" }, n ? format(points[n - 1].value) : "—"));
  svg.append(s("text", { x: PAD.left, y: H - 4, class: "chart-tick" }, n ? "step " + points[0].index : ""));
  svg.append(s("text", { x: W - PAD.right, y: H - 4, class: "chart-tick", "text-anchor": "end" }, n ? "step " + points[n - 1].index : ""));
  svg.append(s("text", { x: PAD.left + 2, y: PAD.top + 10, class: "chart-tick" }, "max " + format(max)));
  if (n === 0) return svg;

  let path = "M" + x(0).toFixed(1) + " " + y(points[0].value).toFixed(1);
  for (let i = 1; i < n; i++) path += " L" + x(i).toFixed(1) + " " + y(points[i].value).toFixed(1);
  const area = path + " L" + x(n - 1).toFixed(1) + " " + (PAD.top + innerH) + " L" + x(0).toFixed(1) + " " + (PAD.top + innerH) + " Z";
  svg.append(s("path", { d: area, class: "area" }));
  svg.append(s("path", { d: path, class: "line" }));

  const selected = points.findIndex((p) => p.index === selectedIndex);
  if (selected >= 0) {
    svg.append(s("line", { x1: x(selected), y1: PAD.top, x2: x(selected), y2: PAD.top + innerH, class: "cursor" }));
    svg.append(s("circle", { cx: x(selected), cy: y(points[selected].value), r: 3, class: "dot" }));
  }
  // One hit area per step (up to a few hundred): a tooltip and a click to inspect it.
  if (n <= 600) {
    const band = n <= 1 ? innerW : innerW / (n - 1);
    points.forEach((p, i) => {
      svg.append(
        s(
          "rect",
          { x: Math.max(PAD.left, x(i) - band / 2), y: PAD.top, width: band, height: innerH, class: "hit", onclick: () => onSelect(p.index) },
          s("title", {}, "step " + p.index + ": " + format(p.value)),
        ),
      );
    });
  }
  return svg;
}

export class Charts {
  constructor({ onSelect }) {
    this.onSelect = onSelect;
    this.steps = [];
    this.selected = null;
    this.pending = false;
    this.body = h("div", { class: "charts-grid" });
    this.el = h("section", { class: "card charts", "data-testid": "charts" }, h("div", { class: "card-head" }, h("h2", {}, "Resources")), this.body);
  }

  update(steps) {
    this.steps = steps;
    if (this.pending) return;
    this.pending = true;
    requestAnimationFrame(() => {
      this.pending = false;
      this.render();
    });
  }

  select(index) {
    this.selected = index;
    this.render();
  }

  render() {
    const memory = [];
    const fuel = [];
    const tokens = [];
    let fuelSum = 0;
    let tokenSum = 0;
    for (const step of this.steps) {
      fuelSum += Number(step.fuel) || 0;
      tokenSum += stepTokens(step);
      memory.push({ index: step.index, value: Number(step.memory) || 0 });
      fuel.push({ index: step.index, value: fuelSum });
      tokens.push({ index: step.index, value: tokenSum });
    }
    const pick = (index) => this.onSelect(index);
    this.body.replaceChildren(
      chart("memory", "chart-memory", memory, fmtBytes, this.selected, pick),
      chart("fuel (cumulative)", "chart-fuel", fuel, fmtInt, this.selected, pick),
      chart("model tokens (cumulative)", "chart-tokens", tokens, fmtInt, this.selected, pick),
    );
  }
}
