"""Receipts and MOs on their way from the engine to the ESME: queued on disk in the same
commit as the state that caused them, handed to the account's receiving binds once that
commit is done, and removed from disk when the ESME answers (or refuses them for good).

Memory stays bounded while an account has no receiver: past IN_MEMORY waiting entries, new
ones stay on disk only ("spilled"), and are read back in order, a batch at a time, as the
account's queue empties.
"""

import collections

from twisted.logger import Logger

from pdu.status import describe_status
from smsc import outbox_codec
from smsc.store import AddEvent, AddOutbox, OutboxEntry, RemoveOutbox, TraceEvent

IN_MEMORY = 10_000  # waiting receipts and MOs kept in memory per account; the rest on disk only


class Outbox:
    log = Logger()

    def __init__(self, outbound, clock, write, store):
        """outbound: smsc.outbound.Outbound; write(operations) stores what nothing waits for;
        store reads back what was spilled."""
        self._outbound = outbound
        self._clock = clock
        self._write = write
        self._store = store
        self.last_id = 0  # continues from the store's after a restart
        self._values: dict[int, object] = {}  # outbox id -> the PDU value, until handed over
        self._handed: dict[str, int] = {}  # account -> the last outbox id handed to outbound
        self._spilled: dict[str, int] = {}  # account -> entries left on disk only (a counter)
        self._reading: set[str] = set()
        self._held: collections.deque = collections.deque()  # (until, operations, number, copies, receipt): late receipts
        self._held_call = None
        outbound.drained = self._drained

    def queue(self, account: str, value, now: float, number: int | None = None, detail: str = "") -> list:
        """The operations that put a deliver_sm (or data_sm) in the outbox; for a message's
        receipt (number given), with its 'receipt queued' trace event."""
        self.last_id += 1
        self._values[self.last_id] = value
        packed = outbox_codec.pack(value)
        operations = [AddOutbox(OutboxEntry(self.last_id, account, now, packed))]
        if number is not None:  # the trace keeps the receipt as sent: the entry goes once answered
            operations.append(AddEvent(TraceEvent(number, now, "receipt queued", detail, packed)))
        return operations

    def send(self, operations: list, number: int | None = None, copies: int = 1, delay: float = 0.0, receipt: tuple | None = None) -> None:
        """Hand the now committed outbox entries among `operations` to the ESME; with `delay`,
        that many seconds later (a carrier whose receipts lag; they are on disk meanwhile).
        Entries are handed over in the order they were queued, so while some are held back
        the others wait behind them. receipt: (state name, submitted_at) when they are a
        message's receipt, to time it."""
        if delay > 0 or self._held:
            self._hold(operations, number, copies, self._clock.seconds() + delay, receipt)
        else:
            self._send_now(operations, number, copies, receipt)

    def _send_now(self, operations: list, number: int | None, copies: int, receipt: tuple | None = None) -> None:
        for operation in operations:
            if isinstance(operation, AddOutbox):
                entry = operation.entry
                value = self._values.pop(entry.id)
                if entry.id <= self._handed.get(entry.account, 0):
                    continue  # a read-back of spilled entries found it on disk and sent it already
                if not self._room(entry.account):
                    continue
                for _ in range(copies):
                    self._hand(entry, value, number, receipt)

    def _hold(self, operations: list, number: int | None, copies: int, until: float, receipt: tuple | None) -> None:
        """Held back until `until`, released in the order held (what a shorter delay holds
        waits behind what a longer one held before); one timer serves them all."""
        self._held.append((until, operations, number, copies, receipt))
        if self._held_call is None:
            self._held_call = self._clock.callLater(max(0.0, self._held[0][0] - self._clock.seconds()), self._release)

    def _release(self) -> None:
        self._held_call = None
        now = self._clock.seconds()
        due = []
        while self._held and self._held[0][0] <= now:
            due.append(self._held.popleft())
        for _, operations, number, copies, receipt in due:
            self._send_now(operations, number, copies, receipt)
        if self._held:
            self._held_call = self._clock.callLater(max(0.0, self._held[0][0] - now), self._release)

    def _room(self, account: str) -> bool:
        """Whether an entry may wait in memory; if not it is spilled: on disk only, for now."""
        if account in self._spilled or self._outbound.waiting(account) >= IN_MEMORY:
            self._spilled[account] = self._spilled.get(account, 0) + 1
            return False
        return True

    def _hand(self, entry: OutboxEntry, value, number: int | None, receipt: tuple | None = None) -> None:
        self._handed[entry.account] = entry.id
        self._outbound.send(entry.account, value, *self._answers(entry.id, number), created_at=entry.created_at, receipt=receipt)

    def _drained(self, account: str) -> None:
        """The account's queue is empty: read back the next spilled batch, oldest first."""
        if account not in self._spilled or account in self._reading:
            return
        self._reading.add(account)
        spilled_before = self._spilled[account]
        reading = self._store.outbox(account, self._handed.get(account, 0), IN_MEMORY // 2)
        reading.addCallbacks(self._read_back, self._read_failed, (account, spilled_before), errbackArgs=(account,))

    def _read_back(self, entries: list, account: str, spilled_before: int) -> None:
        if len(entries) < IN_MEMORY // 2 and self._spilled.get(account) == spilled_before:
            del self._spilled[account]  # all read back, and none spilled since the read began
        for entry in entries:  # still "reading": a drain while handing them starts no read
            self._hand(entry, outbox_codec.unpack(entry.pdu), None)
        self._reading.discard(account)
        if account in self._spilled and not self._outbound.waiting(account):
            self._drained(account)  # more spilled while reading, and nothing here to wait on

    def _read_failed(self, failure, account: str) -> None:
        self._reading.discard(account)
        self.log.failure("could not read back {account}'s waiting receipts; the next drain tries again", failure, account=account)

    def forget(self, operations: list) -> None:
        """The commit that held these entries failed: they were never queued."""
        for operation in operations:
            if isinstance(operation, AddOutbox):
                self._values.pop(operation.entry.id, None)

    def recover(self, entries) -> None:
        """Send again what a previous run left unanswered (spilling past IN_MEMORY)."""
        for entry in entries:
            if self._room(entry.account):
                self._hand(entry, outbox_codec.unpack(entry.pdu), None)

    def _answers(self, outbox_id: int, number: int | None):
        """What to do when the ESME takes a receipt or MO (sent) or refuses it for good
        (refused): either way it leaves the outbox, and the trace says which."""

        def done(hop: str, detail: str) -> None:
            operations = [RemoveOutbox(outbox_id)]
            if number is not None:
                operations.append(AddEvent(TraceEvent(number, self._clock.seconds(), hop, detail)))
            self._write(operations)

        def sent():
            done("receipt delivered", "deliver_sm_resp received")

        def refused(status: int):
            done("receipt refused", f"the ESME answered {describe_status(status)}; not sent again")

        return sent, refused
