"""The status tables: every code named and explained."""

import pytest
from smpp.pdu import constants

from pdu.status import CommandStatus, MessageState, describe_status, status_info


class TestCommandStatus:
    def test_every_smpp34_code_has_a_meaning(self):
        """Each code smpp.pdu knows (3.4 plus 5.0 additions we list) has our name and meaning."""
        for code, entry in constants.command_status_value_map.items():
            if code < 0 or code > 0x106:
                continue
            info = status_info(code)
            assert info.name == entry["name"] and info.meaning

    @pytest.mark.parametrize(
        "code,name", [(0x0E, "ESME_RINVPASWD"), (0x58, "ESME_RTHROTTLED"), (0x450, "VENDOR_SPECIFIC"), (0x09, "RESERVED")]
    )
    def test_describe(self, code, name):
        """One line for logs: hex code, name and meaning; reserved ranges are said to be."""
        line = describe_status(code)
        assert line.startswith(f"0x{code:08X} {name}: ")

    def test_enum_values(self):
        """The enum carries the wire values."""
        assert CommandStatus.ESME_RTHROTTLED == 0x58 and CommandStatus.ESME_RMSGQFUL == 0x14


class TestMessageState:
    def test_receipt_words(self):
        """message_state maps to the seven-letter receipt stat and back."""
        assert MessageState.DELIVERED.receipt_stat == "DELIVRD"
        assert MessageState.from_receipt_stat("undeliv") is MessageState.UNDELIVERABLE
        assert MessageState.from_receipt_stat("REJECTED") is MessageState.REJECTED

    def test_finality(self):
        """ENROUTE and ACCEPTED are not final; DELIVERED and EXPIRED are."""
        assert not MessageState.ENROUTE.is_final and MessageState.EXPIRED.is_final
        assert all(state.meaning for state in MessageState)
