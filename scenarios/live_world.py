"""The SMSC of a scenario run live: a running `smsc serve` steered through its HTTP API, with
the interface of scenarios.world.World, so that the same timeline actions work in both modes.

Actions are synchronous and the API is not: an action reads towers and faults from a snapshot
taken just before its step (GET /api/stats, GET /api/faults), and what it changes goes out as
requests one after the other, in the order it asked. A request the SMSC refuses, or cannot be
sent, is reported (stderr, the event log, the report) and the run goes on.

With a speed factor the delays actions ask for (`later`) are divided by it, as the runner
divides the traffic's and the timeline's offsets.
"""

import collections
import datetime
import json
import sys
import urllib.parse
from io import BytesIO

from twisted.internet import defer, error
from twisted.python import failure
from twisted.web.client import Agent, FileBodyProducer, HTTPConnectionPool, readBody
from twisted.web.http_headers import Headers

from smsc.faults import HEALTHY, WireFaults
from smsc.http import shapes

PAGE = 500  # messages a page when reading back what the SMSC stored (the API's most)
READING = 8  # requests in flight when reading traces back


class ApiFailed(Exception):
    """The SMSC's HTTP API refused a request, or could not be reached: says which and why."""


class ApiClient:
    """JSON requests to a running SMSC's HTTP API, one connection per request in flight (the
    API's twisted.web answers pipelined requests out of order; see docs/api.md)."""

    def __init__(self, reactor, base: str, timeout: float = 10.0):
        self.base = base.rstrip("/")
        self._reactor = reactor
        self._timeout = timeout
        self._pool = HTTPConnectionPool(reactor, persistent=True)
        self._pool.maxPersistentPerHost = READING
        self._agent = Agent(reactor, connectTimeout=timeout, pool=self._pool)

    @defer.inlineCallbacks
    def call(self, method: str, path: str, body: dict | None = None):
        """The answer's JSON body; ApiFailed naming the request when it is not a 2xx."""
        producer = None if body is None else FileBodyProducer(BytesIO(json.dumps(body).encode("utf-8")))
        headers = Headers({b"content-type": [b"application/json"]})
        try:
            request = self._agent.request(method.encode("ascii"), (self.base + path).encode("utf-8"), headers, producer)
            response = yield request.addTimeout(self._timeout, self._reactor)
            octets = yield readBody(response).addTimeout(self._timeout, self._reactor)
        except (error.ConnectError, error.TimeoutError, defer.TimeoutError, defer.CancelledError, OSError) as failed:
            raise ApiFailed(f"cannot reach the SMSC's HTTP API at {self.base}: {failed}. Is `smsc serve` running there? "
                            "(--api sets the address)") from None  # fmt: skip
        except Exception as failed:  # the connection fell mid-answer, and the like
            raise ApiFailed(f"{method} {path} at {self.base} failed: {failed}") from None
        try:
            answer = json.loads(octets)
        except ValueError:
            raise ApiFailed(f"{method} {path}: {self.base} did not answer JSON (is it smsc serve's API?)") from None
        if not 200 <= response.code < 300:
            why = answer.get("error", "") if isinstance(answer, dict) else ""
            raise ApiFailed(f"{method} {path} answered {response.code}: {why}")
        return answer

    def close(self) -> defer.Deferred:
        return self._pool.closeCachedConnections()


class LiveTower:
    """One tower of the live network, as a timeline step sees it."""

    def __init__(self, world: "LiveWorld", tower_id: str):
        self._world, self.id = world, tower_id

    @property
    def capacity(self) -> float:
        return self._world.towers[self.id]["capacity"]

    def set(self, up: bool | None = None, capacity: float | None = None) -> None:
        body = {name: value for name, value in (("up", up), ("capacity", capacity)) if value is not None}
        self._world.towers[self.id].update(body)  # a later read in the same step sees the change
        self._world.send("POST", f"/api/towers/{urllib.parse.quote(self.id)}", body)


class LiveWorld:
    """What timeline steps do, done through a running SMSC's HTTP API."""

    # What actions may call; a step that calls anything else cannot run live (scenarios.live
    # rehearses every step before the run to say so up front).
    SUPPORTED = frozenset({"tower", "later", "faults", "set_faults", "drop_links"})

    def __init__(self, api: ApiClient, clock, record=None, speed: float = 1.0, err=sys.stderr):
        """record(at, kind, fields): the event log's writer (None until the run starts)."""
        self.api = api
        self.clock = clock
        self.record = record
        self.speed = speed
        self.towers: dict[str, dict] = {}  # id -> the tower as GET /api/stats gave it
        self.smsc_time: float | None = None  # the SMSC's clock when last read: it lags the wall clock once paused
        self.account_faults: dict[str, WireFaults] = {}  # system_id -> faults new binds get
        self.errors: list[str] = []
        self._err = err
        self._lock = defer.DeferredLock()  # one request at a time, in the order asked
        self._timers: dict = {}  # DelayedCall -> its `later` action, until it fires
        self._doing = "start"  # the step being done, for messages

    # -- the snapshot steps read ----------------------------------------------------------------

    @defer.inlineCallbacks
    def refresh(self):
        """Read towers and account faults from the SMSC (ApiFailed when it cannot)."""
        stats = yield self.api.call("GET", "/api/stats")
        faults = yield self.api.call("GET", "/api/faults")
        self.towers = {tower["id"]: dict(tower) for tower in stats["towers"]}
        self.smsc_time = epoch(stats["at"])
        self.account_faults = {system_id: WireFaults(**settings) for system_id, settings in faults["accounts"].items()}

    def apply(self, label: str, act) -> defer.Deferred:
        """Do act(self) (an action's apply) on a fresh snapshot, once the requests before it are done."""
        done = self._lock.run(self.refresh)
        done.addCallback(lambda _: self._act(label, act))
        done.addErrback(lambda failed: self._failed(label, failed))
        return done

    def _act(self, label: str, act) -> None:
        self._doing = label
        try:
            act(self)
        except Exception:  # a step that cannot be done live: said, and the run goes on
            self._failed(label, failure.Failure())
        finally:
            self._doing = "start"

    def send(self, method: str, path: str, body: dict) -> None:
        """A change for the SMSC, after the ones asked before it."""
        label = self._doing
        done = self._lock.run(self.api.call, method, path, body)
        done.addErrback(lambda failed: self._failed(label, failed))

    def _failed(self, label: str, failed: failure.Failure) -> None:
        why = failed.getErrorMessage() if failed.check(ApiFailed) else f"{failed.type.__name__}: {failed.getErrorMessage()}"
        self.errors.append(f"{label}: {why}")
        print(f"smsc scenario run: {label}: {why}", file=self._err, flush=True)
        if self.record is not None:
            self.record(self.clock.seconds(), "error", {"step": label, "error": why})

    def idle(self) -> defer.Deferred:
        """Fires when every request asked so far is answered."""
        return self._lock.run(lambda: None)

    # -- what timeline steps do (scenarios.world.World's interface) -----------------------------

    def tower(self, tower_id: str) -> LiveTower:
        if tower_id not in self.towers:
            raise KeyError(f"no tower {tower_id!r}; the live SMSC has {', '.join(sorted(self.towers))}")
        return LiveTower(self, tower_id)

    def later(self, seconds: float, what: str, fields: dict, action) -> None:
        """Do `action` in `seconds` of scenario time, logged as a timeline event of its own."""

        def act():
            del self._timers[call]
            self._later(what, fields, action)

        call = self.clock.callLater(seconds / self.speed, act)
        self._timers[call] = (what, fields, action)

    def _later(self, what: str, fields: dict, action) -> None:
        self.record(self.clock.seconds(), "timeline", {"do": what, **fields})
        self._act(what, lambda world: action())

    def faults(self, system_id: str) -> WireFaults:
        return self.account_faults.get(system_id, HEALTHY)

    def set_faults(self, system_id: str, faults: WireFaults) -> None:
        self.account_faults[system_id] = faults
        self.send("POST", "/api/faults", {"account": system_id, "faults": shapes.faults(faults)})

    def drop_links(self, system_id: str) -> None:
        self.send("POST", "/api/sessions/drop", {"account": system_id})

    def finish_later(self) -> None:
        """Do now what `later` still waits to do (a spike's end, a silent link's answers), so
        that a run that ends, or is stopped, leaves the SMSC as its steps meant to."""
        for call, (what, fields, action) in list(self._timers.items()):
            call.cancel()
            del self._timers[call]
            self._later(what, fields, action)

    # -- reading back what the SMSC stored -------------------------------------------------------

    @defer.inlineCallbacks
    def survey(self, accounts, since: float):
        """What the SMSC stored for the accounts since `since` (epoch seconds), with every
        message's trace: (messages, {number: [hops]}) as the API gives them."""
        messages = {}
        for system_id in sorted(set(accounts)):
            before = None
            while True:
                query = urllib.parse.urlencode({"account": system_id, "limit": PAGE, **({"before": before} if before else {})})
                page = yield self.api.call("GET", f"/api/messages?{query}")
                fresh = [message for message in page["messages"] if epoch(message["submitted_at"]) >= since]
                messages.update((message["number"], message) for message in fresh)
                if len(fresh) < len(page["messages"]) or page["next"] is None:
                    break
                before = page["next"]
        traces = {}
        reading = defer.DeferredSemaphore(READING)

        def trace(message_id: str):
            answer = self.api.call("GET", f"/api/messages/{urllib.parse.quote(message_id)}")
            return answer.addCallback(lambda found: traces.update((one["number"], one["trace"]) for one in found["messages"]))

        ids = sorted({message["message_id"] for message in messages.values()})
        yield defer.gatherResults([reading.run(trace, message_id) for message_id in ids], consumeErrors=True).addErrback(
            lambda failure: failure.value.subFailure if isinstance(failure.value, defer.FirstError) else failure)  # fmt: skip
        return list(messages.values()), {number: traces.get(number, []) for number in messages}


def delivered_per_message(traces: dict) -> collections.Counter:
    """"delivered" hops per message number, as World counts them."""
    return collections.Counter({number: sum(hop["hop"] == "delivered" for hop in trace) for number, trace in traces.items()})


def epoch(iso: str) -> float:
    """Epoch seconds of the API's ISO 8601 times ("2026-11-22T06:05:28.871Z")."""
    return datetime.datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp()
