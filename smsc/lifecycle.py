"""A message's life as data: which event moves which state where, and the GSM MAP error
numbers written in receipts' `err:` field.

ACCEPTED (stored, not yet sent on) → ENROUTE (routed, being attempted) → one final state.
Any (state, event) pair missing from the table is a bug in the engine, never a user's doing.
"""

import enum

from pdu.status import MessageState


class Event(enum.Enum):
    ROUTE = "route"  # handed to a carrier (first attempt planned)
    RETRY = "retry"  # a temporary failure: try again later
    DELIVER = "deliver"  # the handset has it
    FAIL = "fail"  # a permanent failure: the number cannot take it
    REJECT = "reject"  # the network refused it (barred, policy)
    EXPIRE = "expire"  # validity ended before delivery
    CANCEL = "cancel"  # cancel_sm


_FINAL = {
    Event.DELIVER: MessageState.DELIVERED,
    Event.FAIL: MessageState.UNDELIVERABLE,
    Event.REJECT: MessageState.REJECTED,
    Event.EXPIRE: MessageState.EXPIRED,
    Event.CANCEL: MessageState.DELETED,
}

TRANSITIONS: dict[tuple[MessageState, Event], MessageState] = {
    (MessageState.ACCEPTED, Event.ROUTE): MessageState.ENROUTE,
    (MessageState.ACCEPTED, Event.REJECT): MessageState.REJECTED,
    (MessageState.ACCEPTED, Event.EXPIRE): MessageState.EXPIRED,
    (MessageState.ACCEPTED, Event.CANCEL): MessageState.DELETED,
    (MessageState.ENROUTE, Event.RETRY): MessageState.ENROUTE,
    **{(MessageState.ENROUTE, event): state for event, state in _FINAL.items()},
}

FINAL_STATES = frozenset(_FINAL.values())


def next_state(state: MessageState, event: Event) -> MessageState:
    try:
        return TRANSITIONS[state, event]
    except KeyError:
        raise ValueError(f"no transition from {state.name} on {event.value}") from None


def is_final(state: MessageState) -> bool:
    return state in FINAL_STATES


class MapError(enum.IntEnum):
    """GSM MAP (3GPP TS 29.002) error numbers, as carriers write them in receipts."""

    NONE = 0
    UNKNOWN_SUBSCRIBER = 1
    TELESERVICE_NOT_PROVISIONED = 11
    CALL_BARRED = 13
    ABSENT_SUBSCRIBER = 27
    SUBSCRIBER_BUSY = 31
    SM_DELIVERY_FAILURE = 32  # memory capacity exceeded: the SIM is full
    SYSTEM_FAILURE = 34  # the network could not carry it (tower down, congestion)


DESCRIPTIONS = {
    MapError.NONE: "no error",
    MapError.UNKNOWN_SUBSCRIBER: "unknown subscriber: the number is not in service",
    MapError.TELESERVICE_NOT_PROVISIONED: "the subscription has no SMS service",
    MapError.CALL_BARRED: "barred: the subscriber or operator blocks these messages",
    MapError.ABSENT_SUBSCRIBER: "absent subscriber: handset off or out of coverage",
    MapError.SUBSCRIBER_BUSY: "subscriber busy for MT SMS",
    MapError.SM_DELIVERY_FAILURE: "SM delivery failure: SIM memory capacity exceeded",
    MapError.SYSTEM_FAILURE: "system failure in the network (tower down or congested)",
}
