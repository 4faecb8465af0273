"""A tiny JSON router on twisted.web: routes are data (method, path template, handler), every
answer is JSON (or `Text` where a format says otherwise, as Prometheus' does), and every error
is a JSON message a person can act on, never a traceback.

A handler takes a `Call` and returns (status, body) or a Deferred of it; it reports a refusal
by raising `ApiError` with its HTTP status. Anything else it raises is answered 500 and logged.
"""

import json
import re
import urllib.parse
from collections.abc import Callable

import attrs
from twisted.internet import defer
from twisted.logger import Logger
from twisted.web import resource, server

log = Logger(namespace="smsc.http")

JSON = b"application/json; charset=utf-8"


class ApiError(Exception):
    """A request the API refuses: its HTTP status and what the person should know or fix."""

    def __init__(self, status: int, message: str, problems: list | None = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.problems = problems  # [{"path": ..., "message": ...}] when a body had several mistakes


def _pattern(template: str) -> re.Pattern:
    """"/api/towers/{id}" -> a pattern whose group `id` takes one path segment."""
    parts = re.split(r"\{(\w+)\}", template)
    regex = "".join(re.escape(part) if index % 2 == 0 else f"(?P<{part}>[^/]+)" for index, part in enumerate(parts))
    return re.compile(f"^{regex}$")


@attrs.frozen
class Route:
    method: str
    template: str  # as the OpenAPI document writes it: /api/messages/{id}
    handler: Callable
    pattern: re.Pattern = attrs.field(init=False, default=attrs.Factory(lambda self: _pattern(self.template), takes_self=True))


@attrs.frozen
class Text:
    """An answer that is not JSON: its octets as they go out, and their content type."""

    octets: bytes
    content_type: bytes


@attrs.frozen
class Call:
    """What a handler gets: the path's parameters, the query (one value each) and the body."""

    path: dict[str, str]
    query: dict[str, str]
    body: bytes

    def json(self) -> dict:
        """The body as a JSON object, or a 400 that says what is wrong with it."""
        try:
            value = json.loads(self.body or b"null")
        except (ValueError, UnicodeDecodeError) as error:
            raise ApiError(400, f"the request body is not valid JSON: {error}") from None
        if not isinstance(value, dict):
            raise ApiError(400, f"the request body must be a JSON object ({{...}}), got {json.dumps(value)[:60]}")
        return value


class JsonResource(resource.Resource):
    isLeaf = True

    def __init__(self, routes: list[Route]):
        super().__init__()
        self.routes = routes

    def render(self, request):
        finished = []
        request.notifyFinish().addBoth(finished.append)  # the client may leave before we answer
        answer = defer.maybeDeferred(self._dispatch, request)
        answer.addErrback(self._refused, request)
        answer.addCallback(self._write, request, finished)
        answer.addErrback(lambda failure: log.failure("writing an HTTP answer failed", failure))
        return server.NOT_DONE_YET

    def _dispatch(self, request):
        path = urllib.parse.unquote(request.path.decode("utf-8", "replace"))
        method = request.method.decode("ascii", "replace")
        matches = [(route, found) for route in self.routes if (found := route.pattern.match(path))]
        if not matches:
            raise ApiError(404, f"no such endpoint: {path}; GET /api/ lists them")
        for route, found in matches:
            if route.method == method:
                query = {key.decode("utf-8", "replace"): values[-1].decode("utf-8", "replace") for key, values in request.args.items()}
                return route.handler(Call(found.groupdict(), query, request.content.read() if request.content else b""))
        allowed = ", ".join(sorted({route.method for route, _ in matches}))
        request.setHeader(b"allow", allowed.encode("ascii"))
        raise ApiError(405, f"{path} takes {allowed}, not {method}")

    @staticmethod
    def _refused(failure, request):
        if failure.check(ApiError):
            error = failure.value
            body = {"status": error.status, "error": error.message}
            if error.problems:
                body["problems"] = error.problems
            return error.status, body
        log.failure("HTTP {method} {uri} failed", failure, method=request.method.decode("ascii", "replace"),
                    uri=request.uri.decode("utf-8", "replace"))  # fmt: skip
        return 500, {"status": 500, "error": "the SMSC failed to answer this request; its log says why"}

    @staticmethod
    def _write(answer, request, finished):
        if finished:
            return
        status, body = answer
        if isinstance(body, Text):
            octets, content_type = body.octets, body.content_type
        else:
            octets, content_type = json.dumps(body, ensure_ascii=False, indent=2).encode("utf-8") + b"\n", JSON
        request.setResponseCode(status)
        request.setHeader(b"content-type", content_type)
        request.setHeader(b"content-length", str(len(octets)).encode("ascii"))
        request.setHeader(b"cache-control", b"no-store")  # every answer is a live snapshot
        request.write(octets)
        request.finish()


def site(routes: list[Route], reactor, around: Callable | None = None) -> server.Site:
    """A twisted.web Site answering every path with the routes; errors never show a traceback.
    `reactor` times its connections (a task.Clock in tests). around(api resource) -> the root
    resource, when other resources (the dashboard) share the address."""
    api = JsonResource(routes)
    made = server.Site(around(api) if around else api, reactor=reactor)
    made.displayTracebacks = False
    return made


def all_digits(text: str) -> bool:
    """0-9 only: str.isdigit() also takes '²' and other digits int() or a PDU cannot read."""
    return text.isascii() and text.isdigit()


def whole_number(query: dict, name: str, default, low: int, high: int | None):
    """A query parameter that must be a whole number within bounds; 400 naming it if not."""
    value = query.get(name)
    if not value:
        return default
    if not all_digits(value) or int(value) < low or (high is not None and int(value) > high):
        expected = f"a whole number from {low} to {high}" if high else f"a whole number of at least {low}"
        raise ApiError(400, f"{name} must be {expected}, got {value!r}")
    return int(value)
