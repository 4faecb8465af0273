"""Delivery receipts as the ESME receives them: whether one is wanted, and the deliver_sm or
data_sm that carries it in the account's (or carrier's) personality."""

from pdu import segments
from pdu.fields import Address
from pdu.receipts import Receipt, build_receipt
from pdu.status import MessageState
from pdu.wire import DataSm, DeliverSm, SubmitSm
from smsc.personality import Personality, ReceiptPdu
from smsc.policy.text import message_text

FINAL_ONLY, FAILURE_ONLY, INTERMEDIATE = 0x01, 0x02, 0x10


def receipt_wanted(registered_delivery: int, state: MessageState, intermediate: bool = False) -> bool:
    """registered_delivery bits 0-1: 1 a receipt for every final outcome, 2 for failures only;
    bit 4 (0x10): intermediate notifications, sent while a message is still being retried."""
    if intermediate:
        return bool(registered_delivery & INTERMEDIATE)
    wanted = registered_delivery & 0x03
    return wanted == FINAL_ONLY or (wanted == FAILURE_ONLY and state is not MessageState.DELIVERED)


def preview(message: SubmitSm, length: int = 20) -> str:
    """The first characters of a message for the receipt's text: field, printable ASCII only."""
    text = message_text(message)
    head = text[:length]
    if head.isascii() and head.isprintable():  # the common case, without a loop
        return head
    return "".join(char for char in text if " " <= char <= "~")[:length]


def is_last_part(message: SubmitSm) -> bool:
    """False for every part of a long message but its last; True for a single message."""
    try:
        info, _ = segments.part_info(message.short_message, message.udhi, message.tlvs)
    except segments.MalformedHeader:
        return True
    return info is None or info.seqnum == info.total


def receipt_pdu(
    personality: Personality,
    receipt: Receipt,
    response_id: str,
    sender: Address,
    recipient: Address,
):
    """The deliver_sm (or data_sm) reporting `receipt` back to the sender: it travels from
    the recipient's address to the sender's, as receipts do."""
    text, tlvs = build_receipt(receipt, personality.receipt_format())
    receipt_tlvs = {}
    if tlvs is not None:
        receipt_tlvs = {"receipted_message_id": response_id, "message_state": int(tlvs.message_state)}
        if tlvs.network_error_code:
            receipt_tlvs["network_error_code"] = tlvs.network_error_code
    if personality.receipt_pdu is ReceiptPdu.DATA_SM:
        return DataSm(
            source=recipient,
            destination=sender,
            esm_class=personality.receipt_esm_class,
            tlvs={**receipt_tlvs, "message_payload": text.encode("ascii")},
        )
    return DeliverSm(
        source=recipient,
        destination=sender,
        short_message=text.encode("ascii"),
        esm_class=personality.receipt_esm_class,
        tlvs=receipt_tlvs,
    )
