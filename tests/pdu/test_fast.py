"""pdu.fast: whatever the fast reader takes, smpp.pdu reads the same; what it declines goes
the usual way."""

import struct

from hypothesis import given, settings
from hypothesis import strategies as st

from pdu import fast, wire
from pdu.wire import Address, SubmitSm

def mostly(valid, invalid=st.integers(0, 255)):
    """A valid value fifteen times in sixteen, anything now and then: both sides get exercised."""
    return st.integers(0, 15).flatmap(lambda roll: invalid if roll == 0 else st.sampled_from(valid))


def cstring(limit):
    text = st.text("0123456789ABCxyz", max_size=limit - 1)
    anything = st.binary(max_size=limit + 4).map(lambda raw: raw.replace(b"\0", b"").decode("latin-1"))
    return st.integers(0, 15).flatmap(lambda roll: anything if roll == 0 else text).map(lambda value: value.encode("latin-1") + b"\0")


times = mostly([b"\0", b"\0", b"261122093000000+\0", b"000000001000000R\0"], st.sampled_from([b"261199093000000+\0", b"garbage\0"]))


@st.composite
def submit_bodies(draw):
    parts = [draw(cstring(6))]
    for _ in range(2):
        parts.append(bytes((draw(mostly([0, 1, 2, 5])), draw(mostly([0, 1, 9])))) + draw(cstring(21)))
    parts.append(bytes((draw(mostly([0, 0x40, 0x03])), draw(st.integers(0, 255)), draw(mostly([0, 1, 3])))))
    parts += [draw(times), draw(times)]
    parts.append(bytes((draw(mostly([0, 1, 2, 0x11])), draw(mostly([0, 1])), draw(mostly([0, 3, 8])), draw(st.integers(0, 255)))))
    text = draw(st.binary(max_size=160))
    parts.append(bytes((draw(mostly([len(text)])),)) + text)
    if draw(st.integers(0, 4)) == 0:
        parts.append(struct.pack("!HH", 0x0204, 2) + b"\x00\x07")  # user_message_reference
    return b"".join(parts)


class TestReadSubmitSm:
    @settings(max_examples=400, deadline=None)
    @given(submit_bodies())
    def test_what_it_reads_smpp_pdu_reads_the_same(self, body):
        """Never a different value or a missed refusal: taken means smpp.pdu agrees exactly."""
        taken = fast.read_submit_sm(body)
        if taken is None:
            return
        octets = struct.pack("!LLLL", 16 + len(body), fast.SUBMIT_SM, 0, 1) + body
        _, value = wire.decode(octets)
        assert value == taken

    def test_common_traffic_is_taken(self):
        """A plain submit_sm, a UDH part and one with a validity period take the fast path."""
        for message in (
            SubmitSm(Address(1, 1, "10690001"), Address(1, 1, "8613800138000"), b"Your code is 1234", registered_delivery=1),
            SubmitSm(Address(5, 0, "Shop"), Address(1, 1, "8613800138000"), b"\x05\x00\x03\x07\x02\x01" + b"x" * 153, esm_class=0x40),
            SubmitSm(Address(0, 0, "1069"), Address(1, 1, "8613800138000"), "你好".encode("utf-16-be"), data_coding=8, validity_period="000000000500000R"),
        ):
            octets = wire.encode(message, 9)
            assert fast.read_submit_sm(octets[16:]) == message

    def test_tlvs_are_declined(self):
        """A submit_sm with TLVs goes through smpp.pdu, which checks each one."""
        message = SubmitSm(Address(1, 1, "1069"), Address(1, 1, "8613800138000"), b"", tlvs={"message_payload": b"hi"})
        assert fast.read_submit_sm(wire.encode(message, 9)[16:]) is None


class TestWriteSubmitSmResp:
    def test_same_octets_as_smpp_pdu(self):
        """OK with an id, and an error without a body, byte for byte as pdu.wire writes them."""
        assert fast.write_submit_sm_resp(7, 0, "1f3a") == wire.encode(wire.SubmitSmResp("1f3a"), 7)
        assert fast.write_submit_sm_resp(7, 0x0B) == wire.encode(wire.SubmitSmResp(), 7, status=0x0B)


addresses = st.builds(wire.Address, st.sampled_from([0, 1, 2, 5]), st.sampled_from([0, 1]), st.text("0123456789", max_size=20))
receipt_tlvs = st.fixed_dictionaries(
    {},
    optional={
        "receipted_message_id": st.text("0123456789abcdef", min_size=1, max_size=64),
        "message_state": st.integers(1, 8),
        "network_error_code": st.binary(min_size=3, max_size=3),
        "message_payload": st.binary(min_size=1, max_size=300),
    },
)


class TestWriteDeliverSm:
    @settings(max_examples=300, deadline=None)
    @given(
        st.builds(
            wire.DeliverSm,
            source=addresses,
            destination=addresses,
            short_message=st.binary(max_size=160),
            esm_class=st.sampled_from([0x00, 0x04, 0x40]),
            data_coding=st.sampled_from([0, 8]),
            tlvs=receipt_tlvs,
        )
    )
    def test_smpp_pdu_reads_back_what_it_wrote(self, message):
        """Receipts and MOs written here decode, through smpp.pdu, to the same value."""
        octets = fast.write_deliver_sm(message, 42)
        assert wire.decode(octets) == (wire.Header(fast.DELIVER_SM, 0, 42, "deliver_sm"), message)

    def test_other_tlvs_are_declined(self):
        """A deliver_sm with a TLV the writer does not know goes through smpp.pdu."""
        message = wire.DeliverSm(Address(1, 1, "1"), Address(1, 1, "2"), b"x", tlvs={"user_message_reference": 7})
        assert fast.write_deliver_sm(message, 1) is None
