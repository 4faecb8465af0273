"""Counters the HTTP API, /metrics and the dashboard read: per account, messages submitted,
delivered, failed by reason, retried and throttled; the sessions' PDUs by command and status;
receipt latencies."""

import bisect
import collections

from pdu.status import MessageState
from smsc.lifecycle import MapError


def reason(state: MessageState, error: int) -> str:
    """A final outcome as people say it: 'delivered', 'undeliverable: unknown_subscriber'."""
    name = {MessageState.UNDELIVERABLE: "undeliverable"}.get(state, state.name.lower())
    if state is MessageState.DELIVERED or not error:
        return name
    try:
        return f"{name}: {MapError(error).name.lower()}"
    except ValueError:
        return f"{name}: err {error}"


class Stats:
    def __init__(self):
        self._accounts: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)

    def count(self, account: str, what: str, how_many: int = 1) -> None:
        self._accounts[account][what] += how_many

    def finished(self, account: str, state: MessageState, error: int) -> None:
        self._accounts[account][reason(state, error)] += 1

    def snapshot(self) -> dict[str, dict[str, int]]:
        return {account: dict(sorted(counter.items())) for account, counter in sorted(self._accounts.items())}


# A command_id or command_status outside what we can name, as counted from the wire: what an
# ESME writes cannot grow the counts (or the metrics' labels) without bound.
OTHER = -1


class SessionCounts:
    """What the SMPP sessions count as it happens, shared by every session of a factory: PDUs
    read and written by (command_id, command_status), and submits turned away because the
    session's window was full. One dict update a PDU on the hot path (`d[k] = d.get(k, 0) + 1`
    on a plain dict: half the instructions of a Counter's `+= 1`); read by snapshot()."""

    def __init__(self):
        self.received: dict[tuple[int, int], int] = {}  # (command_id, command_status) -> PDUs
        self.sent: dict[tuple[int, int], int] = {}
        self.window_full: collections.Counter = collections.Counter()  # system_id -> submits

    def wrote(self, command_id: int, status: int) -> None:
        """A PDU written off the hot path (the hot path updates `sent` in place)."""
        self.sent[command_id, status] = self.sent.get((command_id, status), 0) + 1

    def snapshot(self) -> dict:
        """{"pdus": {("in" or "out", command_id, command_status): count}, "window_full": {system_id: count}}"""
        pdus = {("in", *key): count for key, count in self.received.items()}
        pdus.update({("out", *key): count for key, count in self.sent.items()})
        return {"pdus": pdus, "window_full": dict(self.window_full)}


# Seconds from a submit to its receipt: milliseconds for a test number, seconds on air, minutes
# to hours through retries, up to the default validity of two days.
RECEIPT_SECONDS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0,
                   600.0, 1800.0, 3600.0, 7200.0, 21600.0, 86400.0)  # fmt: skip


class Latencies:
    """Histograms with fixed bucket bounds, one per key (a few: account and state): a count
    per bucket and the sum. Observing costs a bisect over the bounds."""

    def __init__(self, bounds=RECEIPT_SECONDS):
        self.bounds = tuple(bounds)
        self._counts: dict[tuple, list[int]] = {}  # key -> count per bucket, the last past every bound
        self._sums: dict[tuple, float] = {}

    def observe(self, key: tuple, seconds: float) -> None:
        counts = self._counts.get(key)
        if counts is None:
            counts = self._counts[key] = [0] * (len(self.bounds) + 1)
            self._sums[key] = 0.0
        counts[bisect.bisect_left(self.bounds, seconds)] += 1  # a value equal to a bound is in its bucket
        self._sums[key] += seconds

    def snapshot(self) -> dict[tuple, tuple[list[tuple[float, int]], float]]:
        """{key: ([(upper bound, observations at or below it)..., (inf, all)], sum of seconds)}"""
        shown = {}
        for key, counts in self._counts.items():
            cumulative, running = [], 0
            for bound, count in zip((*self.bounds, float("inf")), counts):
                running += count
                cumulative.append((bound, running))
            shown[key] = (cumulative, self._sums[key])
        return shown
