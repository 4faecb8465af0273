"""Phone to phone: one handset's message to another, the path trainers draw (phone → tower →
SMSC → tower → phone).

The sender's tower hands the message to the SMSC (as for an MO); the SMSC stores it under the
built-in account HANDSETS and forwards it like any message an ESME submits: routed to the
recipient's carrier, queued at its tower, retried while the handset is away, expired at the end
of its validity, every hop in its trace. No ESME is involved: nobody binds as HANDSETS, and no
SMPP receipt is queued for it; its final state ends with a 'status report' hop, the report
the sending phone gets back through its tower (traced, not simulated further).
"""

from pdu import segments
from pdu.fields import Address
from pdu.wire import SubmitSm
from smsc.config import RESERVED_SYSTEM_ID, Account
from smsc.mo import DATA_CODING

# Transactional: person-to-person traffic is not A2P marketing (no signature, opt-out text or
# quiet hours); a carrier's keyword filter still reads it.
HANDSETS = Account(system_id=RESERVED_SYSTEM_ID, password="", bind_types=("receiver",), message_class="transactional")


STATUS_REPORT = "status report"  # the last hop of a phone-to-phone message


def is_handsets(system_id: str) -> bool:
    return system_id == HANDSETS.system_id


def submits(source: Address, destination: Address, text: str, reference: int) -> list[SubmitSm]:
    """One submit_sm a segment, as the SMSC takes the handset's message from its tower: GSM
    7-bit when the text allows it, else UCS-2; no receipt asked."""
    return [
        SubmitSm(
            source,
            destination,
            part.short_message,
            esm_class=0x40 if part.udhi else 0x00,
            data_coding=DATA_CODING[part.encoding],
        )
        for part in segments.split(text, reference=reference % 256)
    ]
