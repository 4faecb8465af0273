// A small SMSC on the node `smpp` package, which nobody on this team wrote: the foreign peer
// our ESME is tested against (tests/esme/test_foreign_smsc.py).
// Usage: node server.js PORT [SYSTEM_ID PASSWORD]   (PORT 0: any free port; the account
// defaults to smppclient1 / password). Prints {"listening": PORT}, then one JSON line per PDU
// it receives, with what it answered, and one per link closed.
//
// Like a carrier, it answers submit_sm with upper-case hex ids and, when a receipt is asked,
// sends one whose text names the id in decimal (the receipted_message_id TLV keeps the hex).
// A receipt for an account with no receiver bound waits for its next bind.
// The destination's last four digits choose what happens:
//   0001  receipt UNDELIV err:001
//   0010  receipt without TLVs: only its text, in decimal, names the message
//   0058  the first submit to that number is answered ESME_RTHROTTLED; later ones are taken
//   0099  the link is closed right after the submit_sm_resp
//   else  receipt DELIVRD err:000
const smpp = require('smpp');

const [port = '0', systemId = 'smppclient1', password = 'password'] = process.argv.slice(2);
const say = (line) => console.log(JSON.stringify(line));

const BINDS = { bind_transceiver: true, bind_receiver: true, bind_transmitter: false }; // gets receipts?
const throttledOnce = new Set();
const receivers = new Set();
const waiting = []; // receipts with no receiver bound
let links = 0;
let nextId = 0x2a000000; // a carrier's running counter, not 1, 2, 3

const date = (when) => when.toISOString().replace(/\D/g, '').slice(2, 12); // YYMMDDhhmm

function deliver(receipt) {
  const [receiver] = receivers;
  if (receiver) receiver.deliver_sm(receipt);
  else waiting.push(receipt);
}

function receiptFor(submit, id, submitted) {
  const ending = submit.destination_addr.slice(-4);
  const delivered = ending !== '0001';
  const text = (submit.short_message.message || '').slice(0, 20);
  const receipt = {
    source_addr_ton: submit.dest_addr_ton, source_addr_npi: submit.dest_addr_npi, source_addr: submit.destination_addr,
    dest_addr_ton: submit.source_addr_ton, dest_addr_npi: submit.source_addr_npi, destination_addr: submit.source_addr,
    esm_class: smpp.ESM_CLASS.MC_DELIVERY_RECEIPT,
    short_message: `id:${parseInt(id, 16)} sub:001 dlvrd:${delivered ? '001' : '000'} submit date:${date(submitted)} ` +
      `done date:${date(new Date())} stat:${delivered ? 'DELIVRD' : 'UNDELIV'} err:${delivered ? '000' : '001'} text:${text}`,
  };
  if (ending !== '0010') {
    receipt.receipted_message_id = id;
    receipt.message_state = delivered ? smpp.MESSAGE_STATE.DELIVERED : smpp.MESSAGE_STATE.UNDELIVERABLE;
  }
  return receipt;
}

function serve(session) {
  const link = ++links;
  let bound = null; // the bind command, once accepted
  let closing = false;

  const handlers = {
    bind(pdu) {
      const ok = pdu.system_id === systemId && pdu.password === password;
      const status = bound ? smpp.ESME_RALYBND : ok ? smpp.ESME_ROK : smpp.ESME_RINVPASWD;
      session.send(pdu.response({ command_status: status, system_id: 'NODESMSC' }));
      if (status !== smpp.ESME_ROK) return { command_status: status };
      bound = pdu.command;
      if (BINDS[bound]) {
        receivers.add(session);
        waiting.splice(0).forEach(deliver);
      }
      return { command_status: status };
    },
    submit_sm(pdu) {
      if (!bound || bound === 'bind_receiver') {
        session.send(pdu.response({ command_status: smpp.ESME_RINVBNDSTS }));
        return { command_status: smpp.ESME_RINVBNDSTS };
      }
      const ending = pdu.destination_addr.slice(-4);
      if (ending === '0058' && !throttledOnce.has(pdu.destination_addr)) {
        throttledOnce.add(pdu.destination_addr);
        session.send(pdu.response({ command_status: smpp.ESME_RTHROTTLED }));
        return { command_status: smpp.ESME_RTHROTTLED };
      }
      const id = (nextId++).toString(16).toUpperCase().padStart(10, '0');
      const submitted = new Date();
      if (ending === '0099') {
        closing = true;
        receivers.delete(session);
      }
      session.send(pdu.response({ message_id: id }), () => {
        if (closing) session.close(); // FIN, not RST: the response before it still arrives
        if ((pdu.registered_delivery & 3) === 1) deliver(receiptFor(pdu, id, submitted));
      });
      return { command_status: smpp.ESME_ROK, message_id: id };
    },
    enquire_link(pdu) {
      session.send(pdu.response());
      return { command_status: smpp.ESME_ROK };
    },
    unbind(pdu) {
      receivers.delete(session);
      bound = null;
      session.send(pdu.response());
      return { command_status: smpp.ESME_ROK };
    },
  };

  session.on('pdu', (pdu) => {
    const line = { link, command: pdu.command, sequence_number: pdu.sequence_number, command_status: pdu.command_status };
    for (const field of ['system_id', 'destination_addr', 'registered_delivery', 'message_id']) {
      if (pdu[field] !== undefined) line[field] = pdu[field];
    }
    if (pdu.short_message) line.text = pdu.short_message.message;
    const handler = handlers[pdu.command.startsWith('bind_') ? 'bind' : pdu.command];
    if (closing) line.ignored = true; // the link is going down: no answer
    else if (handler) line.answer = handler(pdu);
    else if (!pdu.isResponse()) session.send(pdu.response({ command_status: smpp.ESME_RINVCMDID }));
    say(line);
  });
  session.on('error', (error) => say({ link, error: String(error) }));
  session.on('close', () => {
    receivers.delete(session);
    say({ link, closed: true });
  });
}

const server = smpp.createServer(serve);
server.listen(Number(port), '127.0.0.1', () => say({ listening: server.address().port }));
