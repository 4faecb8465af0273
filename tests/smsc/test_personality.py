"""Carrier personalities: message ids and receipts written the way a chosen carrier does."""

import re

import pytest

from pdu.receipts import parse_receipt, same_message_id
from pdu.segments import split
from pdu.wire import Address, SubmitSm
from smsc.config_file import ConfigError, structure
from smsc.testing import WireSession, run_for

from .conftest import account, make_factory

SUBMIT = SubmitSm(Address(1, 1, "10690001"), Address(1, 1, "8613800130000"), b"hello", registered_delivery=1)


def one_receipt(clock, personality, message=SUBMIT):
    session = WireSession(make_factory(clock, account(personality=personality)))
    session.bind()
    session.send(message)
    ((_, response),) = session.received()
    run_for(clock, 1)
    ((header, receipt),) = session.received()
    return response.message_id, header, receipt


class TestIds:
    def test_default_ids_are_decimal(self, clock):
        """Plain SMPP 3.4: decimal ids, the same in the receipt text and TLV."""
        message_id, _, receipt = one_receipt(clock, "smpp34")
        assert message_id.isdigit()
        assert parse_receipt(receipt.short_message.decode()).message_id == message_id
        assert receipt.tlvs["receipted_message_id"] == message_id

    def test_hex_response_decimal_receipt_text(self, clock):
        """hex-ids answers in hex and writes the receipt text id in decimal; the TLV keeps hex."""
        message_id, _, receipt = one_receipt(clock, "hex-ids")
        text_id = parse_receipt(receipt.short_message.decode()).message_id
        assert int(message_id, 16) == int(text_id) and receipt.tlvs["receipted_message_id"] == message_id
        assert same_message_id(message_id, text_id, cross_base=True)

    def test_uuid_ids(self, clock):
        """uuid answers with UUIDs and dates with seconds."""
        message_id, _, receipt = one_receipt(clock, "uuid")
        assert re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}", message_id)
        assert re.search(r"submit date:\d{12} ", receipt.short_message.decode())


class TestReceipts:
    def test_terse_receipt_text(self, clock):
        """terse: no sub/dlvrd, 'Text:', four-digit err, no TLVs."""
        _, _, receipt = one_receipt(clock, "terse")
        text = receipt.short_message.decode()
        assert "sub:" not in text and "err:0000" in text and " Text:hello" in text
        assert dict(receipt.tlvs) == {}

    def test_receipts_as_data_sm(self, clock):
        """data-sm-receipts sends the receipt as data_sm with the text in message_payload."""
        message_id, header, receipt = one_receipt(clock, "data-sm-receipts")
        assert header.command_name == "data_sm" and receipt.esm_class == 0x04
        assert receipt.tlvs["receipted_message_id"] == message_id
        assert b"stat:DELIVRD" in receipt.tlvs["message_payload"]

    @pytest.mark.parametrize("personality,receipts", [("smpp34", 3), ("terse", 1)])
    def test_receipts_per_segment_or_last_only(self, clock, personality, receipts):
        """A three-part message gets three receipts, or one for the last part."""
        session = WireSession(make_factory(clock, account(personality=personality)))
        session.bind()
        for part in split("long " * 80, reference=9):
            session.send(SubmitSm(SUBMIT.source, SUBMIT.destination, part.short_message, esm_class=0x40, registered_delivery=1))
        session.received()
        run_for(clock, 1)
        assert len(session.received()) == receipts

    def test_failure_only_receipts_skip_delivered(self, clock, session):
        """registered_delivery 2 asks for failure receipts only: a delivered message sends none."""
        session.bind()
        session.send(SubmitSm(SUBMIT.source, SUBMIT.destination, b"x", registered_delivery=2))
        session.received()
        run_for(clock, 5)
        assert session.received() == []


class TestConfig:
    def test_custom_personality_from_config(self, clock):
        """A [personalities.NAME] table defines a carrier; accounts pick it by name."""
        config = structure(
            {
                "personalities": {"acme": {"message_id": "HEX", "message_id_width": 12, "receipt_tlvs": False}},
                "accounts": [{"system_id": "a", "password": "b", "personality": "acme"}],
            },
            "smsc.toml",
        )
        assert config.personality("acme").message_id_width == 12

    def test_unknown_personality_is_named(self):
        """An account naming a personality nobody defined is a config error listing the built-ins."""
        with pytest.raises(ConfigError, match="personality 'acme'.*smpp34"):
            structure({"accounts": [{"system_id": "a", "password": "b", "personality": "acme"}]}, "smsc.toml")
