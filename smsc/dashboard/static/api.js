// Calls to the SMSC's HTTP API, and the small DOM helpers every panel uses.

export async function api(method, path, body) {
  const response = await fetch(path, {
    method,
    headers: body === undefined ? {} : { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  let answer = null;
  try { answer = await response.json(); } catch { answer = { error: `HTTP ${response.status}` }; }
  if (!response.ok) {
    const error = new Error(answer && answer.error ? answer.error : `HTTP ${response.status}`);
    error.status = response.status;
    throw error;
  }
  return answer;
}

// An element with attributes and children: el("td", {class: "t"}, "12:00").
export function el(tag, attributes = {}, ...children) {
  const made = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (name.startsWith("on")) made.addEventListener(name.slice(2), value);
    else if (value !== null && value !== undefined && value !== false) made.setAttribute(name, value);
  }
  made.append(...children.filter((child) => child !== null && child !== undefined));
  return made;
}

const SVG = "http://www.w3.org/2000/svg";

export function svg(tag, attributes = {}, ...children) {
  const made = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) made.setAttribute(name, value);
  made.append(...children);
  return made;
}

// What the page says back after an action: one line, red when something was refused.
export function say(text, bad = false) {
  const line = document.getElementById("said");
  line.textContent = text;
  line.classList.toggle("bad", bad);
}

export function clockTime(iso) {
  return iso ? iso.replace("T", " ").replace(/(\.\d{3})\d*/, "$1").replace("Z", "") : "–";
}

export function count(value) {
  if (value === undefined || value === null) return "–";
  return value >= 10000 ? `${(value / 1000).toFixed(1)}k` : String(Math.round(value * 10) / 10);
}

export function seconds(value) {
  if (value === undefined || value === null) return "–";
  return value < 1 ? `${+(value * 1000).toPrecision(3)} ms` : `${+value.toPrecision(3)} s`;
}

// Scenario seconds as a clock reads them: 731 -> "12:11".
export function minutes(seconds) {
  if (typeof seconds !== "number") return String(seconds);
  const whole = Math.round(seconds);
  return `${Math.floor(whole / 60)}:${String(whole % 60).padStart(2, "0")}`;
}
