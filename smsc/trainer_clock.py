"""A clock a trainer can pause and step: the engine's time under `smsc serve`.

`TrainerClock` is an IReactorTime over the reactor. Running, its time follows the reactor's
(minus whatever time was spent paused: it never catches up, which would fire everything that
waited at once). Paused, its time stands still and its calls wait; `step()` then moves its
time to the next pending call and runs what is due then, one due time after another (a
message's next hop, a retry, a receipt). Steps can take its time past the wall clock's: a
far retry stepped to is in the SMSC's present.

The engine calls `seconds()` and `callLater` on its hot path, so both stay cheap: its calls
sit on one heap (entries cancelled or moved are left there and skipped when they surface,
the heap is rebuilt when they outnumber the live ones), and one reactor timer waits for the
earliest.
"""

import heapq
import itertools

from twisted.internet.base import DelayedCall
from twisted.internet.interfaces import IReactorTime
from twisted.logger import Logger
from zope.interface import implementer

COMPACT_AFTER = 64  # stale heap entries tolerated before a rebuild is considered


class NotPaused(Exception):
    """step() while the clock runs: what is due runs by itself; pause first."""


@implementer(IReactorTime)
class TrainerClock:
    log = Logger()

    def __init__(self, reactor):
        self._reactor = reactor
        self._lag = 0.0  # the reactor's time minus ours, while running
        self._paused_at: float | None = None  # our time, frozen, while paused
        self._heap: list[tuple[float, int, DelayedCall]] = []
        self._order = itertools.count()  # calls due at the same time run in the order made
        self._waiting = 0  # calls neither run nor cancelled
        self._stale = 0  # heap entries of calls cancelled or moved (about: duplicates uncounted)
        self._timer = None  # the reactor's call for our earliest, while running
        self._timer_at: float | None = None  # in our time; never after the earliest live entry

    # -- IReactorTime ---------------------------------------------------------------------------

    def seconds(self) -> float:
        if self._paused_at is None:
            return self._reactor.seconds() - self._lag
        return self._paused_at

    def callLater(self, delay: float, callable, *args, **kw) -> DelayedCall:
        call = DelayedCall(self.seconds() + delay, callable, args, kw, self._cancelled, self._moved, seconds=self.seconds)
        self._waiting += 1
        self._push(call)
        return call

    def getDelayedCalls(self) -> list[DelayedCall]:
        seen = {id(call): call for when, _, call in self._heap if not self._is_stale(when, call)}
        return list(seen.values())

    # -- the trainer's controls -----------------------------------------------------------------

    @property
    def paused(self) -> bool:
        return self._paused_at is not None

    @property
    def lag(self) -> float:
        """Seconds this clock is behind the reactor's: the time spent paused, less what steps advanced."""
        if self._paused_at is None:
            return self._lag
        return self._reactor.seconds() - self._paused_at

    @property
    def due(self) -> int:
        """Calls waiting to run."""
        return self._waiting

    def pause(self) -> None:
        if self._paused_at is not None:
            return
        self._paused_at = self.seconds()
        self._disarm()

    def resume(self) -> None:
        if self._paused_at is None:
            return
        self._lag = self._reactor.seconds() - self._paused_at
        self._paused_at = None
        self._arm()

    def step(self, limit: int = 1) -> int:
        """While paused: move to the next due time and run its calls, `limit` times (or until
        nothing is due). Returns how many calls ran."""
        if self._paused_at is None:
            raise NotPaused("the clock is running; pause it before stepping")
        ran = 0
        for _ in range(limit):
            first = self._first()
            if first is None:
                break
            self._paused_at = max(self._paused_at, first)
            ran += self._run(self._pop_due(self._paused_at))
        return ran

    # -- the heap and the one reactor timer -----------------------------------------------------

    def _push(self, call: DelayedCall) -> None:
        heapq.heappush(self._heap, (call.time, next(self._order), call))
        if self._paused_at is None and (self._timer_at is None or call.time < self._timer_at):
            self._arm_at(call.time)

    def _cancelled(self, call: DelayedCall) -> None:
        self._waiting -= 1
        self._stale += 1
        if self._stale > COMPACT_AFTER and self._stale * 2 > len(self._heap):
            self._compact(call)  # told before it is marked cancelled: name it

    def _moved(self, call: DelayedCall) -> None:
        """Reset to an earlier time: a new entry; the old one is stale (its time is not the call's)."""
        self._stale += 1
        self._push(call)

    @staticmethod
    def _is_stale(when: float, call: DelayedCall) -> bool:
        return call.cancelled or call.called or when != call.time

    def _compact(self, cancelled: DelayedCall) -> None:
        self._heap = [entry for entry in self._heap if entry[2] is not cancelled and not self._is_stale(entry[0], entry[2])]
        heapq.heapify(self._heap)
        self._stale = 0

    def _first(self) -> float | None:
        """The time of the earliest live call, dropping stale entries and moving delayed ones."""
        heap = self._heap
        while heap:
            when, _, call = heap[0]
            if self._is_stale(when, call):
                heapq.heappop(heap)
                self._stale = max(0, self._stale - 1)
            elif call.delayed_time:  # reset() to a later time only notes the delay, as for the reactor
                heapq.heappop(heap)
                call.activate_delay()
                heapq.heappush(heap, (call.time, next(self._order), call))
            else:
                return when
        return None

    def _pop_due(self, now: float) -> list[DelayedCall]:
        """The calls due at `now`; calls they make for `now` wait for the next turn (or step)."""
        due = []
        while (first := self._first()) is not None and first <= now:
            due.append(heapq.heappop(self._heap)[2])
        return due

    def _run(self, calls: list[DelayedCall]) -> int:
        ran = 0
        for call in calls:
            if call.cancelled or call.called:  # cancelled by one before it in this batch
                continue
            call.called = 1
            self._waiting -= 1
            ran += 1
            try:
                call.func(*call.args, **call.kw)
            except Exception:
                self.log.failure("a call on the trainer clock failed: {call}", call=call)
        return ran

    def _arm(self) -> None:
        first = self._first()
        if first is None:
            self._disarm()
        elif self._timer_at is None or first != self._timer_at:
            self._arm_at(first)

    def _arm_at(self, when: float) -> None:
        delay = max(0.0, when - self.seconds())
        self._timer_at = when
        if self._timer is not None:
            self._timer.reset(delay)
        else:
            self._timer = self._reactor.callLater(delay, self._fire)

    def _disarm(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
        self._timer = self._timer_at = None

    def _fire(self) -> None:
        self._timer = self._timer_at = None
        self._run(self._pop_due(self.seconds()))
        if self._paused_at is None:  # a call may have paused the clock
            self._arm()
