"""What became of one message: per segment, its message_id, submit status, receipt and timings."""

import attrs

from pdu.status import CommandStatus

# Final states besides the receipt's own stat words (DELIVRD, UNDELIV, EXPIRED, REJECTD, ...).
ACCEPTED = "ACCEPTED"  # taken by the SMSC; no receipt was asked for
REFUSED = "REFUSED"  # the SMSC answered an error status (after any retries)
UNKNOWN = "UNKNOWN"  # no response came (timeout or lost link): the SMSC may or may not have it
NO_RECEIPT = "no receipt"  # accepted, but no final receipt came within the receipt timeout
NOT_SENT = "NOT SENT"  # the sender stopped before this segment went out


@attrs.frozen
class PartOutcome:
    message_id: str | None  # None unless the SMSC accepted this segment
    status: int | None  # command_status of the last submit_sm_resp; None when none came
    state: str
    error: int | None = None  # the receipt's err (GSM MAP error), when a receipt came
    attempts: int = 0
    submit_latency: float | None = None  # seconds from the accepted submit_sm to its response
    receipt_latency: float | None = None  # seconds from the accepted submit_sm to its final receipt
    unanswered: int = 0  # tries that got no response: when above 0 the handset may get it twice

    @property
    def maybe_duplicated(self) -> bool:
        return self.unanswered > 0 and self.accepted

    @property
    def accepted(self) -> bool:
        return self.status == CommandStatus.ESME_ROK


@attrs.frozen
class Outcome:
    parts: tuple[PartOutcome, ...]

    @property
    def message_ids(self) -> tuple[str | None, ...]:
        return tuple(part.message_id for part in self.parts)

    @property
    def accepted(self) -> bool:
        return all(part.accepted for part in self.parts)

    @property
    def state(self) -> str:
        """The message's state: its segments' when they agree, else the first that is not DELIVRD."""
        states = [part.state for part in self.parts]
        return next((state for state in states if state != "DELIVRD"), states[0])

    @property
    def failed_part(self) -> PartOutcome | None:
        """The first segment not accepted, for reporting its status."""
        return next((part for part in self.parts if not part.accepted), None)
