"""The HTTP API's endpoints: health, statistics, messages with their traces, and the controls a
trainer or QA engineer uses at run time (an MO, a tower down or slowed, wire faults, links
dropped).

They read snapshots of the engine, the network and the store and change the core only through
its public calls (`Engine.set_tower`, `Engine.inject_mo`, `SmscFactory.set_faults`). The
routes below are the whole API; smsc/openapi.json describes each, and a test holds the two
together.
"""

import importlib.resources
import json

from twisted.internet import defer

from pdu.fields import Address
from pdu.segments import TooManySegments
from pdu.status import MessageState
from smsc import config_file, p2p
from smsc.errors import SmppError
from smsc.faults import WireFaults
from smsc.http import inspector, shapes
from smsc.http.clock_api import ClockApi
from smsc.http.metrics import MetricsApi
from smsc.http.policy_api import PolicyApi
from smsc.http.router import ApiError, Call, Route, all_digits, site, whole_number
from smsc.http.scenario_api import ScenarioApi

MAX_PAGE = 500
DEFAULT_PAGE = 50
INTERNATIONAL_DIGITS = 9  # an MO address this long or longer is international (TON 1, NPI 1)


class Api:
    def __init__(self, engine, factory, clock, trainer=None, scenarios=None, dashboard=None):
        """engine: smsc.engine.Engine; factory: smsc.server.SmscFactory; clock: the reactor's
        time (HTTP connections). trainer: the engine's clock when it is a TrainerClock (pause
        and step); snapshots are read at the engine's time (Engine.now). scenarios: the
        ScenarioApi `smsc serve` tells where it listens; by default one that lists the
        scenarios but cannot start them. dashboard: smsc.dashboard.Dashboard, served beside
        the API when given."""
        self._engine = engine
        self._factory = factory
        self._clock = clock
        self._trainer = trainer
        self._scenarios = scenarios or ScenarioApi(factory.smsc_config, clock, trainer or clock)
        self._dashboard = dashboard

    def routes(self) -> list[Route]:
        return [
            Route("GET", "/api/", self.index),
            Route("GET", "/api/openapi.json", self.openapi),
            Route("GET", "/api/health", self.health),
            Route("GET", "/api/stats", self.stats),
            Route("GET", "/api/messages", self.messages),
            Route("GET", "/api/messages/{id}", self.message),
            Route("POST", "/api/mo", self.mo),
            Route("POST", "/api/p2p", self.p2p),
            Route("POST", "/api/towers/{id}", self.tower),
            Route("GET", "/api/faults", self.faults),
            Route("POST", "/api/faults", self.set_faults),
            Route("POST", "/api/sessions/drop", self.drop_sessions),
            *PolicyApi(self._engine).routes(),
            *MetricsApi(self._engine, self._factory).routes(),
            *ClockApi(self._trainer).routes(),
            *self._scenarios.routes(),
        ]

    def site(self):
        return site(self.routes(), self._clock, self._dashboard.root if self._dashboard else None)

    # -- reading ------------------------------------------------------------------------------

    def index(self, call: Call):
        return 200, {"endpoints": [f"{route.method} {route.template}" for route in self.routes()], "openapi": "/api/openapi.json"}

    def openapi(self, call: Call):
        return 200, openapi_document()

    def health(self, call: Call):
        return 200, {"status": "ok", "at": shapes.iso(self._engine.now()), "pending": self._engine.pending_count()}

    def stats(self, call: Call):
        now = self._engine.now()
        counters = self._engine.stats.snapshot()
        money = self._engine.ledger.snapshot()
        accounts = {
            account.system_id: {
                "counters": counters.get(account.system_id, {}),
                "billing": money.get(account.system_id),
                "waiting_for_bind": self._factory.outbound.waiting(account.system_id),  # for a receiving bind
                "sessions": len(self._factory.getBoundConnections(account.system_id) or ()),
            }
            for account in self._factory.smsc_config.accounts
        }
        if p2p.HANDSETS.system_id in counters:  # phone-to-phone messages, under the SMSC's own account
            accounts[p2p.HANDSETS.system_id] = {"counters": counters[p2p.HANDSETS.system_id], "billing": None, "waiting_for_bind": 0, "sessions": 0}
        return 200, {
            "at": shapes.iso(now),
            "pending": self._engine.pending_count(),
            "rates": self._engine.rates.snapshot(),
            "accounts": accounts,
            "carriers": [shapes.carrier(carrier, now) for carrier in self._engine.network.carriers],
            "towers": [tower.snapshot(now) for tower in self._engine.network.towers.values()],
        }

    @defer.inlineCallbacks
    def message(self, call: Call):
        """Every message the ESME was given this message_id for (several for a submit_multi),
        with its trace, its PDUs decoded and why it is not delivered; an id that is no
        message_id but a whole number is taken for the SMSC's own number of a message."""
        store, key = self._engine.store, call.path["id"]
        newest = yield store.message(key)
        if newest is None and all_digits(key) and len(key) < 19:
            newest = yield store.message(int(key))
        if newest is None:
            raise ApiError(404, f"no message with message_id or number {key!r} (finished messages are kept for the retention period;"
                                " a phone number is looked up with GET /api/messages?dest=...)")
        # A submit_multi stores its messages under consecutive numbers with one id and one time.
        found = [newest]
        while found[-1].number > 1:
            earlier = yield store.message(found[-1].number - 1)
            if earlier is None or (earlier.message_id, earlier.account, earlier.submitted_at) != (
                    newest.message_id, newest.account, newest.submitted_at):  # fmt: skip
                break
            found.append(earlier)
        messages = []
        for stored in reversed(found):
            events = yield store.events(stored.number)
            messages.append({**shapes.traced(stored, events), "pdus": inspector.pdus(stored, events), "why": inspector.why(stored, events)})
        return 200, {"message_id": newest.message_id, "messages": messages}

    @defer.inlineCallbacks
    def messages(self, call: Call):
        query = dict(call.query)
        unknown = sorted(set(query) - {"dest", "account", "state", "before", "limit"})
        if unknown:
            raise ApiError(400, f"unknown parameter {', '.join(unknown)}; this endpoint takes dest, account, state, before and limit")
        dest = query.get("dest") or None
        if dest is not None and not all_digits(dest.lstrip("+")):
            raise ApiError(400, f"dest must be a number in digits, got {dest!r}")
        state = query.get("state") or None
        if state is not None:
            if state.upper() not in MessageState.__members__:
                raise ApiError(400, f"state must be one of {', '.join(MessageState.__members__)}, got {state!r}")
            state = int(MessageState[state.upper()])
        before = whole_number(query, "before", None, 1, None)
        limit = whole_number(query, "limit", DEFAULT_PAGE, 1, MAX_PAGE)
        found = yield self._engine.store.find(destination=dest, account=query.get("account") or None,
                                              state=state, before=before, limit=limit)  # fmt: skip
        more = len(found) == limit
        return 200, {"messages": [shapes.message(stored) for stored in found], "next": found[-1].number if more else None}

    def faults(self, call: Call):
        accounts = {account.system_id: shapes.faults(self._factory.faults_for(account)) for account in self._factory.smsc_config.accounts}
        return 200, {"accounts": accounts, "sessions": [_session(session) for session in self._factory.sessions()]}

    # -- controls -----------------------------------------------------------------------------

    def mo(self, call: Call):
        source, destination, text = _handset_message(call)
        try:
            injected = self._engine.inject_mo(source, destination, text)
        except TooManySegments as error:
            raise ApiError(400, f"text is too long: {error}") from None

        def answered(answer):
            return 202, {"from": source.digits, "to": destination.digits, **answer}

        def refused(failure):
            failure.trap(ValueError)
            raise ApiError(409, f"the MO cannot be taken: {failure.getErrorMessage()}")

        return injected.addCallbacks(answered, refused)

    def p2p(self, call: Call):
        """A handset's message to another handset: phone → tower → SMSC → tower → phone."""
        source, destination, text = _handset_message(call)

        def answered(taken):
            message_id, segments = taken
            return 202, {"from": source.digits, "to": destination.digits, "message_id": message_id, "segments": segments}

        def refused(failure):
            if failure.check(TooManySegments):
                raise ApiError(400, f"text is too long: {failure.value}")
            failure.trap(SmppError)
            raise ApiError(409, f"the SMSC refused it: {failure.value}")  # the status and why

        return self._engine.send_p2p(source, destination, text).addCallbacks(answered, refused)

    def tower(self, call: Call):
        tower_id = call.path["id"]
        if tower_id not in self._engine.network.towers:
            raise ApiError(404, f"no tower {tower_id!r}; towers are {', '.join(self._engine.network.towers)}")
        body = call.json()
        _only(body, {"up", "capacity"})
        if not body:
            raise ApiError(400, 'give "up" (true or false), "capacity" (messages a second) or both')
        up, capacity = body.get("up"), body.get("capacity")
        if "up" in body and not isinstance(up, bool):
            raise ApiError(400, f"up must be true or false, got {json.dumps(up)}")
        if "capacity" in body and (isinstance(capacity, bool) or not isinstance(capacity, (int, float)) or capacity <= 0):
            raise ApiError(400, f"capacity must be a number of messages a second greater than 0, got {json.dumps(capacity)}")
        return 200, self._engine.set_tower(tower_id, up=up, capacity=None if capacity is None else float(capacity))

    def set_faults(self, call: Call):
        body = call.json()
        _only(body, {"account", "session", "faults"}, required={"faults"})
        if ("account" in body) == ("session" in body):
            raise ApiError(400, 'name either "account" (a system_id) or "session" (HOST:PORT, as GET /api/faults lists them)')
        if not isinstance(body["faults"], dict):
            raise ApiError(400, f"faults must be an object of wire fault settings, got {json.dumps(body['faults'])}")
        try:
            faults = config_file.structure_part(body["faults"], WireFaults, "request body", path="faults")
        except config_file.ConfigError as error:
            problems = [{"path": problem.path, "message": problem.message} for problem in error.problems]
            message = "; ".join(f"{problem['path']}: {problem['message']}" for problem in problems)
            raise ApiError(400, f"invalid faults: {message}", problems) from None
        if "account" in body:
            system_id = body["account"]
            if not isinstance(system_id, str) or self._factory.smsc_config.account(system_id) is None:
                names = ", ".join(account.system_id for account in self._factory.smsc_config.accounts)
                raise ApiError(404, f"no account {system_id!r}; accounts are {names}")
            changed = self._factory.set_faults(system_id, faults)
            return 200, {"account": system_id, "faults": shapes.faults(faults), "sessions_changed": changed}
        sessions = {_peer(session): session for session in self._factory.sessions()}
        session = sessions.get(body["session"])
        if session is None:
            raise ApiError(404, f"no bound session {body['session']!r}; bound sessions are {', '.join(sessions) or 'none'}")
        session.faults = faults
        return 200, _session(session)

    def drop_sessions(self, call: Call):
        """Close bound sessions without an unbind, as a carrier link that falls: every session
        of an account, or one by its HOST:PORT. The ESMEs see the link lost and reconnect."""
        body = call.json()
        _only(body, {"account", "session"})
        if ("account" in body) == ("session" in body):
            raise ApiError(400, 'name either "account" (a system_id) or "session" (HOST:PORT, as GET /api/faults lists them)')
        sessions = self._factory.sessions()
        if "account" in body:
            system_id = body["account"]
            if not isinstance(system_id, str) or self._factory.smsc_config.account(system_id) is None:
                names = ", ".join(account.system_id for account in self._factory.smsc_config.accounts)
                raise ApiError(404, f"no account {system_id!r}; accounts are {names}")
            chosen = [session for session in sessions if session.system_id == system_id]
        else:
            chosen = [session for session in sessions if _peer(session) == body["session"]]
            if not chosen:
                listed = ", ".join(_peer(session) for session in sessions) or "none"
                raise ApiError(404, f"no bound session {body['session']!r}; bound sessions are {listed}")
        dropped = [_peer(session) for session in chosen]
        for session in chosen:
            session.transport.loseConnection()
        return 200, {**({"account": body["account"]} if "account" in body else {}), "dropped": dropped}


def openapi_document() -> dict:
    return json.loads(importlib.resources.files("smsc").joinpath("openapi.json").read_text(encoding="utf-8"))


def _only(body: dict, allowed: set, required: frozenset | set = frozenset()) -> None:
    unknown = sorted(set(body) - allowed)
    if unknown:
        raise ApiError(400, f"unknown field {', '.join(unknown)}; this endpoint takes {', '.join(sorted(allowed))}")
    missing = sorted(required - set(body))
    if missing:
        raise ApiError(400, f"missing field {', '.join(missing)}")


def _handset_message(call: Call) -> tuple[Address, Address, str]:
    """A body of "from", "to" and "text", as a handset sends (an MO, phone to phone)."""
    body = call.json()
    _only(body, {"from", "to", "text"}, required={"from", "to", "text"})
    source, destination = _address(body, "from"), _address(body, "to")
    text = body["text"]
    if not isinstance(text, str) or not text:
        raise ApiError(400, f"text must be a non-empty string, got {json.dumps(text)}")
    return source, destination, text


def _address(body: dict, field: str) -> Address:
    """A digit string as an SMPP address: international when it is long enough to be a full
    number, else national (short codes, service numbers)."""
    digits = body[field]
    if not isinstance(digits, str) or not all_digits(digits) or not 1 <= len(digits) <= 20:
        raise ApiError(400, f"{field} must be a string of 1 to 20 digits such as \"8613800138000\", got {json.dumps(digits)}")
    if len(digits) >= INTERNATIONAL_DIGITS:
        return Address(1, 1, digits)
    return Address(2, 0, digits)


def _peer(session) -> str:
    peer = session.transport.getPeer()
    return f"{peer.host}:{peer.port}"


def _session(session) -> dict:
    return {
        "session": _peer(session),
        "account": session.system_id,
        "bind": session.bind_type.name.removeprefix("bind_"),
        "faults": shapes.faults(session.faults),
    }
