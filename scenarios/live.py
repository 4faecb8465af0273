"""A scenario run in real time (or X times faster) against a running `smsc serve`, so that people
can watch it through the API: the ESMEs (esme.Sender over TCP) send the scenario's traffic on
schedule, the timeline is done through the HTTP API (scenarios.live_world.LiveWorld), and at
the end what the SMSC stored, with every message's trace, is read back through the API for the
expectations and the event log.

The traffic, the timeline and the run's end keep the time of `clock`: the reactor's from the
command line, the SMSC's own (which a trainer may pause) when `smsc serve` runs a scenario
itself (POST /api/scenarios/{name}). With speed X the traffic's, the timeline's and `later`'s
offsets, and the drain, are divided by X; the ESMEs' own timers (retry backoff, response and
reconnect delays) and the SMSC's (transit, retries, validity) stay real. The event log's times
are scenario time (real seconds times X), so that its steps read as the file's offsets.
"""

import collections
import random
import sys

import attrs
from smpp.pdu.error import SMPPTransactionError
from twisted.internet import defer, endpoints, task
from twisted.python import failure

from esme.sender import Sender
from esme.settings import Settings
from pdu.status import describe_status
from scenarios import traffic
from scenarios.eventlog import EventLog
from scenarios.expectations import Verdict
from scenarios.live_world import ApiClient, ApiFailed, LiveWorld, delivered_per_message, epoch
from scenarios.model import Scenario
from scenarios.runner import Run, Sent, _Feeder
from scenarios.timeline import action
from scenarios.world import FINAL_NAMES, Survey
from smsc.config import Config, split_host_port

POLL = 0.25  # seconds between looks at whether the run is done (or was stopped)
STOPPING = 60.0  # seconds the ESMEs get to unbind before they are left


class CannotRun(Exception):
    """The scenario cannot run against this SMSC: unreachable, a bind refused, a step the API
    cannot do, a tower or account it does not have. Exit status 2."""


@attrs.frozen
class Target:
    """The running SMSC, and how much faster than real time the scenario goes."""

    smpp: str = "127.0.0.1:2775"
    api: str = "http://127.0.0.1:8775"
    speed: float = 1.0


@attrs.frozen
class LiveRun:
    run: Run  # its times are scenario time
    target: Target
    wall_seconds: float
    interrupted: bool
    errors: tuple[str, ...]  # steps the SMSC refused, reading back that failed

    def verdicts(self) -> list[Verdict]:
        """What a live run adds to the expectations: it ran to its end, and every step took."""
        verdicts = []
        if self.interrupted:
            verdicts.append(Verdict("ran to the end", False, f"stopped (Ctrl-C) after {_clock(self.run.ended_at - self.run.started_at)} "
                                    f"of scenario time; the report covers what happened until then"))  # fmt: skip
        if self.errors:
            verdicts.append(Verdict("every step done through the API", False, f"{len(self.errors)} failed: " + "; ".join(self.errors[:3])))
        return verdicts


# -- before the run: what it needs, said up front ---------------------------------------------


class _Rehearsal:
    """A world that only notes which of its calls an action makes (and those of what it asks
    to do later), to refuse up front a step a live SMSC cannot do."""

    def __init__(self):
        self.used: set[str] = set()

    def __getattr__(self, name: str):
        self.used.add(name)
        if name == "tower":
            return lambda tower_id: _RehearsalTower()
        if name == "faults":
            from smsc.faults import HEALTHY

            return lambda system_id: HEALTHY
        if name == "later":
            return lambda seconds, what, fields, later_action: later_action()
        return lambda *args, **kwargs: None


class _RehearsalTower:
    capacity = 1.0

    def set(self, up=None, capacity=None) -> None:
        pass


def unsupported_steps(scenario: Scenario) -> list[str]:
    """The timeline steps a live SMSC cannot do, each named with what it needs."""
    problems = []
    for index, step in enumerate(scenario.timeline):
        rehearsal = _Rehearsal()
        try:
            action(step).apply(rehearsal)
        except Exception as failed:  # what an unsupported call gave back may break the action: name the call
            if not rehearsal.used - LiveWorld.SUPPORTED:
                problems.append(f"timeline[{index}] {step.do}: cannot be done against a live SMSC ({failed})")
                continue
        missing = sorted(rehearsal.used - LiveWorld.SUPPORTED)
        if missing:
            problems.append(f"timeline[{index}] {step.do}: cannot be done against a live SMSC: its HTTP API has nothing for {', '.join(missing)}")
    return problems


def _missing_on_server(scenario: Scenario, world: LiveWorld, target: Target) -> list[str]:
    problems = []
    for index, step in enumerate(scenario.timeline):
        done = action(step)
        tower, account = getattr(done, "tower", None), getattr(done, "account", None)
        if tower is not None and tower not in world.towers:
            problems.append(f"timeline[{index}] {step.do}: the SMSC at {target.api} has no tower {tower!r} "
                            f"(its towers: {', '.join(sorted(world.towers))})")  # fmt: skip
        if account is not None and account not in world.account_faults:
            problems.append(f"timeline[{index}] {step.do}: the SMSC at {target.api} has no account {account!r} "
                            f"(its accounts: {', '.join(sorted(world.account_faults))})")  # fmt: skip
    return problems


# -- the run -----------------------------------------------------------------------------------


@defer.inlineCallbacks
def run(scenario: Scenario, config: Config, log_stream, source: str, file: str, target: Target, reactor, stop: defer.Deferred,
        clock=None, sent: list | None = None):  # fmt: skip
    """Run the scenario against the SMSC at target; fires with a LiveRun, or fails with
    CannotRun before anything is sent. `stop` fired (Ctrl-C) ends the run early: the ESMEs
    unbind and what happened so far is read back and reported. `clock` (the reactor by
    default) times the traffic, the timeline and the run's end; the reactor keeps the
    connections. Run inside `smsc serve` it is the SMSC's own clock, so pausing the SMSC
    pauses the scenario too, and the SMSC's times and the run's agree. `sent`: a list the run
    fills with each message (scenarios.runner.Sent) as it goes to its ESME, for a caller
    that watches the run."""
    problems = unsupported_steps(scenario)
    if problems:
        raise CannotRun("\n".join(f"{problem}; run this scenario in virtual time (without --realtime or --speed)" for problem in problems))
    api = ApiClient(reactor, target.api)
    try:
        live = yield _run(scenario, config, log_stream, source, file, target, reactor, clock or reactor, stop, api,
                          [] if sent is None else sent)  # fmt: skip
    finally:
        yield api.close()
    return live


@defer.inlineCallbacks
def _run(scenario, config, log_stream, source, file, target, reactor, clock, stop, api, sent: list[Sent]):
    speed = target.speed
    world = LiveWorld(api, clock, speed=speed)
    try:
        yield world.refresh()
    except ApiFailed as failed:
        raise CannotRun(str(failed)) from None
    problems = _missing_on_server(scenario, world, target)
    if problems:
        raise CannotRun("\n".join(problems))
    wall_start, since = reactor.seconds(), world.smsc_time  # messages are stored at the SMSC's time, which a pause set back
    senders = yield _bind(scenario, target, reactor)
    started_at = clock.seconds()
    log = EventLog(log_stream, started_at)
    log.header(scenario.name, scenario.seed, source, file, live={"smpp": target.smpp, "api": target.api, "speed": speed})

    def record(at: float, kind: str, fields: dict) -> None:  # scenario time: real seconds times the speed
        log.record(started_at + (at - started_at) * speed, kind, fields)

    world.record = record
    outgoing = [attrs.evolve(message, at=message.at / speed) for message in traffic.plan(scenario, tuple(number.suffix for number in config.network.test_numbers))]
    feeder = _Feeder(clock, started_at, outgoing, senders, sent, record)
    feeder.start()
    steps = [clock.callLater(step.at / speed, _apply, world, index, step, record) for index, step in enumerate(scenario.timeline)]
    yield _until_done(clock, started_at, scenario, speed, sent, len(outgoing), stop)
    interrupted = stop.called
    feeder.stop()
    for call in steps:
        if call.active():
            call.cancel()
    world.finish_later()
    yield world.idle()
    yield _stop_all(senders, reactor)
    ended_at = clock.seconds()
    accounts = [esme.system_id for esme in scenario.esme]
    try:
        # the API's times are to the millisecond, cut: a message stored as the run began may read a little earlier
        messages, traces = yield world.survey(accounts, since=since - 0.01)
    except ApiFailed as failed:
        world.errors.append(f"reading back what the SMSC stored: {failed}")
        print(f"smsc scenario run: reading back what the SMSC stored: {failed}", file=sys.stderr)
        messages, traces = [], {}
    _record_hops(record, traces)
    by_number = {message["number"]: message["message_id"] for message in messages}
    hopped = lambda wanted: frozenset(by_number[number] for number, trace in traces.items() if any(map(wanted, trace)))  # noqa: E731
    survey = Survey(
        message_ids=frozenset(message["message_id"] for message in messages),
        stored_per_destination=collections.Counter(message["destination"] for message in messages),
        delivered_per_message=delivered_per_message(traces),
        states={message["message_id"]: (message["state"]["number"], message["done_at"] and epoch(message["done_at"]))
                for message in sorted(messages, key=lambda message: message["number"])},
        receipted=hopped(lambda hop: hop["hop"] == "receipt queued" and hop["detail"] in FINAL_NAMES),
        dropped=hopped(lambda hop: hop["hop"] == "dropped"),
    )  # opt-outs, the SMSC's throttles and the ESMEs' reconnects stay unknown live
    scenario_end = started_at + (ended_at - started_at) * speed
    return LiveRun(Run(scenario, config, started_at, scenario_end, tuple(sent), survey), target,
                   reactor.seconds() - wall_start, interrupted, tuple(world.errors))  # fmt: skip


def _settings(scenario: Scenario, esme, target: Target) -> Settings:
    host, port = split_host_port(target.smpp)
    return Settings(
        host=host, port=port, system_id=esme.system_id, password=esme.password, window=esme.window, tps=esme.tps,
        receipt_timeout=(scenario.duration + scenario.drain) / target.speed + 60, enquire_link=30.0, max_retries=20,
    )  # fmt: skip


@defer.inlineCallbacks
def _bind(scenario: Scenario, target: Target, reactor) -> dict:
    """Every ESME bound to the SMSC; CannotRun saying which could not."""
    senders = {}
    for esme in scenario.esme:
        settings = _settings(scenario, esme, target)
        endpoint = endpoints.TCP4ClientEndpoint(reactor, settings.host, settings.port, timeout=10)
        sender = Sender(settings, reactor, random.Random(f"{scenario.seed}/esme/{esme.name}"), endpoint)
        senders[esme.name] = sender
        try:
            yield sender.start()
        except Exception as failed:
            yield _stop_all(senders, reactor)
            if isinstance(failed, SMPPTransactionError):
                response = failed.response
                why = f"bind refused: {describe_status(getattr(response, 'raw_status', None) or int(response.status.value))}"
            else:
                why = f"cannot connect: {failed}"
            raise CannotRun(f"esme {esme.name!r} ({esme.system_id}) at {target.smpp}: {why}. Is `smsc serve` running there, "
                            "with the account? (--smpp sets the address)") from None  # fmt: skip
    return senders


def _apply(world: LiveWorld, index: int, step, record) -> None:
    record(world.clock.seconds(), "timeline", {"do": step.do, **step.params})
    world.apply(f"timeline[{index}] {step.do}", action(step).apply)


@defer.inlineCallbacks
def _until_done(clock, started_at: float, scenario: Scenario, speed: float, sent: list, total: int, stop: defer.Deferred):
    """Until the traffic's span is over and every message final, the drain's end, or stop."""
    traffic_ends = started_at + scenario.duration / speed
    deadline = started_at + (scenario.duration + scenario.drain) / speed
    waiting = []

    def stopped(result):  # at once, even while a paused clock holds the next look
        if waiting and not waiting[-1].called:
            waiting[-1].cancel()
        return result

    stop.addBoth(stopped)
    while not stop.called:
        now = clock.seconds()
        if now >= deadline or (now >= traffic_ends and len(sent) == total and all(one.outcome is not None for one in sent)):
            return
        waiting[:] = [task.deferLater(clock, min(POLL, max(0.0, deadline - now)), lambda: None)]
        try:
            yield waiting[0]
        except defer.CancelledError:
            pass


@defer.inlineCallbacks
def _stop_all(senders: dict, reactor):
    """Unbind every ESME (after the submits in flight are answered), waiting STOPPING at most."""
    stopping = defer.DeferredList([defer.maybeDeferred(sender.stop) for sender in senders.values()], consumeErrors=True)
    yield stopping.addTimeout(STOPPING, reactor).addErrback(lambda failure: None)


def _record_hops(record, traces: dict) -> None:
    """The SMSC's hops, read back from the traces: at the end of the log, in time order."""
    hops = [(epoch(hop["at"]), number, hop) for number, trace in traces.items() for hop in trace]
    for at, number, hop in sorted(hops, key=lambda entry: (entry[0], entry[1])):
        record(at, "hop", {"message": number, "hop": hop["hop"], "detail": hop["detail"]})


def _clock(seconds: float) -> str:
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes}m{rest:02d}s"


def run_on_reactor(scenario: Scenario, config: Config, log_stream, source: str, file: str, target: Target, err=sys.stderr) -> LiveRun:
    """Run on the real reactor until the run ends; the first Ctrl-C stops it gently (the
    ESMEs unbind, the report covers what happened so far), a second one at once. Raises
    CannotRun when the scenario cannot run against the target."""
    import signal

    from twisted.internet import reactor

    stop = defer.Deferred()
    ended = []

    def interrupted(signum, frame):
        signal.signal(signal.SIGINT, signal.SIG_DFL)  # a second Ctrl-C ends the process at once
        print("\nstopping: the ESMEs unbind, then what the SMSC stored is read back for the report "
              "(Ctrl-C again to quit at once)", file=err, flush=True)  # fmt: skip
        reactor.callFromThread(lambda: stop.called or stop.callback(None))

    def go():
        signal.signal(signal.SIGINT, interrupted)
        done = run(scenario, config, log_stream, source, file, target, reactor, stop)
        done.addBoth(ended.append)
        done.addBoth(lambda _: reactor.stop())

    reactor.callWhenRunning(go)
    reactor.run(installSignalHandlers=False)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    (outcome,) = ended
    if isinstance(outcome, failure.Failure):
        outcome.raiseException()
    return outcome
