"""Mobile-originated messages: a handset's text as the deliver_sm PDUs an ESME receives,
segmented with a UDH as real long MOs are, and the account they go to."""

from pdu import segments
from pdu import text as textcodec
from pdu.fields import Address
from pdu.wire import DeliverSm

DATA_CODING = {textcodec.Encoding.GSM7: 0x00, textcodec.Encoding.UCS2: 0x08}


def mo_pdus(source: Address, destination: Address, text: str, reference: int) -> list[DeliverSm]:
    """One deliver_sm per segment; GSM 7-bit when the text allows it, else UCS-2."""
    parts = segments.split(text, reference=reference % 256)
    return [
        DeliverSm(
            source=source,
            destination=destination,
            short_message=part.short_message,
            esm_class=0x40 if part.udhi else 0x00,
            data_coding=DATA_CODING[part.encoding],
        )
        for part in parts
    ]


def receiving_account(config, destination: str, senders: dict[str, str]) -> str | None:
    """The account an MO to `destination` goes to: the one that last sent from that address
    (a reply), else the first account allowed to receive."""
    if destination in senders:
        return senders[destination]
    for account in config.accounts:
        if {"receiver", "transceiver"} & set(account.bind_types):
            return account.system_id
    return None
