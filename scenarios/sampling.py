"""The load of a running scenario over time: at a fixed step of simulated time, each tower's
queue, whether it is up, its capacity and what it put on air since the last sample; the
traffic offered, accepted and refused, the submits answered "throttled", and the receipts by
state. What the report's tower table and the chart are drawn from.

One timer on the run's clock. It reads and never writes, draws no chance and schedules
nothing but itself, so a sampled run is the same run: its event log is byte for byte the one
an unsampled run writes (Clock runs calls due at one time in the order they were made, and a
step to the sampler's time lands on it exactly, so the other calls keep their times and order).
"""

import collections
import struct

import attrs

from esme import outcome
from pdu.status import CommandStatus

MOST_SAMPLES = 200  # over the traffic's span, and as many again over the drain after it
STEPS = (1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600)  # seconds: times people read

# What is not a receipt among the `final` states the event log records.
_NOT_RECEIPTS = {outcome.ACCEPTED, outcome.REFUSED, outcome.UNKNOWN, outcome.NO_RECEIPT, outcome.NOT_SENT}
# Answers to a submit that mean "later": what the ESMEs' retries honour.
_SUBMIT_RESPONSES = {0x80000004, 0x80000021, 0x80000103}  # submit_sm, submit_multi, data_sm
_THROTTLES = {int(CommandStatus.ESME_RTHROTTLED), int(CommandStatus.ESME_RMSGQFUL)}
_HEADER = struct.Struct("!LLL")


def step_for(duration: float) -> float:
    """A sampling step that keeps a long scenario's series small: the first of STEPS giving at
    most MOST_SAMPLES samples over `duration`."""
    return float(next((step for step in STEPS if duration / step <= MOST_SAMPLES), STEPS[-1]))


@attrs.frozen
class Mark:
    """A timeline step as the chart marks it."""

    t: float  # seconds from the start
    label: str  # 'tower_down CM-2'


@attrs.frozen
class TowerSeries:
    """One tower, one value a sample. `waiting` is what waits for the air: the queue its
    capacity implies plus what it holds while down."""

    carrier: str
    up: tuple[bool | None, ...]  # None: no SMSC (crashed) at that moment
    capacity: tuple[float | None, ...]  # messages a second on air
    queue: tuple[int, ...]
    held: tuple[int, ...]
    on_air: tuple[int, ...]  # messages put on air since the sample before

    @property
    def waiting(self) -> tuple[int, ...]:
        return tuple(queue + held for queue, held in zip(self.queue, self.held))


@attrs.frozen
class Series:
    """Samples at `t` (seconds from the start); each count is over the interval since the
    sample before (the first sample, at 0, counts nothing)."""

    every: float
    t: tuple[float, ...]
    offered: tuple[int, ...]  # messages handed to their ESME
    accepted: tuple[int, ...]  # messages whose every segment the SMSC took
    refused: tuple[int, ...]  # messages answered with an error status (after any retries)
    throttled: tuple[int, ...]  # submits answered ESME_RTHROTTLED or ESME_RMSGQFUL
    receipts: dict[str, tuple[int, ...]]  # final receipt state (DELIVRD, EXPIRED, ...) -> count
    towers: dict[str, TowerSeries]
    events: tuple[Mark, ...]  # the timeline's steps

    def per_second(self, counts: tuple[int, ...]) -> list[float]:
        """A count series as a rate over each interval (0 for the first sample)."""
        return [0.0] + [count / (end - start) if end > start else 0.0 for count, start, end in zip(counts[1:], self.t, self.t[1:])]


def label(fields: dict) -> str:
    """A timeline event as a chart marks it: 'tower_down CM-2', 'tower_capacity CM-1 capacity=2'."""
    named = [str(fields[key]) for key in ("tower", "account") if key in fields]
    rest = [f"{key}={value:g}" if isinstance(value, float) else f"{key}={value}"
            for key, value in fields.items() if key not in ("do", "tower", "account") and isinstance(value, (int, float, str))]  # fmt: skip
    return " ".join([fields.get("do", "?"), *named, *rest])


class Sampler:
    """Takes a sample every `every` seconds of the clock from start() to stop(). Sees the
    traffic through the event log (tap() wraps its writer) and the wire through the
    in-memory links' octets; reads the towers from the world's current engine."""

    def __init__(self, clock, started_at: float, every: float, on_sample=None, until: float | None = None, then: float | None = None):
        """Every `every` seconds until `until` seconds from the start, then every `then` (the
        drain after the traffic, where little changes). on_sample(seconds from the start):
        told after each sample (progress lines)."""
        self._clock, self._started_at, self.every = clock, started_at, every
        self._until, self._then = until, then
        self._on_sample = on_sample
        self._world = None
        self._call = None
        self._count = collections.Counter()  # since the last sample: offered, accepted, ...
        self._receipts = collections.Counter()
        self._events: list[Mark] = []
        self._rows: list[dict] = []
        self._engine, self._sent = None, {}  # the engine last read, and each tower's sent then
        self._wire: dict[int, int] = {}  # id of a link's SMSC end -> octets already read

    def tap(self, record):
        """The event log's writer, counting what passes through it."""

        def counted(at: float, kind: str, fields: dict) -> None:
            record(at, kind, fields)
            if kind == "submit":
                self._count["offered"] += 1
            elif kind == "response":
                statuses = fields["status"]
                if all(status == 0 for status in statuses):
                    self._count["accepted"] += 1
                elif any(status not in (0, None) for status in statuses):  # not an unanswered one
                    self._count["refused"] += 1
            elif kind == "final" and fields["state"] not in _NOT_RECEIPTS:
                self._receipts[fields["state"]] += 1
            elif kind == "timeline":
                self._events.append(Mark(round(at - self._started_at, 3), label(fields)))

        return counted

    def start(self, world) -> None:
        self._world = world
        self._sample()

    def stop(self) -> None:
        """A last sample now, unless one was just taken; no more after it."""
        if self._call is not None and self._call.active():
            self._call.cancel()
        self._call = None
        if self._world is not None and self._clock.seconds() - self._started_at > self._rows[-1]["t"] + 1e-9:
            self._take()

    def _sample(self) -> None:
        self._take()
        if self._on_sample is not None:
            self._on_sample(self._rows[-1]["t"])
        done = self._rows[-1]["t"]
        step = self._then if self._then and self._until is not None and done >= self._until else self.every
        due = self._started_at + done + step
        self._call = self._clock.callLater(max(0.0, due - self._clock.seconds()), self._sample)

    def _take(self) -> None:
        now = self._clock.seconds()
        row = {"t": round(now - self._started_at, 3), **self._count, "throttled": self._throttles(), "receipts": dict(self._receipts)}
        row["towers"] = self._towers(now)
        self._rows.append(row)
        self._count.clear()
        self._receipts.clear()

    def _towers(self, now: float) -> dict:
        engine = getattr(self._world, "engine", None)
        if engine is None:
            return {}
        if engine is not self._engine:  # a restarted SMSC counts from 0 again
            self._engine, self._sent = engine, {}
        towers = {}
        for tower_id, tower in engine.network.towers.items():
            towers[tower_id] = {"carrier": tower.carrier.name, "up": tower.up, "capacity": tower.capacity,
                                "queue": tower.air.waiting(now), "held": len(tower.held),
                                "on_air": tower.sent - self._sent.get(tower_id, 0)}  # fmt: skip
            self._sent[tower_id] = tower.sent
        return towers

    def _throttles(self) -> int:
        """Submits answered "later" since the last sample, read off what the SMSC wrote."""
        count = 0
        for endpoint in self._world.endpoints:
            for link in endpoint.links:
                octets, offset = link.other.sent, self._wire.get(id(link.other), 0)
                while offset + 16 <= len(octets):
                    length, command_id, status = _HEADER.unpack_from(octets, offset)
                    if length < 16 or offset + length > len(octets):
                        break
                    count += command_id in _SUBMIT_RESPONSES and status in _THROTTLES
                    offset += length
                self._wire[id(link.other)] = offset
        return count

    def series(self) -> Series:
        rows = self._rows
        column = lambda key: tuple(row.get(key, 0) for row in rows)  # noqa: E731
        states = sorted({state for row in rows for state in row["receipts"]}, key=_state_order)
        tower_ids = list(dict.fromkeys(tower for row in rows for tower in row["towers"]))
        towers = {}
        for tower_id in tower_ids:
            seen = [row["towers"].get(tower_id) for row in rows]
            value = lambda key, absent: tuple(absent if one is None else one[key] for one in seen)  # noqa: E731
            carrier = next(one["carrier"] for one in seen if one is not None)
            towers[tower_id] = TowerSeries(carrier, value("up", None), value("capacity", None), value("queue", 0), value("held", 0), value("on_air", 0))
        return Series(
            self.every, column("t"), column("offered"), column("accepted"), column("refused"), column("throttled"),
            {state: tuple(row["receipts"].get(state, 0) for row in rows) for state in states}, towers, tuple(self._events),
        )  # fmt: skip


def _state_order(state: str) -> tuple[int, str]:
    """DELIVRD first, then the failures people look for, then the rest by name."""
    known = ("DELIVRD", "EXPIRED", "UNDELIV", "REJECTD", "DELETED")
    return (known.index(state), "") if state in known else (len(known), state)
