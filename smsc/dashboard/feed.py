"""The dashboard's live feed: what the SMSC does, thinned out so that a browser keeps up with
thousands of messages a second.

Every TICK each browser gets one update, whole on its own: the towers, sessions and queues as
they are now, how many hops of each kind every message made since the last tick, and the hops
of a few messages followed from the moment they are stored (at most FOLLOW_PER_TICK new ones a
tick, and as many MOs), which the page animates. Between ticks the feed only counts. It
watches the engine only while a browser is listening: with nobody watching it costs nothing.

Listeners are told `send(kind, octets)` with the JSON already written, once for all of them.
"""

import collections
import json

from twisted.internet import task
from twisted.logger import Logger

from pdu.times import iso
from smsc.store import AddEvent

log = Logger(namespace="smsc.dashboard")

TICK = 0.5  # seconds between updates
FOLLOW_PER_TICK = 3  # new messages a tick followed hop by hop (and MOs shown)
FOLLOWED_AT_MOST = 1000  # followed messages remembered, waiting for their last hop
LAST_HOPS = frozenset({"receipt delivered", "receipt refused", "no receipt", "receipt lost", "status report"})
ROUTING_HOPS = frozenset({"routed", "queued at tower", "held"})  # the tower may be known only now


def kind_of(hop: str) -> str:
    """'attempt 3' -> 'attempt': the kinds counted per tick stay few."""
    return "attempt" if hop.startswith("attempt ") else hop


class LiveFeed:
    def __init__(self, engine, factory, history, clock, trainer=None):
        """engine: smsc.engine.Engine; factory: smsc.server.SmscFactory; history:
        smsc.dashboard.history.History; clock: the wall clock the ticks follow; trainer: the
        engine's smsc.trainer_clock.TrainerClock, when it has one (whether it is paused)."""
        self._engine = engine
        self._trainer = trainer
        self._factory = factory
        self._history = history
        self._listeners: list = []
        self._followed: collections.OrderedDict = collections.OrderedDict()  # number -> where it goes
        self._hops: list[dict] = []
        self._counts: dict[str, int] = {}
        self._mos: list[dict] = []
        self._new = 0
        self._loop = task.LoopingCall(self._tick)
        self._loop.clock = clock
        history.on_sample = self._sampled

    # -- listeners ----------------------------------------------------------------------------

    def listen(self, listener) -> None:
        if not self._listeners:
            self._engine.watcher = self
            self._loop.start(TICK, now=False)
        self._listeners.append(listener)
        listener.send("hello", _encode(self.hello()))

    def leave(self, listener) -> None:
        if listener in self._listeners:
            self._listeners.remove(listener)
        if not self._listeners:
            self._engine.watcher = None
            if self._loop.running:
                self._loop.stop()
            self._followed.clear()
            self._take_tick()

    def _broadcast(self, kind: str, data: dict) -> None:
        octets = _encode(data)
        for listener in list(self._listeners):
            listener.send(kind, octets)

    # -- what a browser gets --------------------------------------------------------------------

    def hello(self) -> dict:
        """The network's shape and the charts' history, for a browser that has just come."""
        return {
            "network": self.network(),
            "history": list(self._history.samples),
            "tick": TICK,
            "follow_per_tick": FOLLOW_PER_TICK,
            **self.now(),
        }

    def network(self) -> dict:
        carriers = [
            {"name": carrier.name, "towers": [tower.id for tower in carrier.towers]}
            for carrier in self._engine.network.carriers
        ]
        return {"carriers": carriers, "accounts": [account.system_id for account in self._factory.smsc_config.accounts]}

    def now(self) -> dict:
        """The levels as they are: towers, sessions per account, receipts waiting for a bind."""
        moment = self._engine.now()
        bound = collections.Counter(session.system_id for session in self._factory.sessions())
        accounts = [
            {"system_id": account.system_id, "sessions": bound[account.system_id],
             "outbound": self._factory.outbound.waiting(account.system_id)}
            for account in self._factory.smsc_config.accounts
        ]  # fmt: skip
        levels = {
            "at": iso(moment),
            "pending": self._engine.pending_count(),
            "towers": [tower.snapshot(moment) for tower in self._engine.network.towers.values()],
            "accounts": accounts,
        }
        if self._trainer is not None:  # paused by anyone (the page, the API, a script): the header says so
            levels["clock"] = {"paused": self._trainer.paused, "lag_seconds": round(self._trainer.lag, 3)}
        return levels

    def _tick(self) -> None:
        hops, counts, mos = self._take_tick()
        try:
            self._broadcast("tick", {**self.now(), "hops": hops, "counts": counts, "mo": mos})
        except Exception:  # one bad tick must not end the ticks (a LoopingCall stops on an error)
            log.failure("the dashboard's tick failed")

    def _take_tick(self) -> tuple[list, dict, list]:
        """What this tick gathered (hops, counts, MOs); the next starts empty."""
        taken = self._hops, self._counts, self._mos
        self._hops, self._counts, self._mos, self._new = [], {}, [], 0
        return taken

    def _sampled(self, sample: dict) -> None:
        if self._listeners:
            self._broadcast("sample", sample)

    # -- the engine's watcher -----------------------------------------------------------------

    def written(self, operations: list) -> None:
        """Every hop is counted; a message is followed from its 'stored' hop while this tick
        still has room, and then each of its hops goes to the browsers."""
        counts = self._counts
        for operation in operations:
            if type(operation) is not AddEvent:
                continue
            event = operation.event
            kind = kind_of(event.hop)
            counts[kind] = counts.get(kind, 0) + 1
            where = self._followed.get(event.number)
            if where is None:
                if kind != "stored" or self._new >= FOLLOW_PER_TICK:
                    continue
                where = self._follow(event.number)
                if where is None:
                    continue
            elif kind in ROUTING_HOPS:
                where.update(self._engine.whereabouts(event.number) or {})
            self._hops.append({"n": event.number, "hop": event.hop, "at": round(event.at, 3), "detail": event.detail, **where})
            if kind in LAST_HOPS:
                self._followed.pop(event.number, None)

    def _follow(self, number: int) -> dict | None:
        where = self._engine.whereabouts(number)
        if where is None:
            return None
        self._new += 1
        self._followed[number] = where
        if len(self._followed) > FOLLOWED_AT_MOST:
            self._followed.popitem(last=False)  # its receipt never came: a receipt nobody asked for
        return where

    def mo(self, source: str, account: str, tower: str) -> None:
        self._counts["mo"] = self._counts.get("mo", 0) + 1
        if len(self._mos) < FOLLOW_PER_TICK:
            self._mos.append({"from": source, "account": account, "tower": tower})


def _encode(data: dict) -> bytes:
    return json.dumps(data, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
