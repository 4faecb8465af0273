"""A scenario run in virtual time: the SMSC and the ESMEs in memory on one task.Clock that
jumps to the next pending call, the traffic offered on schedule, the timeline applied, every
hop logged. An hour of traffic takes seconds; a seed gives the same run every time."""

import datetime
import random

import attrs
from twisted.internet import task

from esme.outcome import Outcome
from esme.sender import Sender
from esme.settings import Settings
from scenarios import traffic
from scenarios.eventlog import EventLog
from scenarios.model import Scenario
from scenarios.sampling import Sampler, Series, step_for
from scenarios.timeline import action
from scenarios.world import Survey, World
from smsc.config import Config
from smsc.testing import run_for


@attrs.define
class Sent:
    """One message of the traffic, as its ESME saw it."""

    index: int
    outgoing: traffic.Outgoing
    submitted_at: float
    accepted: Outcome | None = None  # when every segment was answered
    outcome: Outcome | None = None  # when every segment was final


@attrs.frozen
class Run:
    scenario: Scenario
    config: Config
    started_at: float
    ended_at: float
    sent: tuple[Sent, ...]
    survey: Survey
    series: Series | None = None  # the load over time (scenarios.sampling)


def epoch(start: str) -> float:
    return datetime.datetime.fromisoformat(start).timestamp()


def run(scenario: Scenario, config: Config, log_stream, source: str = "", file: str = "", data: str | None = None,
        every: float | None = None, progress=None) -> Run:
    """Run the scenario; the event log goes to log_stream, headed by the file's text and
    path. data: the SMSC's store folder (a fresh temporary one by default). every: seconds
    between samples of the load (0: none; by default one that keeps the series small);
    progress(seconds done, events logged): told after each sample."""
    clock = task.Clock()
    clock.advance(epoch(scenario.start))
    started_at = clock.seconds()
    log = EventLog(log_stream, started_at)
    log.header(scenario.name, scenario.seed, source, file)
    every = step_for(scenario.duration) if every is None else every
    told = progress and (lambda done: progress(done, log.events))
    sampler = Sampler(clock, started_at, every, told, scenario.duration, max(every, step_for(scenario.drain))) if every else None
    record = sampler.tap(log.record) if sampler else log.record
    world = World(config, clock, scenario.seed, record, data)
    senders = {esme.name: _sender(scenario, esme, world) for esme in scenario.esme}
    for sender in senders.values():
        sender.start()
    sent: list[Sent] = []
    outgoing = traffic.plan(scenario, tuple(number.suffix for number in config.network.test_numbers))
    _Feeder(clock, started_at, outgoing, senders, sent, record).start()
    for step in scenario.timeline:
        clock.callLater(step.at, _apply, world, step, record)
    if sampler:
        sampler.start(world)
    run_for(clock, scenario.duration)
    _drain(clock, started_at + scenario.duration + scenario.drain, sent, len(outgoing))
    if sampler:
        sampler.stop()
    for sender in senders.values():
        sender.stop()
    run_for(clock, 1)
    survey = world.survey()
    world.close()
    return Run(scenario, config, started_at, clock.seconds(), tuple(sent), survey, sampler.series() if sampler else None)


def _sender(scenario: Scenario, esme, world: World) -> Sender:
    settings = Settings(
        system_id=esme.system_id, password=esme.password, window=esme.window, tps=esme.tps,
        receipt_timeout=scenario.duration + scenario.drain, enquire_link=30.0, max_retries=20,
    )  # fmt: skip
    return Sender(settings, world.clock, random.Random(f"{scenario.seed}/esme/{esme.name}"), world.endpoint())


def _apply(world: World, step, record) -> None:
    record(world.clock.seconds(), "timeline", {"do": step.do, **step.params})
    action(step).apply(world)


def _drain(clock, deadline: float, sent: list[Sent], total: int) -> None:
    """After the traffic: run until every message is final, or the deadline."""
    while clock.seconds() < deadline and not (len(sent) == total and all(one.outcome is not None for one in sent)):
        run_for(clock, min(60.0, deadline - clock.seconds()))


class _Feeder:
    """Hands each message to its ESME when it is due: one timer at a time."""

    def __init__(self, clock, started_at: float, outgoing: list, senders: dict, sent: list[Sent], record):
        self._clock, self._started_at = clock, started_at
        self._outgoing, self._next = outgoing, 0
        self._senders, self._sent, self._record = senders, sent, record
        self._call = None

    def start(self) -> None:
        self._schedule()

    def stop(self) -> None:
        """Hand out no more (a live run stopped early)."""
        if self._call is not None and self._call.active():
            self._call.cancel()

    def _schedule(self) -> None:
        if self._next < len(self._outgoing):
            due = self._started_at + self._outgoing[self._next].at
            self._call = self._clock.callLater(max(0.0, due - self._clock.seconds()), self._feed)

    def _feed(self) -> None:
        now = self._clock.seconds()
        while self._next < len(self._outgoing) and self._started_at + self._outgoing[self._next].at <= now + 1e-9:
            self._submit(self._outgoing[self._next])
            self._next += 1
        self._schedule()

    def _submit(self, message: traffic.Outgoing) -> None:
        one = Sent(len(self._sent), message, self._clock.seconds())
        self._sent.append(one)
        self._record(one.submitted_at, "submit", {
            "msg": one.index, "esme": message.esme, "campaign": message.campaign, "class": message.kind, "to": message.destination})  # fmt: skip
        handle = self._senders[message.esme].submit(message.destination, message.text, message.source, message.receipt,
                                                    message.service_type, message.priority, message.validity_period)  # fmt: skip
        handle.accepted.addCallback(self._answered, one)
        handle.finished.addCallback(self._finished, one)

    def _answered(self, outcome: Outcome, one: Sent) -> Outcome:
        one.accepted = outcome
        self._record(self._clock.seconds(), "response", {
            "msg": one.index, "ids": list(outcome.message_ids), "status": [part.status for part in outcome.parts]})  # fmt: skip
        return outcome

    def _finished(self, outcome: Outcome, one: Sent) -> Outcome:
        one.outcome = outcome
        self._record(self._clock.seconds(), "final", {"msg": one.index, "state": outcome.state})
        return outcome
