"""Delivery receipts: the SMPP 3.4 appendix-B text and the receipt TLVs, built and read.

    id:IIIIIIIIII sub:SSS dlvrd:DDD submit date:YYMMDDhhmm done date:YYMMDDhhmm stat:DDDDDDD err:EEE text:...

Carriers vary this text in ways that break integrations: the id in decimal or hex, dates with
or without seconds, sub and dlvrd left out, `Text:` or `text:`, err on three or four digits,
TLVs on or off. Each variation is a field of ReceiptFormat, so one function builds them all;
the parser reads every variant without being told which.
"""

import datetime
import enum
import re
import string

import attrs

from pdu.status import MessageState

NETWORK_TYPE_GSM = 3  # network_error_code's first octet (SMPP 3.4 section 5.3.2.31)


class IdFormat(enum.Enum):
    """How a numeric message_id is written."""

    DECIMAL = "decimal"
    HEX_LOWER = "hex"
    HEX_UPPER = "HEX"


def format_message_id(number: int, id_format: IdFormat = IdFormat.DECIMAL, width: int = 0) -> str:
    """A numeric message id as a carrier writes it, zero-padded to width."""
    return format(number, _FORMAT_SPECS[id_format]).zfill(width)


_FORMAT_SPECS = {IdFormat.DECIMAL: "d", IdFormat.HEX_LOWER: "x", IdFormat.HEX_UPPER: "X"}


_DECIMAL_ID = re.compile(r"^[0-9]{1,40}$")
_HEX_ID = re.compile(r"^[0-9a-f]{1,40}$")


def message_id_readings(message_id: str) -> frozenset[int]:
    """Every number a written id may stand for: its decimal and hex readings."""
    written = message_id.strip().lower()
    readings = set()
    if _DECIMAL_ID.match(written):
        readings.add(int(written, 10))
    if _HEX_ID.match(written):
        readings.add(int(written, 16))
    return frozenset(readings)


def same_message_id(one: str, other: str, cross_base: bool = False) -> bool:
    """True when two written ids name the same message: the same text, ignoring case and
    zero padding. With cross_base, also a hex id and a decimal id of the same number, for a
    carrier known to answer in one base and report in the other (without it, "10" and "16"
    would be taken for one message)."""
    first, second = one.strip().lower(), other.strip().lower()
    if first == second or (first.lstrip("0") or "0") == (second.lstrip("0") or "0"):
        return True
    if not cross_base:
        return False
    first_hex, second_hex = _HEX_ID.match(first), _HEX_ID.match(second)
    if _DECIMAL_ID.match(first) and second_hex and int(first, 10) == int(second, 16):
        return True
    return bool(first_hex and _DECIMAL_ID.match(second) and int(first, 16) == int(second, 10))


@attrs.frozen
class Receipt:
    """What a delivery receipt says about one message."""

    message_id: str | int  # an int is written in the format's id_format; a str as it is
    state: MessageState
    submit_date: datetime.datetime | None
    done_date: datetime.datetime | None
    error: int = attrs.field(default=0, validator=attrs.validators.and_(attrs.validators.ge(0), attrs.validators.le(0xFFFF)))
    submitted: int | None = 1
    delivered: int | None = None
    text: str = ""

    @property
    def delivered_count(self) -> int:
        """dlvrd, defaulting to 1 for a DELIVERED receipt and 0 otherwise."""
        if self.delivered is not None:
            return self.delivered
        return 1 if self.state is MessageState.DELIVERED else 0


@attrs.frozen
class ReceiptFormat:
    """One carrier's way of writing receipts. The default is plain SMPP 3.4."""

    id_format: IdFormat = IdFormat.DECIMAL
    id_width: int = 0
    tlv_id_format: IdFormat | None = None  # None: the same as in the text
    date_width: int = attrs.field(default=10, validator=attrs.validators.in_((10, 12)))
    sub_dlvrd: bool = True
    text_label: str = "text"
    err_digits: int = 3
    text_chars: int = 20
    tlvs: bool = True


@attrs.frozen
class ReceiptTlvs:
    """The receipt TLVs of deliver_sm/data_sm (SMPP 3.4 section 5.3.2)."""

    receipted_message_id: str
    message_state: MessageState
    network_error_code: bytes | None = None  # 3 octets: network type, then a 16-bit error

    @property
    def network_error(self) -> tuple[int, int] | None:
        """(network type, error code) read from network_error_code."""
        if not self.network_error_code or len(self.network_error_code) != 3:
            return None
        return self.network_error_code[0], int.from_bytes(self.network_error_code[1:], "big")


def network_error_code(error: int, network_type: int = NETWORK_TYPE_GSM) -> bytes:
    """The 3-octet network_error_code TLV value for a GSM MAP error."""
    return bytes((network_type,)) + error.to_bytes(2, "big")


def _written_id(message_id: str | int, id_format: IdFormat, width: int) -> str:
    if isinstance(message_id, int):
        return format_message_id(message_id, id_format, width)
    return message_id


def _date(value: datetime.datetime | None, width: int) -> str:
    if value is None:
        return "0" * width
    # An f-string, not strftime: twice per receipt, and three times faster.
    minute = f"{value.year % 100:02d}{value.month:02d}{value.day:02d}{value.hour:02d}{value.minute:02d}"
    return f"{minute}{value.second:02d}" if width == 12 else minute


def build_receipt(receipt: Receipt, fmt: ReceiptFormat = ReceiptFormat()) -> tuple[str, ReceiptTlvs | None]:
    """The receipt text, and the TLVs when the format sends them."""
    fields = [f"id:{_written_id(receipt.message_id, fmt.id_format, fmt.id_width)}"]
    if fmt.sub_dlvrd:
        fields.append(f"sub:{receipt.submitted if receipt.submitted is not None else 1:03d}")
        fields.append(f"dlvrd:{receipt.delivered_count:03d}")
    fields += [
        f"submit date:{_date(receipt.submit_date, fmt.date_width)}",
        f"done date:{_date(receipt.done_date, fmt.date_width)}",
        f"stat:{receipt.state.receipt_stat}",
        f"err:{receipt.error:0{fmt.err_digits}d}",
        f"{fmt.text_label}:{receipt.text[: fmt.text_chars]}",
    ]
    tlvs = None
    if fmt.tlvs:
        tlv_id = _written_id(receipt.message_id, fmt.tlv_id_format or fmt.id_format, fmt.id_width)
        tlvs = ReceiptTlvs(tlv_id, receipt.state, network_error_code(receipt.error) if receipt.error else None)
    return " ".join(fields), tlvs


@attrs.frozen
class NotAReceipt(ValueError):
    """Text that does not read as a delivery receipt."""

    text: str
    reason: str

    def __str__(self):
        return f"not a delivery receipt ({self.reason}): {self.text[:80]!r}"


# Field names are matched in any ASCII case, at the start of a word. The patterns run on a copy
# of the text with ASCII letters lowered (same length, so values are sliced from the original)
# and without a leading \b, which would keep the regex engine from jumping to the literal name:
# _search checks the word start itself. Four times fewer instructions than IGNORECASE with \b.
_ASCII_LOWER = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)
_TEXT_LABEL = re.compile(r"text:")
_FIELDS = {
    "id": re.compile(r"id:\s*(?![a-z_]+:)(\S+)"),
    "sub": re.compile(r"sub:\s*(\d{1,9})\b"),
    "dlvrd": re.compile(r"dlvrd:\s*(\d{1,9})\b"),
    "submit": re.compile(r"submit[ _]date:\s*(\d{10}(?:\d{2})?)\b"),
    "done": re.compile(r"done[ _]date:\s*(\d{10}(?:\d{2})?)\b"),
    "stat": re.compile(r"stat:\s*([a-z_]+)"),
    "err": re.compile(r"err:\s*([0-9a-f]{1,4})\b"),
}


def _search(pattern: re.Pattern, lowered: str, end: int) -> re.Match | None:
    """The first match of pattern in lowered[:end] that starts a word."""
    at = 0
    while (match := pattern.search(lowered, at, end)) is not None:
        start = match.start()
        if start == 0 or not (lowered[start - 1].isalnum() or lowered[start - 1] == "_"):
            return match
        at = start + 1
    return None


def _parse_date(digits: str | None) -> datetime.datetime | None:
    if digits is None or set(digits) == {"0"}:
        return None
    try:
        return datetime.datetime.strptime(digits, "%y%m%d%H%M%S" if len(digits) == 12 else "%y%m%d%H%M")
    except ValueError:
        return None  # a nonsense date is no reason to lose the rest of the receipt


def _fields(text: str, names) -> tuple[dict, str]:
    """The named fields of a receipt's head (None where absent), and the text after `text:`."""
    # str.lower of an ASCII text lowers ASCII letters only, ten times faster than translate.
    lowered = text.lower() if text.isascii() else text.translate(_ASCII_LOWER)
    label = _search(_TEXT_LABEL, lowered, len(text))
    end = label.start() if label else len(text)
    values = {}
    for name in names:
        match = _search(_FIELDS[name], lowered, end)
        values[name] = text[match.start(1) : match.end(1)] if match else None
    return values, text[label.end() :] if label else ""


def _settled(text: str, values: dict) -> tuple[str, MessageState, int]:
    if values["id"] is None:
        raise NotAReceipt(text, "no id:")
    if values["stat"] is None:
        raise NotAReceipt(text, "no stat:")
    try:
        state = MessageState.from_receipt_stat(values["stat"])
    except ValueError:
        raise NotAReceipt(text, f"unknown stat {values['stat']!r}") from None
    err = values["err"] or "0"
    return values["id"], state, int(err) if err.isdigit() else int(err, 16)


def receipt_status(text: str) -> tuple[str, MessageState, int]:
    """(id, state, err) of a receipt text, read as parse_receipt reads them, without the dates
    and counts: what settles a message, on an ESME's hot path."""
    return _settled(text, _fields(text, ("id", "stat", "err"))[0])


def parse_receipt(text: str) -> Receipt:
    """Read a receipt text in any of the carrier variants; id and stat are the only musts.

    The id stays as written (compare ids with same_message_id); err is decimal when it is
    all digits, else hex.
    """
    values, body = _fields(text, _FIELDS)
    message_id, state, error = _settled(text, values)
    return Receipt(
        message_id=message_id,
        state=state,
        submit_date=_parse_date(values["submit"]),
        done_date=_parse_date(values["done"]),
        error=error,
        submitted=int(values["sub"]) if values["sub"] else None,
        delivered=int(values["dlvrd"]) if values["dlvrd"] else None,
        text=body,
    )
