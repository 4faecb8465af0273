"""Our PDU values: to octets and back through smpp.pdu, with nothing lost or invented."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pdu import stored, wire
from pdu.wire import Address, Bind, BindResp, BindType, DeliverSm, DeliverSmResp, SubmitSm, SubmitSmResp

ascii_field = st.text(alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=20)
addresses = st.builds(
    Address,
    ton=st.sampled_from([0, 1, 2, 3, 4, 5, 6]),
    npi=st.sampled_from([0, 1, 3, 4, 6, 8, 9, 10, 14, 18]),
    digits=ascii_field,
)
times = st.sampled_from(["", "261122101500004+", "261122101500032-", "000001000000000R", "000000003000000R"])
tlvs = st.fixed_dictionaries(
    {},
    optional={
        "sar_msg_ref_num": st.integers(0, 0xFFFF),
        "sar_total_segments": st.integers(1, 255),
        "sar_segment_seqnum": st.integers(1, 255),
        "user_message_reference": st.integers(0, 0xFFFF),
        "message_payload": st.binary(max_size=300),
        "source_port": st.integers(0, 0xFFFF),
    },
)
short_messages = st.builds(
    SubmitSm,
    source=addresses,
    destination=addresses,
    short_message=st.binary(max_size=254),
    service_type=st.text(alphabet="ABCXYZ", max_size=5),
    esm_class=st.sampled_from([0x00, 0x01, 0x02, 0x03, 0x40, 0x43, 0x80, 0xC0]),
    protocol_id=st.integers(0, 255),
    priority_flag=st.integers(0, 3),
    schedule_delivery_time=times,
    validity_period=times,
    registered_delivery=st.sampled_from([0, 1, 2, 0x10, 0x11]),
    replace_if_present_flag=st.integers(0, 1),
    data_coding=st.sampled_from([0x00, 0x01, 0x03, 0x04, 0x08, 0xF0]),
    tlvs=tlvs,
)


class TestRoundTrips:
    @given(short_messages, st.integers(1, 0x7FFFFFFF))
    def test_submit_sm(self, value, sequence_number):
        """Every field of submit_sm, TLVs included, survives octets and back."""
        header, decoded = wire.decode(wire.encode(value, sequence_number))
        assert decoded == value
        assert (header.command_name, header.sequence_number) == ("submit_sm", sequence_number)

    @given(short_messages)
    def test_deliver_sm(self, value):
        """deliver_sm shares the body; receipts carry the receipt TLVs."""
        value = DeliverSm(**{f.name: getattr(value, f.name) for f in value.__attrs_attrs__})
        value = DeliverSm(
            value.source,
            value.destination,
            b"id:1 stat:DELIVRD",
            esm_class=0x04,
            tlvs={"receipted_message_id": "1a2b", "message_state": 2, "network_error_code": b"\x03\x00\x01"},
        )
        assert wire.decode(wire.encode(value))[1] == value

    @pytest.mark.parametrize(
        "value",
        [
            wire.DataSm(Address(1, 1, "8613800138000"), Address(5, 0, "SHOP"), esm_class=0x04, tlvs={"message_payload": b"id:1", "receipted_message_id": "1", "message_state": 2}),
            stored.QuerySm("12345", Address(1, 1, "10690001")),
            stored.CancelSm("12345", Address(1, 1, "10690001"), Address(1, 1, "8613800138000"), "CMT"),
        ],
    )
    def test_data_sm_query_cancel(self, value):
        """data_sm, query_sm and cancel_sm keep every field."""
        assert wire.decode(wire.encode(value, 3))[1] == value

    @pytest.mark.parametrize(
        "value", [stored.QuerySmResp("12345", 2, "261122093000000+", 0), stored.QuerySmResp("9", 1, "", 27)]
    )
    def test_query_sm_resp(self, value):
        """query_sm_resp carries state, final date and error code."""
        assert wire.decode(wire.encode(value, 3, 0))[1] == value

    @pytest.mark.parametrize("bind_type", list(BindType))
    def test_bind(self, bind_type):
        """All three binds keep system_id, password, system_type and address range."""
        value = Bind(bind_type, "smppclient1", "password", "VMA", 0x34, Address(1, 1, "^1069"))
        header, decoded = wire.decode(wire.encode(value, 9))
        assert decoded == value and header.command_name == f"bind_{bind_type.value}"

    def test_bind_resp_carries_interface_version(self):
        """bind_*_resp says sc_interface_version 0x34."""
        header, decoded = wire.decode(wire.encode(BindResp(BindType.RECEIVER, "SMSC"), 9, 0))
        assert decoded == BindResp(BindType.RECEIVER, "SMSC", 0x34)

    def test_error_responses_have_no_body(self):
        """submit_sm_resp with an error status carries no message_id, as 3.4 says."""
        octets = wire.encode(SubmitSmResp("123"), 5, 0x58)
        assert len(octets) == 16
        header, decoded = wire.decode(octets)
        assert header.command_status == 0x58 and decoded.message_id == ""

    def test_deliver_sm_resp_message_id_is_empty(self):
        """deliver_sm_resp's message_id is always the empty string."""
        assert wire.encode(DeliverSmResp(), 5, 0)[16:] == b"\x00"


class TestStatuses:
    @pytest.mark.parametrize("status", [0x58, 0x400, 0x4FF, 0x09, 0x1000])
    def test_any_status_survives_encode_and_decode(self, status):
        """Vendor-specific and reserved statuses that smpp.pdu does not list keep their value."""
        header, _ = wire.decode(wire.encode(SubmitSmResp(), 4, status))
        assert header.command_status == status

    def test_unmodelled_pdu_is_a_named_error(self):
        """An smpp.pdu object we have no value for raises UnsupportedPdu naming it, not KeyError
        (replace_sm is read by pdu.multi's own codec instead)."""
        from smpp.pdu import operations

        with pytest.raises(wire.UnsupportedPdu, match="replace_sm"):
            wire.from_pdu(operations.ReplaceSM(1))

    def test_alert_notification_round_trip(self):
        """alert_notification keeps the handset, the ESME address and ms_availability_status."""
        value = wire.AlertNotification(Address(1, 1, "8613800130003"), Address(0, 0, "10690001"), 0)
        assert wire.decode(wire.encode(value, 7)) == (wire.Header(0x102, 0, 7, "alert_notification"), value)


class TestGuards:
    def test_tlv_not_allowed_in_pdu_is_refused(self):
        """A TLV the PDU cannot carry is an error, never silently dropped."""
        value = SubmitSm(Address(), Address(), b"x", tlvs={"receipted_message_id": "1"})
        with pytest.raises(ValueError, match="receipted_message_id"):
            wire.encode(value)

    def test_time_fields_do_not_print(self, capsys):
        """smpp.pdu's debug print of time fields is patched out (it corrupted CLI output)."""
        wire.decode(wire.encode(SubmitSm(Address(), Address(), validity_period="000001000000000R")))
        assert capsys.readouterr().out == ""

    def test_encoding_after_decoding_a_short_tlv(self):
        """smpp.pdu's encoder remembered the last decoded TLV length; encoding must not care."""
        wire.decode(wire.encode(SubmitSm(Address(), Address(), tlvs={"sar_msg_ref_num": 1})))
        value = SubmitSm(Address(), Address(), tlvs={"message_payload": b"12345"})
        assert wire.decode(wire.encode(value))[1] == value
