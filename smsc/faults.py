"""Wire faults on demand: the ways a carrier's link misbehaves, as settings of a session.

Each fault is a field, set per account in the config ([accounts.faults]) and changeable per
session at run time (`session.faults = attrs.evolve(...)`). A QA engineer switches one on to
watch what their ESME does: no answer, late answers, generic_nack, an error for a share of
submits, a dropped link, a receipt before its submit_sm_resp, duplicate or late receipts, a
malformed PDU, or a half-open link that stops reading.
"""

import attrs

from pdu.status import CommandStatus
from pdu.validators import not_negative, share


@attrs.frozen
class WireFaults:
    """Everything off by default: a healthy link."""

    silent: bool = False  # read requests, answer none of them
    response_delay: float = attrs.field(default=0.0, validator=not_negative)  # seconds, every response
    response_jitter: float = attrs.field(default=0.0, validator=not_negative)  # plus 0..jitter seconds
    generic_nack_share: float = attrs.field(default=0.0, validator=share)  # of submits, nacked unread
    error_share: float = attrs.field(default=0.0, validator=share)  # of submits, refused with error_status
    error_status: str = attrs.field(default="ESME_RSYSERR")
    drop_after: int = attrs.field(default=0, validator=not_negative)  # PDUs received, then cut (0: never)
    receipt_before_response: bool = False  # the submit_sm_resp waits until the receipt has gone
    duplicate_receipts: bool = False  # every receipt is sent twice
    receipt_delay: float = attrs.field(default=0.0, validator=not_negative)  # seconds every receipt is held back
    malformed_share: float = attrs.field(default=0.0, validator=share)  # of submit_sm_resp, sent broken
    stop_reading: bool = False  # after binding, read nothing more: a half-open link

    @error_status.validator
    def _known_status(self, attribute, value):
        if value not in CommandStatus.__members__:
            raise ValueError(f"error_status must be a command_status name such as ESME_RSYSERR, got {value!r}")

    @property
    def error(self) -> CommandStatus:
        return CommandStatus[self.error_status]


HEALTHY = WireFaults()


GENERIC_NACK = "generic_nack"


def request_fault(faults: WireFaults, rng) -> str | CommandStatus | None:
    """What happens to a data request before the SMSC reads it: GENERIC_NACK, an error
    status to answer instead, or None to go on."""
    if faults.generic_nack_share and rng.random() < faults.generic_nack_share:
        return GENERIC_NACK
    if faults.error_share and rng.random() < faults.error_share:
        return faults.error
    return None


def response_delay(faults: WireFaults, rng, accepted_submit: bool) -> float:
    """Seconds to hold a response; a submit whose receipt must go first is held long enough
    for a message to a test number that delivers at once (...0000)."""
    delay = faults.response_delay
    if faults.response_jitter:
        delay += rng.uniform(0.0, faults.response_jitter)
    if faults.receipt_before_response and accepted_submit:
        delay = max(delay, RECEIPT_FIRST_HOLD)
    return delay


RECEIPT_FIRST_HOLD = 2.0  # seconds a submit_sm_resp waits so that its receipt overtakes it


def malformed(octets: bytes) -> bytes:
    """A response whose body lies about itself: the message_id loses its terminating NUL,
    so a parser runs off the end of the PDU."""
    if len(octets) > 16 and octets.endswith(b"\0"):
        return octets[:-1] + b"\x7f"
    return octets[:16] + b"\x7f"
