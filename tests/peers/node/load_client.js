// The node `smpp` package as a load client, for bench.esme_compare's third row: the client
// our Sender means to beat. It lives here, beside client.js, so that require('smpp') finds
// the one locked install in this folder's node_modules.
//
// Usage: node load_client.js HOST PORT MESSAGES WINDOW — binds as transceiver with TCP_NODELAY,
// keeps WINDOW submit_sm in flight, each asking for a receipt, answers and counts the receipts,
// unbinds, and prints one JSON object with the figures the Python clients print (CPU time of
// this process from bind to the last receipt, per message, included).
const smpp = require('smpp');

const [host, port, messages, window] = process.argv.slice(2);
const total = Number(messages);
const fail = (message) => { console.error(message); process.exit(1); };
const session = smpp.connect({ url: `smpp://${host}:${port}`, auto_enquire_link_period: 0 });
session.on('connect', () => session.socket.setNoDelay(true));
session.on('error', (error) => fail(String(error)));

let sent = 0, answered = 0, receipts = 0, started = 0, answeredIn = 0, finishedIn = 0, cpuStarted = null, cpuUs = 0;
const latencies = [];
const now = () => performance.now() / 1000; // seconds, as time.perf_counter() in the Python clients

function submitOne() {
  const sentAt = now();
  sent += 1;
  session.submit_sm({
    source_addr_ton: 1, source_addr_npi: 1, source_addr: '10690001',
    dest_addr_ton: 1, dest_addr_npi: 1, destination_addr: '8613800138000',
    short_message: 'Your code is 482913',
    registered_delivery: 1,
  }, (resp) => {
    if (resp.command_status !== 0) fail(`submit_sm_resp status ${resp.command_status}`);
    latencies.push(now() - sentAt);
    answered += 1;
    if (answered === total) answeredIn = now() - started;
    if (sent < total) submitOne();
    finishWhenDone();
  });
}

session.on('deliver_sm', (pdu) => {
  session.send(pdu.response());
  if (!(pdu.esm_class & 0x04)) return; // a receipt, not a mobile-originated message
  receipts += 1;
  if (receipts === total) {
    finishedIn = now() - started;
    const cpu = process.cpuUsage(cpuStarted);
    cpuUs = (cpu.user + cpu.system) / total;
  }
  finishWhenDone();
});

// Every submit answered and every receipt in (a server may send a receipt before its response).
function finishWhenDone() {
  if (answered < total || receipts < total) return;
  latencies.sort((a, b) => a - b);
  const median = latencies.length % 2
    ? latencies[(latencies.length - 1) / 2]
    : (latencies[latencies.length / 2 - 1] + latencies[latencies.length / 2]) / 2;
  console.log(JSON.stringify({
    submits_per_s: total / answeredIn,
    receipts_per_s: receipts / finishedIn,
    receipts,
    p50_ms: 1000 * median,
    p99_ms: 1000 * latencies[Math.floor(0.99 * (latencies.length - 1))],
    cpu_us: cpuUs,
  }));
  session.unbind(() => session.close());
}

session.bind_transceiver({ system_id: 'smppclient1', password: 'password' }, (bind) => {
  if (bind.command_status !== 0) fail(`bind_transceiver_resp status ${bind.command_status}`);
  started = now();
  cpuStarted = process.cpuUsage();
  while (sent < Math.min(Number(window), total)) submitOne();
});
