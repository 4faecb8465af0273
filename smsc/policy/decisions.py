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
    """Accepted: whether it is marketing (quiet hours apply at each attempt), what the
    carrier will do to it (a keyword fate), what it costs, and the notes its trace carries."""

    marketing: bool = False
    fate: Fate | None = None
    segments: int = 1
    notes: tuple[str, ...] = ()


ADMITTED = Admission()  # nothing to say: what most messages get


def pack_fate(fate: Fate | None) -> bytes:
    """A fate as the message's stored body carries it, so a restart keeps what was decided
    at submit whatever the lists say by then."""
    return b"" if fate is None else f"{fate.action.value}|{fate.err}|{fate.reason}".encode("utf-8")


def unpack_fate(packed: bytes) -> Fate | None:
    if not packed:
        return None
    action, err, reason = packed.decode("utf-8").split("|", 2)
    return Fate(KeywordAction(action), int(err), reason)
