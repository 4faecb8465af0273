import attrs
import pytest
from twisted.internet import defer, task

from smsc.config import Account, Config
from smsc.server import SmscFactory
from smsc.standin import StandInEngine
from smsc.testing import WireSession


@pytest.fixture
def clock():
    return task.Clock()


def make_factory(clock, *accounts, sink=None, **config):
    config = Config(accounts=accounts or Config().accounts, **config)
    factory = SmscFactory(config, clock)
    factory.sink = sink or StandInEngine(clock, factory.outbound)
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
