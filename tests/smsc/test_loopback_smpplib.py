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
