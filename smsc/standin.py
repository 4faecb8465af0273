"""A stand-in for the store-and-forward engine: accepts every message and reports it
delivered after the account's receipt_delay. It keeps nothing on disk; it goes away when the
engine (with its store, network model and test numbers) lands.
"""

import datetime

from pdu import text as textcodec
from pdu.receipts import Receipt, ReceiptFormat, build_receipt, format_message_id
from pdu.status import MessageState
from pdu.wire import DeliverSm, SubmitSm

RECEIPT_ESM_CLASS = 0x04  # esm_class message type: SMSC delivery receipt


def preview(message: SubmitSm, length: int = 20) -> str:
    """The first characters of a message for the receipt's text: field, printable ASCII only."""
    try:
        encoding = textcodec.encoding_for_data_coding(message.data_coding)
        body = message.short_message or message.tlvs.get("message_payload", b"")
        text = textcodec.decode(body, encoding)
    except (ValueError, TypeError):
        return ""
    return "".join(char for char in text if " " <= char <= "~")[:length]


class StandInEngine:
    def __init__(self, clock, outbound, receipt_format: ReceiptFormat = ReceiptFormat()):
        self._clock = clock
        self._outbound = outbound
        self._format = receipt_format
        self._last_id = 0

    def _now(self) -> datetime.datetime:
        return datetime.datetime.fromtimestamp(self._clock.seconds(), datetime.timezone.utc).replace(tzinfo=None)

    def submit(self, account, message: SubmitSm) -> str:
        self._last_id += 1
        number = self._last_id
        if message.receipt_requested:
            submitted = self._now()
            self._clock.callLater(account.receipt_delay, self._send_receipt, account, message, number, submitted)
        return format_message_id(number)

    def _send_receipt(self, account, message: SubmitSm, number: int, submitted: datetime.datetime) -> None:
        receipt = Receipt(number, MessageState.DELIVERED, submitted, self._now(), text=preview(message))
        text, tlvs = build_receipt(receipt, self._format)
        receipt_tlvs = {}
        if tlvs is not None:
            receipt_tlvs = {"receipted_message_id": tlvs.receipted_message_id, "message_state": int(tlvs.message_state)}
        deliver = DeliverSm(
            source=message.destination,
            destination=message.source,
            short_message=text.encode("ascii"),
            esm_class=RECEIPT_ESM_CLASS,
            tlvs=receipt_tlvs,
        )
        self._outbound.send(account.system_id, deliver)
