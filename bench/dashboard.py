"""How the dashboard page holds up while the SMSC is under SMPP load: a fresh `smsc serve`, its
page open in headless Chromium (Debian's, tests/peers/browser.py), measured in the page for a
quiet window and then while `esme load` drives the SMSC.

In each window the page is measured from inside: gaps between animation frames, long tasks
(over 50 ms), the wait of a task posted every 100 ms (the event loop's lag),
the delay from a real key press (Shift, sent by Playwright every 250 ms) to its handler, the
Server-Sent Events that arrive on a second connection to /api/live (count and bytes; "n/a"
when the server has no such stream), the JS heap after a garbage collection, DOM nodes and the
renderer main thread's busy time (Chrome DevTools Protocol). The machine's cores are shared
by the SMSC, `esme load` and the browser, as they would be on a laptop demo.

    python -m bench.dashboard [--rate 2000] [--duration 20] [--binds 2] [--idle 3] [--url /]
"""

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

from bench.compare import OUR_CONFIG
from tests.peers.browser import launch
from tests.smsc.conftest import start_smsc

# Installed in the page before it is measured; window.__bench.start() opens a window and
# window.__bench.stop() closes it and returns the raw samples. The probes' own cost (a rAF
# callback a frame, a timer every 100 ms, one stream reader) is small next to what they catch.
PROBES = r"""
(() => {
  const b = { frames: [], lags: [], inputs: [], longTasks: [], sse: { available: null, status: null, events: 0, bytes: 0, names: {} } };
  let lastFrame = null, recording = false;
  const frame = t => { if (recording && lastFrame !== null) b.frames.push(t - lastFrame); lastFrame = t; requestAnimationFrame(frame); };
  requestAnimationFrame(frame);
  // a task posted every 100 ms through a MessageChannel: how long it waits for the main thread
  // (setTimeout(0) from a timer is clamped to 4 ms by the HTML spec, hiding the first 4 ms)
  const lag = new MessageChannel();
  lag.port1.onmessage = e => recording && b.lags.push(performance.now() - e.data);
  setInterval(() => lag.port2.postMessage(performance.now()), 100);
  addEventListener('keydown', e => { if (recording && e.key === 'Shift') b.inputs.push(performance.now() - e.timeStamp); }, true);
  new PerformanceObserver(list => { if (recording) for (const e of list.getEntries()) b.longTasks.push(e.duration); })
    .observe({ type: 'longtask', buffered: false });
  (async () => {
    try {
      const response = await fetch('/api/live', { headers: { accept: 'text/event-stream' } });
      b.sse.status = response.status;
      b.sse.available = response.ok && (response.headers.get('content-type') || '').startsWith('text/event-stream');
      if (!b.sse.available) { response.body && response.body.cancel(); return; }
      const reader = response.body.getReader(), decoder = new TextDecoder();
      let pending = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        if (recording) b.sse.bytes += value.byteLength;
        pending += decoder.decode(value, { stream: true });
        const blocks = pending.split(/\r?\n\r?\n/);
        pending = blocks.pop();
        for (const block of blocks) {
          if (!recording || !/^data:/m.test(block)) continue;
          const name = (block.match(/^event:\s*(.*)$/m) || [, 'message'])[1];
          b.sse.events += 1;
          b.sse.names[name] = (b.sse.names[name] || 0) + 1;
        }
      }
    } catch (error) { b.sse.available = false; b.sse.status = String(error); }
  })();
  const heap = () => performance.memory ? performance.memory.usedJSHeapSize : null;
  window.__bench = {
    start() {
      b.frames = []; b.lags = []; b.inputs = []; b.longTasks = []; b.sse.events = 0; b.sse.bytes = 0; b.sse.names = {};
      lastFrame = null; recording = true; b.t0 = performance.now(); b.heap0 = heap();
    },
    stop() {
      recording = false;
      return { ...b, seconds: (performance.now() - b.t0) / 1000, heap1: heap() };
    },
  };
})()
"""


def percentile(values: list[float], fraction: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))], 2)


class Page:
    """The page under measurement, with a DevTools session for garbage collection and metrics."""

    def __init__(self, page):
        self.page = page
        self.devtools = page.context.new_cdp_session(page)
        self.devtools.send("Performance.enable")

    def metrics(self) -> dict:
        self.devtools.send("HeapProfiler.collectGarbage")
        return {m["name"]: m["value"] for m in self.devtools.send("Performance.getMetrics")["metrics"]}

    def window(self, until) -> dict:
        """Measure from now until until() is true, pressing Shift every 250 ms meanwhile."""
        before = self.metrics()
        self.page.evaluate("window.__bench.start()")
        while not until():
            self.page.keyboard.press("Shift")
            self.page.wait_for_timeout(250)
        raw = self.page.evaluate("window.__bench.stop()")
        after = self.metrics()
        return summarise(raw, before, after)


def summarise(raw: dict, before: dict, after: dict) -> dict:
    seconds = raw["seconds"]
    sse = raw["sse"]
    return {
        "seconds": round(seconds, 2),
        "fps": round(len(raw["frames"]) / seconds, 1),
        "frame_gap_ms": {"p50": percentile(raw["frames"], 0.5), "p99": percentile(raw["frames"], 0.99),
                         "max": percentile(raw["frames"], 1.0)},
        "long_tasks": {"count": len(raw["longTasks"]), "total_ms": round(sum(raw["longTasks"]), 1)},
        "event_loop_lag_ms": {"p50": percentile(raw["lags"], 0.5), "p99": percentile(raw["lags"], 0.99), "samples": len(raw["lags"])},
        "input_delay_ms": {"p50": percentile(raw["inputs"], 0.5), "p99": percentile(raw["inputs"], 0.99), "samples": len(raw["inputs"])},
        "sse": {
            "available": sse["available"], "status": sse["status"],
            "events_per_s": round(sse["events"] / seconds, 1) if sse["available"] else None,
            "bytes_per_event": round(sse["bytes"] / sse["events"]) if sse["available"] and sse["events"] else None,
            "kib_per_s": round(sse["bytes"] / 1024 / seconds, 1) if sse["available"] else None,
            "by_name": sse["names"],
        },
        "heap_mib": {"before": mib(raw["heap0"]), "after": mib(raw["heap1"]),
                     "after_gc_before": mib(before["JSHeapUsedSize"]), "after_gc_after": mib(after["JSHeapUsedSize"])},
        "dom_nodes": {"before": int(before["Nodes"]), "after": int(after["Nodes"])},
        "main_thread_busy": round((after["TaskDuration"] - before["TaskDuration"]) / seconds, 3),
        "script_s": round(after["ScriptDuration"] - before["ScriptDuration"], 3),
        "layout_s": round(after["LayoutDuration"] - before["LayoutDuration"], 3),
    }  # fmt: skip


def mib(octets) -> float | None:
    return None if octets is None else round(octets / 2**20, 2)


def run_load(served, args, folder: Path) -> tuple[subprocess.Popen, Path]:
    report = folder / "load.json"
    host, port = served.smpp
    command = [
        sys.executable, "-m", "esme.cli", "load", "--host", host, "--port", str(port), "--to", "8613800130000",
        "--tps", f"{args.rate:g}", "--duration", f"{args.duration:g}", "--binds", str(args.binds), "--window", "100",
        "--dlr", "--wait-timeout", "30", "--report-json", str(report),
    ]  # fmt: skip
    log = (folder / "load.log").open("w")
    return subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT), report


def cell(value, form="{:,.1f}") -> str:
    return "n/a" if value is None else form.format(value)


def table(idle: dict, load: dict) -> str:
    rows = [
        ("seconds measured", lambda w: cell(w["seconds"])),
        ("frames per second", lambda w: cell(w["fps"])),
        ("frame gap p50 / p99 / max ms", lambda w: " / ".join(cell(w["frame_gap_ms"][k]) for k in ("p50", "p99", "max"))),
        ("long tasks: count / total ms", lambda w: f"{w['long_tasks']['count']} / {cell(w['long_tasks']['total_ms'])}"),
        ("event-loop lag p50 / p99 ms", lambda w: " / ".join(cell(w["event_loop_lag_ms"][k]) for k in ("p50", "p99"))),
        ("key press → handler p50 / p99 ms", lambda w: " / ".join(cell(w["input_delay_ms"][k]) for k in ("p50", "p99"))),
        ("SSE /api/live events/s", lambda w: cell(w["sse"]["events_per_s"]) if w["sse"]["available"] else f"n/a ({w['sse']['status']})"),
        ("SSE bytes/event, KiB/s", lambda w: f"{cell(w['sse']['bytes_per_event'], '{:,}')}, {cell(w['sse']['kib_per_s'])}"),
        ("JS heap after GC, start → end MiB",
         lambda w: " → ".join(cell(w["heap_mib"][k], "{:.2f}") for k in ("after_gc_before", "after_gc_after"))),
        ("DOM nodes, start → end", lambda w: f"{w['dom_nodes']['before']:,} → {w['dom_nodes']['after']:,}"),
        ("renderer main thread busy", lambda w: f"{w['main_thread_busy']:.1%}"),
        ("script / layout s", lambda w: f"{w['script_s']:.3f} / {w['layout_s']:.3f}"),
    ]  # fmt: skip
    lines = ["| in the page | idle | under load |", "|---|---:|---:|"]
    lines += [f"| {label} | {show(idle)} | {show(load)} |" for label, show in rows]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.dashboard", description=__doc__.split("\n\n")[0])
    parser.add_argument("--rate", type=float, default=2000.0, help="segments a second esme load offers (default 2000)")
    parser.add_argument("--duration", type=float, default=20.0, help="seconds of load (default 20)")
    parser.add_argument("--binds", type=int, default=2)
    parser.add_argument("--idle", type=float, default=3.0, help="seconds measured before the load (default 3)")
    parser.add_argument("--url", default="/", help="the page: a path on the SMSC's HTTP address or a full URL (default /)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-dashboard-") as name:
        folder = Path(name)
        (folder / "smsc.toml").write_text(OUR_CONFIG)
        server, served = start_smsc(folder, "--config", str(folder / "smsc.toml"))
        url = args.url if "://" in args.url else served.api + args.url
        try:
            with sync_playwright() as playwright:
                browser = launch(playwright, "--enable-precise-memory-info")
                page = browser.new_page(viewport={"width": 1280, "height": 800})
                errors = []
                page.on("pageerror", lambda error: errors.append(f"{error.name}: {error.message}"))
                response = page.goto(url, wait_until="load")
                page.evaluate(PROBES)
                measured = Page(page)
                quiet_until = time.monotonic() + args.idle
                idle = measured.window(lambda: time.monotonic() >= quiet_until)
                load, report = run_load(served, args, folder)
                under_load = measured.window(lambda: load.poll() is not None)
                browser.close()
            achieved = json.loads(report.read_text()) if report.exists() else None
            if achieved is None:
                print((folder / "load.log").read_text()[-2000:], file=sys.stderr)
        finally:
            server.terminate()
            server.wait(timeout=10)
    print(f"page {url}: HTTP {response.status if response else 'n/a'}, uncaught errors {len(errors)}")
    if achieved:
        submit = achieved["submit_to_response"]
        print(f"esme load --tps {args.rate:g} --duration {args.duration:g} --binds {args.binds} --dlr: achieved"
              f" {achieved['achieved_tps'] or 0:,.0f}/s steady, {achieved['accepted']:,} accepted, throttled"
              f" {achieved['throttled']:,}, submit→resp p99 {submit['p99'] or 0:,.1f} ms")  # fmt: skip
    print(table(idle, under_load))
    summary = {"url": url, "status": response.status if response else None, "page_errors": errors, "rate": args.rate,
               "duration": args.duration, "binds": args.binds, "idle": idle, "load": under_load,
               "esme_load": {k: achieved[k] for k in ("achieved_tps", "overall_tps", "accepted", "throttled", "submit_to_response")}
               if achieved else None}  # fmt: skip
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
