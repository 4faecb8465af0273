"""The durable message store's narrow interface: the values it keeps, the write operations,
and the `Store` protocol a backend implements (SQLite now, a distributed engine later).

Nothing here names a storage technology. The store keeps messages, their traces and the
outbox of receipts and MOs; it never interprets a message's `body` or an outbox `pdu`, which
are bytes the engine owns. A write is a list of operations committed together or not at all,
and `write` answers only once they are durable: the engine sends submit_sm_resp after that.
"""

from collections.abc import Sequence
from typing import Protocol

import attrs
from twisted.internet.defer import Deferred

# SMPP message_state values (pdu.status.MessageState) after which a message never changes:
# DELIVERED, EXPIRED, DELETED, UNDELIVERABLE, REJECTED. Everything else is pending and comes
# back from `recover()`; ACCEPTED (6) and UNKNOWN (7) stay pending here as the engine uses them.
FINAL_STATES = frozenset({2, 3, 4, 5, 8})


@attrs.frozen
class StoredMessage:
    """One accepted message as the store keeps it. `number` is the SMSC's own key,
    increasing and never reused; `message_id` is what the ESME was told."""

    number: int
    message_id: str
    account: str
    source: str
    destination: str
    state: int  # SMPP message_state
    submitted_at: float  # clock seconds, like every time here
    due_at: float  # next delivery attempt
    expires_at: float
    attempts: int = 0
    done_at: float | None = None  # when it reached a final state; set then and only then
    error: int = 0  # network error code of the last failure
    body: bytes = b""  # opaque to the store: the encoded submit_sm and what the engine adds
    segments: int = 1  # billable segments
    # what delivering it costs the account, in micro-units of its currency: held while it is
    # pending (a restart holds it again), charged if delivered, 0 if it failed
    charge: int = 0

    @property
    def final(self) -> bool:
        return self.state in FINAL_STATES


@attrs.frozen
class TraceEvent:
    """One hop of a message's trace: "received", "stored", "attempt 1", "receipt queued"..."""

    number: int
    at: float
    hop: str
    detail: str = ""
    # what was sent, kept for the message inspector: on a "receipt queued" event, the receipt
    # as the outbox packed it (the outbox entry itself goes once the ESME answers); opaque here
    pdu: bytes = b""


@attrs.frozen
class OutboxEntry:
    """A receipt or MO waiting to go to an ESME; `pdu` is an encoded PDU, opaque here."""

    id: int
    account: str
    created_at: float
    pdu: bytes


@attrs.frozen
class AddMessage:
    message: StoredMessage


@attrs.frozen
class ChangeMessage:
    """The mutable part of a message after an attempt or a state change; body and expires_at
    None keep them. Changing a message the store does not hold fails the whole write."""

    number: int
    state: int
    attempts: int
    due_at: float
    done_at: float | None
    error: int
    body: bytes | None = None
    expires_at: float | None = None  # replace_sm may give a new validity
    charge: int | None = None  # set once, when a delivered message is charged
    segments: int | None = None  # replace_sm may give a new text


@attrs.frozen
class AddEvent:
    event: TraceEvent


@attrs.frozen
class AddOutbox:
    entry: OutboxEntry


@attrs.frozen
class RemoveOutbox:
    """Removing an entry that is already gone (purged, or removed twice) is not an error."""

    id: int


@attrs.frozen
class OptOut:
    """A handset asked a sender to stop (an MO "T" or "STOP"); marketing from that sender to
    it is refused until it opts in again."""

    sender: str
    number: str
    at: float


@attrs.frozen
class OptIn:
    """The handset opted in again ("START"); opting in when not opted out is not an error."""

    sender: str
    number: str


@attrs.frozen
class Spend:
    """Money an account spent on a delivered message, in micro-units, added to its total:
    the total outlives the messages that retention deletes."""

    account: str
    micros: int


Operation = AddMessage | ChangeMessage | AddEvent | AddOutbox | RemoveOutbox | OptOut | OptIn | Spend


@attrs.frozen
class Recovered:
    """What a restarting engine resumes from. The last numbers are the highest ever stored,
    even if those messages were purged since, so numbering never goes back."""

    pending: list[StoredMessage]  # messages not in a final state, by number
    outbox: list[OutboxEntry]  # by id
    last_number: int
    last_outbox_id: int
    opt_outs: list[OptOut] = attrs.Factory(list)
    spent: dict[str, int] = attrs.Factory(dict)  # account -> micro-units spent so far


class MissingMessage(LookupError):
    """A ChangeMessage named a number the store does not hold."""


class StoreClosed(RuntimeError):
    """The store was used after close()."""


class Store(Protocol):
    """Durable storage for the engine. Deferreds fire on the reactor thread."""

    def recover(self) -> Recovered:
        """Read back what survived; synchronous, called once at start-up."""

    def write(self, operations: Sequence[Operation]) -> Deferred[None]:
        """Apply the operations in order, atomically together, and fire once they are
        durable; errback if they are not. Calls are committed in call order."""

    def message(self, key: int | str, account: str | None = None) -> Deferred[StoredMessage | None]:
        """A message by number (int) or by message_id (str), optionally only the account's;
        for a message_id used more than once, the newest."""

    def events(self, number: int) -> Deferred[list[TraceEvent]]:
        """A message's trace, in the order it was written."""

    def outbox(self, account: str, after: int, limit: int) -> Deferred[list[OutboxEntry]]:
        """An account's waiting receipts and MOs with ids above `after`, oldest first."""

    def find(
        self,
        destination: str | None = None,
        account: str | None = None,
        state: int | None = None,
        before: int | None = None,
        limit: int = 50,
    ) -> Deferred[list[StoredMessage]]:
        """Messages matching every given filter, newest first; the next page passes the
        last number seen as `before`."""

    def finished(self, account: str | None = None, after: tuple[float, int] = (0.0, 0), limit: int = 1000) -> Deferred[list[StoredMessage]]:
        """Messages in a final state, in the order they finished (done_at, then number),
        from after the (done_at, number) given: the call detail records."""

    def purge(self, finished_before: float) -> Deferred[int]:
        """Retention: delete final messages done before the time, with their traces, and
        outbox entries created before it. Fires with the number of messages deleted."""

    def close(self) -> Deferred[None]:
        """Commit what is queued, then release everything."""
