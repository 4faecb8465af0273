"""The SMSC of a scenario in virtual time: factory, engine and SQLite store on one task.Clock,
with ESMEs (esme.Sender) reaching it in memory. It does what timeline steps ask (towers,
faults, dropped links, a crash and restart) and tells the event log about every hop.

Chance comes from random.Random(seed) streams, one per part, so that a run is the same
every time: same seed, same event log, byte for byte.
"""

import collections
import random
import tempfile

import attrs

from smsc.engine import Engine
from smsc.server import SmscFactory
from smsc.sqlite_store import SqliteStore
from smsc.store import AddEvent
from smsc.testing import MemoryEndpoint


@attrs.frozen
class Survey:
    """What the SMSC's store holds at the end of a run."""

    message_ids: frozenset[str]
    stored_per_destination: collections.Counter
    delivered_per_message: collections.Counter  # "delivered" hops per message number


class _RecordingStore:
    """The engine's store, telling the event log each trace event (hop) it writes."""

    def __init__(self, store, record, delivered: collections.Counter):
        self._store = store
        self._record = record
        self._delivered = delivered

    def write(self, operations):
        for operation in operations:
            if isinstance(operation, AddEvent):
                event = operation.event
                self._record(event.at, "hop", {"message": event.number, "hop": event.hop, "detail": event.detail})
                if event.hop == "delivered":
                    self._delivered[event.number] += 1
        return self._store.write(operations)

    def __getattr__(self, name):
        return getattr(self._store, name)


class Tower:
    """One tower of the running network, as timeline steps change it."""

    def __init__(self, world, tower_id: str):
        self._world, self.id = world, tower_id

    @property
    def capacity(self) -> float:
        return self._world.engine.network.towers[self.id].air.rate

    def set(self, up: bool | None = None, capacity: float | None = None) -> None:
        self._world.engine.set_tower(self.id, up=up, capacity=capacity)


class World:
    def __init__(self, config, clock, seed: int, record, data: str | None = None):
        """record(at, kind, fields): the event log's writer."""
        self.config = config
        self.clock = clock
        self.record = record
        self._seed = seed
        self._data = data or tempfile.mkdtemp(prefix="scenario-")
        self.endpoints: list[MemoryEndpoint] = []
        self._delivered: collections.Counter = collections.Counter()
        self._start_smsc(generation=0)

    def _start_smsc(self, generation: int) -> None:
        self.factory = SmscFactory(self.config, self.clock, rng=random.Random(f"{self._seed}/wire/{generation}"))
        store = SqliteStore.open(self._data, self.clock, sync="normal", threaded=False)
        self.store = _RecordingStore(store, self.record, self._delivered)
        self.engine = Engine(self.config, self.store, self.factory.outbound, self.clock, random.Random(f"{self._seed}/network/{generation}"))
        self.engine.faults_for = self.factory.faults_for
        self.engine.start()
        self.factory.sink = self.engine
        for endpoint in self.endpoints:
            endpoint.smsc = self.factory

    def endpoint(self) -> MemoryEndpoint:
        """Where an ESME connects."""
        endpoint = MemoryEndpoint(self.factory, self.clock)
        self.endpoints.append(endpoint)
        return endpoint

    # -- what timeline steps do ----------------------------------------------------------------

    def tower(self, tower_id: str) -> Tower:
        if tower_id not in self.engine.network.towers:
            raise KeyError(f"no tower {tower_id!r}; the network has {', '.join(sorted(self.engine.network.towers))}")
        return Tower(self, tower_id)

    def later(self, seconds: float, what: str, fields: dict, action) -> None:
        """Do `action` in `seconds`, logged as a timeline event of its own."""

        def act():
            self.record(self.clock.seconds(), "timeline", {"do": what, **fields})
            action()

        self.clock.callLater(seconds, act)

    def faults(self, system_id: str):
        return self.factory.faults_for(self.config.account(system_id))

    def set_faults(self, system_id: str, faults) -> None:
        self.factory.set_faults(system_id, faults)

    def drop_links(self, system_id: str) -> None:
        for session in list(self.factory.getBoundConnections(system_id) or ()):
            session.transport.loseConnection()

    def survey(self) -> Survey:
        """Every message in the store (the store answers at once: it is not threaded)."""
        messages, before = [], None
        while True:
            page = []
            self.store.find(before=before, limit=1000).addCallback(page.extend)
            messages += page
            if len(page) < 1000:
                break
            before = page[-1].number
        return Survey(
            frozenset(message.message_id for message in messages),
            collections.Counter(message.destination for message in messages),
            collections.Counter(self._delivered),
        )

    def close(self) -> None:
        self.engine.stop()
        self.store.close()
