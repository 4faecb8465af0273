// The network as a picture: ESMEs on the left, the SMSC in the middle, each carrier's towers
// and their handsets on the right. Towers show their load, queue and outages; a few messages
// a second (the ones the live feed follows) move along the path hop by hop, and come back as
// receipts.

import { svg } from "./api.js";

const WIDTH = 1040;
const TOWER_HEIGHT = 46;
const CARRIER_GAP = 16;
const STEP_MS = 350;    // one hop of a drawn message, as its CSS transition lasts
const IDLE_STEPS = 25;  // a message with nothing more to show fades after this many steps
const MOST_DOTS = 80;   // drawn at once; the oldest go first

const FINAL = { delivered: "delivered", undeliverable: "failed", rejected: "failed", expired: "failed", deleted: "failed", unknown: "failed", dropped: "failed" };
const ENDS = new Set(["receipt refused", "no receipt", "receipt lost", "dropped"]);

export class NetworkView {
  constructor(element, onPick) {
    this.element = element;
    this.onPick = onPick;  // a drawn message clicked: its message_id
    this.dots = new Map();  // number (or an MO's key) -> {g, queue of hops to show, idle steps}
    this.towers = new Map();  // id -> {g, box, queue, load, held, title, edge, y, before}
    this.accounts = new Map();  // system_id -> {text, y}
    setInterval(() => this.step(), STEP_MS);
  }

  layout(network) {
    this.element.replaceChildren();
    this.towers.clear();
    this.accounts.clear();
    this.dots.clear();
    let y = 24;
    const towerRows = [];
    const carrierRows = [];
    for (const carrier of network.carriers) {
      const first = y;
      for (const id of carrier.towers) { towerRows.push({ id, y }); y += TOWER_HEIGHT; }
      carrierRows.push({ name: carrier.name, top: first, bottom: y - TOWER_HEIGHT });
      y += CARRIER_GAP;
    }
    const height = Math.max(y + 10, 360);
    this.middle = height / 2;
    this.element.setAttribute("viewBox", `0 0 ${WIDTH} ${height}`);
    const edges = svg("g");
    const nodes = svg("g");
    this.layer = svg("g");  // the moving messages, above everything
    this.element.append(edges, nodes, this.layer);

    const accountGap = height / (network.accounts.length + 1);
    network.accounts.forEach((systemId, index) => {
      const top = accountGap * (index + 1);
      edges.append(svg("line", { class: "edge", x1: 180, y1: top, x2: 380, y2: this.middle }));
      const text = svg("text", { x: 40, y: top + 14, class: "dim" }, "–");
      nodes.append(svg("rect", { class: "node", x: 30, y: top - 24, width: 150, height: 48, rx: 6 }),
        svg("text", { x: 40, y: top - 4 }, `ESME ${systemId}`), text);
      this.accounts.set(systemId, { text, y: top });
    });

    this.smscText = svg("text", { x: 392, y: this.middle + 14, class: "dim" }, "");
    this.smscRates = svg("text", { x: 392, y: this.middle + 30, class: "dim" }, "");
    nodes.append(svg("rect", { class: "smsc", x: 380, y: this.middle - 50, width: 165, height: 100, rx: 8 }),
      svg("text", { x: 392, y: this.middle - 22 }, "SMSC"),
      svg("text", { x: 392, y: this.middle - 6, class: "dim" }, "store and forward"), this.smscText, this.smscRates);

    for (const carrier of carrierRows) {
      const mid = (carrier.top + carrier.bottom) / 2;
      nodes.append(svg("line", { class: "edge", x1: 655, y1: carrier.top - 12, x2: 655, y2: carrier.bottom + 12 }),
        svg("text", { x: 648, y: mid + 4, "text-anchor": "end" }, carrier.name));
    }
    for (const row of towerRows) {
      const edge = svg("line", { class: "edge", x1: 545, y1: this.middle, x2: 680, y2: row.y });
      edges.append(edge, svg("line", { class: "edge", x1: 820, y1: row.y, x2: 952, y2: row.y }));
      const box = svg("rect", { class: "box", x: 680, y: row.y - 19, width: 140, height: 38, rx: 5, fill: "#1f4d36" });
      const queue = svg("rect", { class: "bar queue", x: 726, y: row.y - 2, width: 0, height: 6 });
      const load = svg("rect", { class: "bar load", x: 726, y: row.y + 8, width: 0, height: 6 });
      const held = svg("text", { x: 828, y: row.y - 6, class: "held" }, "");
      const title = svg("title", {}, row.id);
      const queueText = svg("text", { x: 688, y: row.y + 13, class: "dim" }, "");
      const g = svg("g", { class: "tower", "data-tower": row.id }, title, box,
        svg("text", { x: 688, y: row.y - 4, class: "name" }, row.id),
        queueText,
        svg("rect", { class: "bar-bg", x: 726, y: row.y - 2, width: 86, height: 6 }), queue,
        svg("rect", { class: "bar-bg", x: 726, y: row.y + 8, width: 86, height: 6 }), load, held);
      nodes.append(g, svg("rect", { class: "handset", x: 954, y: row.y - 12, width: 14, height: 24, rx: 3 }),
        svg("rect", { class: "handset", x: 974, y: row.y - 10, width: 12, height: 20, rx: 3 }));
      this.towers.set(row.id, { g, box, queue, queueText, load, held, title, edge, y: row.y, before: null });
    }
  }

  // Levels as they are now: towers (load since the last update, queue, held, up) and sessions.
  // Rates are over the time since the last update as it arrived (a tab that fell behind
  // misses some), never over the SMSC's clock, which a trainer may have paused.
  update(now, counts) {
    const arrived = performance.now();
    const seconds = this.lastUpdate ? Math.max(0.05, (arrived - this.lastUpdate) / 1000) : 0.5;
    this.lastUpdate = arrived;
    for (const tower of now.towers) {
      const drawn = this.towers.get(tower.id);
      if (!drawn) continue;
      const sentRate = drawn.before === null ? 0 : Math.max(0, tower.sent - drawn.before) / seconds;
      drawn.before = tower.sent;
      // The queue on a log scale up to queue_limit (where submits are throttled), so that a
      // queue of hundreds already shows while the limit is in the tens of thousands.
      const filled = tower.queue_limit ? Math.min(1, Math.log1p(tower.queue) / Math.log1p(tower.queue_limit)) : 0;
      const busy = tower.capacity ? Math.min(1, sentRate / tower.capacity) : 0;
      drawn.queue.setAttribute("width", (86 * filled).toFixed(1));
      drawn.load.setAttribute("width", (86 * busy).toFixed(1));
      drawn.box.setAttribute("fill", `hsl(${Math.round(140 * (1 - filled))}, 45%, 26%)`);
      drawn.g.classList.toggle("down", !tower.up);
      drawn.queueText.textContent = `q ${tower.queue}`;
      drawn.held.textContent = tower.up ? (tower.held ? `${tower.held} held` : "") : `DOWN · ${tower.held} held`;
      drawn.edge.setAttribute("stroke-width", (1.5 + 5 * busy).toFixed(1));
      drawn.title.textContent = `${tower.id} (${tower.carrier}): ${tower.up ? "up" : "DOWN"}, capacity ${tower.capacity}/s, ` +
        `on air ${Math.round(sentRate)}/s, queue ${tower.queue}/${tower.queue_limit}, held ${tower.held}, sent ${tower.sent}`;
    }
    for (const account of now.accounts) {
      const drawn = this.accounts.get(account.system_id);
      if (drawn) drawn.text.textContent = `${account.sessions} bound · ${account.outbound} waiting`;
    }
    this.smscText.textContent = `${now.pending} pending`;
    const stored = (counts.stored || 0) / seconds;
    const aired = (counts.attempt || 0) / seconds;
    this.smscRates.textContent = `in ${Math.round(stored)}/s · on air ${Math.round(aired)}/s`;
  }

  // The followed messages' hops of one update, and the MOs: queued on their dots.
  animate(hops, mos) {
    for (const hop of hops) {
      let dot = this.dots.get(hop.n);
      if (!dot) {
        if (hop.hop !== "stored") continue;  // its start was missed (the page opened later)
        if (hop.from_tower !== undefined) {  // phone to phone: from the sender's handset, through its tower
          dot = this.dot(hop.n, this.handset(hop.from_tower), "submit", hop.message_id);
          dot.queue.push({ hop: "mo tower", tower: hop.from_tower });
        } else {
          dot = this.dot(hop.n, this.esme(hop.account), "submit", hop.message_id);
        }
      }
      dot.queue.push(hop);
    }
    for (const mo of mos) {
      const key = `mo-${Math.random()}`;
      const dot = this.dot(key, this.handset(mo.tower), "mo", null);
      dot.queue.push({ hop: "mo tower", tower: mo.tower }, { hop: "mo smsc" }, { hop: "mo esme", account: mo.account }, { hop: "end" });
    }
  }

  dot(key, where, kind, messageId) {
    if (this.dots.size >= MOST_DOTS) this.remove(this.dots.keys().next().value);
    const g = svg("g", { class: `msg ${kind}`, "data-message": messageId || "" }, svg("circle", { r: 6 }));
    if (messageId) g.addEventListener("click", () => this.onPick(messageId));
    g.style.transform = `translate(${where.x}px, ${where.y}px)`;
    this.layer.append(g);
    const dot = { g, queue: [], idle: 0 };
    this.dots.set(key, dot);
    return dot;
  }

  remove(key) {
    const dot = this.dots.get(key);
    if (dot) { dot.g.remove(); this.dots.delete(key); }
  }

  step() {
    for (const [key, dot] of this.dots) {
      const hop = dot.queue.shift();
      if (!hop) {
        dot.idle += 1;
        if (dot.idle === IDLE_STEPS) dot.g.classList.add("gone");
        if (dot.idle > IDLE_STEPS + 2) this.remove(key);
        continue;
      }
      dot.idle = 0;
      this.apply(key, dot, hop);
    }
  }

  apply(key, dot, hop) {
    const move = (where) => { dot.g.style.transform = `translate(${where.x}px, ${where.y}px)`; };
    const kind = (name) => { dot.g.setAttribute("class", `msg ${name}`); };
    const name = hop.hop.startsWith("attempt ") ? "attempt" : hop.hop;
    if (name in FINAL) kind(FINAL[name]);
    switch (name) {
      case "stored": case "mo smsc": move(this.smsc()); break;
      case "routed": move(this.towerAt(hop.tower, -50)); break;
      case "queued at tower": case "mo tower": move(this.towerAt(hop.tower, 0)); break;
      case "attempt": move(this.handset(hop.tower)); break;
      case "held": kind("waiting"); move(this.smsc()); break;
      case "retry planned": case "waiting": kind("waiting"); move(this.smsc()); break;
      case "receipt queued": kind("receipt"); move(this.smsc()); break;
      case "receipt delivered": case "mo esme": move(this.esme(hop.account)); dot.idle = IDLE_STEPS - 3; break;
      case "status report":  // phone to phone: back to the sender through its tower
        kind("receipt");
        move(this.towerAt(hop.from_tower, 0));
        dot.queue.unshift({ hop: "report handset", tower: hop.from_tower });
        break;
      case "report handset": move(this.handset(hop.tower)); dot.idle = IDLE_STEPS - 3; break;
      case "end": dot.idle = IDLE_STEPS - 1; break;
      default: break;
    }
    if (ENDS.has(name)) dot.idle = IDLE_STEPS - 2;
  }

  esme(account) {
    const drawn = this.accounts.get(account);
    return { x: 180, y: drawn ? drawn.y : this.middle };
  }

  smsc() {
    return { x: 522 + (Math.random() - 0.5) * 26, y: this.middle + (Math.random() - 0.5) * 76 };  // right of its text
  }

  towerAt(id, offset) {
    const drawn = this.towers.get(id);
    return { x: 750 + offset, y: drawn ? drawn.y : this.middle };
  }

  handset(id) {
    const drawn = this.towers.get(id);
    return { x: 970, y: drawn ? drawn.y : this.middle };
  }
}
