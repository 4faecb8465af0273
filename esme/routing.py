"""Several SMSCs at once (carriers or channels): each message goes to the SMSC that serves its
destination's prefix, and to the next one that serves it when that one is down, throttling or
slow. It offers the Sender's start/stop/submit/send, so every command works with either.

Which SMSC: among the routes serving the destination (the longest matching prefix first, a
route with no prefixes serves every number, ties in the order given), the first that is UP;
else the first that is bound but THROTTLING or SLOW; else the first, to wait for its link.

Failover never sends a segment twice: when a link falls, only the messages none of whose
segments went out move to another SMSC; submits in flight on the fallen link end UNKNOWN, as
with one SMSC, and a retry after "later" stays with the SMSC that answered it.
"""

import attrs
from twisted.internet import defer
from twisted.logger import Logger

from esme.health import Condition
from esme.sender import Sender

log = Logger(namespace="esme.routing")

_PREFERENCE = {Condition.UP: 0, Condition.THROTTLING: 1, Condition.SLOW: 1, Condition.DOWN: 2}


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

    @defer.inlineCallbacks
    def stop(self):
        self._stopping = True
        yield defer.gatherResults([route.sender.stop() for route in self.routes])

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
        """A link fell or came up: move the waiting messages of every unbound SMSC to where
        they are taken now."""
        if self._stopping:
            return
        for route in self.routes:
            if route.sender.bound:
                continue
            for message in route.sender.release_unsent():
                target = self.choose(message.destination)
                if target is not route:
                    log.info("{name} is down; a message for {to} goes to {other}", name=route.name, to=message.destination, other=target.name)
                target.sender.adopt(message)
