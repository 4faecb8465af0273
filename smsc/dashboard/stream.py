"""GET /api/live: the live feed as Server-Sent Events, one stream a browser.

The browser's socket is the stream's consumer (Twisted's producer API): while its buffer is
full the browser misses ticks, which are whole on their own, so a slow tab costs the SMSC a
few kilobytes, never a growing buffer or a stall. EventSource reconnects by itself when the
SMSC restarts."""

import json

from twisted.web import resource, server

SKIPPABLE = frozenset({b"tick"})  # the next tick says everything a missed one did, but its sampled hops


class LiveStream(resource.Resource):
    isLeaf = True

    def __init__(self, feed):
        super().__init__()
        self._feed = feed

    def render(self, request):
        if request.method == b"GET":
            return self.render_GET(request)
        method = request.method.decode("ascii", "replace")  # answered as the API answers: JSON
        request.setResponseCode(405)
        request.setHeader(b"allow", b"GET")
        request.setHeader(b"content-type", b"application/json; charset=utf-8")
        return json.dumps({"status": 405, "error": f"/api/live takes GET, not {method}"}).encode("utf-8") + b"\n"

    def render_GET(self, request):
        request.setHeader(b"content-type", b"text/event-stream; charset=utf-8")
        request.setHeader(b"cache-control", b"no-store")
        browser = _Browser(request)
        request.registerProducer(browser, True)
        request.write(b"retry: 2000\n\n")  # EventSource's reconnect delay, in milliseconds
        self._feed.listen(browser)
        request.notifyFinish().addBoth(lambda _: self._feed.leave(browser))
        return server.NOT_DONE_YET


class _Browser:
    """One browser's stream; a streaming producer its socket pauses while its buffer is full."""

    def __init__(self, request):
        self._request = request
        self.paused = False
        self.missed = 0

    def send(self, kind: str, octets: bytes) -> None:
        event = kind.encode("ascii")
        if self.paused and event in SKIPPABLE:
            self.missed += 1
            return
        self._request.write(b"event: " + event + b"\ndata: " + octets + b"\n\n")

    def pauseProducing(self) -> None:
        self.paused = True

    def resumeProducing(self) -> None:
        self.paused = False

    def stopProducing(self) -> None:
        self.paused = True
