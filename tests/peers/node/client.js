// An independent SMPP client (the node `smpp` package) for loopback tests of our SMSC.
// Usage: node client.js HOST PORT — binds as transceiver, submits one message asking for a
// receipt, waits for it, unbinds. Prints one JSON object per event on stdout.
const smpp = require('smpp');

const [host, port] = process.argv.slice(2);
const say = (event) => console.log(JSON.stringify(event));
const session = smpp.connect({ url: `smpp://${host}:${port}`, auto_enquire_link_period: 0 });
const giveUp = setTimeout(() => { say({ event: 'timeout' }); process.exit(2); }, 10000);

session.on('error', (error) => { say({ event: 'error', message: String(error) }); process.exit(1); });
session.on('deliver_sm', (pdu) => {
  session.send(pdu.response());
  say({
    event: 'deliver_sm',
    esm_class: pdu.esm_class,
    short_message: pdu.short_message.message,
    receipted_message_id: pdu.receipted_message_id,
    message_state: pdu.message_state,
  });
  session.unbind((resp) => {
    say({ event: 'unbind_resp', command_status: resp.command_status });
    clearTimeout(giveUp);
    session.close();
  });
});

session.bind_transceiver({ system_id: 'smppclient1', password: 'password' }, (bind) => {
  say({ event: 'bind_transceiver_resp', command_status: bind.command_status, system_id: bind.system_id });
  if (bind.command_status !== 0) process.exit(1);
  session.submit_sm({
    source_addr_ton: 1, source_addr: '10690002',
    dest_addr_ton: 1, destination_addr: '8613900130000',
    short_message: 'Hello from node smpp',
    registered_delivery: 1,
  }, (resp) => {
    say({ event: 'submit_sm_resp', command_status: resp.command_status, message_id: resp.message_id });
  });
});
