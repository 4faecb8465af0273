"""A PDU described for people: spec names in spec order, values as sent, meanings, and an
error (never an exception) for octets that are no PDU."""

import datetime

from hypothesis import given
from hypothesis import strategies as st

from pdu import segments, wire
from pdu.inspect import describe
from pdu.receipts import Receipt, build_receipt
from pdu.status import MessageState
from pdu.text import Encoding
from pdu.wire import Address, DataSm, DeliverSm, SubmitSm, SubmitSmResp

from .test_wire import short_messages

SUBMIT_SM_ORDER = [
    "service_type", "source_addr_ton", "source_addr_npi", "source_addr", "dest_addr_ton", "dest_addr_npi",
    "destination_addr", "esm_class", "protocol_id", "priority_flag", "schedule_delivery_time", "validity_period",
    "registered_delivery", "replace_if_present_flag", "data_coding", "sm_default_msg_id", "sm_length", "short_message",
]  # fmt: skip
SOURCE, HANDSET = Address(1, 1, "10690001"), Address(1, 1, "8613800130000")


def fields(described: dict, part: str = "body") -> dict:
    return {field["name"]: field for field in described[part]}


class TestSubmitSm:
    @given(short_messages)
    def test_every_field_comes_back_by_its_spec_name_in_spec_order(self, message):
        """Each mandatory field of any submit_sm reads back under its SMPP 3.4 name, in the spec's
        order, with the value that was encoded; each TLV under its name."""
        octets = wire.encode(message, 77)
        described = describe(octets)
        assert described["command"] == "submit_sm" and described["hex"] == octets.hex()
        assert [field["name"] for field in described["header"]] == ["command_length", "command_id", "command_status", "sequence_number"]
        assert [field["value"] for field in described["header"]] == [len(octets), 4, 0, 77]
        assert [field["name"] for field in described["body"]] == SUBMIT_SM_ORDER
        values = {name: field["value"] for name, field in fields(described).items()}
        assert values == {
            "service_type": message.service_type, "source_addr_ton": message.source.ton, "source_addr_npi": message.source.npi,
            "source_addr": message.source.digits, "dest_addr_ton": message.destination.ton,
            "dest_addr_npi": message.destination.npi, "destination_addr": message.destination.digits,
            "esm_class": message.esm_class, "protocol_id": message.protocol_id, "priority_flag": message.priority_flag,
            "schedule_delivery_time": message.schedule_delivery_time, "validity_period": message.validity_period,
            "registered_delivery": message.registered_delivery, "replace_if_present_flag": message.replace_if_present_flag,
            "data_coding": message.data_coding, "sm_default_msg_id": message.sm_default_msg_id,
            "sm_length": len(message.short_message), "short_message": message.short_message.hex(),
        }  # fmt: skip
        tlvs = {field["name"]: field["value"] for field in described["tlvs"]}
        assert tlvs == {name: value.hex() if isinstance(value, bytes) else value for name, value in message.tlvs.items()}

    def test_meanings_of_the_coded_fields(self):
        """TON, NPI, esm_class, registered_delivery and data_coding carry their meaning in words."""
        message = SubmitSm(SOURCE, Address(5, 0, "ACME"), "héllo".encode("utf-16-be"), esm_class=0x43,
                           registered_delivery=0x11, data_coding=8, validity_period="000000003000000R")  # fmt: skip
        body = fields(describe(wire.encode(message)))
        assert body["source_addr_ton"]["meaning"] == "international"
        assert body["dest_addr_ton"]["meaning"] == "alphanumeric"
        assert body["source_addr_npi"]["meaning"] == "ISDN (E.163/E.164)"
        assert body["esm_class"]["meaning"] == "store and forward mode; UDHI set"
        assert body["registered_delivery"]["meaning"] == "SMSC delivery receipt on final outcome; intermediate notification requested"
        assert body["data_coding"]["meaning"].startswith("UCS2")
        assert body["validity_period"]["meaning"] == "relative: 0 years 0 months 0 days 00:30:00 from now"

    def test_ucs2_text_is_decoded(self):
        """A UCS-2 short_message reads as its text, surrogate pairs included."""
        text = "你好, wörld 😀"
        message = SubmitSm(SOURCE, HANDSET, text.encode("utf-16-be"), data_coding=8)
        short_message = fields(describe(wire.encode(message)))["short_message"]
        assert (short_message["text"], short_message["encoding"]) == (text, "UCS-2")

    def test_long_message_parts_show_their_udh_and_text(self):
        """Each part of a UDH-concatenated message shows its reference, its place and its own text."""
        text = "The quick brown fox jumps over the lazy dog. " * 5
        parts = segments.split(text, Encoding.GSM7, segments.Concatenation.UDH8, reference=42)
        read = []
        for part in parts:
            message = SubmitSm(SOURCE, HANDSET, part.short_message, esm_class=0x40)
            short_message = fields(describe(wire.encode(message)))["short_message"]
            udh = short_message["udh"]
            assert (udh["reference"], udh["parts"], udh["hex"]) == (42, len(parts), part.udh.hex())
            assert udh["meaning"] == f"part {udh['part']} of {len(parts)}, concatenation reference 42"
            read.append((udh["part"], short_message["text"]))
        assert [place for place, _ in read] == list(range(1, len(parts) + 1))
        assert "".join(piece for _, piece in read) == text

    def test_sar_tlvs_by_name(self):
        """SAR TLVs and a message_payload come back under their spec names, the payload decoded."""
        message = SubmitSm(SOURCE, HANDSET, tlvs={"sar_msg_ref_num": 300, "sar_total_segments": 3, "sar_segment_seqnum": 2,
                                                  "message_payload": b"hello payload"})  # fmt: skip
        tlvs = fields(describe(wire.encode(message)), "tlvs")
        assert [tlvs[name]["value"] for name in ("sar_msg_ref_num", "sar_total_segments", "sar_segment_seqnum")] == [300, 3, 2]
        assert tlvs["message_payload"]["text"] == "hello payload" and tlvs["sar_msg_ref_num"]["tag"] == "0x020C"


class TestReceipt:
    def receipt(self, state=MessageState.UNDELIVERABLE, error=1):
        moment = datetime.datetime(2026, 11, 22, 9, 30)
        text, tlvs = build_receipt(Receipt("4711", state, moment, moment, error=error, text="Your code is 1234"))
        return DeliverSm(HANDSET, SOURCE, text.encode("ascii"), esm_class=0x04,
                         tlvs={"receipted_message_id": "4711", "message_state": int(state),
                               "network_error_code": tlvs.network_error_code})  # fmt: skip

    def test_receipt_text_is_parsed_into_its_fields(self):
        """A receipt deliver_sm's text reads field by field, as appendix B names them."""
        described = describe(wire.encode(self.receipt(), 3))
        body = fields(described)
        assert body["esm_class"]["meaning"] == "SMSC delivery receipt"
        receipt = body["short_message"]["receipt"]
        assert receipt == {"id": "4711", "sub": 1, "dlvrd": 0, "submit date": "2026-11-22 09:30:00",
                           "done date": "2026-11-22 09:30:00", "stat": "UNDELIV", "err": 1, "text": "Your code is 1234",
                           "meaning": "UNDELIVERABLE: Permanent delivery failure (e.g. unknown subscriber)."}  # fmt: skip

    def test_receipt_tlvs_by_name_with_meanings(self):
        """receipted_message_id, message_state and network_error_code read with what they mean."""
        tlvs = fields(describe(wire.encode(self.receipt())), "tlvs")
        assert tlvs["receipted_message_id"]["value"] == "4711"
        assert (tlvs["message_state"]["value"], tlvs["message_state"]["meaning"].split(":")[0]) == (5, "UNDELIVERABLE")
        assert (tlvs["network_error_code"]["meaning"], tlvs["network_error_code"]["error_code"]) == ("GSM error 1", 1)

    def test_data_sm_receipt_payload_is_parsed(self):
        """A receipt carried as data_sm's message_payload is parsed the same way."""
        text = "id:9 sub:001 dlvrd:001 submit date:2611220930 done date:2611220931 stat:DELIVRD err:000 text:hi"
        value = DataSm(HANDSET, SOURCE, esm_class=0x04, tlvs={"message_payload": text.encode(), "message_state": 2})
        described = describe(wire.encode(value))
        assert described["command"] == "data_sm"
        assert fields(described, "tlvs")["message_payload"]["receipt"]["stat"] == "DELIVRD"


class TestResponsesAndErrors:
    def test_submit_sm_resp(self):
        """submit_sm_resp shows its message_id; a status shows its name and meaning."""
        described = describe(wire.encode(SubmitSmResp("abc123"), 8, 0x58))
        assert fields(described, "header")["command_status"]["meaning"].startswith("ESME_RTHROTTLED:")
        assert described["command"] == "submit_sm_resp"

    def test_ok_submit_sm_resp_body(self):
        """An accepted submit_sm_resp carries its message_id as its one body field."""
        described = describe(wire.encode(SubmitSmResp("abc123"), 8))
        assert [(f["name"], f["value"]) for f in described["body"]] == [("message_id", "abc123")]

    def test_length_mismatch_is_an_error(self):
        """Octets that do not match their command_length are an error that says so, header shown."""
        octets = wire.encode(SubmitSm(SOURCE, HANDSET, b"hi"))
        described = describe(octets + b"\0")
        assert "command_length says" in described["error"] and described["hex"] == (octets + b"\0").hex()

    @given(st.binary(max_size=300))
    def test_garbage_is_an_error_dict_never_an_exception(self, octets):
        """Any octets at all give a description or an error with the octets in hex."""
        described = describe(octets)
        assert described["hex"] == octets.hex()
        assert "error" in described or "command" in described

    @given(st.binary(min_size=1, max_size=200), st.sampled_from([4, 5, 0x80000004, 0x103, 0x9]))
    def test_a_valid_header_over_any_body_never_raises(self, body, command_id):
        """A plausible header over random body octets is still described or refused, never raised."""
        octets = (16 + len(body)).to_bytes(4, "big") + command_id.to_bytes(4, "big") + bytes(4) + (1).to_bytes(4, "big") + body
        described = describe(octets)
        assert "error" in described or described["header"][1]["value"] == command_id
