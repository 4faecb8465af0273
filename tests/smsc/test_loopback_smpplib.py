"""`smsc serve` started as a user would, driven over loopback by python-smpplib (not ours)."""

import time

import pytest
import smpplib.client
import smpplib.consts
import smpplib.exceptions
import smpplib.gsm

@pytest.fixture
def client(smsc_address):
    host, port = smsc_address
    client = smpplib.client.Client(host, port, timeout=5, allow_unknown_opt_params=True)
    client.connect()
    yield client
    client.disconnect()


def collect(client, count, seconds=5.0):
    """Read PDUs until `count` deliver_sm arrived or time runs out."""
    received = []
    client.set_message_received_handler(lambda pdu: received.append(pdu))
    deadline = time.monotonic() + seconds
    while len(received) < count and time.monotonic() < deadline:
        client.read_once()
    return received


class TestSmpplib:
    def test_bind_submit_receipt_unbind(self, client):
        """Bind transceiver, submit with a receipt request, read the DELIVRD receipt, unbind."""
        message_ids = []
        client.set_message_sent_handler(lambda pdu: message_ids.append(pdu.message_id.decode()))
        client.bind_transceiver(system_id="smppclient1", password="password")
        client.send_message(
            source_addr_ton=1, source_addr="10690001", dest_addr_ton=1, destination_addr="8613800130000",
            short_message=b"Your code is 482913", registered_delivery=True,
        )  # fmt: skip
        (receipt,) = collect(client, 1)
        assert message_ids and receipt.receipted_message_id.decode() == message_ids[0]
        assert b"stat:DELIVRD" in receipt.short_message
        client.unbind()
        assert client.state == smpplib.consts.SMPP_CLIENT_STATE_OPEN

    def test_long_unicode_message_gets_a_receipt_per_part(self, client):
        """A 3-part UCS-2 message split by smpplib (UDH) is accepted part by part, each with a receipt."""
        client.bind_transceiver(system_id="smppclient1", password="password")
        parts, coding, esm_class = smpplib.gsm.make_parts("双十一大促,全场满300减50。" * 10)
        assert len(parts) == 3
        for part in parts:
            client.send_message(
                source_addr_ton=1, source_addr="10690001", dest_addr_ton=1, destination_addr="8613800130000",
                short_message=part, data_coding=coding, esm_class=esm_class, registered_delivery=True,
            )  # fmt: skip
        receipts = collect(client, 3)
        assert len(receipts) == 3
        assert all(b"stat:DELIVRD" in r.short_message for r in receipts)

    def test_wrong_password_is_0x0e(self, client):
        """smpplib sees ESME_RINVPASWD as the bind's status."""
        with pytest.raises(smpplib.exceptions.PDUError) as caught:
            client.bind_transmitter(system_id="smppclient1", password="nope")
        assert caught.value.args[1] == 0x0E


# Test numbers whose outcome shows within seconds over a real socket; the minute-long ones
# (0003, 0006, 0009) are covered on a virtual clock in test_engine.py.
QUICK_OUTCOMES = {
    "0000": b"stat:DELIVRD err:000",
    "0001": b"stat:UNDELIV err:001",
    "0002": b"stat:EXPIRED err:027",
    "0004": b"stat:EXPIRED err:032",
    "0005": b"stat:REJECTD err:013",
    "0008": b"stat:DELIVRD err:000",
}


class TestTestNumbers:
    def test_reserved_numbers_give_their_outcomes(self, client):
        """Over a real socket: each quick test number ends in its documented receipt, 0007 in
        none, and 0008's handset answers with an MO."""
        ids = []
        client.set_message_sent_handler(lambda pdu: ids.append(pdu.message_id.decode()))
        client.bind_transceiver(system_id="smppclient1", password="password")
        for suffix in [*QUICK_OUTCOMES, "0007"]:
            client.send_message(
                source_addr_ton=1, source_addr="10690001", dest_addr_ton=1, destination_addr="861390001" + suffix,
                short_message=b"test number", registered_delivery=True, service_type="OTP",
                validity_period="000000000002000R",  # 2 s: the absent and SIM-full numbers expire quickly
            )  # fmt: skip
        received = collect(client, len(QUICK_OUTCOMES) + 1, seconds=8)
        by_number = {pdu.source_addr.decode(): pdu for pdu in received if pdu.esm_class & 0x04}
        outcomes = {number[-4:]: pdu.short_message.split(b" text:")[0][-20:] for number, pdu in by_number.items()}
        assert outcomes == QUICK_OUTCOMES
        mo = [pdu for pdu in received if not pdu.esm_class & 0x04]
        assert [(pdu.source_addr, pdu.short_message) for pdu in mo] == [(b"8613900010008", b"OK")]
        assert len(ids) == 7
