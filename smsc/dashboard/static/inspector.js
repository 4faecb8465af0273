// The message inspector: look a message up by the message_id its ESME got or by phone
// number, and read its trace hop by hop, the PDUs decoded with the specification's field
// names, and why it failed if it did. The messages the picture draws are listed to click.

import { api, clockTime, el } from "./api.js";

const RECENT = 30;
const FINAL_STATES = { delivered: "DELIVERED", undeliverable: "UNDELIVERABLE", rejected: "REJECTED", expired: "EXPIRED", deleted: "DELETED" };

export class Inspector {
  constructor() {
    this.recent = document.getElementById("recent");
    this.found = document.getElementById("found");
    this.trace = document.getElementById("trace");
    this.rows = new Map();  // number -> row of the recent list
    document.getElementById("lookup").addEventListener("submit", (event) => {
      event.preventDefault();
      this.lookup(document.getElementById("lookup-query").value.trim());
    });
  }

  // Hops of the followed messages: each new one joins the list, finals colour its state.
  noted(hops) {
    for (const hop of hops) {
      if (hop.hop === "stored") this.add(hop);
      const row = this.rows.get(hop.n);
      const state = FINAL_STATES[hop.hop] || (hop.hop === "held" ? "HELD" : null);
      if (row && state) {
        const cell = row.querySelector(".state");
        cell.textContent = state;
        cell.className = `state ${state}`;
      }
    }
  }

  add(hop) {
    const row = el("li", { "data-message": hop.message_id, onclick: () => this.show(hop.message_id) },
      el("span", {}, hop.message_id), el("span", {}, `→ ${hop.destination}`), el("span", { class: "state ENROUTE" }, "ENROUTE"));
    this.recent.prepend(row);
    this.rows.set(hop.n, row);
    while (this.recent.children.length > RECENT) {
      const last = this.recent.lastElementChild;
      for (const [number, kept] of this.rows) if (kept === last) this.rows.delete(number);
      last.remove();
    }
  }

  // A long digit string is a phone number first (its newest messages), else a message_id;
  // each way falls back to the other, so a lookup only fails when neither finds anything.
  async lookup(query) {
    this.found.replaceChildren();
    if (!query) return;
    const phone = /^\+?\d{8,}$/.test(query);
    try {
      if (phone && await this.byNumber(query)) return;
      try {
        return await this.open(query);
      } catch (error) {
        if (error.status !== 404 || phone || !/^\+?\d+$/.test(query) || !(await this.byNumber(query))) throw error;
      }
    } catch (error) {
      this.failed(error.status === 404 ? new Error(`no message has message_id or destination ${query}`) : error);
    }
  }

  async byNumber(number) {
    const page = await api("GET", `/api/messages?dest=${encodeURIComponent(number.replace(/^\+/, ""))}&limit=20`);
    if (!page.messages.length) return false;
    this.found.replaceChildren(el("ol", {}, ...page.messages.map((message) => el("li", { onclick: () => this.show(message.message_id) },
      el("span", {}, message.message_id), el("span", {}, clockTime(message.submitted_at).slice(11)),
      el("span", { class: `state ${message.state.name}` }, message.state.name)))));
    return true;
  }

  // open() for a click: a message purged meanwhile, or an SMSC gone, is said in the panel.
  show(messageId) {
    return this.open(messageId).catch((error) => this.failed(error));
  }

  failed(error) {
    this.trace.replaceChildren(el("p", { class: "note" }, error.message));
  }

  async open(messageId) {
    const found = await api("GET", `/api/messages/${encodeURIComponent(messageId)}`);
    this.trace.replaceChildren(...found.messages.map((message) => this.message(message)));
    this.trace.scrollIntoView({ block: "nearest" });
    return found;
  }

  message(message) {
    const start = Date.parse(message.trace.length ? message.trace[0].at : message.submitted_at);
    const rows = message.trace.map((event) => el("tr", {},
      el("td", { class: "t" }, clockTime(event.at).slice(11)),
      el("td", { class: "t" }, `+${Math.max(0, Date.parse(event.at) - start)} ms`),
      el("td", {}, event.hop), el("td", {}, event.detail)));
    return el("section", { "data-message": message.message_id },
      el("h3", {}, `${message.message_id} · ${message.source} → ${message.destination} · `,
        el("span", { class: `state ${message.state.name}` }, message.state.name), ` · account ${message.account}`),
      message.why ? el("p", { class: "why", "data-testid": "why" }, message.why) : null,
      el("table", { class: "hops", "data-testid": "hops" }, el("tbody", {}, ...rows)),
      ...(message.pdus || []).map((pdu) => this.pdu(pdu)));
  }

  // One PDU as the specification names its fields: header, mandatory body, then TLVs.
  pdu(pdu) {
    const fields = [...(pdu.header || []), ...(pdu.body || []), ...(pdu.tlvs || [])];
    const title = [pdu.command || "PDU", pdu.direction, pdu.at ? clockTime(pdu.at).slice(11) : null].filter(Boolean).join(" · ");
    return el("details", { class: "pdu", "data-pdu": pdu.command || "" }, el("summary", {}, title),
      pdu.error ? el("p", { class: "why" }, pdu.error) : null,
      pdu.note ? el("p", { class: "note" }, pdu.note) : null,
      el("table", {}, el("tbody", {}, ...fields.map((field) => el("tr", {},
        el("td", {}, field.name), el("td", {}, shownValue(field)), el("td", { class: "note" }, meaning(field)))))),
      pdu.hex ? el("p", { class: "hex" }, pdu.hex) : null);
  }
}

function shownValue(field) {
  if (field.text !== undefined) return `"${field.text}"`;  // short_message, message_payload: the text, hex beside
  return typeof field.value === "object" && field.value !== null ? JSON.stringify(field.value) : String(field.value);
}

function meaning(field) {
  const parts = [field.meaning, field.encoding, field.text !== undefined ? `octets ${field.value}` : null];
  if (field.udh) parts.push(field.udh.meaning);
  if (field.receipt) parts.push(field.receipt.meaning || "a delivery receipt");
  return parts.filter(Boolean).join(" · ");
}
