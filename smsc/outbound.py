"""deliver_sm (or data_sm) to an account's receiver and transceiver binds: round-robin,
resent until answered.

A receipt or MO waits here while the account has no receiving bind, and is sent again when
its deliver_sm fails or times out. The queue is per account; one timer per account serves it.
"""

import collections

from twisted.internet import defer
from twisted.logger import Logger



class Outbound:
    log = Logger()

    def __init__(self, clock, bindings, retry_interval: float = 5.0):
        """bindings(system_id) returns the next receiving session or None (round-robin)."""
        self._clock = clock
        self._bindings = bindings
        self._retry_interval = retry_interval
        self._waiting: dict[str, collections.deque] = collections.defaultdict(collections.deque)
        self._retry_calls = {}

    def waiting(self, system_id: str) -> int:
        """deliver_sm held for an account until a receiving bind takes them."""
        return len(self._waiting[system_id])

    def send(self, system_id: str, value, sent=None) -> None:
        """Queue a pdu.wire DeliverSm or DataSm for the account and send what can go now;
        sent() is called once an ESME has answered it with ESME_ROK."""
        self._waiting[system_id].append((value, sent))
        self.flush(system_id)

    def flush(self, system_id: str) -> None:
        """Hand every waiting deliver_sm to a bound session; keep the rest for later."""
        queue = self._waiting[system_id]
        for _ in range(len(queue)):  # each at most once: a failure puts it back for the retry
            session = self._bindings(system_id)
            if session is None:
                return
            value, sent = queue.popleft()
            answered = defer.maybeDeferred(session.deliver, value)
            answered.addCallbacks(self._answered, self._failed, callbackArgs=(sent,), errbackArgs=(system_id, (value, sent)))

    @staticmethod
    def _answered(_, sent) -> None:
        if sent is not None:
            sent()

    def _failed(self, failure, system_id: str, entry):
        self.log.info("deliver_sm to {system_id} failed ({why}); resending in {delay}s",
                      system_id=system_id, why=failure.getErrorMessage(), delay=self._retry_interval)  # fmt: skip
        self._waiting[system_id].appendleft(entry)
        call = self._retry_calls.get(system_id)
        if call is None or not call.active():
            self._retry_calls[system_id] = self._clock.callLater(self._retry_interval, self.flush, system_id)
