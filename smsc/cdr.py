"""Call detail records: one CSV line per message, for a carrier's billing reconciliation.

Columns, in order, after a header line naming them:

    message_id    the id the ESME was told in submit_sm_resp
    account       the system_id that submitted it ("handsets" for a phone-to-phone message)
    source        source address digits
    destination   destination address digits
    submitted_at  when it was accepted: ISO 8601 UTC to the millisecond, 2026-11-22T08:00:00.123Z
    done_at       when it reached a final state, same format; empty while it is pending
    state         SMPP message_state by name: DELIVERED, EXPIRED, UNDELIVERABLE, ENROUTE...
    error         network error code of the last failure, 0 when none
    segments      billable segments
    amount        what was charged, with six decimals (the ledger's micro-units), 0.000000
                  for a message not delivered: failures are refunded

The csv module quotes what needs quoting (an alphanumeric sender with a comma) and ends lines
with CRLF, as RFC 4180 and spreadsheets expect.
"""

import csv
from collections.abc import Iterable
from typing import TextIO

import attrs

from pdu.status import MessageState
from pdu.times import iso
from smsc.policy.billing import MICROS
from smsc.store import StoredMessage

COLUMNS = (
    "message_id", "account", "source", "destination", "submitted_at", "done_at",
    "state", "error", "segments", "amount",
)  # fmt: skip
AMOUNT_DECIMALS = 6


@attrs.frozen
class CdrRow:
    """One message's record: who sent what to whom, how it ended and what it cost."""

    message_id: str
    account: str
    source: str
    destination: str
    submitted_at: float
    done_at: float | None
    state: str
    error: int
    segments: int
    amount: float

    @classmethod
    def from_stored(cls, message: StoredMessage) -> "CdrRow":
        """The record of a stored message, with what delivering it cost."""
        try:
            state = MessageState(message.state).name
        except ValueError:  # a state number from a newer SMPP than ours: keep it readable
            state = str(message.state)
        return cls(
            message.message_id,
            message.account,
            message.source,
            message.destination,
            message.submitted_at,
            message.done_at,
            state,
            message.error,
            message.segments,
            message.charge / MICROS,
        )

    def as_json(self) -> dict:
        return {**attrs.asdict(self), "submitted_at": iso(self.submitted_at), "done_at": iso(self.done_at)}

    def as_csv(self) -> tuple[str, ...]:
        return (
            self.message_id,
            self.account,
            self.source,
            self.destination,
            iso(self.submitted_at),
            iso(self.done_at) or "",
            self.state,
            str(self.error),
            str(self.segments),
            f"{self.amount:.{AMOUNT_DECIMALS}f}",
        )


def write_csv(rows: Iterable[CdrRow], out: TextIO) -> int:
    """Write the header and one line per row to out; returns how many rows were written.

    Rows are written as they come, so a generator over the store streams without building
    the whole file in memory. Open out with newline="" so the csv module owns line endings.
    """
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    count = 0
    for row in rows:
        writer.writerow(row.as_csv())
        count += 1
    return count
