"""Every field rule of submit_sm, answered on the wire with the status SMPP 3.4 gives it."""

import struct

import attrs
import pytest

from pdu import wire
from pdu.status import CommandStatus as S
from pdu.wire import Address, SubmitSm

GOOD = SubmitSm(Address(1, 1, "10690001"), Address(1, 1, "8613800130000"), b"hello")


def answer(session, value):
    session.bind()
    session.send(value)
    ((header, _),) = session.received()
    return header.command_status


def with_byte(offset, value):
    """GOOD's octets with one mandatory-field octet replaced."""
    octets = bytearray(wire.encode(GOOD, 3))
    octets[offset] = value
    return bytes(octets)


# Offsets in GOOD's encoding: header 16, service_type 16, source TON 17, NPI 18, source
# "10690001\0" 19-27, dest TON 28, NPI 29, dest 30-43, esm_class 44, protocol_id 45,
# priority 46, schedule 47, validity 48, registered_delivery 49, replace 50, data_coding 51.
DECODER_RULES = [
    ("source TON 7", 17, 7, S.ESME_RINVSRCTON),
    ("source NPI 2", 18, 2, S.ESME_RINVSRCNPI),
    ("destination TON 9", 28, 9, S.ESME_RINVDSTTON),
    ("destination NPI 5", 29, 5, S.ESME_RINVDSTNPI),
    ("priority_flag 4", 46, 4, S.ESME_RINVPRTFLG),
    ("registered_delivery receipt 3", 49, 3, S.ESME_RINVREGDLVFLG),
    ("replace_if_present_flag 2", 50, 2, S.ESME_RINVREPFLAG),
]

VALUE_RULES = [
    ("empty destination", dict(destination=Address(1, 1, "")), S.ESME_RINVDSTADR),
    ("letters in an international number", dict(destination=Address(1, 1, "86abc")), S.ESME_RINVDSTADR),
    ("alphanumeric sender over 11", dict(source=Address(5, 0, "TwelveLetter")), S.ESME_RINVSRCADR),
    ("letters in a numeric sender", dict(source=Address(1, 1, "SHOP")), S.ESME_RINVSRCADR),
    ("SMSC receipt type in submit", dict(esm_class=0x04), S.ESME_RINVESMCLASS),
    ("predefined message", dict(sm_default_msg_id=5), S.ESME_RINVDFTMSGID),
    ("161 septets", dict(short_message=b"a" * 161), S.ESME_RINVMSGLEN),
    ("141 octets of Latin-1", dict(short_message=b"a" * 141, data_coding=3), S.ESME_RINVMSGLEN),
    ("odd UCS-2", dict(short_message=b"\x00a\x00", data_coding=8), S.ESME_RINVMSGLEN),
    ("UDH longer than the message", dict(short_message=b"\x09\x00\x03", esm_class=0x40), S.ESME_RINVMSGLEN),
    ("short_message and message_payload", dict(tlvs={"message_payload": b"x"}), S.ESME_RINVMSGLEN),
    ("unsupported data_coding (JIS)", dict(data_coding=5), S.ESME_RINVDCS),
    ("SAR without the total", dict(tlvs={"sar_msg_ref_num": 1, "sar_segment_seqnum": 1}), S.ESME_RMISSINGOPTPARAM),
    ("SAR part 3 of 2", dict(tlvs={"sar_msg_ref_num": 1, "sar_total_segments": 2, "sar_segment_seqnum": 3}), S.ESME_RINVOPTPARAMVAL),
    ("validity already past", dict(validity_period="200101000000000+"), S.ESME_RINVEXPIRY),
    ("schedule after validity", dict(schedule_delivery_time="000002000000000R", validity_period="000001000000000R"), S.ESME_RINVSCHED),
]


class TestDecoderRules:
    @pytest.mark.parametrize("name,offset,value,status", DECODER_RULES, ids=[r[0] for r in DECODER_RULES])
    def test_out_of_range_field(self, session, name, offset, value, status):
        """A value the field cannot hold is answered with the field's own status; the session stays."""
        session.bind()
        session.send_raw(with_byte(offset, value))
        ((header, _),) = session.received()
        assert (header.command_status, header.sequence_number) == (status, 3)
        assert not session.closed

    def test_offsets_are_right(self, session):
        """The unmodified octets are accepted (so the offsets above hit the fields they name)."""
        session.bind()
        session.send_raw(with_byte(17, 1))
        assert session.received()[0][0].command_status == 0

    def test_malformed_time(self, session):
        """A validity_period that is not an SMPP time is ESME_RINVEXPIRY."""
        octets = wire.encode(attrs.evolve(GOOD, validity_period="000001000000000R"), 3)
        broken = octets.replace(b"000001000000000R", b"00000100000000XR")
        session.bind()
        session.send_raw(broken)
        assert session.received()[0][0].command_status == S.ESME_RINVEXPIRY


class TestValueRules:
    @pytest.mark.parametrize("name,fields,status", VALUE_RULES, ids=[r[0] for r in VALUE_RULES])
    def test_rule(self, session, name, fields, status):
        """Each rule answers its documented status."""
        assert answer(session, attrs.evolve(GOOD, **fields)) == status

    @pytest.mark.parametrize(
        "fields",
        [
            dict(short_message=b"a" * 160),
            dict(short_message=b"\x05\x00\x03\x01\x02\x01" + b"a" * 153, esm_class=0x40),
            dict(short_message="字".encode("utf-16-be") * 70, data_coding=8),
            dict(short_message=b"", tlvs={"message_payload": "字".encode("utf-16-be") * 500}, data_coding=8),
            # an alphanumeric sender, to a country that takes them (China's carriers do not)
            dict(source=Address(5, 0, "JD.COM"), destination=Address(1, 1, "447400123456")),
            dict(validity_period="000001000000000R", schedule_delivery_time="000000003000000R"),
            dict(esm_class=0x08),
        ],
    )
    def test_limits_are_inclusive(self, session, fields):
        """Exactly at each limit is accepted."""
        assert answer(session, attrs.evolve(GOOD, **fields)) == 0


class TestTlvs:
    @pytest.mark.parametrize(
        "tag,value,status",
        [
            (0x1204, b"\x01", 0),  # ms_validity: allowed in submit_sm, unknown to smpp.pdu's decoder
            (0x0030, b"\x01", 0),  # ms_msg_wait_facilities, the same
            (0x1400, b"vendor", 0),  # a vendor-specific tag: skipped
            (0x0420, b"\x01", S.ESME_ROPTPARNOTALLWD),  # dpf_result belongs in data_sm_resp
            (0x020C, b"\x01", S.ESME_RINVPARLEN),  # sar_msg_ref_num of one octet: its length is wrong
            (0x020E, b"\x01\x02", S.ESME_RINVPARLEN),  # sar_total_segments of two octets
        ],
    )
    def test_tlv_answers(self, session, tag, value, status):
        """Allowed TLVs are accepted even when we ignore them; misplaced or mis-sized ones are named."""
        base = wire.encode(GOOD, 3)
        tlv = struct.pack("!HH", tag, len(value)) + value
        session.bind()
        session.send_raw(struct.pack("!L", len(base) + len(tlv)) + base[4:] + tlv)
        assert session.received()[0][0].command_status == status
