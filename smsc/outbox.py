"""Receipts and MOs on their way from the engine to the ESME: queued on disk in the same
commit as the state that caused them, handed to the account's receiving binds once that
commit is done, and removed from disk when the ESME answers (or refuses them for good)."""

from pdu.status import describe_status
from smsc import outbox_codec
from smsc.store import AddEvent, AddOutbox, OutboxEntry, RemoveOutbox, TraceEvent


class Outbox:
    def __init__(self, outbound, clock, write):
        """outbound: smsc.outbound.Outbound; write(operations) stores what nothing waits for."""
        self._outbound = outbound
        self._clock = clock
        self._write = write
        self.last_id = 0  # continues from the store's after a restart
        self._values: dict[int, object] = {}  # outbox id -> the PDU value, until handed over

    def queue(self, account: str, value, now: float, number: int | None = None, detail: str = "") -> list:
        """The operations that put a deliver_sm (or data_sm) in the outbox; for a message's
        receipt (number given), with its 'receipt queued' trace event."""
        self.last_id += 1
        self._values[self.last_id] = value
        operations = [AddOutbox(OutboxEntry(self.last_id, account, now, outbox_codec.pack(value)))]
        if number is not None:
            operations.append(AddEvent(TraceEvent(number, now, "receipt queued", detail)))
        return operations

    def send(self, operations: list, number: int | None = None, copies: int = 1) -> None:
        """Hand the now committed outbox entries among `operations` to the ESME."""
        for operation in operations:
            if isinstance(operation, AddOutbox):
                entry = operation.entry
                value = self._values.pop(entry.id)
                for _ in range(copies):
                    self._outbound.send(entry.account, value, *self._answers(entry.id, number))

    def forget(self, operations: list) -> None:
        """The commit that held these entries failed: they were never queued."""
        for operation in operations:
            if isinstance(operation, AddOutbox):
                self._values.pop(operation.entry.id, None)

    def recover(self, entries) -> None:
        """Send again what a previous run left unanswered."""
        for entry in entries:
            self._outbound.send(entry.account, outbox_codec.unpack(entry.pdu), *self._answers(entry.id, None))

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
