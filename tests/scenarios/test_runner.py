"""Scenario runs in virtual time: the same seed gives the same event log byte for byte, replay
finds the first divergence, and the shipped scenarios' expectations hold."""

import io
import json
import os
import subprocess
import sys

import pytest

from scenarios import eventlog, expectations, files, runner
from smsc import cli

SHORT = """\
title = "a short run with a dropped link and a tower outage"
duration = "3m"
seed = 3

[[esme]]
name = "shop"

[[esme.campaign]]
name = "mixed"
rate = 2
numbers = { prefix = "86138", count = 40 }
mix = { otp = 0.4, notification = 0.3, marketing = 0.3 }
unicode_share = 0.5
long_share = 0.2

[[timeline]]
at = "40s"
do = "link_drop"

[[timeline]]
at = "1m"
do = "tower_down"
tower = "CM-1"

[[timeline]]
at = "2m"
do = "tower_up"
tower = "CM-1"
"""


EVERY_STEP = """\
title = "every kind of timeline step, for determinism"
duration = "2m"
seed = 12
drain = "10m"

[[smsc.policy.keywords]]
name = "gambling"
file = "gambling.txt"
action = "rejectd"

[[esme]]
name = "shop"
window = 5

[[esme.campaign]]
name = "mixed"
rate = 1
numbers = { prefix = "86138", count = 30 }
mix = { otp = 0.4, notification = 0.3, marketing = 0.3 }
unicode_share = 0.5
validity = "5m"

[[esme.campaign]]
name = "casino"
rate = 0.2
start = "40s"
numbers = { prefix = "86139", count = 10 }
texts = ["赌 场 开业", "六合彩"]
blocked = "gambling"

[[timeline]]
at = "10s"
do = "faults"
faults = { response_delay = 0.2, response_jitter = 0.5 }

[[timeline]]
at = "20s"
do = "handsets"
absent = { share = 0.3, minutes = 1 }
seconds = "30s"

[[timeline]]
at = "30s"
do = "keywords"
list = "gambling"
words = ["六合彩", "赌场"]

[[timeline]]
at = "45s"
do = "receipts_delay"
delay = "20s"
seconds = "40s"

[[timeline]]
at = "1m"
do = "smsc_crash"
down_for = "15s"

[[timeline]]
at = "1m30s"
do = "tower_capacity"
tower = "CM-1"
capacity = 0.5
seconds = "20s"

[expect]
blocked_rejected = true
exact_outcomes = true
"""


@pytest.fixture
def short(tmp_path):
    path = tmp_path / "short.toml"
    path.write_text(SHORT)
    return str(path)


def run_logged(path: str, seed: int | None = None) -> tuple[runner.Run, str]:
    scenario, config, source, file = files.prepare(path, seed)
    log = io.StringIO()
    return runner.run(scenario, config, log, source, file), log.getvalue()


def test_same_seed_same_log_byte_for_byte(short):
    first, first_log = run_logged(short)
    _, second_log = run_logged(short)
    assert first_log == second_log
    kinds = {json.loads(line).get("kind") for line in first_log.splitlines()[1:]}
    assert {"submit", "response", "hop", "final", "timeline"} <= kinds
    assert len(first.sent) == 2 * 180


def test_every_kind_of_step_gives_the_same_log_for_a_seed(tmp_path, capsys):
    """A crash and restart, keyword lists, handsets churning, late receipts, faults: the same
    seed still gives the same log byte for byte, and replay says so; the expectations hold."""
    (tmp_path / "gambling.txt").write_text("赌场\n", encoding="utf-8")
    path = tmp_path / "every.toml"
    path.write_text(EVERY_STEP)
    first, first_log = run_logged(str(path))
    _, second_log = run_logged(str(path))
    assert first_log == second_log
    done = [json.loads(line)["do"] for line in first_log.splitlines()[1:] if '"kind":"timeline"' in line]
    assert done == ["faults", "handsets", "keywords", "receipts_delay", "handsets", "smsc_crash", "smsc_started",
                    "receipts_delay", "tower_capacity", "tower_capacity"]  # fmt: skip
    assert all(verdict.held for verdict in expectations.check(first)), expectations.check(first)
    log = tmp_path / "every.jsonl"
    log.write_text(first_log)
    assert cli.main(["scenario", "replay", str(log)]) == 0


def test_same_log_from_two_processes(short, tmp_path):
    """Two processes with different hash seeds (set and dict order of strings differ) write
    the same log: nothing in a run depends on the process."""
    logs = []
    for hash_seed in ("1", "2"):
        log = tmp_path / f"run-{hash_seed}.jsonl"
        environment = {**os.environ, "PYTHONHASHSEED": hash_seed}
        done = subprocess.run([sys.executable, "-m", "smsc.cli", "scenario", "run", short, "--log", str(log)],
                              capture_output=True, text=True, timeout=300, env=environment)  # fmt: skip
        assert done.returncode == 0, done.stdout + done.stderr
        logs.append(log.read_bytes())
    assert logs[0] == logs[1]


def test_another_seed_another_run(short):
    _, first_log = run_logged(short)
    _, other_log = run_logged(short, seed=4)
    assert first_log != other_log


def test_the_run_keeps_every_acknowledged_message(short):
    """The link drop leaves at most the submits in flight unknown; every acknowledged one is
    stored; nothing is delivered twice."""
    run, _ = run_logged(short)
    verdicts = {verdict.name: verdict for verdict in expectations.check(run)}
    assert verdicts["nothing acknowledged lost"].held and verdicts["no duplicates"].held
    states = [one.outcome.state for one in run.sent]
    assert states.count("UNKNOWN") <= 10 and states.count("DELIVRD") > len(states) * 0.8


def test_replay_says_same_then_finds_a_divergence(short, tmp_path, capsys):
    log = tmp_path / "run.jsonl"
    assert cli.main(["scenario", "run", short, "--log", str(log)]) == 0
    capsys.readouterr()
    assert cli.main(["scenario", "replay", str(log)]) == 0
    assert capsys.readouterr().out.startswith("same: ")
    lines = log.read_text().splitlines(keepends=True)
    lines[100] = lines[100].replace('"kind"', '"kind" ', 1)
    log.write_text("".join(lines))
    assert cli.main(["scenario", "replay", str(log)]) == 1
    assert "diverged at line 101" in capsys.readouterr().out


def test_a_log_that_is_not_one(tmp_path):
    path = tmp_path / "x.jsonl"
    path.write_text('{"hello": 1}\n')
    with pytest.raises(ValueError, match="not an event log"):
        eventlog.read_header(str(path))


@pytest.mark.parametrize("path", files.shipped(), ids=lambda path: path.stem)
def test_shipped_scenario_passes(path, capsys):
    """Each shipped scenario's expectations hold (exit status 0)."""
    code = cli.main(["scenario", "run", str(path)])
    out = capsys.readouterr().out
    assert code == 0, out
