// The dashboard: listens to the SMSC's live feed (Server-Sent Events at /api/live) and hands
// each update to the picture, the counters, the charts, the inspector and the controls.

import { count, seconds } from "./api.js";
import { makeCharts } from "./charts.js";
import { Controls } from "./controls.js";
import { Inspector } from "./inspector.js";
import { NetworkView } from "./network.js";

const inspector = new Inspector();
const network = new NetworkView(document.getElementById("network"), (messageId) => inspector.show(messageId));
const controls = new Controls();
const charts = makeCharts(document.getElementById("charts"));
const link = document.getElementById("link");
let samples = [];

// What tests and bench/dashboard.py read: updates received, and the last one's time.
window.dashboard = { ticks: 0, samples: 0, lastTickAt: null, hopsDrawn: 0 };

function tiles(sample) {
  for (const key of ["submitted", "delivered", "failed", "throttled", "pending", "tower_queue", "held"]) {
    document.querySelector(`[data-tile=${key}]`).textContent = count(sample[key]);
  }
  const latency = sample.latency || {};
  document.querySelector("[data-tile=p50]").textContent = seconds(latency.p50);
  document.querySelector("[data-tile=p99]").textContent = seconds(latency.p99);
}

function redraw() {
  for (const chart of charts) chart.draw(samples);
  if (samples.length) tiles(samples[samples.length - 1]);
}

function levels(now, counts) {
  network.update(now, counts || {});
  controls.towers(now.towers);
  controls.showClock({ paused: false, lag_seconds: 0, ...now.clock, now: now.at });
}

const feed = new EventSource("/api/live");
feed.addEventListener("open", () => { link.textContent = "live"; link.className = "link live"; });
feed.addEventListener("error", () => { link.textContent = "reconnecting…"; link.className = "link lost"; });
feed.addEventListener("hello", (event) => {
  const hello = JSON.parse(event.data);
  samples = hello.history;
  network.layout(hello.network);
  controls.layout(hello.network);
  levels(hello, {});
  redraw();
});
feed.addEventListener("tick", (event) => {
  const tick = JSON.parse(event.data);
  levels(tick, tick.counts);
  network.animate(tick.hops, tick.mo);
  inspector.noted(tick.hops);
  window.dashboard.ticks += 1;
  window.dashboard.hopsDrawn += tick.hops.length;
  window.dashboard.lastTickAt = performance.now();
});
feed.addEventListener("sample", (event) => {
  samples.push(JSON.parse(event.data));
  if (samples.length > 600) samples = samples.slice(-600);
  window.dashboard.samples += 1;
  redraw();
});
