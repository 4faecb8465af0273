"""The simulated network's settings: carriers, towers, handsets, latency, retries and the
reserved test numbers, with a realistic default that needs no config file.

The default ships the real mobile prefixes of China's three carriers (numbers written
internationally, 86 then the eleven national digits) and a catch-all international carrier.
"""

import math

import attrs

from pdu.validators import not_negative, positive, share


def _digits(_, attribute, values):
    for value in values:
        if value and not value.isdigit():  # "" is the catch-all prefix
            raise ValueError(f"{attribute.name} must hold digit strings, got {value!r}")


@attrs.frozen
class Tower:
    """A cell: it puts `capacity` messages a second on air and queues at most `queue_limit`."""

    id: str
    capacity: float = attrs.field(default=200.0, validator=positive)
    queue_limit: int = attrs.field(default=20_000, validator=positive)
    backlog: float = attrs.field(default=0.0, validator=not_negative)  # a standing queue, seconds
    serves: tuple[str, ...] = attrs.field(default=(), validator=_digits)  # number prefixes; else by hash


@attrs.frozen
class Carrier:
    """A mobile network owning the numbers that start with one of its prefixes."""

    name: str
    prefixes: tuple[str, ...] = attrs.field(validator=_digits)
    towers: tuple[Tower, ...] = attrs.field()
    tps: float | None = None  # the carrier link's rate; None: only the towers limit it
    personality: str | None = None  # receipts in this carrier's style instead of the account's

    @towers.validator
    def _some_towers(self, _, value):
        if not value:
            raise ValueError(f"carrier {self.name} needs at least one tower")


@attrs.frozen
class Churn:
    """A handset state that comes and goes: the share of time a handset spends in it and how
    long a stay lasts on average (minutes, exponentially distributed)."""

    share: float = attrs.field(default=0.0, validator=share)
    minutes: float = attrs.field(default=10.0, validator=positive)


@attrs.frozen
class Handsets:
    """How subscribers behave when no test number decides. Unknown and barred numbers are
    fixed per number (the same number always fails the same way); the others come and go."""

    absent: Churn = Churn(0.01, 30.0)  # switched off
    out_of_coverage: Churn = Churn(0.005, 5.0)
    sim_full: Churn = Churn(0.001, 120.0)
    unknown_share: float = attrs.field(default=0.002, validator=share)
    barred_share: float = attrs.field(default=0.001, validator=share)
    # marketing recipients who answer "T" after delivery: opted out of that sender from then on
    opt_out_share: float = attrs.field(default=0.02, validator=share)


@attrs.frozen
class Latency:
    """Transit time from the SMSC to the tower for one message class: log-normal, given by
    its median and 95th percentile in seconds."""

    median: float = attrs.field(default=1.0, validator=positive)
    p95: float = attrs.field(default=3.0, validator=positive)

    @property
    def sigma(self) -> float:
        return max(0.0, math.log(self.p95 / self.median) / 1.6449)


# What each reserved suffix does. A handset state lasting `minutes` (None: for ever) is what the
# first attempt meets; the MAP error numbers come with the state (see smsc.lifecycle).
@attrs.frozen
class TestNumber:
    __test__ = False  # not a pytest class, despite the name

    suffix: str = attrs.field(validator=attrs.validators.matches_re(r"[0-9]+"))
    outcome: str  # a handset state: on, absent, out_of_coverage, sim_full, unknown, barred
    minutes: float | None = None  # how long the state lasts; None: for ever
    backlog: float = 0.0  # seconds of standing queue at the tower before the attempt
    instant: bool = False  # no transit latency
    receipt_lost: bool = False  # delivered, but the receipt is lost in the network
    reply: str | None = None  # the handset answers with this MO after delivery
    description: str = ""


DEFAULT_TEST_NUMBERS = (
    TestNumber("0000", "on", instant=True, description="delivered at once (DELIVRD)"),
    TestNumber("0001", "unknown", description="unknown subscriber (UNDELIV, err 001)"),
    TestNumber("0002", "absent", description="absent for longer than validity (EXPIRED, err 027, after retries)"),
    TestNumber("0003", "absent", minutes=1.0, description="absent for a minute, then delivered (DELIVRD)"),
    TestNumber("0004", "sim_full", description="SIM memory full until validity ends (EXPIRED, err 032)"),
    TestNumber("0005", "barred", description="barred (REJECTD, err 013)"),
    TestNumber("0006", "on", backlog=30.0, description="slow tower: delivered after a 30 s queue (DELIVRD)"),
    TestNumber("0007", "on", receipt_lost=True, description="delivered, receipt lost in the network (no receipt)"),
    TestNumber("0008", "on", reply="OK", description="delivered, then the handset replies \"OK\" (DELIVRD + MO)"),
    TestNumber("0009", "out_of_coverage", minutes=0.5, description="out of coverage for 30 s, then delivered (DELIVRD)"),
    TestNumber("0010", "on", reply="T", description="delivered, then the handset replies \"T\": opted out of the sender's marketing"),
)


def _towers(prefix: str, count: int, **settings) -> tuple[Tower, ...]:
    return tuple(Tower(f"{prefix}-{index}", **settings) for index in range(1, count + 1))


def _china(*national: str) -> tuple[str, ...]:
    return tuple("86" + prefix for prefix in national)


# Mobile prefixes as assigned by MIIT (numbers ported between carriers keep their prefix here).
CHINA_MOBILE = _china(*"134 135 136 137 138 139 147 148 150 151 152 157 158 159 172 178 182 183 184 187 188 195 197 198".split())
CHINA_UNICOM = _china(*"130 131 132 145 146 155 156 166 167 171 175 176 185 186 196".split())
CHINA_TELECOM = _china(*"133 149 153 173 174 177 180 181 189 190 191 193 199".split())

DEFAULT_CARRIERS = (
    Carrier("China Mobile", CHINA_MOBILE, _towers("CM", 4)),
    Carrier("China Unicom", CHINA_UNICOM, _towers("CU", 3)),
    Carrier("China Telecom", CHINA_TELECOM, _towers("CT", 3)),
    Carrier("International", ("",), _towers("INTL", 2, capacity=100.0), tps=500.0),
)

DEFAULT_LATENCY = {
    "otp": Latency(0.5, 2.0),
    "notification": Latency(1.0, 4.0),
    "marketing": Latency(3.0, 15.0),
}


@attrs.frozen
class Network:
    """The whole simulated network, as the engine sees it."""

    carriers: tuple[Carrier, ...] = DEFAULT_CARRIERS
    handsets: Handsets = Handsets()
    # per message class; a config names only the classes it changes
    latency: dict[str, Latency] = attrs.field(factory=dict, converter=lambda given: {**DEFAULT_LATENCY, **given})
    # service_type -> message class; anything else is a notification
    classes: dict[str, str] = attrs.field(factory=lambda: {"OTP": "otp", "MKT": "marketing"})
    default_class: str = "notification"
    # seconds between attempts after a temporary failure; the last repeats until validity ends
    retries: tuple[float, ...] = (30.0, 60.0, 300.0, 900.0, 1800.0, 3600.0)
    default_validity: float = attrs.field(default=48 * 3600.0, validator=positive)  # seconds
    test_numbers: tuple[TestNumber, ...] = DEFAULT_TEST_NUMBERS
    national_prefix: str = "86"  # prepended to eleven-digit national numbers starting with 1

    def __attrs_post_init__(self):
        towers = [tower.id for carrier in self.carriers for tower in carrier.towers]
        twice = sorted({tower for tower in towers if towers.count(tower) > 1})
        if twice:
            raise ValueError(f"tower ids must be unique; repeated: {', '.join(twice)}")
        missing = sorted({self.default_class, *self.classes.values()} - set(self.latency))
        if missing:
            raise ValueError(f"latency has no entry for message class {', '.join(missing)}")
        if not self.retries or any(delay <= 0 for delay in self.retries):
            raise ValueError("retries must be positive delays in seconds")
