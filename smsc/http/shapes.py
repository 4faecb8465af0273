"""What the API's answers look like: stored messages, traces, towers, carriers and wire faults
as JSON-ready dicts, with times in ISO 8601 UTC."""

import attrs

from pdu.status import MessageState
from pdu.times import iso
from smsc.faults import HEALTHY, WireFaults
from smsc.lifecycle import DESCRIPTIONS, MapError
from smsc.store import StoredMessage, TraceEvent


def state(number: int) -> dict:
    try:
        name = MessageState(number).name
    except ValueError:
        name = f"state {number}"
    return {"name": name, "number": number}


def error(code: int) -> dict:
    """A network error code with its GSM MAP meaning, when it has one."""
    try:
        meaning = DESCRIPTIONS[MapError(code)]
    except (ValueError, KeyError):
        meaning = "not a GSM MAP error this SMSC knows"
    return {"code": code, "meaning": meaning}


def message(stored: StoredMessage) -> dict:
    return {
        "number": stored.number,
        "message_id": stored.message_id,
        "account": stored.account,
        "source": stored.source,
        "destination": stored.destination,
        "state": state(stored.state),
        "submitted_at": iso(stored.submitted_at),
        "done_at": iso(stored.done_at),
        "expires_at": iso(stored.expires_at),
        "attempts": stored.attempts,
        "error": error(stored.error),
    }


def traced(stored: StoredMessage, events: list[TraceEvent]) -> dict:
    return {**message(stored), "trace": [{"at": iso(event.at), "hop": event.hop, "detail": event.detail} for event in events]}


def carrier(carrier_state, now: float) -> dict:
    """A carrier as the sum of its towers."""
    towers = [tower.snapshot(now) for tower in carrier_state.towers]
    return {
        "name": carrier_state.name,
        "towers": len(towers),
        "towers_up": sum(tower["up"] for tower in towers),
        "sent": sum(tower["sent"] for tower in towers),
        "queue": sum(tower["queue"] for tower in towers),
        "held": sum(tower["held"] for tower in towers),
    }


def faults(value: WireFaults) -> dict:
    """Only what is switched on: {} is a healthy link, and reads the same as a request's body."""
    return {name: setting for name, setting in attrs.asdict(value).items() if setting != getattr(HEALTHY, name)}
