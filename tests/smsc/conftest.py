import random
import re
import subprocess
import sys

import attrs
import pytest
from twisted.internet import defer, task

from smsc.config import Account, Config, Timers
from smsc.server import SmscFactory
from smsc.standin import StandInEngine
from smsc.testing import WireSession


# Tests start on a realistic date so validity periods and receipts read as they would live.
NOW = 1795339800.0  # 2026-11-22 09:30:00 UTC


@pytest.fixture
def clock():
    clock = task.Clock()
    clock.advance(NOW)
    return clock


def make_factory(clock, *accounts, sink=None, **config):
    """An SMSC on the clock; link timers are off unless a test sets them, so long clock
    jumps do not fill its output with enquire_link probes."""
    config.setdefault("timers", Timers(enquire_link=0, inactivity=0))
    config = Config(accounts=accounts or Config().accounts, **config)
    factory = SmscFactory(config, clock, rng=random.Random(11))
    factory.sink = sink or StandInEngine(clock, factory.outbound, factory.smsc_config.personality, random.Random(7))
    return factory


@pytest.fixture
def factory(clock):
    return make_factory(clock)


@pytest.fixture
def session(factory):
    return WireSession(factory)


class StalledSink:
    """A sink whose submits never finish, to fill windows."""

    def __init__(self):
        self.pending = []

    def submit(self, account, message):
        self.pending.append(defer.Deferred())
        return self.pending[-1]


def account(**fields):
    return attrs.evolve(Config().accounts[0], **fields)


CONFIG = """
[[accounts]]
system_id = "smppclient1"
password = "password"
receipt_delay = 0.05
"""


@pytest.fixture(scope="session")
def smsc_address(tmp_path_factory):
    """`smsc serve` started as a user would, on a free port; its log goes to a file."""
    folder = tmp_path_factory.mktemp("smsc")
    config = folder / "smsc.toml"
    config.write_text(CONFIG)
    log = (folder / "smsc.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "smsc.cli", "serve", "--config", str(config), "--smpp", "127.0.0.1:0"],
        stdout=subprocess.PIPE,
        stderr=log,
        text=True,
    )
    line = process.stdout.readline()
    match = re.search(r"on ([\d.]+):(\d+)", line)
    assert match, f"smsc serve did not start: {line!r}; see {folder / 'smsc.log'}"
    yield match.group(1), int(match.group(2))
    process.terminate()
    process.wait(timeout=10)
