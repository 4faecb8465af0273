"""Submits written on one link and awaiting their submit_sm_resp, by sequence number.

The response timeout is the same for every submit and they are registered in time order, so
their deadlines are in order too: one queue of deadlines, and one timer for its head, does
the work of a timer per submit (the queue is trimmed of answered submits as answers come,
and they mostly come in order). Pure bookkeeping, time passed in; the session reads the
answers and keeps the timer.
"""

import collections
from collections.abc import Callable

from twisted.internet import defer

# on_answer(status, message_id): message_id is None unless the SMSC took the submit; status is
# None when no answer came (timeout, lost link).
OnAnswer = Callable[[int | None, str | None], None]


class InFlight:
    def __init__(self, timeout: float):
        self.timeout = timeout
        self._by_sequence: dict[int, tuple[OnAnswer, float]] = {}
        self._deadlines: collections.deque[tuple[float, int]] = collections.deque()
        self._emptied: list[defer.Deferred] = []

    def __len__(self) -> int:
        return len(self._by_sequence)

    def __contains__(self, sequence: int) -> bool:
        return sequence in self._by_sequence

    def add(self, sequence: int, on_answer: OnAnswer, now: float) -> None:
        deadline = now + self.timeout
        self._by_sequence[sequence] = (on_answer, deadline)
        self._deadlines.append((deadline, sequence))

    def pop(self, sequence: int) -> OnAnswer:
        """The answered submit's callback; it is awaited no more."""
        on_answer, _ = self._by_sequence.pop(sequence)
        deadlines, waiting = self._deadlines, self._by_sequence
        while deadlines and deadlines[0][1] not in waiting:
            deadlines.popleft()
        self._notify_if_empty()
        return on_answer

    def overdue(self, now: float) -> list[OnAnswer]:
        """Callbacks of the submits whose deadline has passed; they are awaited no more."""
        late = []
        while self._deadlines and self._deadlines[0][0] <= now:
            deadline, sequence = self._deadlines.popleft()
            waiting = self._by_sequence.get(sequence)
            if waiting is not None and waiting[1] == deadline:
                late.append(self._by_sequence.pop(sequence)[0])
        self._notify_if_empty()
        return late

    def clear(self) -> list[OnAnswer]:
        """Every callback still waiting (the link is gone); nothing is awaited any more."""
        waiting = [on_answer for on_answer, _ in self._by_sequence.values()]
        self._by_sequence.clear()
        self._deadlines.clear()
        self._notify_if_empty()
        return waiting

    def next_deadline(self) -> float | None:
        return self._deadlines[0][0] if self._deadlines else None

    def emptied(self) -> defer.Deferred:
        """Fires once nothing is awaited (at once when nothing is): what an unbind waits for."""
        if not self._by_sequence:
            return defer.succeed(None)
        done = defer.Deferred()
        self._emptied.append(done)
        return done

    def _notify_if_empty(self) -> None:
        if not self._by_sequence and self._emptied:
            waiting, self._emptied = self._emptied, []
            for done in waiting:
                done.callback(None)
