"""The dashboard served by `smsc serve` at its HTTP address: a page (static/, hand-written
JavaScript and CSS, nothing fetched from elsewhere), the live feed it listens to, and the
history its charts start from."""

import importlib.resources

from twisted.web import resource, static

from smsc.dashboard.feed import LiveFeed
from smsc.dashboard.history import History
from smsc.dashboard.stream import LiveStream

LIVE_PATH = "/api/live"


class Dashboard:
    def __init__(self, engine, factory, clock, trainer=None):
        """clock: the wall clock (the reactor); trainer: the engine's TrainerClock, if any."""
        self.history = History(engine, factory, clock)
        self.feed = LiveFeed(engine, factory, self.history, clock, trainer)

    def start(self) -> None:
        self.history.start()

    def stop(self) -> None:
        self.history.stop()

    def root(self, api: resource.Resource) -> resource.Resource:
        """The HTTP address's resources: the page at /, its files under /dashboard/, the live
        feed at /api/live, and every other path answered by the API."""
        return _Root(api, LiveStream(self.feed), _files())


def _files() -> static.File:
    folder = static.File(str(importlib.resources.files("smsc.dashboard").joinpath("static")))
    folder.directoryListing = lambda: resource.NoResource("no such file")  # no folder listings
    return folder


class _Root(resource.Resource):
    def __init__(self, api, live, files):
        super().__init__()
        self._api, self._live, self._files = api, live, files

    def getChild(self, name: bytes, request):
        if name == b"" and request.path == b"/":
            return self._files.getChild(b"index.html", request)
        if name == b"dashboard":
            return self._files
        if request.path == LIVE_PATH.encode("ascii"):
            return self._live
        return self._api
