"""What a load run saw, counted and timed as answers and receipts arrive: per segment, since
the rate is in segments.

Latencies are kept as they are (in compact arrays: an hour at 1,000 a second is 3.6 million)
so the final percentiles are exact; the live p99 reads a count per whole millisecond instead,
which costs nothing to keep and is exact to the millisecond.
"""

import array
import math
from collections import Counter

from esme import outcome
from esme.settings import RETRY_STATUSES


class Tally:
    """Counts of one run whose offer starts at `started` (clock seconds) and is at full rate
    between started + steady[0] and started + steady[1]."""

    def __init__(self, started: float, steady: tuple[float, float], retry_statuses=RETRY_STATUSES):
        self.started = started
        self.steady_from, self.steady_to = started + steady[0], started + steady[1]
        self._retry_statuses = retry_statuses
        self.offered_messages = 0
        self.offered_segments = 0
        self.steady_offered = 0  # segments offered while at full rate
        self.answered_segments = 0  # with any answer, or given up on
        self.accepted = 0
        self.steady_accepted = 0  # segments accepted (ESME_ROK) while at full rate
        self.refused: Counter[int] = Counter()  # command_status -> segments
        self.unknown = 0  # no answer: timed out or the link fell; the SMSC may have it
        self.not_sent = 0  # still queued in the ESME when the run was stopped
        self.throttled = 0  # answers with a "later" status (0x58, 0x14), each retried until max_retries
        self.receipts: Counter[str] = Counter()  # DELIVRD, UNDELIV, ..., "no receipt"
        self.submit_latency = array.array("d")  # first submit_sm on the wire -> the accepting submit_sm_resp
        self.due_latency = array.array("d")  # the schedule's due time -> submit_sm_resp
        self.receipt_latency = array.array("d")  # submit_sm -> final receipt
        self.peak_in_flight = 0
        self.offer_ended: float | None = None
        self.in_flight_at_end = 0  # segments offered but unanswered when the offer ended
        self.last_answer: float | None = None
        self._live = Counter()  # submit latency in whole milliseconds -> segments

    @property
    def in_flight(self) -> int:
        """Segments offered and not answered yet: on the wire, or waiting in the ESME for
        window room or a retry."""
        return self.offered_segments - self.answered_segments

    def offered(self, now: float, segments: int) -> None:
        self.offered_messages += 1
        self.offered_segments += segments
        if self.steady_from <= now < self.steady_to:
            self.steady_offered += segments
        self.peak_in_flight = max(self.peak_in_flight, self.in_flight)

    def ended(self, now: float) -> None:
        """The schedule offered its last message."""
        self.offer_ended = now
        self.in_flight_at_end = self.in_flight

    def answered(self, result: outcome.Outcome, due: float, now: float) -> None:
        """Every segment of a message has its answer (after any retries), or was given up."""
        for part in result.parts:
            self.answered_segments += 1
            # Each try was answered "later", answered for good (accepted, or refused with a status
            # not retried), or not answered at all (a timeout or a lost link): the rest.
            final = part.status is not None and part.status not in self._retry_statuses
            self.throttled += max(0, part.attempts - part.unanswered - final)
            if part.accepted:
                self.accepted += 1
                self.steady_accepted += self.steady_from <= now < self.steady_to
                self.submit_latency.append(part.submit_latency)
                self.due_latency.append(now - due)
                self._live[round(part.submit_latency * 1000)] += 1
            elif part.state == outcome.NOT_SENT:
                self.not_sent += 1
            elif part.status is None:
                self.unknown += 1
            else:
                self.refused[part.status] += 1
        self.last_answer = now

    def finished(self, result: outcome.Outcome) -> None:
        """Every segment is final; with receipts asked, the accepted ones have theirs."""
        for part in result.parts:
            if part.accepted:
                self.receipts[part.state] += 1
                if part.receipt_latency is not None:
                    self.receipt_latency.append(part.receipt_latency)

    def live_p99_ms(self) -> int | None:
        """The nearest-rank p99 of submit latencies so far, to the millisecond."""
        if not self.accepted:
            return None
        rank, seen = math.ceil(0.99 * self.accepted), 0
        for milliseconds in sorted(self._live):
            seen += self._live[milliseconds]
            if seen >= rank:
                break
        return milliseconds
