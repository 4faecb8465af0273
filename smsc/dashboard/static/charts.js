// Line charts of the last minutes, drawn as SVG by hand: one sample a second from the live
// feed, the history the feed keeps for a browser that has just come.

import { el, seconds, svg } from "./api.js";

const SHOWN = 300;  // samples on a chart at most: five minutes
const LEAST = 60;   // a chart spans at least a minute, so a young history does not sit in a corner
const W = 300, H = 130, LEFT = 44, BOTTOM = 14;  // LEFT: room for "500 ms"

function niceTop(value) {
  if (value <= 0) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 2.5, 5, 10]) if (step * power >= value) return step * power;
  return 10 * power;
}

export class Chart {
  // series: [{label, color, value: sample => number or null}]
  // format: how a value reads on the axis and in the keys
  constructor(parent, title, series, format = (value) => String(+value.toPrecision(3))) {
    this.series = series;
    this.format = format;
    this.plot = svg("svg", { viewBox: `0 0 ${W} ${H}` });
    this.keys = el("div", { class: "keys" });
    parent.append(el("div", { class: "chart", "data-chart": title }, el("h4", {}, title), this.plot, this.keys));
  }

  draw(samples) {
    const shown = samples.slice(-SHOWN);
    const span = Math.min(SHOWN, Math.max(LEAST, shown.length));
    const values = this.series.map((line) => shown.map((sample) => line.value(sample)));
    const top = niceTop(Math.max(0, ...values.flat().filter((value) => value !== null && value !== undefined)));
    const x = (index) => LEFT + (W - LEFT - 4) * (index + span - shown.length) / (span - 1);
    const y = (value) => 4 + (H - BOTTOM - 4) * (1 - value / top);
    const parts = [];
    for (const share of [0, 0.5, 1]) {
      parts.push(svg("line", { class: "grid", x1: LEFT, x2: W - 4, y1: y(top * share), y2: y(top * share) }),
        svg("text", { class: "axis", x: LEFT - 3, y: y(top * share) + 3, "text-anchor": "end" }, this.format(top * share)));
    }
    parts.push(svg("text", { class: "axis", x: LEFT, y: H - 2 }, `−${Math.round(span / 60)} min`), svg("text", { class: "axis", x: W - 4, y: H - 2, "text-anchor": "end" }, "now"));
    this.series.forEach((line, index) => {
      const points = values[index].map((value, at) => (value === null || value === undefined ? null : `${x(at).toFixed(1)},${y(value).toFixed(1)}`));
      // A gap where a value is missing (no receipts, no latency): a new polyline after it.
      let run = [];
      for (const point of [...points, null]) {
        if (point) run.push(point);
        else if (run.length) { parts.push(svg("polyline", { points: run.join(" "), stroke: line.color })); run = []; }
      }
    });
    this.plot.replaceChildren(...parts);
    const last = shown[shown.length - 1];
    this.keys.replaceChildren(...this.series.map((line) => {
      const value = last ? line.value(last) : null;
      const shownValue = value === null || value === undefined ? "–" : this.format(value);
      return el("span", {}, el("i", { style: `background:${line.color}` }), `${line.label} ${shownValue}`);
    }));
  }
}

const receipt = (state) => (sample) => (sample.receipts && sample.receipts[state]) || 0;
const latency = (key) => (sample) => (sample.latency ? sample.latency[key] ?? null : null);

export function makeCharts(parent) {
  return [
    new Chart(parent, "Messages a second", [
      { label: "submitted", color: "#5aa9ff", value: (s) => s.submitted },
      { label: "delivered", color: "#3ecf8e", value: (s) => s.delivered },
      { label: "failed", color: "#ff5d5d", value: (s) => s.failed },
      { label: "throttled", color: "#f5b341", value: (s) => s.throttled },
      { label: "refused", color: "#b07b5a", value: (s) => s.refused },
    ]),
    new Chart(parent, "Receipts a second, by state", [
      { label: "DELIVERED", color: "#3ecf8e", value: receipt("DELIVERED") },
      { label: "UNDELIVERABLE", color: "#ff5d5d", value: receipt("UNDELIVERABLE") },
      { label: "EXPIRED", color: "#f5b341", value: receipt("EXPIRED") },
      { label: "REJECTED", color: "#c58bff", value: receipt("REJECTED") },
      { label: "ENROUTE", color: "#8795a4", value: receipt("ENROUTE") },
    ]),
    new Chart(parent, "Queues", [
      { label: "pending", color: "#5aa9ff", value: (s) => s.pending },
      { label: "at towers", color: "#f5b341", value: (s) => s.tower_queue },
      { label: "held", color: "#ff5d5d", value: (s) => s.held },
      { label: "receipts waiting for a bind", color: "#c58bff", value: (s) => s.outbound },
    ]),
    new Chart(parent, "Receipt latency (last 10 s)", [
      { label: "p50", color: "#3ecf8e", value: latency("p50") },
      { label: "p95", color: "#f5b341", value: latency("p95") },
      { label: "p99", color: "#ff5d5d", value: latency("p99") },
    ], seconds),
  ];
}
