"""A scenario as frozen values: the network (overrides of `smsc serve`'s config), the traffic
(ESMEs and their campaigns), a timeline of things going wrong, and what must hold.

scenarios/files.py reads them from TOML; field names are the file's keys, so that an error's
path (`esme[0].campaign[1].rate`) is where the mistake is. Durations are seconds or "90s",
"5m", "1h".
"""

import attrs

from pdu.durations import Seconds
from pdu.validators import positive, share

CLASSES = ("otp", "notification", "marketing")


def _unique_names(attribute, entries) -> None:
    """Names seed each entry's chance and label its log lines: two alike would share both."""
    names = [entry.name for entry in entries]
    twice = sorted({name for name in names if names.count(name) > 1})
    if twice:
        raise ValueError(f"{attribute.name} must have names of their own; {', '.join(twice)} comes twice")


def _mix(instance, attribute, value):
    unknown = set(value) - set(CLASSES)
    if unknown:
        raise ValueError(f"{attribute.name} must name only {', '.join(CLASSES)}; not {', '.join(sorted(unknown))}")
    if not value or any(not share >= 0 for share in value.values()) or not sum(value.values()) > 0:  # NaN fails too
        raise ValueError(f"{attribute.name} must give a positive share to at least one class")


@attrs.frozen
class Numbers:
    """The handsets a campaign writes to: `count` numbers under `prefix` (13 digits, drawn
    with the seed, none ending in a test-number suffix), or the listed ones."""

    prefix: str = attrs.field(default="86138", validator=attrs.validators.matches_re(r"[0-9]{1,12}"))
    count: int = attrs.field(default=100, validator=positive)
    listed: tuple[str, ...] = ()

    @count.validator
    def _room(self, attribute, value):
        if 10 ** (13 - len(self.prefix)) < 2 * value:
            raise ValueError(f"count must leave room under the prefix: {value} numbers of 13 digits under {self.prefix!r} is too many")


@attrs.frozen
class Campaign:
    name: str
    rate: float = attrs.field(validator=positive)  # messages a second, offered
    start: Seconds = Seconds(0)
    duration: Seconds | None = None  # None: until the scenario ends
    numbers: Numbers = Numbers()
    mix: dict[str, float] = attrs.field(factory=lambda: {"notification": 1.0}, validator=_mix)
    long_share: float = attrs.field(default=0.0, validator=share)  # texts longer than one segment
    unicode_share: float = attrs.field(default=0.0, validator=share)  # Chinese texts (UCS-2)
    text: str = ""  # one text for every message instead of the built-in samples
    texts: tuple[str, ...] = ()  # texts taken in turn instead of the samples (variants of one)
    source: str = "10690001"
    receipt: bool = True
    validity: Seconds | None = attrs.field(default=None, validator=attrs.validators.optional(positive))  # None: the SMSC's default
    priority: int = attrs.field(default=0, validator=attrs.validators.in_(range(4)))  # priority_flag of every submit
    blocked: str = ""  # a keyword list every text holds a word of (whatever its disguise): expect its action

    def __attrs_post_init__(self):
        if self.text and self.texts:
            raise ValueError("give text (one for every message) or texts (taken in turn), not both")
        if any(not text for text in self.texts):
            raise ValueError("texts must not hold an empty text")


@attrs.frozen
class Esme:
    name: str
    system_id: str = "smppclient1"
    password: str = "password"
    window: int = attrs.field(default=10, validator=positive)
    tps: float = attrs.field(default=0.0, validator=attrs.validators.ge(0))  # the ESME's own limit, segments a second; 0: none
    campaign: tuple[Campaign, ...] = attrs.field(default=(), validator=lambda _, attribute, value: _unique_names(attribute, value))  # [[esme.campaign]] tables


@attrs.frozen
class Step:
    """One timeline entry: at `at` seconds from the start, do `do` with its own keys."""

    at: Seconds
    do: str
    params: dict = attrs.field(factory=dict)
    folder: str = ""  # the scenario file's: a step's files are found there


# What a message can end as, for the ESME: a receipt's stat, or why there is none.
STATES = ("DELIVRD", "UNDELIV", "EXPIRED", "REJECTD", "DELETED", "ACCEPTD", "UNKNOWN", "REFUSED", "ACCEPTED",
          "no receipt", "NOT SENT")  # fmt: skip


def _states(instance, attribute, value):
    unknown = sorted(set(value) - set(STATES))
    if unknown:
        raise ValueError(f"{attribute.name} must name final states ({', '.join(STATES)}); not {', '.join(unknown)}")
    if any(not isinstance(count, int) or count < 0 for count in value.values()):
        raise ValueError(f"{attribute.name} must give each state a count of 0 or more")


@attrs.frozen
class Expectations:
    delivered_share: float | None = attrs.field(default=None)  # at least this share of accepted messages DELIVRD
    blocked_rejected: bool = False  # every message of a `blocked` campaign meets its list's action; no other is caught
    nothing_lost: bool = True  # every acknowledged message reaches a final state at the SMSC
    no_duplicates: bool = True  # no handset gets one message twice
    receipt_p99: Seconds | None = None  # submit to receipt, all traffic
    otp_receipt_p99: Seconds | None = None  # submit to receipt, OTP traffic only
    throttles_seen: bool = False  # the SMSC throttled, the ESMEs retried each throttled submit until accepted
    opted_out_untouched: bool = False  # no marketing reaches a number from a sender after it opted out of it
    quiet_hours_kept: bool = False  # no marketing delivered outside its recipient's delivery window
    exact_outcomes: bool = False  # each ESME outcome is the SMSC's; UNKNOWN only for what was in flight
    states_at_least: dict[str, int] = attrs.field(factory=dict, validator=_states)  # messages per final state
    states_at_most: dict[str, int] = attrs.field(factory=dict, validator=_states)


@attrs.frozen
class Scenario:
    name: str
    title: str
    duration: Seconds = attrs.field(validator=positive)
    description: str = ""
    start: str = "2026-11-11T10:00:00+08:00"  # wall-clock time at the start (quiet hours read it)
    seed: int = 1
    drain: Seconds = Seconds(3600)  # after the traffic, how long stragglers may take to end
    smsc: dict = attrs.field(factory=dict)  # overrides of smsc serve's config, as in smsc.toml
    esme: tuple[Esme, ...] = attrs.field(default=(), validator=lambda _, attribute, value: _unique_names(attribute, value))  # [[esme]] tables
    timeline: tuple[Step, ...] = ()
    expect: Expectations = Expectations()
