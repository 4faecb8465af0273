"""The ESME against the project's SMSC in memory: a link whose octets travel when the clock moves."""

import random

import pytest
from twisted.python import failure

from esme.sender import Sender
from esme.settings import Settings
from smsc.testing import MemoryEndpoint, run_for
from tests.smsc import conftest as smsc_conftest
from tests.smsc.conftest import make_factory

# `smsc serve` over real loopback, shared with the SMSC's loopback tests' way of starting it.
smsc_server = smsc_conftest.smsc_server
smsc_address = smsc_conftest.smsc_address
clock = smsc_conftest.clock  # a task.Clock at the SMSC tests' NOW


class Harness:
    """An SMSC (real engine and SQLite store, on the clock) and a Sender connected to it."""

    def __init__(self, clock, *accounts, settings=Settings(enquire_link=0), on_message=None, **config):
        self.clock = clock
        self.smsc = make_factory(clock, *accounts, **config)
        self.endpoint = MemoryEndpoint(self.smsc, clock)
        self.sender = Sender(settings, clock, random.Random(5), self.endpoint, on_message)

    def start(self):
        started = self.sender.start()
        self.run(1)
        assert self.sender.bound, started
        return self

    def run(self, seconds: float):
        run_for(self.clock, seconds)

    def result(self, deferred, seconds: float = 120):
        return wait_for(self.clock, deferred, seconds)


def wait_for(clock, deferred, seconds: float = 120):
    """Run the clock until the Deferred fires (or `seconds` pass); its result."""
    results = []
    deferred.addBoth(results.append)
    end = clock.seconds() + seconds
    while not results and clock.seconds() < end:
        run_for(clock, 1)
    assert results, f"nothing after {seconds} s"
    if isinstance(results[0], failure.Failure):
        results[0].raiseException()
    return results[0]


@pytest.fixture
def harness(clock):
    return Harness(clock).start()
