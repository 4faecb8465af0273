"""The open-loop generator of `esme load`: hands each message to a Sender at its due time.

Messages leave by the clock, not when earlier ones are answered: when the SMSC slows down,
what it cannot take waits in the Senders (behind the window, or for a retry) and shows as
latency and messages in flight, while the offered rate stays what was asked. One timer serves
the whole schedule. Messages go round-robin to the binds, which splits the rate evenly, and
to the destinations in turn.
"""

from twisted.internet import defer

from esme.load_plan import Plan
from esme.load_tally import Tally
from esme.settings import RETRY_STATUSES

# The shortest wait between two wake-ups: at thousands a second, the messages due within a
# millisecond go out together rather than with a timer each.
TICK = 0.001
_EPSILON = 1e-9  # a timer set for a due time may read the clock a hair before it


class Load:
    """One run over started Senders; `tally` holds what it saw once `run()` has begun."""

    def __init__(self, senders, plan: Plan, destinations, text: str, source: str, receipt: bool, clock,
                 retry_statuses=RETRY_STATUSES):  # fmt: skip
        if not senders or not destinations:
            raise ValueError("a load needs at least one sender and one destination")
        self._senders = list(senders)
        self._plan = plan
        self._destinations = list(destinations)
        self._text, self._source, self._receipt = text, source, receipt
        self._clock = clock
        self._retry_statuses = retry_statuses
        self.tally: Tally | None = None
        self._next = 0  # the next message of the schedule
        self._open = 0  # messages offered and not final yet
        self._timer = None
        self._done = defer.Deferred()
        self.stopped = False

    def run(self) -> defer.Deferred:
        """Start now; fires with the Tally once the schedule is over and every message is
        final (answered, and with receipts asked, its receipt came or timed out)."""
        self.tally = Tally(self._clock.seconds(), self._plan.steady, self._retry_statuses)
        self._offer()
        return self._done

    def stop(self) -> None:
        """Offer nothing more (Ctrl-C); what is in flight stays counted as in flight."""
        self.stopped = True
        if self._timer is not None and self._timer.active():
            self._timer.cancel()

    def _offer(self) -> None:
        now = self._clock.seconds()
        elapsed = now - self.tally.started
        while self._next < self._plan.messages and self._plan.due(self._next) <= elapsed + _EPSILON:
            self._send(self._next, self.tally.started + self._plan.due(self._next), now)
            self._next += 1
        if self._next < self._plan.messages:
            wait = self._plan.due(self._next) - elapsed
            self._timer = self._clock.callLater(max(wait, TICK), self._offer)
            return
        self.tally.ended(now)
        self._maybe_done()

    def _send(self, n: int, due: float, now: float) -> None:
        sender = self._senders[n % len(self._senders)]
        destination = self._destinations[n % len(self._destinations)]
        handle = sender.submit(destination, self._text, self._source, receipt=self._receipt)
        self._open += 1
        self.tally.offered(now, len(handle.parts))
        handle.accepted.addCallback(self._answered, due).addErrback(self._broken)
        handle.finished.addCallback(self._finished).addErrback(self._broken)

    def _answered(self, result, due: float) -> None:
        self.tally.answered(result, due, self._clock.seconds())

    def _finished(self, result) -> None:
        if self._receipt:
            self.tally.finished(result)
        self._open -= 1
        self._maybe_done()

    def _maybe_done(self) -> None:
        if self.tally.offer_ended is not None and not self._open and not self._done.called:
            self._done.callback(self.tally)

    def _broken(self, failure) -> None:
        """A fault in our own bookkeeping ends the run with it, rather than hanging it."""
        if not self._done.called:
            self._done.errback(failure)
