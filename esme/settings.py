"""The ESME's connection and sending settings: one frozen value, passed down explicitly.

Defaults match `smsc serve`'s (127.0.0.1:2775, smppclient1/password), so an ESME and an SMSC
started with no flags find each other.
"""

import enum

import attrs

from pdu.segments import Concatenation
from pdu.status import CommandStatus
from pdu.validators import not_negative, positive


class BindMode(enum.Enum):
    TRANSMITTER = "transmitter"
    RECEIVER = "receiver"
    TRANSCEIVER = "transceiver"
    PAIR = "pair"  # a transmitter link for submits plus a receiver link for receipts and MOs


def _one_of(allowed):
    def check(instance, attribute, value):
        if value not in allowed:
            raise ValueError(f"{attribute.name} must be one of {', '.join(map(str, allowed))} (SMPP 3.4 section 5.2.5/6), got {value}")

    return check


def read_status(written) -> int:
    """A command_status as people write it: ESME_RTHROTTLED, 0x58, 88, or a vendor code 0x400."""
    if isinstance(written, int) and not isinstance(written, bool):
        return written
    text = str(written).strip()
    if text.upper() in CommandStatus.__members__:
        return int(CommandStatus[text.upper()])
    try:
        return int(text, 0)
    except ValueError:
        raise ValueError(f"not a command_status: {written!r} (write a name such as ESME_RTHROTTLED, or a code such as 0x58)") from None


def read_statuses(written: str) -> frozenset[int]:
    """A comma-separated list of command_statuses."""
    return frozenset(read_status(part) for part in written.split(",") if part.strip())


# "Later" statuses: the SMSC is busy, the message was not taken. ESME_RSYSERR (0x08) is left
# out by default: some SMSCs answer it after storing, and retrying it could duplicate.
RETRY_STATUSES = frozenset({CommandStatus.ESME_RTHROTTLED, CommandStatus.ESME_RMSGQFUL})


@attrs.frozen
class Settings:
    host: str = "127.0.0.1"
    port: int = 2775
    system_id: str = "smppclient1"
    password: str = "password"
    system_type: str = ""
    bind: BindMode = BindMode.TRANSCEIVER
    address_range: str = ""  # the bind's address_range: which MOs this ESME serves, for SMSCs that route by it
    addr_ton: int = attrs.field(default=0, validator=_one_of(range(7)))
    addr_npi: int = attrs.field(default=0, validator=_one_of((0, 1, 3, 4, 6, 8, 9, 10, 14, 18)))
    tls: bool = False
    tls_ca: str = ""  # with tls: a PEM CA or certificate trusted instead of the system's store
    window: int = attrs.field(default=10, validator=positive)  # most submits awaiting a response
    tps: float = attrs.field(default=0.0, validator=not_negative)  # segments a second; 0: no limit
    burst: int = attrs.field(default=1, validator=positive)  # tokens the bucket holds when idle
    retry_statuses: frozenset = attrs.field(default=RETRY_STATUSES, converter=frozenset)
    max_retries: int = attrs.field(default=5, validator=not_negative)
    # Resubmits after no response (timeout, lost link); each may reach the handset twice if
    # the SMSC had stored the first. 0: report UNKNOWN instead.
    timeout_retries: int = attrs.field(default=0, validator=not_negative)
    retry_delay: float = attrs.field(default=1.0, validator=positive)  # first backoff, doubled each time
    retry_delay_max: float = attrs.field(default=30.0, validator=positive)
    response_timeout: float = attrs.field(default=30.0, validator=positive)
    receipt_timeout: float = attrs.field(default=600.0, validator=positive)
    enquire_link: float = attrs.field(default=30.0, validator=not_negative)  # 0: no keepalive
    slow_after: float = attrs.field(default=5.0, validator=positive)  # answers slower than this: another SMSC is preferred
    reconnect_delay: float = attrs.field(default=1.0, validator=positive)
    reconnect_delay_max: float = attrs.field(default=60.0, validator=positive)
    concatenation: Concatenation = Concatenation.UDH8
    receipts_per_segment: bool = True  # False: the carrier sends one receipt for a long message, for all its segments
    source: str = ""  # source_addr when a send names none

    @property
    def receives(self) -> bool:
        return self.bind is not BindMode.TRANSMITTER

    @property
    def transmits(self) -> bool:
        return self.bind is not BindMode.RECEIVER

    @property
    def links(self) -> tuple[BindMode, ...]:
        """The binds this setting opens, the sending one first."""
        if self.bind is BindMode.PAIR:
            return (BindMode.TRANSMITTER, BindMode.RECEIVER)
        return (self.bind,)
