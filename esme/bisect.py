"""The search behind `esme bisect`: which part of a text a carrier's filter blocks, found the
way operators find it by hand, as pure logic that proposes fragments and takes verdicts.

The method: confirm the whole text is blocked, then send its halves. If one half is blocked,
go on in that half (quarters, eighths...). When both halves pass, the blocked word straddles
the cut (keywords are two characters or more), so probe a window around the middle that
doubles until it is blocked, then narrow its left and right edges by halving. The result is
a smallest fragment: blocked, while dropping its first or last character lets it pass.

Sending the messages and reading receipts is the caller's job, which keeps this testable
with any filter and usable against any SMSC: a receipt saying DELIVRD is `delivered`, a
failure receipt or none within the timeout is `blocked`, and anything that says nothing about
the content (a throttled submit, a broken link) is `unknown`, which is asked again once.

Cost: at most two probes a halving, then about 3·log2(keyword length) for the straddle; a
keyword in a text of n characters is found within 2·log2(n) + 10 probes in our tests.
"""

import enum
from collections.abc import Generator

import attrs

Span = tuple[int, int]


class Verdict(enum.Enum):
    DELIVERED = "delivered"
    BLOCKED = "blocked"
    UNKNOWN = "unknown"


class Status(enum.Enum):
    FOUND = "found"
    NOT_REPRODUCED = "not reproduced"  # the whole text was delivered: nothing to look for
    BUDGET_EXHAUSTED = "budget exhausted"  # the fragment is the smallest blocked one so far
    INCONCLUSIVE = "inconclusive"  # a probe stayed unknown; the fragment is the best so far


@attrs.frozen
class Probe:
    """A fragment to send: text[start:end]."""

    start: int
    end: int
    fragment: str


@attrs.frozen
class Finding:
    status: Status
    start: int
    end: int
    fragment: str  # text[start:end]; the whole text when nothing smaller was found blocked
    probes: int  # messages spent, retries of unknown verdicts included


class Bisect:
    """One search over text, spending at most budget messages.

    Drive it with `probe = search.next_probe()` and `search.report(verdict)` until
    next_probe() returns None; then `search.finding` says what was found.
    """

    def __init__(self, text: str, budget: int, retries: int = 1):
        if not text:
            raise ValueError("nothing to bisect: the text is empty")
        if budget < 1:
            raise ValueError("the budget must allow at least one message")
        self.text = text
        self.budget = budget
        self.retries = retries
        self.probes = 0
        self.finding: Finding | None = None
        self._best: Span = (0, len(text))
        self._unknowns = 0
        self._steps = self._search()
        self._pending: Span | None = None
        self._advance(next(self._steps))

    def next_probe(self) -> Probe | None:
        """The fragment to send next, or None when the search is over."""
        if self._pending is None:
            return None
        start, end = self._pending
        return Probe(start, end, self.text[start:end])

    def report(self, verdict: Verdict | str) -> None:
        """The verdict for the fragment next_probe() gave."""
        if self._pending is None:
            raise RuntimeError("no probe is waiting for a verdict")
        verdict = Verdict(verdict)
        self.probes += 1
        if verdict is Verdict.UNKNOWN:
            self._unknowns += 1
            if self._unknowns > self.retries:
                self._finish(Status.INCONCLUSIVE, self._best)
            elif self.probes >= self.budget:
                self._finish(Status.BUDGET_EXHAUSTED, self._best)
            return  # the same probe again
        self._unknowns = 0
        blocked = verdict is Verdict.BLOCKED
        if blocked and self._pending[1] - self._pending[0] < self._best[1] - self._best[0]:
            self._best = self._pending
        try:
            step = self._steps.send(blocked)
        except StopIteration:
            return
        self._advance(step)

    def _advance(self, step: Span | tuple[Status, Span]) -> None:
        if isinstance(step[0], Status):
            self._finish(*step)
        elif self.probes >= self.budget:
            self._finish(Status.BUDGET_EXHAUSTED, self._best)
        else:
            self._pending = step

    def _finish(self, status: Status, span: Span) -> None:
        self._pending = None
        start, end = span
        self.finding = Finding(status, start, end, self.text[start:end], self.probes)

    def _search(self) -> Generator:
        """Yields spans to probe (receiving True when blocked), then (Status, span) once."""
        lo, hi = 0, len(self.text)
        if not (yield (lo, hi)):
            yield Status.NOT_REPRODUCED, (lo, hi)
            return
        while True:
            if hi - lo == 1:
                yield Status.FOUND, (lo, hi)  # a one-character keyword
                return
            mid = (lo + hi) // 2
            if (yield (lo, mid)):
                hi = mid
            elif (yield (mid, hi)):
                lo = mid
            else:
                break
        # Both halves of [lo, hi) pass: every blocked word in it covers mid-1 and mid.
        width = 1
        while True:
            left, right = max(lo, mid - width), min(hi, mid + width)
            if (left, right) == (lo, hi) or (yield (left, right)):
                break
            width *= 2
        # [left, right) is blocked; [mid, right) and [left, mid) are not (inside passing halves).
        # Narrow the start: the largest s with [s, right) blocked.
        blocked_at, passing_at = left, mid
        while passing_at - blocked_at > 1:
            s = (blocked_at + passing_at) // 2
            if (yield (s, right)):
                blocked_at = s
            else:
                passing_at = s
        start = blocked_at
        # Then the end: the smallest e with [start, e) blocked.
        passing_at, blocked_at = mid, right
        while blocked_at - passing_at > 1:
            e = (passing_at + blocked_at) // 2
            if (yield (start, e)):
                blocked_at = e
            else:
                passing_at = e
        yield Status.FOUND, (start, blocked_at)
