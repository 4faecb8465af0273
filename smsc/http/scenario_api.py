"""GET /api/scenarios, POST /api/scenarios/{name} and POST /api/scenarios/stop: the shipped
scenarios, started in real time (or faster) from the API against this SMSC itself.

A run is scenarios.live's, in-process: its ESMEs bind to this SMSC's SMPP port and its timeline
goes through this API, as `smsc scenario run --speed` would do from outside. Its traffic and
timeline keep the SMSC's own clock, so a trainer who pauses the SMSC (POST /api/clock) pauses
the scenario too. One run at a time; the last one stays shown, verdicts and all, until the next.
Its event log goes to <data>/scenarios/NAME-TIME.jsonl, to read or replay later.

`scenarios` imports smsc: it is imported inside the functions here.
"""

import json
import os
import time

from twisted.internet import defer
from twisted.logger import Logger

from smsc.http import shapes
from smsc.http.router import ApiError, Call, Route


class ScenarioApi:
    def __init__(self, config, reactor, clock):
        """config: this SMSC's smsc.config.Config; reactor: for the run's connections; clock:
        the engine's (a TrainerClock under smsc serve) for its traffic and timeline."""
        self._config = config
        self._reactor = reactor
        self._clock = clock
        self._smpp: str | None = None  # HOST:PORT this SMSC takes SMPP on, once it listens
        self._api: str | None = None  # http://HOST:PORT of this API, once it listens
        self._catalogue: dict | None = None  # name -> (scenario, why it cannot run live or None)
        self._run: ScenarioRun | None = None

    def listening(self, smpp: tuple[str, int], api: tuple[str, int]) -> None:
        """Where this SMSC really listens (its config may say port 0): (host, port) each."""
        self._smpp, self._api = _address(*smpp), "http://" + _address(*api)

    def routes(self) -> list[Route]:
        return [
            Route("GET", "/api/scenarios", self.scenarios),
            Route("POST", "/api/scenarios/stop", self.stop),
            Route("POST", "/api/scenarios/{name}", self.start),
        ]

    def scenarios(self, call: Call):
        listed = [_listed(scenario, why_not) for scenario, why_not in self._shipped().values()]
        return 200, {"scenarios": listed, "run": self._shown_run()}

    def start(self, call: Call):
        from scenarios import files, live

        name = call.path["name"]
        shipped = self._shipped()
        if name not in shipped:
            raise ApiError(404, f"no shipped scenario {name!r}; they are {', '.join(shipped)}")
        body = call.json() if call.body.strip() else {}  # the body is optional
        unknown = sorted(set(body) - {"speed"})
        if unknown:
            raise ApiError(400, f"unknown field {', '.join(unknown)}; this endpoint takes speed")
        speed = body.get("speed", 1)
        if isinstance(speed, bool) or not isinstance(speed, (int, float)) or not speed > 0:
            raise ApiError(400, f"speed must be a number above 0 (1 is real time, 20 twenty times faster), got {json.dumps(speed)}")
        if self._run is not None and self._run.state in ("running", "stopping"):
            raise ApiError(409, f"scenario {self._run.name!r} is running; stop it first (POST /api/scenarios/stop)")
        why_not = shipped[name][1]
        if why_not is not None:
            raise ApiError(409, f"{name} cannot run against this SMSC: {why_not}")
        if self._smpp is None:
            raise ApiError(409, "this SMSC has not said where it listens yet; try again in a moment")
        scenario, config, source, path = files.prepare(name)
        target = live.Target(self._smpp, self._api, float(speed))
        self._run = ScenarioRun(scenario, target, self._clock, self._log_path(name))
        self._run.start(config, source, path, self._reactor)
        return 202, self._shown_run()

    def stop(self, call: Call):
        if call.body.strip() and call.json():
            raise ApiError(400, "this endpoint takes no fields")
        if self._run is None or self._run.state not in ("running", "stopping"):
            raise ApiError(409, "no scenario is running")
        self._run.stop()
        return 200, self._shown_run()

    # -- helpers ----------------------------------------------------------------------------------

    def _shown_run(self) -> dict | None:
        return None if self._run is None else self._run.shown()

    def _shipped(self) -> dict:
        """The shipped scenarios, read once (they do not change while the SMSC runs)."""
        if self._catalogue is None:
            from scenarios import files

            self._catalogue = {}
            for path in files.shipped():
                scenario = files.load(str(path))
                self._catalogue[scenario.name] = (scenario, why_not_live(scenario, self._config))
        return self._catalogue

    def _log_path(self, name: str) -> str | None:
        if self._config.data is None:
            return None
        stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(self._clock.seconds()))
        return os.path.abspath(os.path.join(self._config.data, "scenarios", f"{name}-{stamp}.jsonl"))


def why_not_live(scenario, config) -> str | None:
    """Why the scenario cannot run live against an SMSC with this config, or None if it can:
    steps the API cannot do, ESMEs binding as accounts it lacks, towers it does not have."""
    from scenarios import live, timeline

    problems = live.unsupported_steps(scenario)
    accounts = {account.system_id: account for account in config.accounts}
    for esme in scenario.esme:
        account = accounts.get(esme.system_id)
        if account is None:
            problems.append(f"esme {esme.name!r} binds as {esme.system_id!r}, an account this SMSC does not have "
                            f"(its accounts: {', '.join(accounts)})")  # fmt: skip
        elif account.password != esme.password:
            problems.append(f"esme {esme.name!r} binds as {esme.system_id!r} with a password this SMSC refuses")
    towers = {tower.id for carrier in config.network.carriers for tower in carrier.towers}
    for index, step in enumerate(scenario.timeline):
        tower = getattr(timeline.action(step), "tower", None)
        if tower is not None and tower not in towers:
            problems.append(f"timeline[{index}] {step.do}: this SMSC has no tower {tower!r}")
    return "; ".join(problems) or None


def _listed(scenario, why_not: str | None) -> dict:
    return {
        "name": scenario.name,
        "title": scenario.title,
        "description": scenario.description.strip(),
        "duration": scenario.duration,
        "drain": scenario.drain,
        "live": why_not is None,
        "why_not": why_not,
    }


def _address(host: str, port: int) -> str:
    """Where to connect to a listening port: loopback when it listens on every interface."""
    return f"{'127.0.0.1' if host in ('0.0.0.0', '::', '') else host}:{port}"


class ScenarioRun:
    """One scenario run in this process: its state as the API shows it, and how it ends."""

    log = Logger(namespace="smsc.http")

    def __init__(self, scenario, target, clock, log_path: str | None):
        self.name = scenario.name
        self.state = "running"
        self._scenario = scenario
        self._target = target
        self._clock = clock
        self._log_path = log_path
        self._started_at = clock.seconds()
        self._ended_at: float | None = None
        self._sent: list = []
        self._stop = defer.Deferred()
        self._verdicts: list[dict] | None = None
        self._error: str | None = None

    def start(self, config, source: str, path: str, reactor) -> None:
        from scenarios import live

        try:
            stream = self._open_log()
        except OSError as error:
            return self._failed_with(f"cannot write the event log {self._log_path}: {error}")
        done = defer.maybeDeferred(live.run, self._scenario, config, stream, source, path, self._target, reactor,
                                   self._stop, clock=self._clock, sent=self._sent)  # fmt: skip
        done.addCallbacks(self._finished, self._failed)
        done.addErrback(self._broken)
        done.addBoth(lambda _: stream.close())

    def stop(self) -> None:
        """Gently: the ESMEs unbind and what happened so far is read back for the verdicts."""
        if self.state == "running":
            self.state = "stopping"
            self._stop.callback(None)

    def shown(self) -> dict:
        now = self._ended_at if self._ended_at is not None else self._clock.seconds()
        shown = {
            "name": self.name,
            "speed": self._target.speed,
            "started_at": shapes.iso(self._started_at),
            "elapsed": round((now - self._started_at) * self._target.speed, 3),
            "duration": self._scenario.duration,
            "sent": len(self._sent),
            "state": self.state,
            "log": self._log_path,
        }
        if self._verdicts is not None:
            shown["verdicts"] = self._verdicts
        if self._error is not None:
            shown["error"] = self._error
        return shown

    def _open_log(self):
        if self._log_path is None:
            import io

            return io.StringIO()
        os.makedirs(os.path.dirname(self._log_path), exist_ok=True)
        return open(self._log_path, "w", encoding="utf-8", buffering=1)  # by the line: tail -f it while it runs

    def _finished(self, done) -> None:
        from scenarios import expectations

        self._ended_at = self._clock.seconds()
        verdicts = expectations.check(done.run) + done.verdicts()
        self._verdicts = [{"name": verdict.name, "passed": verdict.held, "detail": verdict.detail} for verdict in verdicts]
        self.state = "finished"

    def _failed(self, failure) -> None:
        from scenarios import live

        if failure.check(live.CannotRun):
            return self._failed_with(failure.getErrorMessage())
        self.log.failure("scenario {name} failed", failure, name=self.name)
        self._failed_with(f"{failure.type.__name__}: {failure.getErrorMessage()} (the SMSC's log has the details)")

    def _broken(self, failure) -> None:
        """Judging a run that ended failed (a bug of ours): said, and logged with its details."""
        self.log.failure("scenario {name}: judging its run failed", failure, name=self.name)
        self._failed_with(f"judging the run failed: {failure.getErrorMessage()} (the SMSC's log has the details)")

    def _failed_with(self, message: str) -> None:
        self._ended_at = self._clock.seconds()
        self._error = message
        self.state = "failed"
