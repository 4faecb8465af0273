// What a trainer changes while people watch: towers down, up and slowed, an MO from a handset,
// a wire fault on an account's links, a shipped scenario in real time, and the SMSC's clock
// paused and stepped. Each is one call of the HTTP API; its answer (or refusal) is said.

import { api, clockTime, el, minutes, say } from "./api.js";

const FAULTS = {
  "healthy (every fault off)": {},
  "silent link (no responses)": { silent: true },
  "slow responses (2 s)": { response_delay: 2 },
  "30% of submits throttled": { error_share: 0.3, error_status: "ESME_RTHROTTLED" },
  "10% generic_nack": { generic_nack_share: 0.1 },
  "5% system errors": { error_share: 0.05, error_status: "ESME_RSYSERR" },
  "receipts 10 s late": { receipt_delay: 10 },
  "duplicate receipts": { duplicate_receipts: true },
  "receipt before its submit_sm_resp": { receipt_before_response: true },
};

async function act(what, doing) {
  try {
    const answer = await doing();
    say(what(answer));
    return answer;
  } catch (error) {
    say(error.message, true);
    return null;
  }
}

export class Controls {
  constructor() {
    this.towerRows = new Map();
    this.towerTable = document.getElementById("towers");
    document.getElementById("mo").addEventListener("submit", (event) => { event.preventDefault(); this.mo(event.target); });
    document.getElementById("p2p").addEventListener("submit", (event) => { event.preventDefault(); this.p2p(event.target); });
    document.getElementById("faults").addEventListener("submit", (event) => { event.preventDefault(); this.faults(event.target); });
    document.getElementById("scenario").addEventListener("submit", (event) => { event.preventDefault(); this.startScenario(event.target); });
    document.getElementById("scenario-stop").addEventListener("click", () => this.stopScenario());
    document.getElementById("pause").addEventListener("click", () => this.pause());
    document.getElementById("step").addEventListener("click", () => this.step());
    const faults = document.querySelector("#faults select[name=fault]");
    faults.replaceChildren(...Object.keys(FAULTS).map((name) => el("option", {}, name)));
    this.paused = false;
  }

  layout(network) {
    const accounts = document.querySelector("#faults select[name=account]");
    accounts.replaceChildren(...network.accounts.map((name) => el("option", {}, name)));
    this.towerTable.replaceChildren();
    this.towerRows.clear();
    this.refreshFaults();
    this.refreshScenarios();
    this.refreshClock();
  }

  towers(towers) {
    for (const tower of towers) {
      let row = this.towerRows.get(tower.id);
      if (!row) {
        const toggle = el("button", { "data-toggle": tower.id, onclick: () => this.toggle(tower.id) }, "");
        const capacity = el("input", { type: "number", min: "1", step: "any", "aria-label": `capacity of ${tower.id}` });
        const set = el("button", { onclick: () => this.capacity(tower.id, capacity.value) }, "Set");
        const state = el("td", {}, "");
        row = { element: el("tr", { "data-tower": tower.id }, el("td", {}, tower.id), state, el("td", {}, toggle),
          el("td", {}, capacity, " /s ", set)), toggle, capacity, state, up: null };
        this.towerTable.append(row.element);
        this.towerRows.set(tower.id, row);
      }
      if (row.up !== tower.up) {
        row.up = tower.up;
        row.toggle.textContent = tower.up ? "Take down" : "Bring up";
      }
      row.state.textContent = tower.up ? `up · q ${tower.queue}` : `DOWN · ${tower.held} held`;
      row.state.className = tower.up ? "" : "down";
      if (document.activeElement !== row.capacity) row.capacity.value = tower.capacity;
    }
  }

  toggle(id) {
    const row = this.towerRows.get(id);
    return act((tower) => `tower ${id} is ${tower.up ? "up" : "down"}`, () => api("POST", `/api/towers/${encodeURIComponent(id)}`, { up: !row.up }));
  }

  capacity(id, value) {
    return act((tower) => `tower ${id} puts ${tower.capacity} messages a second on air`,
      () => api("POST", `/api/towers/${encodeURIComponent(id)}`, { capacity: Number(value) }));
  }

  mo(form) {
    const body = { from: form.from.value.trim(), to: form.to.value.trim(), text: form.text.value };
    return act((answer) => `MO from ${answer.from} to ${answer.to} stored for ${answer.account} (${answer.segments} segment${answer.segments > 1 ? "s" : ""})`,
      () => api("POST", "/api/mo", body));
  }

  p2p(form) {
    const body = { from: form.from.value.trim(), to: form.to.value.trim(), text: form.text.value };
    return act((answer) => `${answer.from} → ${answer.to} taken by the SMSC as message ${answer.message_id}`,
      () => api("POST", "/api/p2p", body));
  }

  async faults(form) {
    const account = form.account.value;
    await act((answer) => `${form.fault.value} on ${answer.account}'s links (${answer.sessions_changed} session${answer.sessions_changed === 1 ? "" : "s"} now)`,
      () => api("POST", "/api/faults", { account, faults: FAULTS[form.fault.value] }));
    this.refreshFaults();
  }

  async refreshFaults() {
    try {
      const now = await api("GET", "/api/faults");
      const on = Object.entries(now.accounts).filter(([, faults]) => Object.keys(faults).length)
        .map(([account, faults]) => `${account}: ${Object.entries(faults).map(([name, value]) => `${name}=${value}`).join(", ")}`);
      document.getElementById("faults-now").textContent = on.length ? `on now: ${on.join("; ")}` : "every link healthy";
    } catch (error) {
      document.getElementById("faults-now").textContent = error.message;
    }
  }

  // -- scenarios ---------------------------------------------------------------------------

  async refreshScenarios() {
    let listed;
    try { listed = await api("GET", "/api/scenarios"); } catch (error) {
      document.getElementById("scenario-status").textContent = error.message;
      return;
    }
    const select = document.querySelector("#scenario select[name=name]");
    if (!select.children.length) {
      select.replaceChildren(...listed.scenarios.map((scenario) => el("option", {
        value: scenario.name, disabled: !scenario.live, title: scenario.live ? scenario.description : scenario.why_not,
      }, `${scenario.name} (${minutes(scenario.duration)})${scenario.live ? "" : " · virtual time only"}`)));
      const first = listed.scenarios.find((scenario) => scenario.live);
      if (first) select.value = first.name;
    }
    this.showRun(listed.run);
  }

  showRun(run) {
    const status = document.getElementById("scenario-status");
    if (!run) { status.textContent = "no scenario running"; return; }
    let text = `${run.name} ×${run.speed}: ${run.state}`;
    if (run.state === "running" && run.elapsed !== undefined) text += `, ${minutes(run.elapsed)} of ${minutes(run.duration)}, ${run.sent ?? 0} sent`;
    if (run.verdicts) text += ` · ${run.verdicts.filter((v) => v.passed).length}/${run.verdicts.length} expectations met`;
    if (run.error) text += ` · ${run.error}`;
    status.textContent = text;
    clearTimeout(this.scenarioPoll);
    if (run.state === "running" || run.state === "stopping") this.scenarioPoll = setTimeout(() => this.refreshScenarios(), 1000);
  }

  async startScenario(form) {
    const answer = await act((run) => `scenario ${run.name} started at ${run.speed} times real time`,
      () => api("POST", `/api/scenarios/${encodeURIComponent(form.name.value)}`, { speed: Number(form.speed.value) }));
    if (answer) this.showRun(answer);
  }

  async stopScenario() {
    await act(() => "stopping the scenario: its ESMEs unbind once their submits are answered", () => api("POST", "/api/scenarios/stop", {}));
    this.refreshScenarios();
  }

  // -- the SMSC's clock ---------------------------------------------------------------------

  async refreshClock() {
    try { this.showClock(await api("GET", "/api/clock")); } catch { /* an SMSC without a trainer clock */ }
  }

  showClock(clock) {
    this.paused = clock.paused;
    document.getElementById("pause").textContent = clock.paused ? "Resume" : "Pause";
    document.getElementById("step").disabled = !clock.paused;
    const shown = document.getElementById("clock");
    shown.classList.toggle("paused", clock.paused);
    // Paused time is taken out of the SMSC's clock (behind the wall clock); steps can take it ahead.
    const lag = Math.round(clock.lag_seconds || 0);
    const off = lag >= 1 ? ` (${lag} s behind)` : lag <= -1 ? ` (${-lag} s ahead)` : "";
    shown.textContent = `${clock.paused ? "PAUSED · " : ""}${clockTime(clock.now)}${off}`;
  }

  async pause() {
    const clock = await act((answer) => (answer.paused ? "paused: the network stands still; Step moves it on" : "running again"),
      () => api("POST", "/api/clock", { paused: !this.paused }));
    if (clock) this.showClock(clock);
  }

  async step() {
    const clock = await act((answer) => `stepped: ${answer.stepped} thing${answer.stepped === 1 ? "" : "s"} happened`, () => api("POST", "/api/clock", { step: true }));
    if (clock) this.showClock(clock);
  }
}
