"""deliver_sm (or data_sm) to an account's receiver and transceiver binds: round-robin,
within each session's window, resent until answered or refused for good.

A receipt or MO waits here while the account has no receiving bind. A session never has more
deliver_sm outstanding than the account's window, so a receiver that binds to thousands of
waiting receipts is not flooded into timeouts; each answer lets the next one go. A deliver_sm
that fails for a reason that may pass (a timeout, a lost link, ESME_RTHROTTLED, ESME_RMSGQFUL,
ESME_RX_T_APPN, ESME_RSYSERR) is sent again after a pause; one the ESME refuses for good
(any other status) is dropped and reported. One timer per account serves the pauses.
"""

import collections

from smpp.pdu import constants
from smpp.pdu.error import SMPPTransactionError
from twisted.internet import defer
from twisted.logger import Logger

from pdu.status import CommandStatus
from smsc.stats import Latencies

# Statuses an ESME answers when it cannot take a deliver_sm now but may later.
TRY_AGAIN = frozenset(
    {CommandStatus.ESME_RTHROTTLED, CommandStatus.ESME_RMSGQFUL, CommandStatus.ESME_RX_T_APPN, CommandStatus.ESME_RSYSERR}
)
SESSIONS_TRIED = 16  # receiving binds looked at for one with room (an account's max_binds is smaller)


def refused_status(failure) -> int | None:
    """The status an ESME refused a deliver_sm with, when it is one that will not pass."""
    if not failure.check(SMPPTransactionError):
        return None
    response = failure.value.response
    code = getattr(response, "raw_status", None)  # as read from the header, vendor codes too
    if code is None:
        code = constants.command_status_name_map.get(getattr(getattr(response, "status", None), "name", None))
    if code is None or code in TRY_AGAIN:
        return None
    return code


class Outbound:
    log = Logger()

    def __init__(self, clock, bindings, retry_interval: float = 5.0, window=lambda system_id: 100):
        """bindings(system_id) returns the next receiving session or None (round-robin);
        window(system_id) the most deliver_sm one session may have outstanding."""
        self.drained = lambda system_id: None  # told when an account's queue has emptied
        self._clock = clock
        # submitted_at comes from the engine's clock, which a trainer may pause (it then lags
        # this one): receipt latency is measured on it. `smsc serve` sets it to the engine's.
        self.engine_clock = clock
        self._bindings = bindings
        self._window = window
        self._retry_interval = retry_interval
        self._waiting: dict[str, collections.deque] = collections.defaultdict(collections.deque)
        self._retry_calls = {}
        self.receipt_latency = Latencies()  # (system_id, state) -> seconds from submit to receipt written

    def waiting(self, system_id: str) -> int:
        """deliver_sm held for an account until a receiving bind takes them."""
        return len(self._waiting[system_id])

    def send(self, system_id: str, value, sent=None, refused=None, created_at: float | None = None, receipt: tuple | None = None) -> None:
        """Queue a pdu.wire DeliverSm or DataSm for the account and send what can go now;
        sent() is called once an ESME has answered it ESME_ROK, refused(status) when an
        ESME refused it for good. receipt: (state name, submitted_at) of the message a receipt
        reports, to time it when it is first written."""
        self._waiting[system_id].append((value, sent, refused, created_at, receipt))
        self.flush(system_id)

    def forget_before(self, cutoff: float) -> int:
        """Drop what has waited since before `cutoff` (the retention); how many went."""
        dropped = 0
        for system_id, queue in self._waiting.items():
            kept = collections.deque(entry for entry in queue if entry[3] is None or entry[3] >= cutoff)
            dropped += len(queue) - len(kept)
            self._waiting[system_id] = kept
        return dropped

    def flush(self, system_id: str) -> None:
        """Hand waiting deliver_sm to bound sessions with room in their window."""
        queue = self._waiting[system_id]
        for _ in range(len(queue)):  # each at most once: a failure goes to the back for later
            session = self._session_with_room(system_id)
            if session is None:
                return
            entry = queue.popleft()
            answered = defer.maybeDeferred(session.deliver, entry[0])
            if entry[4] is not None:
                self.receipt_latency.observe((system_id, entry[4][0]), self.engine_clock.seconds() - entry[4][1])
            answered.addCallbacks(self._answered, self._failed, callbackArgs=(system_id, entry), errbackArgs=(system_id, entry))
        if not queue:
            self.drained(system_id)

    def _session_with_room(self, system_id: str):
        window = self._window(system_id)
        for _ in range(SESSIONS_TRIED):
            session = self._bindings(system_id)
            if session is None:
                return None
            if len(getattr(session, "outTxns", ())) < window:
                return session
        return None

    def _answered(self, _, system_id: str, entry) -> None:
        sent = entry[1]
        if sent is not None:
            sent()
        self.flush(system_id)

    def _failed(self, failure, system_id: str, entry):
        value, _, refused, _, _ = entry
        status = refused_status(failure)
        if status is not None:
            self.log.warn("{system_id} refused a {command} with status 0x{status:08X}; dropped, not resent",
                          system_id=system_id, command=type(value).__name__, status=status)  # fmt: skip
            if refused is not None:
                refused(status)
            self.flush(system_id)
            return
        self.log.info("deliver_sm to {system_id} failed ({why}); resending in {delay}s",
                      system_id=system_id, why=failure.getErrorMessage(), delay=self._retry_interval)  # fmt: skip
        self._waiting[system_id].append((*entry[:4], None))  # behind the others: one bad receipt holds up none; timed once
        call = self._retry_calls.get(system_id)
        if call is None or not call.active():
            self._retry_calls[system_id] = self._clock.callLater(self._retry_interval, self.flush, system_id)
