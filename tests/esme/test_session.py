"""One ESME link over a StringTransport in virtual time: framing and the hot PDUs."""

import struct

from hypothesis import given, settings
from hypothesis import strategies as st
from twisted.internet import task
from twisted.internet.address import IPv4Address
from twisted.internet.testing import StringTransport

from esme.session import EsmeFactory
from esme.settings import BindMode, Settings
from pdu import fast, wire
from pdu.fields import Address


def bound_link():
    """A transceiver link past its bind, and the messages it hands over."""
    clock = task.Clock()
    link = EsmeFactory(Settings(enquire_link=0), clock, on_connected=lambda link: None).buildProtocol(None)  # bound by hand below
    transport = StringTransport(IPv4Address("TCP", "127.0.0.1", 40000), IPv4Address("TCP", "127.0.0.1", 2775))
    link.makeConnection(transport)
    received = []
    link.bind_as(BindMode.TRANSCEIVER, received.append)
    link.dataReceived(wire.encode(wire.BindResp(wire.BindType.TRANSCEIVER, "SMSC"), 1))
    assert link.isBound()
    transport.clear()
    return link, transport, received


def receipt(number: int) -> bytes:
    text = f"id:{number} sub:001 dlvrd:001 submit date:2611220930 done date:2611220930 stat:DELIVRD err:000 text:"
    message = wire.DeliverSm(Address(1, 1, "8613800138000"), Address(), text.encode(), esm_class=0x04)
    return fast.write_deliver_sm(message, 100 + number)


class TestFraming:
    @settings(max_examples=50, deadline=None)
    @given(st.lists(st.integers(1, 400), max_size=12))
    def test_pdus_cut_anywhere_are_each_read_once(self, cuts):
        """However the reads cut the stream, every deliver_sm is handed over once, in order,
        and answered with its own sequence number."""
        link, transport, received = bound_link()
        stream = b"".join(receipt(number) for number in range(5))
        at = 0
        for size in cuts:
            link.dataReceived(stream[at : at + size])
            at += size
        link.dataReceived(stream[at:])
        assert [value.short_message.split()[0] for value in received] == [f"id:{n}".encode() for n in range(5)]
        assert transport.value() == b"".join(fast.write_deliver_sm_resp(100 + number) for number in range(5))

    def test_command_length_under_16_closes_the_link(self):
        """A command_length of 0 cannot frame anything: generic_nack ESME_RINVCMDLEN, and the
        link closes instead of reading the same four octets for ever."""
        link, transport, _ = bound_link()
        link.dataReceived(struct.pack("!L", 0) + b"\0" * 12)
        command_id, status = struct.unpack("!LL", transport.value()[4:12])
        assert (command_id, status) == (0x80000000, 0x00000002)
        assert transport.disconnecting
