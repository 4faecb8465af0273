"""A scenario as frozen values: the network (overrides of `smsc serve`'s config), the traffic
(ESMEs and their campaigns), a timeline of things going wrong, and what must hold.

scenarios/files.py reads them from TOML; field names are the file's keys, so that an error's
path (`esme[0].campaign[1].rate`) is where the mistake is. Durations are seconds or "90s",
"5m", "1h".
"""

import attrs

from pdu.durations import Seconds

CLASSES = ("otp", "notification", "marketing")


def _share(instance, attribute, value):
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"{attribute.name} must be between 0 and 1, got {value}")


def _positive(instance, attribute, value):
    if value <= 0:
        raise ValueError(f"{attribute.name} must be above 0, got {value}")


def _mix(instance, attribute, value):
    unknown = set(value) - set(CLASSES)
    if unknown:
        raise ValueError(f"{attribute.name} must name only {', '.join(CLASSES)}; not {', '.join(sorted(unknown))}")
    if not value or any(share < 0 for share in value.values()) or sum(value.values()) <= 0:
        raise ValueError(f"{attribute.name} must give a positive share to at least one class")


@attrs.frozen
class Numbers:
    """The handsets a campaign writes to: `count` numbers under `prefix` (13 digits, drawn
    with the seed, none ending in a test-number suffix), or the listed ones."""

    prefix: str = "86138"
    count: int = attrs.field(default=100, validator=_positive)
    listed: tuple[str, ...] = ()


@attrs.frozen
class Campaign:
    name: str
    rate: float = attrs.field(validator=_positive)  # messages a second, offered
    start: Seconds = Seconds(0)
    duration: Seconds | None = None  # None: until the scenario ends
    numbers: Numbers = Numbers()
    mix: dict[str, float] = attrs.field(factory=lambda: {"notification": 1.0}, validator=_mix)
    long_share: float = attrs.field(default=0.0, validator=_share)  # texts longer than one segment
    unicode_share: float = attrs.field(default=0.0, validator=_share)  # Chinese texts (UCS-2)
    text: str = ""  # one text for every message instead of the built-in samples
    source: str = "10690001"
    receipt: bool = True


@attrs.frozen
class Esme:
    name: str
    system_id: str = "smppclient1"
    password: str = "password"
    window: int = attrs.field(default=10, validator=_positive)
    tps: float = 0.0  # the ESME's own limit, segments a second; 0: none
    campaign: tuple[Campaign, ...] = ()  # [[esme.campaign]] tables


@attrs.frozen
class Step:
    """One timeline entry: at `at` seconds from the start, do `do` with its own keys."""

    at: Seconds
    do: str
    params: dict = attrs.field(factory=dict)


@attrs.frozen
class Expectations:
    delivered_share: float | None = attrs.field(default=None)  # at least this share of accepted messages DELIVRD
    blocked_rejected: bool = False  # every message with a blocked keyword ends REJECTD (or is refused)
    nothing_lost: bool = True  # every acknowledged message reaches a final state at the SMSC
    no_duplicates: bool = True  # no handset gets one message twice
    receipt_p99: Seconds | None = None  # submit to receipt, all traffic
    otp_receipt_p99: Seconds | None = None  # submit to receipt, OTP traffic only
    throttles_seen: bool = False  # the SMSC throttled, and the ESMEs retried until accepted
    opted_out_untouched: bool = False  # no marketing reaches a number after it opted out


@attrs.frozen
class Scenario:
    name: str
    title: str
    duration: Seconds = attrs.field(validator=_positive)
    description: str = ""
    start: str = "2026-11-11T10:00:00+08:00"  # wall-clock time at the start (quiet hours read it)
    seed: int = 1
    drain: Seconds = Seconds(3600)  # after the traffic, how long stragglers may take to end
    smsc: dict = attrs.field(factory=dict)  # overrides of smsc serve's config, as in smsc.toml
    esme: tuple[Esme, ...] = ()  # [[esme]] tables
    timeline: tuple[Step, ...] = ()
    expect: Expectations = Expectations()
