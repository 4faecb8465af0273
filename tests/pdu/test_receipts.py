"""Delivery receipts: appendix-B text in every carrier variant, TLVs, and tolerant parsing."""

import datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pdu.receipts import (
    IdFormat,
    NotAReceipt,
    Receipt,
    ReceiptFormat,
    build_receipt,
    format_message_id,
    message_id_readings,
    parse_receipt,
    receipt_status,
    same_message_id,
)
from pdu.status import MessageState

SUBMIT = datetime.datetime(2026, 11, 22, 9, 30, 15)
DONE = datetime.datetime(2026, 11, 22, 9, 31, 47)

dates = st.datetimes(min_value=datetime.datetime(2000, 1, 1), max_value=datetime.datetime(2068, 12, 31)).map(  # YY pivots at 69
    lambda d: d.replace(microsecond=0)
)
formats = st.builds(
    ReceiptFormat,
    id_format=st.sampled_from(IdFormat),
    id_width=st.sampled_from([0, 10, 16]),
    date_width=st.sampled_from([10, 12]),
    sub_dlvrd=st.booleans(),
    text_label=st.sampled_from(["text", "Text"]),
    err_digits=st.sampled_from([3, 4]),
    tlvs=st.booleans(),
)


class TestBuild:
    def test_plain_smpp34_receipt(self):
        """The default is the appendix-B layout with 10-digit dates and 3-digit err."""
        receipt = Receipt(1234567890, MessageState.DELIVERED, SUBMIT, DONE, text="Your code is 4321, valid 5 min")
        text, tlvs = build_receipt(receipt)
        assert text == (
            "id:1234567890 sub:001 dlvrd:001 submit date:2611220930 done date:2611220931 "
            "stat:DELIVRD err:000 text:Your code is 4321, v"
        )
        assert tlvs.receipted_message_id == "1234567890" and tlvs.message_state is MessageState.DELIVERED
        assert tlvs.network_error_code is None

    def test_carrier_variant(self):
        """Hex ids, seconds in dates, no sub/dlvrd, 'Text:' and 4-digit err are one format."""
        fmt = ReceiptFormat(IdFormat.HEX_UPPER, id_width=8, date_width=12, sub_dlvrd=False, text_label="Text", err_digits=4)
        receipt = Receipt(0xBEEF, MessageState.UNDELIVERABLE, SUBMIT, DONE, error=1, text="hi")
        text, tlvs = build_receipt(receipt, fmt)
        assert text == "id:0000BEEF submit date:261122093015 done date:261122093147 stat:UNDELIV err:0001 Text:hi"
        assert tlvs.network_error == (3, 1)

    def test_tlv_id_may_differ_from_text_id(self):
        """Some carriers write the text id in decimal and receipted_message_id in hex."""
        fmt = ReceiptFormat(IdFormat.DECIMAL, tlv_id_format=IdFormat.HEX_LOWER)
        text, tlvs = build_receipt(Receipt(255, MessageState.EXPIRED, SUBMIT, DONE), fmt)
        assert text.startswith("id:255 ") and tlvs.receipted_message_id == "ff"

    def test_tlvs_off(self):
        """A carrier that sends no receipt TLVs."""
        assert build_receipt(Receipt("x", MessageState.REJECTED, SUBMIT, DONE), ReceiptFormat(tlvs=False))[1] is None


class TestParse:
    @pytest.mark.parametrize(
        "text",
        [
            "id:0123456789 sub:001 dlvrd:001 submit date:2611220930 done date:2611220931 stat:DELIVRD err:000 text:hello",
            "id:0123456789 submit date:261122093015 done date:261122093147 stat:DELIVRD err:0000 Text:hello",
            "ID:0123456789 SUB:1 DLVRD:1 SUBMIT DATE:2611220930 DONE DATE:2611220931 STAT:DELIVRD ERR:0 TEXT:hello",
            "id:0123456789  submit_date:2611220930 done_date:2611220931 stat:DELIVERED err:000 text:hello",
        ],
    )
    def test_variants_in_the_wild(self, text):
        """Casing, date widths, missing sub/dlvrd, underscores and full state names all read."""
        receipt = parse_receipt(text)
        assert receipt.message_id == "0123456789"
        assert receipt.state is MessageState.DELIVERED
        assert receipt.error == 0
        assert receipt.text == "hello"
        assert receipt.submit_date.date() == datetime.date(2026, 11, 22)

    def test_field_names_start_a_word(self):
        """'xid:' and 'substat:' are not fields; the id: and stat: after them are."""
        assert receipt_status("xid:9 id:7 substat:ENROUTE stat:DELIVRD") == ("7", MessageState.DELIVERED, 0)

    def test_text_may_contain_field_names(self):
        """Everything after text: is the text, even words like 'stat:' inside it."""
        receipt = parse_receipt("id:1 stat:UNDELIV err:001 text:stat:DELIVRD id:2")
        assert (receipt.message_id, receipt.state, receipt.text) == ("1", MessageState.UNDELIVERABLE, "stat:DELIVRD id:2")

    @pytest.mark.parametrize("text,reason", [("hello there", "no id"), ("id:5 err:000", "no stat"), ("id:5 stat:WHATEVER", "unknown stat")])
    def test_not_a_receipt(self, text, reason):
        """An MO that looks nothing like a receipt is told apart, with the reason."""
        with pytest.raises(NotAReceipt, match=reason):
            parse_receipt(text)
        with pytest.raises(NotAReceipt, match=reason):
            receipt_status(text)

    @given(
        st.one_of(st.integers(0, 2**63), st.text(alphabet="0123456789abcdefABCDEF-", min_size=1, max_size=40)),
        st.sampled_from(MessageState),
        dates,
        dates,
        st.integers(0, 999),
        st.text(max_size=30).filter(lambda t: "\x00" not in t),
        formats,
    )
    def test_build_then_parse_returns_the_fields(self, message_id, state, submitted, done, error, body, fmt):
        """For every variant, parsing a built receipt gives back what was built; receipt_status
        reads its id, state and err alike."""
        receipt = Receipt(message_id, state, submitted, done, error=error, text=body)
        text, _ = build_receipt(receipt, fmt)
        parsed = parse_receipt(text)
        assert receipt_status(text) == (parsed.message_id, parsed.state, parsed.error)
        written = format_message_id(message_id, fmt.id_format, fmt.id_width) if isinstance(message_id, int) else message_id
        assert parsed.message_id == written
        assert parsed.state is state and parsed.error == error
        assert parsed.text == body[: fmt.text_chars]
        precision = "seconds" if fmt.date_width == 12 else "minutes"
        assert parsed.submit_date == submitted.replace(second=submitted.second if precision == "seconds" else 0)
        assert parsed.done_date == done.replace(second=done.second if precision == "seconds" else 0)
        if fmt.sub_dlvrd:
            assert parsed.delivered == receipt.delivered_count
        if isinstance(message_id, int):
            assert message_id in message_id_readings(parsed.message_id)


class TestIdCorrelation:
    def test_same_text_ignoring_case_and_padding(self):
        """'00001A2B' and '1a2b' are one id; '1a2b' and '1a2c' are not."""
        assert same_message_id("00001A2B", "1a2b")
        assert not same_message_id("1a2b", "1a2c")

    def test_cross_base_only_when_asked(self):
        """A hex response and a decimal receipt match only for a carrier known to do that,
        because otherwise '10' and '16' would be taken for one message."""
        assert not same_message_id("1a2b", "6699") and not same_message_id("10", "16")
        assert same_message_id("1a2b", "6699", cross_base=True)
        assert not same_message_id("1a2b", "6700", cross_base=True)

    def test_readings_ignore_python_number_syntax(self):
        """'1_0' is not an id that reads as ten."""
        assert message_id_readings("1_0") == frozenset()


class TestHostileReceipts:
    @pytest.mark.parametrize(
        "text",
        ["id:1 sub:" + "1" * 5000 + " stat:DELIVRD", "id:1 stat:DELIVRD err:" + "9" * 5000, "id: stat:DELIVRD"],
    )
    def test_odd_input_is_a_receipt_or_not_a_receipt(self, text):
        """Huge numbers and empty ids give a Receipt or NotAReceipt, never another error."""
        try:
            receipt = parse_receipt(text)
        except NotAReceipt:
            return
        assert receipt.message_id != "stat:DELIVRD"

    def test_error_beyond_16_bits_is_refused_when_built(self):
        """network_error_code holds 16 bits; a bigger err is refused at once."""
        with pytest.raises(ValueError):
            Receipt("1", MessageState.UNDELIVERABLE, None, None, error=0x10000)
