"""The SMSC of a scenario in virtual time: factory, engine and SQLite store on one task.Clock,
with ESMEs (esme.Sender) reaching it in memory. It does what timeline steps ask (towers,
faults, dropped links, keyword lists, handsets, a crash and restart) and tells the event log
about every hop.

What the timeline changes is the world's, not the SMSC process's: towers, wire faults,
handset churn and keyword lists stay as the timeline left them when the SMSC restarts.

Chance comes from random.Random(seed) streams, one per part, so that a run is the same
every time: same seed, same event log, byte for byte.
"""

import collections
import os
import random
import tempfile

import attrs

from pdu.status import MessageState
from smsc.engine import Engine
from smsc.server import SmscFactory
from smsc.sqlite_store import SqliteStore
from smsc.store import AddEvent, AddMessage, OptOut
from smsc.testing import MemoryEndpoint, ProcessClock

FINAL_NAMES = frozenset(state.name for state in MessageState if state.is_final)


@attrs.frozen
class Survey:
    """What the SMSC's store holds at the end of a run, and what the world saw on the way."""

    message_ids: frozenset[str]
    stored_per_destination: collections.Counter
    delivered_per_message: collections.Counter  # "delivered" hops per message number
    states: dict = attrs.field(factory=dict)  # message_id -> (SMPP message_state, done_at or None)
    receipted: frozenset[str] = frozenset()  # message_ids whose final receipt was queued
    dropped: frozenset[str] = frozenset()  # message_ids a carrier's keyword filter dropped
    opt_outs: tuple = ()  # (sender, handset, at) as the SMSC stored them, in order
    throttled: int | None = None  # submits the SMSC refused for a full tower queue, every run of it (None: unknown)
    connections: tuple[int, ...] | None = None  # per ESME, in file order: links it made, 1 plus one a reconnect (None: unknown)


class _RecordingStore:
    """The engine's store, telling the event log each trace event (hop) it writes and keeping
    what the expectations read back (deliveries, final receipts, opt-outs)."""

    def __init__(self, store, record, seen: "_Seen"):
        self._store = store
        self._record = record
        self._seen = seen

    def write(self, operations):
        seen = self._seen
        for operation in operations:
            if isinstance(operation, AddEvent):
                event = operation.event
                self._record(event.at, "hop", {"message": event.number, "hop": event.hop, "detail": event.detail})
                if event.hop == "delivered":
                    seen.delivered[event.number] += 1
                elif event.hop == "receipt queued" and event.detail in FINAL_NAMES:
                    seen.receipted.add(event.number)
                elif event.hop == "dropped":
                    seen.dropped.add(event.number)
            elif isinstance(operation, OptOut):
                seen.opt_outs.append((operation.sender, operation.number, operation.at))
            elif isinstance(operation, AddMessage):
                seen.numbers[operation.message.number] = operation.message.message_id
        return self._store.write(operations)

    def __getattr__(self, name):
        return getattr(self._store, name)


@attrs.define
class _Seen:
    delivered: collections.Counter = attrs.Factory(collections.Counter)
    receipted: set = attrs.Factory(set)  # message numbers
    dropped: set = attrs.Factory(set)  # message numbers
    opt_outs: list = attrs.Factory(list)
    numbers: dict = attrs.Factory(dict)  # message number -> message_id


class Tower:
    """One tower of the running network, as timeline steps change it."""

    def __init__(self, world, tower_id: str):
        self._world, self.id = world, tower_id

    @property
    def capacity(self) -> float:
        return self._world.tower_capacity(self.id)

    def set(self, up: bool | None = None, capacity: float | None = None) -> None:
        self._world.set_tower(self.id, up=up, capacity=capacity)


class World:
    def __init__(self, config, clock, seed: int, record, data: str | None = None):
        """record(at, kind, fields): the event log's writer."""
        self.config = config
        self.clock = clock
        self.record = record
        self._seed = seed
        self._data = data or tempfile.mkdtemp(prefix="scenario-")
        self.endpoints: list[MemoryEndpoint] = []
        self._seen = _Seen()
        self._generation = 0
        self._throttled_before = 0  # by SMSC runs that crashed
        self._towers: dict[str, dict] = {}  # tower id -> what the timeline set (up, capacity)
        self._faults: dict = {}  # system_id -> wire faults the timeline set
        self._churn = None  # handset churn the timeline set
        self._keyword_files = 0
        self.down = False  # between a crash and the restart
        self._start_smsc()

    def _start_smsc(self) -> None:
        self.process = ProcessClock(self.clock)  # what a crash cancels
        generation = self._generation
        self.factory = SmscFactory(self.config, self.process, rng=random.Random(f"{self._seed}/wire/{generation}"))
        store = SqliteStore.open(self._data, self.process, sync="normal", threaded=False)
        self.store = _RecordingStore(store, self.record, self._seen)
        self.engine = Engine(self.config, self.store, self.factory.outbound, self.process, random.Random(f"{self._seed}/network/{generation}"))
        self.engine.faults_for = self.factory.faults_for
        for tower_id, change in self._towers.items():
            self.engine.set_tower(tower_id, **change)
        for system_id, faults in self._faults.items():
            self.factory.set_faults(system_id, faults)
        if self._churn is not None:
            self.engine.handsets.churn = self._churn
        self.engine.start()
        self.factory.sink = self.engine
        for endpoint in self.endpoints:
            endpoint.smsc = self.factory
            endpoint.refuse = False
        self.down = False

    def endpoint(self) -> MemoryEndpoint:
        """Where an ESME connects."""
        endpoint = MemoryEndpoint(self.factory, self.clock)
        self.endpoints.append(endpoint)
        return endpoint

    # -- what timeline steps do ----------------------------------------------------------------

    def tower(self, tower_id: str) -> Tower:
        towers = [tower.id for carrier in self.config.network.carriers for tower in carrier.towers]
        if tower_id not in towers:
            raise KeyError(f"no tower {tower_id!r}; the network has {', '.join(sorted(towers))}")
        return Tower(self, tower_id)

    def set_tower(self, tower_id: str, up: bool | None = None, capacity: float | None = None) -> None:
        change = self._towers.setdefault(tower_id, {})
        change.update({name: value for name, value in (("up", up), ("capacity", capacity)) if value is not None})
        if self.engine is not None:  # while the SMSC is down, for when it starts again
            self.engine.set_tower(tower_id, up=up, capacity=capacity)

    def tower_capacity(self, tower_id: str) -> float:
        configured = {tower.id: tower.capacity for carrier in self.config.network.carriers for tower in carrier.towers}
        return self._towers.get(tower_id, {}).get("capacity", configured[tower_id])

    def later(self, seconds: float, what: str, fields: dict, action) -> None:
        """Do `action` in `seconds`, logged as a timeline event of its own."""

        def act():
            self.record(self.clock.seconds(), "timeline", {"do": what, **fields})
            action()

        self.clock.callLater(seconds, act)

    def faults(self, system_id: str):
        return self._faults.get(system_id) or self.config.account(system_id).faults

    def set_faults(self, system_id: str, faults) -> None:
        self._faults[system_id] = faults
        if self.factory is not None:
            self.factory.set_faults(system_id, faults)

    def drop_links(self, system_id: str) -> None:
        for session in list(self.factory.getBoundConnections(system_id) or ()) if self.factory is not None else ():
            session.transport.loseConnection()

    def handsets(self):
        """The handsets' churn now (smsc.network_config.Handsets)."""
        return self._churn or self.config.network.handsets

    def set_handsets(self, churn) -> None:
        self._churn = churn
        if self.engine is not None:
            self.engine.handsets.churn = churn

    def set_keywords(self, list_name: str, file: str | None = None, words: tuple[str, ...] | None = None) -> None:
        """The keyword list reads another file from now on; with `words`, a file of those
        words written in the run's data folder."""
        if words is not None:
            self._keyword_files += 1
            file = os.path.join(self._data, f"keywords-{self._keyword_files}-{list_name}.txt")
            with open(file, "w", encoding="utf-8") as out:
                out.write("".join(f"{word}\n" for word in words))
        policy = self.config.policy
        keywords = tuple(attrs.evolve(entry, file=file) if entry.name == list_name else entry for entry in policy.keywords)
        if self.engine is not None:  # else the SMSC reads them when it starts again
            self.engine.policy.reload(keywords=keywords)
        self.config = attrs.evolve(self.config, policy=attrs.evolve(policy, keywords=keywords))

    def crash(self, down_for: float) -> None:
        """The SMSC process dies: no clean stop. Its sessions are reset, its timers never fire,
        its store is closed without the engine's last flush (what was acknowledged is on disk
        already; trace events still buffered are lost). The ESMEs' connections are refused
        for `down_for` seconds; then a new SMSC starts on the same data and recovers."""
        if self.down:
            return  # already dead: nothing left to kill
        self.down = True
        self.process.kill()
        for endpoint in self.endpoints:
            endpoint.crash()
        self.store.close()
        self._throttled_before += self._throttled_now()
        self.engine = self.factory = self.store = None  # nothing of it answers now
        self._generation += 1
        self.later(down_for, "smsc_started", {}, self._start_smsc)  # it recovers pending messages and receipts

    def _throttled_now(self) -> int:
        if self.engine is None:
            return 0
        return sum(counts.get("throttled", 0) for counts in self.engine.stats.snapshot().values())

    def survey(self) -> Survey:
        """Every message in the store (the store answers at once: it is not threaded)."""
        if self.down:  # the run ended before the restart: read the data folder as it was left
            self._start_smsc()
        messages, before = [], None
        while True:
            page = []
            self.store.find(before=before, limit=1000).addCallback(page.extend)
            messages += page
            if len(page) < 1000:
                break
            before = page[-1].number
        seen = self._seen
        return Survey(
            frozenset(message.message_id for message in messages),
            collections.Counter(message.destination for message in messages),
            collections.Counter(seen.delivered),
            {message.message_id: (message.state, message.done_at) for message in reversed(messages)},
            frozenset(seen.numbers[number] for number in seen.receipted if number in seen.numbers),
            frozenset(seen.numbers[number] for number in seen.dropped if number in seen.numbers),
            tuple(seen.opt_outs),
            self._throttled_before + self._throttled_now(),
            tuple(len(endpoint.links) for endpoint in self.endpoints),
        )

    def close(self) -> None:
        if self.engine is not None:
            self.engine.stop()
            self.store.close()
