"""Carrier personalities: the wire differences that break real integrations, as settings.

A QA engineer picks the carrier they integrate with (an account's `personality`), and the
SMSC writes message ids and receipts the way that carrier does. The default is plain SMPP 3.4.
Each difference is a field, never a subclass; the built-in profiles below are the common
combinations, and a config may define more under [personalities.NAME].
"""

import enum
import random
import uuid

import attrs

from pdu.receipts import IdFormat, ReceiptFormat, format_message_id


class IdStyle(enum.Enum):
    """How a message_id is written."""

    DECIMAL = "decimal"
    HEX = "hex"  # lower case
    HEX_UPPER = "HEX"
    UUID = "uuid"


class ReceiptPdu(enum.Enum):
    DELIVER_SM = "deliver_sm"
    DATA_SM = "data_sm"


_ID_FORMATS = {IdStyle.DECIMAL: IdFormat.DECIMAL, IdStyle.HEX: IdFormat.HEX_LOWER, IdStyle.HEX_UPPER: IdFormat.HEX_UPPER}


@attrs.frozen
class Personality:
    """How one carrier writes message ids and receipts."""

    message_id: IdStyle = IdStyle.DECIMAL
    message_id_width: int = attrs.field(default=0, validator=attrs.validators.in_(range(0, 41)))
    receipt_text_id: IdStyle | None = None  # the id in the receipt text; None: as in submit_sm_resp
    receipt_date_width: int = attrs.field(default=10, validator=attrs.validators.in_((10, 12)))
    receipt_sub_dlvrd: bool = True
    receipt_text_label: str = attrs.field(default="text", validator=attrs.validators.in_(("text", "Text")))
    receipt_err_digits: int = attrs.field(default=3, validator=attrs.validators.in_((3, 4)))
    receipt_tlvs: bool = True
    receipt_pdu: ReceiptPdu = ReceiptPdu.DELIVER_SM
    receipt_esm_class: int = attrs.field(default=0x04, validator=attrs.validators.in_(range(0, 256)))
    receipts_per_segment: bool = True  # False: only the last part of a long message gets one

    def receipt_format(self) -> ReceiptFormat:
        return ReceiptFormat(
            date_width=self.receipt_date_width,
            sub_dlvrd=self.receipt_sub_dlvrd,
            text_label=self.receipt_text_label,
            err_digits=self.receipt_err_digits,
            tlvs=self.receipt_tlvs,
        )


@attrs.frozen
class MessageIds:
    """The ids one message goes by: in submit_sm_resp (and receipted_message_id) and in the
    receipt text, which some carriers write differently."""

    response: str
    receipt_text: str


def message_ids(personality: Personality, number: int, rng: random.Random) -> MessageIds:
    """The ids for the number-th message the SMSC accepted."""
    if personality.message_id is IdStyle.DECIMAL and personality.receipt_text_id in (None, IdStyle.DECIMAL):
        decimal = str(number).zfill(personality.message_id_width)  # the default, on every submit
        return MessageIds(decimal, decimal)
    uses_uuid = IdStyle.UUID in (personality.message_id, personality.receipt_text_id)
    unique = str(uuid.UUID(int=rng.getrandbits(128), version=4)) if uses_uuid else ""

    def written(style: IdStyle) -> str:
        if style is IdStyle.UUID:
            return unique
        return format_message_id(number, _ID_FORMATS[style], personality.message_id_width)

    response = written(personality.message_id)
    text_style = personality.receipt_text_id or personality.message_id
    return MessageIds(response, written(text_style))


BUILT_IN = {
    "smpp34": Personality(),
    # Answers in hex, reports the receipt text id in decimal: the classic correlation trap.
    "hex-ids": Personality(message_id=IdStyle.HEX, receipt_text_id=IdStyle.DECIMAL),
    "uuid": Personality(message_id=IdStyle.UUID, receipt_date_width=12),
    # Receipt text only: no sub/dlvrd, 'Text:', four-digit err, no TLVs, one receipt per long message.
    "terse": Personality(
        receipt_sub_dlvrd=False,
        receipt_text_label="Text",
        receipt_err_digits=4,
        receipt_tlvs=False,
        receipts_per_segment=False,
    ),
    "data-sm-receipts": Personality(receipt_pdu=ReceiptPdu.DATA_SM),
}
