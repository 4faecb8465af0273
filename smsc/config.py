"""The SMSC's configuration: frozen values with the defaults that work with no file at all.

Defaults follow the classic simulators so that existing client configs work unchanged:
SMPP on 127.0.0.1:2775, account smppclient1 / password, data under
./var/. Loading a TOML file over these defaults is smsc.config_file's job.
"""

import enum
import functools

import attrs

from pdu.status import CommandStatus
from smsc.faults import WireFaults
from pdu.validators import not_negative, positive
from smsc.personality import BUILT_IN, Personality
from smsc.network_config import Network
from smsc.policy.billing import Tariff
from smsc.policy.config import Policy


def _host_port(instance, attribute, value):
    host, _, port = value.rpartition(":")
    if not host or not (port.isascii() and port.isdigit()) or not 0 <= int(port) <= 65535:
        raise ValueError(f"{attribute.name} must be HOST:PORT with a port 0-65535, got {value!r}")


def split_host_port(value: str) -> tuple[str, int]:
    host, _, port = value.rpartition(":")
    return host.strip("[]"), int(port)


class ThrottleAnswer(enum.Enum):
    """What an ESME hears when it sends faster than its account allows."""

    THROTTLED = "ESME_RTHROTTLED"  # 0x58: slow down
    QUEUE_FULL = "ESME_RMSGQFUL"  # 0x14: the queue is full, back off

    @property
    def status(self) -> CommandStatus:
        return CommandStatus[self.value]


BIND_TYPES = ("transmitter", "receiver", "transceiver")
RESERVED_SYSTEM_ID = "handsets"  # the SMSC's own account for phone-to-phone messages (smsc.p2p)


def _bind_types(instance, attribute, value):
    unknown = [kind for kind in value if kind not in BIND_TYPES]
    if unknown or not value:
        raise ValueError(f"bind_types must be a non-empty list of {', '.join(BIND_TYPES)}; got {list(value)}")


@attrs.frozen
class Account:
    """One ESME account, as a carrier issues it."""

    system_id: str
    password: str
    bind_types: tuple[str, ...] = attrs.field(default=BIND_TYPES, validator=_bind_types)
    max_binds: int = attrs.field(default=4, validator=not_negative)
    system_type: str | None = None  # when set, binds must present exactly this system_type
    window: int = attrs.field(default=100, validator=positive)
    throttle_answer: ThrottleAnswer = ThrottleAnswer.THROTTLED
    personality: str = "smpp34"  # a built-in profile or one under [personalities]
    alert_notification: bool = False  # tell the ESME when a handset it waited for is back
    faults: WireFaults = WireFaults()  # all off: a healthy link
    # "marketing" or "transactional" for all its traffic; "" lets service_type decide (MKT is marketing)
    message_class: str = attrs.field(default="", validator=attrs.validators.in_(("", "marketing", "transactional")))
    registered_senders: tuple[str, ...] = ()  # source addresses that stand for a signature 【…】
    billing: Tariff = Tariff()  # free and postpaid unless priced


@attrs.frozen
class Tls:
    """SMPP over TLS, as carriers offer it: a listen address, a PEM certificate and its key."""

    listen: str = attrs.field(validator=_host_port)
    certificate: str
    key: str


@attrs.frozen
class OutbindTarget:
    """An ESME the SMSC dials and outbinds to; it then binds as a receiver."""

    connect: str = attrs.field(validator=_host_port)
    system_id: str  # what we present in the outbind
    password: str = ""


@attrs.frozen
class Timers:
    """Session timers, in seconds (0 turns one off)."""

    enquire_link: float = attrs.field(default=30.0, validator=not_negative)
    inactivity: float = attrs.field(default=300.0, validator=not_negative)
    response: float = attrs.field(default=30.0, validator=positive)
    pdu_read: float = attrs.field(default=10.0, validator=positive)


@attrs.frozen
class StoreSettings:
    """Where durability sits between safety and speed, and how long finished messages stay."""

    # "full": a commit survives a power cut (one fsync per group of messages);
    # "normal": it survives a killed process, not a power cut (faster on slow disks).
    sync: str = attrs.field(default="full", validator=attrs.validators.in_(("full", "normal")))
    retention_days: float = attrs.field(default=7.0, validator=positive)


DEFAULT_ACCOUNT = Account(system_id="smppclient1", password="password")


@attrs.frozen
class Config:
    """Everything `smsc serve` needs."""

    smpp: str = attrs.field(default="127.0.0.1:2775", validator=_host_port)
    http: str = attrs.field(default="127.0.0.1:8775", validator=_host_port)  # the JSON API
    tls: Tls | None = None  # an SMPP-over-TLS listener beside the plain one
    data: str = "var"
    system_id: str = "SMSC"  # what bind responses name us
    # SMPP 3.4 allows 15 and 8 characters; carriers that issue longer credentials raise these.
    max_system_id_length: int = attrs.field(default=15, validator=attrs.validators.in_(range(15, 256)))
    max_password_length: int = attrs.field(default=8, validator=attrs.validators.in_(range(8, 256)))
    timers: Timers = Timers()
    personalities: dict[str, Personality] = attrs.field(factory=dict)
    # submit_multi distribution lists: name -> numbers; an unknown name is answered 0x34
    distribution_lists: dict[str, tuple[str, ...]] = attrs.field(factory=dict)
    outbind: tuple[OutbindTarget, ...] = ()
    network: Network = Network()  # carriers, towers, handsets, test numbers
    store: StoreSettings = StoreSettings()
    policy: Policy = Policy()  # keyword lists, blacklists, opt-out words, country rules
    accounts: tuple[Account, ...] = attrs.field(default=(DEFAULT_ACCOUNT,))

    @accounts.validator
    def _check_accounts(self, attribute, accounts):
        known = set(BUILT_IN) | set(self.personalities)
        for account in accounts:
            if account.personality not in known:
                raise ValueError(
                    f"personality {account.personality!r} of account {account.system_id!r} is neither built in "
                    f"({', '.join(sorted(BUILT_IN))}) nor under [personalities]"
                )
        for carrier in self.network.carriers:
            if carrier.personality is not None and carrier.personality not in known:
                raise ValueError(f"personality {carrier.personality!r} of carrier {carrier.name!r} is unknown")
        seen = [account.system_id for account in accounts]
        duplicates = sorted({name for name in seen if seen.count(name) > 1})
        if duplicates:
            raise ValueError(f"system_id {', '.join(duplicates)} is configured more than once")
        if RESERVED_SYSTEM_ID in seen:
            raise ValueError(f"system_id {RESERVED_SYSTEM_ID} is the SMSC's own, for phone-to-phone messages (smsc.p2p): name the account otherwise")

    def account(self, system_id: str) -> Account | None:
        return self._accounts_by_id.get(system_id)

    @functools.cached_property
    def _accounts_by_id(self) -> dict[str, Account]:
        return {account.system_id: account for account in self.accounts}

    def personality(self, name: str) -> Personality:
        return self.personalities.get(name) or BUILT_IN[name]
