"""pdu.fast: whatever the fast reader takes, smpp.pdu reads the same; what it declines goes
the usual way."""

import struct

import pytest
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


def short_message_bodies(esm_classes, tlvs):
    """Bodies of submit_sm or deliver_sm, mostly valid, each field now and then not."""

    @st.composite
    def bodies(draw):
        parts = [draw(cstring(6))]
        for _ in range(2):
            parts.append(bytes((draw(mostly([0, 1, 2, 5])), draw(mostly([0, 1, 9])))) + draw(cstring(21)))
        parts.append(bytes((draw(mostly(esm_classes)), draw(st.integers(0, 255)), draw(mostly([0, 1, 3])))))
        parts += [draw(times), draw(times)]
        parts.append(bytes((draw(mostly([0, 1, 2, 0x11])), draw(mostly([0, 1])), draw(mostly([0, 3, 8])), draw(st.integers(0, 255)))))
        text = draw(st.binary(max_size=160))
        parts.append(bytes((draw(mostly([len(text)])),)) + text)
        parts += draw(st.lists(tlvs, max_size=3))
        return b"".join(parts)

    return bodies()


def tlv(tag, value):
    return struct.pack("!HH", tag, len(value)) + value


# Receipt and concatenation TLVs, well and badly formed, and one the fast readers do not know.
some_tlvs = st.one_of(
    st.text("0123456789abcdefABC", min_size=1, max_size=70).map(lambda text: tlv(0x001E, text.encode() + b"\0")),
    st.binary(max_size=8).map(lambda raw: tlv(0x001E, raw)),
    st.integers(0, 10).map(lambda state: tlv(0x0427, bytes((state,)))),
    st.binary(max_size=4).map(lambda raw: tlv(0x0423, raw)),
    st.binary(max_size=300).map(lambda raw: tlv(0x0424, raw)),
    st.binary(max_size=3).map(lambda raw: tlv(0x020C, raw)),
    st.binary(max_size=2).map(lambda raw: tlv(0x020E, raw)),
    st.just(tlv(0x0204, b"\x00\x07")),  # user_message_reference
    st.binary(max_size=3),  # a cut-off TLV
)
submit_bodies = short_message_bodies([0, 0x40, 0x03], st.just(tlv(0x0204, b"\x00\x07")))
deliver_bodies = short_message_bodies([0, 0x04, 0x20, 0x40, 0x08], some_tlvs)


class TestReadSubmitSm:
    @settings(max_examples=400, deadline=None)
    @given(submit_bodies)
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
        "sar_msg_ref_num": st.integers(0, 0xFFFF),
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


class TestReadDeliverSm:
    @settings(max_examples=600, deadline=None)
    @given(deliver_bodies)
    def test_what_it_reads_smpp_pdu_reads_the_same(self, body):
        """Receipts and MOs, with or without TLVs: taken means smpp.pdu reads the same value."""
        taken = fast.read_deliver_sm(body)
        if taken is None:
            return
        octets = struct.pack("!LLLL", 16 + len(body), fast.DELIVER_SM, 0, 1) + body
        _, value = wire.decode(octets)
        assert value == taken

    def test_receipts_are_taken(self):
        """A text receipt, one with the receipt TLVs, and a UDH MO take the fast path."""
        text = b"id:1a sub:001 dlvrd:001 submit date:2611220930 done date:2611220930 stat:DELIVRD err:000 text:"
        for message in (
            wire.DeliverSm(Address(1, 1, "8613800138000"), Address(1, 1, "10690001"), text, esm_class=0x04),
            wire.DeliverSm(Address(1, 1, "8613800138000"), Address(0, 0, ""), text, esm_class=0x04,
                           tlvs={"receipted_message_id": "1a", "message_state": 2, "network_error_code": b"\x03\x00\x01"}),
            wire.DeliverSm(Address(1, 1, "8613800138000"), Address(1, 1, "1069"), b"\x05\x00\x03\x07\x02\x01hi", esm_class=0x40),
        ):  # fmt: skip
            assert fast.read_deliver_sm(wire.encode(message, 9)[16:]) == message

    def test_other_tlvs_are_declined(self):
        """A TLV the reader does not know sends the deliver_sm through smpp.pdu."""
        message = wire.DeliverSm(Address(1, 1, "1"), Address(1, 1, "2"), b"x", tlvs={"user_message_reference": 7})
        assert fast.read_deliver_sm(wire.encode(message, 9)[16:]) is None


class TestSubmitSmResp:
    def test_message_id_read(self):
        """The id of an OK response is read; a body that is not one C string declines."""
        assert fast.read_submit_sm_resp(fast.write_submit_sm_resp(7, 0, "1f3a")[16:]) == "1f3a"
        assert fast.read_submit_sm_resp(b"") is None
        assert fast.read_submit_sm_resp(b"12\x0034\x00") is None


sar = st.fixed_dictionaries(
    {"sar_msg_ref_num": st.integers(0, 0xFFFF), "sar_total_segments": st.integers(1, 255), "sar_segment_seqnum": st.integers(1, 255)}
)
submits = st.builds(
    SubmitSm,
    source=addresses,
    destination=addresses,
    short_message=st.binary(max_size=160),
    esm_class=st.sampled_from([0x00, 0x40]),
    data_coding=st.sampled_from([0, 3, 4, 8]),
    registered_delivery=st.sampled_from([0, 1]),
    tlvs=st.one_of(st.just({}), sar, st.binary(max_size=400).map(lambda payload: {"message_payload": payload})),
)


class TestWriteSubmitSm:
    @settings(max_examples=300, deadline=None)
    @given(submits, st.integers(1, 0x7FFFFFFF))
    def test_same_octets_as_smpp_pdu(self, message, sequence):
        """What the Sender sends (plain, UDH, SAR or payload parts) is written byte for byte
        as smpp.pdu writes it."""
        assert fast.write_submit_sm(message, sequence) == wire.encode(message, sequence)

    def test_what_smpp_cannot_carry_is_refused(self):
        """An address over 20 characters and an int field over one octet, as smpp.pdu refuses
        them, and a TLV not written here."""
        with pytest.raises(ValueError, match="destination_addr"):
            fast.write_submit_sm(SubmitSm(Address(), Address(1, 1, "1" * 21), b"x"), 1)
        with pytest.raises(ValueError):
            fast.write_submit_sm(SubmitSm(Address(), Address(1, 1, "1"), b"x", esm_class=0x140), 1)
        with pytest.raises(ValueError, match="TLV"):
            fast.write_submit_sm(SubmitSm(Address(), Address(1, 1, "1"), b"x", tlvs={"user_message_reference": 7}), 1)


class TestWriteDeliverSmResp:
    def test_same_octets_as_smpp_pdu(self):
        """OK and an error status, as pdu.wire writes them."""
        assert fast.write_deliver_sm_resp(7) == wire.encode(wire.DeliverSmResp(), 7)
        assert fast.write_deliver_sm_resp(7, 0x45) == wire.encode(wire.DeliverSmResp(), 7, status=0x45)
