"""Every future step of every message on one heap, served by one timer.

A million pending messages cost a million small heap entries, not a million IDelayedCalls.
Entries are never removed: a step that no longer applies (the message was retried, cancelled
or replaced meanwhile) is recognised as stale by its owner when it comes due.
"""

import heapq
import itertools

BATCH = 5_000  # steps run in one reactor turn at most (a restart may find a million due)


class Schedule:
    def __init__(self, clock, run):
        """run(item) is called for each item when its time comes, in time order."""
        self._clock = clock
        self._run = run
        self._heap: list[tuple[float, int, object]] = []
        self._order = itertools.count()  # ties keep the order they were added in
        self._timer = None
        self._timer_at = None

    def __len__(self) -> int:
        return len(self._heap)

    def at(self, when: float, item) -> None:
        heapq.heappush(self._heap, (when, next(self._order), item))
        if self._timer_at is None or when < self._timer_at:
            self._arm(when)

    def _arm(self, when: float) -> None:
        if self._timer is not None and self._timer.active():
            self._timer.cancel()
        self._timer_at = when
        self._timer = self._clock.callLater(max(0.0, when - self._clock.seconds()), self._fire)

    def _fire(self) -> None:
        self._timer = self._timer_at = None
        now = self._clock.seconds()
        heap = self._heap
        for _ in range(BATCH):
            if not heap or heap[0][0] > now:
                break
            _, _, item = heapq.heappop(heap)
            self._run(item)
        # A step the run added armed the timer for its own time, perhaps after the heap's
        # first: arm for the first. At once if more are due: the network is served between batches.
        if heap and (self._timer_at is None or heap[0][0] < self._timer_at):
            self._arm(heap[0][0])

    def compact(self, live) -> int:
        """Drop the entries live(item) calls stale; how many went. O(n): for an hourly tidy,
        so that steps made stale long before they come due do not pile up."""
        before = len(self._heap)
        self._heap = [entry for entry in self._heap if live(entry[2])]
        heapq.heapify(self._heap)
        return before - len(self._heap)

    def stop(self) -> None:
        if self._timer is not None and self._timer.active():
            self._timer.cancel()
        self._timer = self._timer_at = None
