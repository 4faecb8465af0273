"""The message inspector's part of a message's answer: the PDUs it went through, each decoded
field by field (pdu.inspect), and one sentence on why it is not delivered.

The PDUs come from what the store keeps: the submit_sm or data_sm as read (the message's
body), the submit_sm_resp rebuilt from the message_id (it is deterministic: status 0, the
submit's sequence_number), and each receipt as the outbox packed it, kept with its "receipt
queued" trace event. Nothing is rebuilt that the SMSC did not keep or cannot rebuild exactly.
"""

from pdu import wire
from pdu.inspect import describe
from pdu.status import MessageState
from pdu.times import iso
from smsc import outbox_codec, p2p
from smsc.http import shapes
from smsc.pending import body_pdu
from smsc.store import StoredMessage, TraceEvent

RECEIVED, ANSWERED, SENT = "received from ESME", "sent to ESME (as answered)", "sent to ESME"
FROM_HANDSET = "taken from the sender's tower"
RECEIPT_HOPS = ("receipt queued", "receipt delivered", "receipt refused", "no receipt")
_RESPONSES = {"submit_sm": wire.SubmitSmResp, "data_sm": wire.DataSmResp}


def pdus(stored: StoredMessage, events: list[TraceEvent]) -> list[dict]:
    """The message's PDUs in the order they crossed the wire: the submit, our answer, receipts."""
    octets, as_read = body_pdu(stored.body)
    received = {"direction": RECEIVED, "at": iso(stored.submitted_at), **describe(octets)}
    if p2p.is_handsets(stored.account):  # phone to phone: no ESME, no submit_sm_resp, no receipt
        received.update(direction=FROM_HANDSET, note="a handset's message as the SMSC took it from the tower, written as the submit_sm it stands for")
        return [received]
    if not as_read:
        received["note"] = ("encoded by the SMSC (one destination of a submit_multi, or a replaced message): "
                            "not the octets as read, and not their sequence_number")  # fmt: skip
    found = [received]
    response = _RESPONSES.get(received.get("command"))
    if as_read and response is not None:
        sequence = int.from_bytes(octets[12:16], "big")
        stored_at = next((event.at for event in events if event.hop == "stored"), stored.submitted_at)
        answer = {"direction": ANSWERED, "at": iso(stored_at), **describe(wire.encode(response(stored.message_id), sequence, 0))}
        answer["note"] = "rebuilt from the message_id, status 0 and the submit's sequence_number, as the SMSC answered it"
        found.append(answer)
    for index, event in enumerate(events):
        if event.hop == "receipt queued":
            found.append(_receipt(event, events[index + 1 :]))
    return found


def _receipt(event: TraceEvent, later: list[TraceEvent]) -> dict:
    answered = next((e for e in later if e.hop in ("receipt delivered", "receipt refused")), None)
    outcome = {"answered_at": iso(answered.at), "answer": answered.detail} if answered else {"answered_at": None, "answer": None}
    if not event.pdu:
        return {"direction": SENT, "at": iso(event.at), **outcome,
                "error": "queued before this SMSC version kept receipts in the trace: not kept"}  # fmt: skip
    shown = {"direction": SENT, "at": iso(event.at), **outcome, **describe(wire.encode(outbox_codec.unpack(event.pdu), 1))}
    for field in shown.get("header", ()):
        if field["name"] == "sequence_number":  # the session numbers it as it goes out; not kept
            field.update(value=None, meaning="not kept: the session numbered it when it went out (1 stands in for it in hex)")
    shown["note"] = "as queued for the ESME, kept with the trace"
    return shown


def why(stored: StoredMessage, events: list[TraceEvent]) -> str | None:
    """Why a message is not delivered, or where it waits, in one sentence; None once delivered."""
    try:
        state = MessageState(stored.state)
    except ValueError:
        return f"in message_state {stored.state}, which this SMSC does not name"
    if state is MessageState.DELIVERED:
        return None
    hops = [event for event in events if event.hop not in RECEIPT_HOPS]
    error = shapes.error(stored.error)
    last_error = f"; last error {error['code']:03d}: {error['meaning']}" if stored.error else ""
    if stored.final:
        final = next((event for event in reversed(hops) if event.hop == state.name.lower()), None)
        detail = final.detail if final is not None else state.meaning
        withheld = next((event for event in events if event.hop == "no receipt"), None)
        said = f"{state.receipt_stat}: {detail}"
        if stored.error and error["meaning"] not in detail:
            said += last_error
        return said + (f" (no receipt: {withheld.detail})" if withheld else "")
    if not hops:
        return f"{state.name}: {state.meaning}"
    last = hops[-1]
    said = f"{last.hop}: {last.detail}" if last.detail else last.hop
    if stored.error and error["meaning"] not in said:
        said += last_error
    return f"pending: {said}"
