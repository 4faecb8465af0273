import contextlib
import json
import random
import re
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

import attrs
import pytest
from twisted.internet import defer, task

from smsc.config import Config, Timers
from smsc.server import SmscFactory
from smsc.engine import Engine
from smsc.sqlite_store import SqliteStore
from smsc.testing import WireSession


_DATA = tempfile.TemporaryDirectory(prefix="smsc-tests-")  # every test SMSC's store, removed at exit

# Tests start on a realistic date so validity periods and receipts read as they would live.
NOW = 1795339800.0  # 2026-11-22 09:30:00 UTC


@pytest.fixture
def clock():
    clock = task.Clock()
    clock.advance(NOW)
    return clock


def make_factory(clock, *accounts, sink=None, **config):
    """An SMSC on the clock with its engine on a real SQLite file (committing inline, so the
    clock alone drives it); link timers are off unless a test sets them, so long clock jumps
    do not fill its output with enquire_link probes."""
    config.setdefault("timers", Timers(enquire_link=0, inactivity=0))
    config.setdefault("data", tempfile.mkdtemp(dir=_DATA.name))
    config = Config(accounts=accounts or Config().accounts, **config)
    factory = SmscFactory(config, clock, rng=random.Random(11))
    if sink is None:
        store = SqliteStore.open(config.data, clock, sync="normal", threaded=False)
        sink = Engine(config, store, factory.outbound, clock, random.Random(7))
        sink.faults_for = factory.faults_for  # as `smsc serve` wires them
        sink.start()
    factory.sink = sink
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

    def submit(self, account, message, octets=None):
        self.pending.append(defer.Deferred())
        return self.pending[-1]


def account(**fields):
    return attrs.evolve(Config().accounts[0], **fields)


CONFIG = """
[[accounts]]
system_id = "smppclient1"
password = "password"
"""


@attrs.frozen
class Served:
    """A running `smsc serve`: where it takes SMPP, and its HTTP API's base URL."""

    smpp: tuple[str, int]
    api: str
    log: str


def start_smsc(folder, *arguments: str):
    """`smsc serve` started as a user would, on free ports, keeping its data and log in
    folder. Returns the process and where it serves."""
    log = (folder / "smsc.log").open("a")
    process = subprocess.Popen(
        [sys.executable, "-m", "smsc.cli", "serve", "--smpp", "127.0.0.1:0", "--http", "127.0.0.1:0",
         "--data", str(folder / "data"), *arguments],
        stdout=subprocess.PIPE,
        stderr=log,
        text=True,
    )  # fmt: skip
    smpp = process.stdout.readline()
    match = re.search(r"on ([\d.]+):(\d+)", smpp)
    assert match, f"smsc serve did not start: {smpp!r}; see {folder / 'smsc.log'}"
    http = process.stdout.readline()
    api = re.search(r"HTTP API on (http://[\d.]+:\d+)/api/", http)
    assert api, f"smsc serve printed no HTTP address: {http!r}; see {folder / 'smsc.log'}"
    return process, Served((match.group(1), int(match.group(2))), api.group(1), str(folder / "smsc.log"))


@contextlib.contextmanager
def running_smsc(folder, config: str = CONFIG):
    """`smsc serve` with `config` as its file, in folder, stopped on leaving."""
    (folder / "smsc.toml").write_text(config)
    process, served = start_smsc(folder, "--config", str(folder / "smsc.toml"))
    try:
        yield served
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture(scope="session")
def smsc_server(tmp_path_factory):
    """`smsc serve` with a config file, shared by the loopback tests."""
    with running_smsc(tmp_path_factory.mktemp("smsc")) as served:
        yield served


@pytest.fixture(scope="session")
def smsc_address(smsc_server):
    """Where the running `smsc serve` takes SMPP: (host, port)."""
    return smsc_server.smpp


def call(api: str, method: str, path: str, body=None):
    """One request to a running SMSC's HTTP API: (status, JSON body)."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(api + path, data, {"content-type": "application/json"}, method=method)
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as error:
        return error.code, json.load(error)


def read_until(client, done, seconds=5.0) -> list:
    """PDUs an smpplib client reads until done(received) or time runs out."""
    received = []
    client.set_message_received_handler(lambda pdu: received.append(pdu))
    deadline = time.monotonic() + seconds
    while not done(received) and time.monotonic() < deadline:
        client.read_once()
    return received
