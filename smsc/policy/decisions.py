"""What the content rules decide about one submitted message, as values the engine acts on."""

import enum

import attrs


class KeywordAction(enum.Enum):
    """What a carrier does with a message that contains a keyword of a list."""

    REJECT = "reject"  # refused at submit with the list's command_status
    REJECTD = "rejectd"  # accepted, then a REJECTD receipt with the list's err
    UNDELIV = "undeliv"  # accepted, then an UNDELIV receipt with the list's err
    DROP = "drop"  # accepted and never delivered, no receipt: what many carriers really do


@attrs.frozen
class Refusal:
    """Refuse the submit: the command_status, why (for logs, the API and the ESME's
    operator), and which rule said so (for stats)."""

    status: int
    reason: str
    rule: str


@attrs.frozen
class Fate:
    """Accepted, but the carrier's filter will not deliver it: what happens when the
    message reaches the carrier (action REJECTD, UNDELIV or DROP)."""

    action: KeywordAction
    err: int
    reason: str


@attrs.frozen
class Admission:
    """Accepted: when it may first go out (quiet hours), what the carrier will do to it
    (a keyword fate), what it costs, and the notes its trace carries."""

    marketing: bool = False
    hold_until: float | None = None
    fate: Fate | None = None
    segments: int = 1
    notes: tuple[str, ...] = ()


ADMITTED = Admission()  # nothing to say: what most messages get
