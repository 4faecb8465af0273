"""Several SMSCs at once (carriers or channels): each message goes to the SMSC that serves its
destination's prefix, and to the next one that serves it when that one is down, throttling or
slow. It offers the Sender's start/stop/submit/send, so every command works with either.

Which SMSC: among the routes serving the destination (the longest matching prefix first, a
route with no prefixes serves every number, ties in the order given), the first that is UP;
else the first that is bound but THROTTLING or SLOW; else the first, to wait for its link.

Waiting messages move too: when a link falls or comes up, and every BALANCE_EVERY seconds,
the messages an SMSC that is not UP holds but has taken no segment of (queued, or waiting to
retry after "later") go to the SMSC chosen for them now, split again with its settings.
Nothing is sent twice: a message partly taken, in flight or unanswered stays where it is, and
submits in flight on a fallen link end UNKNOWN, as with one SMSC (unless timeout_retries
says to resend them).
"""

import attrs
from twisted.internet import defer, task
from twisted.logger import Logger

from esme.health import Condition
from esme.sender import Sender

log = Logger(namespace="esme.routing")

_PREFERENCE = {Condition.UP: 0, Condition.THROTTLING: 1, Condition.SLOW: 1, Condition.DOWN: 2}
BALANCE_EVERY = 1.0  # seconds between looks for waiting messages to move


@attrs.frozen
class Route:
    name: str
    sender: Sender
    prefixes: tuple[str, ...] = attrs.field(default=(), converter=tuple)  # none: every destination

    def fit(self, destination: str) -> int | None:
        """How closely this route serves the destination: its longest matching prefix's length,
        0 for a route without prefixes; None when it does not serve it."""
        if not self.prefixes:
            return 0
        lengths = [len(prefix) for prefix in self.prefixes if destination.startswith(prefix)]
        return max(lengths) if lengths else None


class NoRoute(ValueError):
    """No route serves the destination."""


class Router:
    def __init__(self, routes: list[Route]):
        self.routes = list(routes)
        self.unreachable: list[tuple[Route, str]] = []  # routes whose first bind failed, and why
        self._stopping = False
        for route in self.routes:
            route.sender.link_watchers.append(self._link_changed)
        self._balancing = task.LoopingCall(self._rebalance)
        self._balancing.clock = self.routes[0].sender.clock

    def choose(self, destination: str) -> Route:
        serving = [(fit, index, route) for index, route in enumerate(self.routes) if (fit := route.fit(destination)) is not None]
        if not serving:
            raise NoRoute(f"no SMSC serves {destination}")
        return min(serving, key=lambda entry: (_PREFERENCE[entry[2].sender.condition], -entry[0], entry[1]))[2]

    # -- the Sender's interface ----------------------------------------------------------------

    @defer.inlineCallbacks
    def start(self):
        """Bind every SMSC; fires when all are bound. One that cannot be reached at first is
        reported and left reconnecting while another is up; it fails only if none binds."""
        results = yield defer.DeferredList([route.sender.start() for route in self.routes], consumeErrors=True)
        failures = [(route, result) for route, (ok, result) in zip(self.routes, results) if not ok]
        if len(failures) == len(self.routes):
            failures[0][1].raiseException()
        self.unreachable = [(route, failure.getErrorMessage()) for route, failure in failures]
        self._balancing.start(BALANCE_EVERY, now=False)

    @defer.inlineCallbacks
    def stop(self):
        self._stopping = True
        if self._balancing.running:
            self._balancing.stop()
        yield defer.gatherResults([route.sender.stop() for route in self.routes], consumeErrors=True)

    def submit(self, destination: str, text: str, source: str | None = None, receipt: bool = True, **fields):
        return self.choose(destination).sender.submit(destination, text, source, receipt, **fields)

    def send(self, destination: str, text: str, source: str | None = None, receipt: bool = True) -> defer.Deferred:
        return self.submit(destination, text, source, receipt).finished

    @property
    def bound(self) -> bool:
        return any(route.sender.bound for route in self.routes)

    @property
    def unmatched_receipts(self) -> int:
        return sum(route.sender.unmatched_receipts for route in self.routes)

    # -- failover ------------------------------------------------------------------------------

    def _link_changed(self, sender: Sender) -> None:
        self._rebalance()

    def _rebalance(self) -> None:
        """Move what SMSCs that are not UP hold untouched to where it is taken now."""
        if self._stopping:
            return
        for route in self.routes:
            condition = route.sender.condition
            if condition is Condition.UP:
                continue
            moving = route.sender.release_unsent(wanted=lambda message: self.choose(message.destination) is not route)
            for message in moving:
                target = self.choose(message.destination)
                log.info("{name} is {condition}; a message for {to} goes to {other}",
                         name=route.name, condition=condition.value, to=message.destination, other=target.name)  # fmt: skip
                target.sender.adopt(message)
