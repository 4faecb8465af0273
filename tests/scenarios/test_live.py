"""Scenarios run live: the timeline's steps done through the HTTP API (LiveWorld against the
API's own handlers in memory), steps the API cannot do refused up front, and real runs of
`smsc scenario run --speed` against `smsc serve` on loopback."""

import io
import json
import random
import signal
import subprocess
import sys
import time

import attrs
import pytest
from twisted.internet import defer

from scenarios import live, timeline
from scenarios.live_world import ApiFailed, LiveWorld, delivered_per_message
from scenarios.model import Scenario, Step
from smsc.config import Config
from smsc.http.api import Api
from smsc.network import Network
from smsc.testing import WireSession, run_for
from tests.smsc import conftest as smsc_conftest
from tests.smsc.conftest import call, make_factory, start_smsc
from tests.smsc.test_http_api import Http, submit

clock = smsc_conftest.clock  # a task.Clock at the SMSC tests' NOW


class MemoryApi:
    """ApiClient's interface over the API's handlers in memory: answers at once."""

    def __init__(self, factory, clock):
        self._http = Http(Api(factory.sink, factory, clock).site())
        self.calls = []

    def call(self, method: str, path: str, body=None):
        self.calls.append((method, path, body))
        answer = self._http(method, path, body)
        if 200 <= answer.status < 300:
            return defer.succeed(answer.body)
        return defer.fail(ApiFailed(f"{method} {path} answered {answer.status}: {answer.body['error']}"))


@pytest.fixture
def smsc(clock):
    factory = make_factory(clock)
    session = WireSession(factory, answer_deliveries=True)
    session.bind()
    events = []
    record = lambda at, kind, fields: events.append((at, kind, fields))  # noqa: E731
    world = LiveWorld(MemoryApi(factory, clock), clock, record, speed=10, err=io.StringIO())
    world.refresh()
    return factory, session, world, events


def step(do: str, **params):
    return timeline.action(Step(0, do, params))


class TestLiveWorld:
    def test_tower_down_and_up_through_the_api(self, smsc):
        """tower_down and tower_up reach the SMSC's engine as POST /api/towers/{id}."""
        factory, _, world, _ = smsc
        world.apply("down", step("tower_down", tower="CM-2").apply)
        assert factory.sink.network.towers["CM-2"].up is False
        world.apply("up", step("tower_up", tower="CM-2").apply)
        assert factory.sink.network.towers["CM-2"].up is True
        assert [path for _, path, _ in world.api.calls if path.startswith("/api/towers")] == ["/api/towers/CM-2"] * 2

    def test_a_spike_ends_after_its_seconds_divided_by_the_speed(self, clock, smsc):
        """tower_capacity for 60 s at speed 10 puts the capacity back after 6 real seconds, logged as a step."""
        factory, _, world, events = smsc
        world.apply("spike", step("tower_capacity", tower="CM-1", capacity=5, seconds=60).apply)
        assert factory.sink.network.towers["CM-1"].capacity == 5.0
        run_for(clock, 5.9)
        assert factory.sink.network.towers["CM-1"].capacity == 5.0
        run_for(clock, 0.2)
        assert factory.sink.network.towers["CM-1"].capacity == 200.0
        assert events[-1][1:] == ("timeline", {"do": "tower_capacity", "tower": "CM-1", "capacity": 200.0})

    def test_link_silent_then_answers_again(self, clock, smsc):
        """link_silent switches the account's faults to silent through POST /api/faults, and heals them after."""
        factory, session, world, _ = smsc
        world.apply("silent", step("link_silent", seconds=30).apply)
        assert session.protocol.faults.silent is True
        run_for(clock, 3.1)
        assert session.protocol.faults.silent is False

    def test_link_drop_closes_the_accounts_sessions(self, smsc):
        """link_drop goes out as POST /api/sessions/drop and the bound session falls."""
        factory, session, world, _ = smsc
        world.apply("drop", step("link_drop").apply)
        assert session.closed
        assert world.api.calls[-1] == ("POST", "/api/sessions/drop", {"account": "smppclient1"})

    def test_a_refused_step_is_reported_and_the_run_goes_on(self, smsc):
        """A request the SMSC refuses is kept in errors, logged as an error event, and later steps still go out."""
        factory, _, world, events = smsc
        world.apply("timeline[0] faults", step("faults", account="nobody").apply)
        world.apply("timeline[1] tower_down", step("tower_down", tower="CM-3").apply)
        assert world.errors == ["timeline[0] faults: POST /api/faults answered 404: no account 'nobody'; accounts are smppclient1"]
        assert events[0][1:] == ("error", {"step": "timeline[0] faults", "error": world.errors[0].split(": ", 1)[1]})
        assert factory.sink.network.towers["CM-3"].up is False

    def test_what_waits_is_done_when_the_run_ends(self, smsc):
        """finish_later does at once what later still waited for, so a stopped run leaves no spike behind."""
        factory, _, world, _ = smsc
        world.apply("spike", step("tower_capacity", tower="CM-1", capacity=5, seconds=600).apply)
        world.finish_later()
        assert factory.sink.network.towers["CM-1"].capacity == 200.0

    def test_survey_reads_back_messages_and_traces(self, clock, smsc):
        """The survey lists the account's messages since the start, each with its trace."""
        factory, session, world, _ = smsc
        message_id = submit(session, "0000")
        run_for(clock, 2)
        found = []
        world.survey(["smppclient1"], since=clock.seconds() - 10).addCallback(found.append)
        ((messages, traces),) = found
        assert [message["message_id"] for message in messages] == [message_id]
        assert delivered_per_message(traces) == {messages[0]["number"]: 1}
        later = []
        world.survey(["smppclient1"], since=clock.seconds()).addCallback(later.append)
        assert later[0] == ([], {})


class TestRefusedUpFront:
    def test_the_shipped_actions_all_run_live(self):
        """Every step the timeline knows today can be done through the API."""
        steps = [Step(0, do, params) for do, params in [
            ("tower_down", {"tower": "CM-1"}), ("tower_up", {"tower": "CM-1"}), ("tower_capacity", {"tower": "CM-1", "capacity": 1, "seconds": 5}),
            ("link_drop", {}), ("link_silent", {"seconds": 5}), ("faults", {"faults": {"silent": True}}),
        ]]  # fmt: skip
        assert live.unsupported_steps(Scenario(name="x", title="x", duration=1, timeline=tuple(steps))) == []

    def test_late_receipts_run_live_and_a_crash_keywords_and_handsets_do_not(self):
        """receipts_delay is a wire fault the API sets; the API has nothing to kill the SMSC,
        change a keyword list's words or make handsets churn: each is refused, naming what it needs."""
        steps = (
            Step(0, "receipts_delay", {"delay": 30, "seconds": 60}),
            Step(1, "smsc_crash", {"down_for": 10}),
            Step(2, "keywords", {"list": "gambling", "words": ["赌场"]}),
            Step(3, "handsets", {"absent": {"share": 0.5}, "seconds": 30}),
        )
        problems = live.unsupported_steps(Scenario(name="x", title="x", duration=1, timeline=steps))
        assert [problem.split(":")[0] for problem in problems] == ["timeline[1] smsc_crash", "timeline[2] keywords", "timeline[3] handsets"]
        assert ["crash" in problems[0], "set_keywords" in problems[1], "handsets" in problems[2]] == [True, True, True]

    def test_a_step_the_api_cannot_do_is_named(self, monkeypatch):
        """A step whose action needs what LiveWorld lacks (here, a restart) is refused, naming the step and what it needs."""

        @attrs.frozen
        class Restart:
            def apply(self, world):
                world.restart_smsc()

        monkeypatch.setitem(timeline.ACTIONS, "smsc_restart", Restart)
        steps = (Step(60, "tower_down", {"tower": "CM-1"}), Step(120, "smsc_restart", {}))
        (problem,) = live.unsupported_steps(Scenario(name="x", title="x", duration=1, timeline=steps))
        assert problem.startswith("timeline[1] smsc_restart: cannot be done against a live SMSC") and "restart_smsc" in problem


# -- on loopback: `smsc scenario run --speed` against `smsc serve` ------------------------------


def numbers_at(tower: str, count: int) -> list[str]:
    """Test numbers delivered at once (suffix 0000) that the default network puts under tower."""
    network = Network(Config().network, random.Random(1))
    found = (f"86138{n:04d}0000" for n in range(10000))
    return [number for number, _ in zip((number for number in found if network.tower_for(number).id == tower), range(count))]


SCENARIO = """\
title = "a live run: a tower down and a dropped link"
duration = "40s"
drain = "1m"
seed = 5

[[esme]]
name = "shop"

[[esme.campaign]]
name = "codes"
rate = 2
numbers = {{ listed = {numbers} }}
mix = {{ otp = 0.5, notification = 0.5 }}

[[timeline]]
at = "5s"
do = "tower_down"
tower = "CM-1"

[[timeline]]
at = "15s"
do = "link_drop"

[[timeline]]
at = "30s"
do = "tower_up"
tower = "CM-1"

[expect]
delivered_share = 0.9
"""


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    folder = tmp_path_factory.mktemp("live-smsc")
    process, served = start_smsc(folder)
    yield served
    process.terminate()
    process.wait(timeout=10)


def scenario_file(folder, changes: dict | None = None, more: str = "") -> str:
    text = SCENARIO.format(numbers=json.dumps(numbers_at("CM-1", 4) + numbers_at("CM-2", 4))) + more
    for old, new in (changes or {}).items():
        text = text.replace(old, new)
    path = folder / "live.toml"
    path.write_text(text)
    return str(path)


def run_command(served, *arguments: str) -> list[str]:
    host, port = served.smpp
    return [sys.executable, "-m", "smsc.cli", "scenario", "run", *arguments, "--smpp", f"{host}:{port}", "--api", served.api]


class TestLoopback:
    def test_a_run_at_ten_times_real_time(self, served, tmp_path):
        """At --speed 10 the messages are delivered, the tower taken down through the API held its
        messages until it came back, and the link drop made the ESME bind again."""
        path = scenario_file(tmp_path)
        done = subprocess.run(run_command(served, path, "--speed", "10", "--log", str(tmp_path / "log.jsonl"), "--report",
                                          str(tmp_path / "report.json")), capture_output=True, text=True, timeout=60)  # fmt: skip
        assert done.returncode == 0, done.stdout + done.stderr
        assert "PASS  delivered share" in done.stdout and "PASSED" in done.stdout
        report = json.loads((tmp_path / "report.json").read_text())
        assert report["funnel"]["offered"] == 80 and report["funnel"]["delivered"] >= 72
        events = [json.loads(line) for line in (tmp_path / "log.jsonl").read_text().splitlines()]
        assert events[0]["live"]["speed"] == 10.0
        steps = [(event["t"] // 1000, event["do"]) for event in events[1:] if event["kind"] == "timeline"]
        assert [do for _, do in steps] == ["tower_down", "link_drop", "tower_up"]
        assert all(abs(seconds - at) <= 3 for (seconds, _), at in zip(steps, (5, 15, 30)))  # scenario time, not real
        held = {event["message"] for event in events[1:] if event["kind"] == "hop" and event["hop"] == "held"}
        assert held, "no message was held while CM-1 was down"
        status, stats = call(served.api, "GET", "/api/stats")
        (tower,) = [tower for tower in stats["towers"] if tower["id"] == "CM-1"]
        assert (tower["up"], tower["held"], stats["accounts"]["smppclient1"]["sessions"]) == (True, 0, 0)
        with open(served.log) as log:
            assert log.read().count("bound smppclient1") >= 2  # bound, dropped, bound again

    def test_ctrl_c_unbinds_and_reports_so_far(self, served, tmp_path):
        """Ctrl-C during a real-time run stops the ESME (it unbinds), prints the report so far and exits 1."""
        path = scenario_file(tmp_path, {'duration = "40s"': 'duration = "10m"'})
        log = tmp_path / "log.jsonl"
        process = subprocess.Popen(run_command(served, path, "--realtime", "--log", str(log)), stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, text=True)  # fmt: skip
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not (log.exists() and '"kind":"final"' in log.read_text()):
            time.sleep(0.1)
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=60)
        assert process.returncode == 1, out + err
        assert "FAIL  ran to the end: stopped (Ctrl-C)" in out and "funnel:" in out and "FAILED" in out
        assert "stopping: the ESMEs unbind" in err
        assert call(served.api, "GET", "/api/stats")[1]["accounts"]["smppclient1"]["sessions"] == 0

    def test_nobody_listening_is_said_and_exit_2(self, tmp_path):
        """With no SMSC at --api the run does not start: exit 2, naming the address."""
        path = scenario_file(tmp_path)
        done = subprocess.run([sys.executable, "-m", "smsc.cli", "scenario", "run", path, "--realtime", "--api", "http://127.0.0.1:9"],
                              capture_output=True, text=True, timeout=30)  # fmt: skip
        assert done.returncode == 2
        assert "cannot reach the SMSC's HTTP API at http://127.0.0.1:9" in done.stderr

    def test_a_tower_the_server_lacks_is_refused_up_front(self, served, tmp_path):
        """A step naming a tower the live SMSC does not have stops the run before it sends anything."""
        solo = '\n[smsc.network]\ncarriers = [{ name = "Solo", prefixes = ["86138"], towers = [{ id = "S-1" }] }]\n'
        path = scenario_file(tmp_path, {'"CM-1"': '"S-1"'}, more=solo)
        done = subprocess.run(run_command(served, path, "--speed", "10"), capture_output=True, text=True, timeout=30)
        assert done.returncode == 2, done.stdout + done.stderr
        assert "has no tower 'S-1'" in done.stderr and "[smsc] settings (network) are not applied" in done.stderr


class TestCommandLine:
    def test_smpp_or_api_without_a_pace_is_a_usage_error(self, tmp_path, capsys):
        """--smpp or --api without --realtime or --speed is refused: they only mean something live."""
        from smsc import cli

        assert cli.main(["scenario", "run", "tower-outage", "--api", "http://127.0.0.1:8775"]) == 2
        assert "add --realtime or --speed X" in capsys.readouterr().err

    @pytest.mark.parametrize("speed", ["0", "-2", "fast"])
    def test_a_speed_must_be_above_zero(self, speed, capsys):
        """--speed takes a factor above 0."""
        from smsc import cli

        with pytest.raises(SystemExit):
            cli.main(["scenario", "run", "tower-outage", "--speed", speed])
        assert "expected a factor above 0" in capsys.readouterr().err

    def test_a_live_log_is_not_replayed(self, tmp_path, capsys):
        """replay refuses a live run's log: the live SMSC's chances are not the seed's."""
        from smsc import cli

        log = tmp_path / "live.jsonl"
        log.write_text(json.dumps({"format": 1, "scenario": "x", "seed": 1, "file": "x.toml", "live": {"smpp": "127.0.0.1:2775"}, "source": ""}) + "\n")
        assert cli.main(["scenario", "replay", str(log)]) == 2
        assert "only runs in virtual time can be replayed" in capsys.readouterr().err
