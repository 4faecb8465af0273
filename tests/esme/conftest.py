"""The ESME against the project's SMSC in memory: a link whose octets travel when the clock moves."""

import random

import pytest
from twisted.internet import defer, error, task
from twisted.internet.address import IPv4Address
from twisted.internet.testing import StringTransport
from twisted.python import failure

from esme.sender import Sender
from esme.settings import Settings
from smsc.testing import run_for
from tests.smsc import conftest as smsc_conftest
from tests.smsc.conftest import NOW, make_factory

# `smsc serve` over real loopback, shared with the SMSC's loopback tests' way of starting it.
smsc_server = smsc_conftest.smsc_server
smsc_address = smsc_conftest.smsc_address


class _End(StringTransport):
    """One end of an in-memory TCP link: what it writes reaches the other end on the next
    clock step, and closing it tells both protocols, as TCP would."""

    def __init__(self, clock, host, peer):
        super().__init__(hostAddress=host, peerAddress=peer)
        self.clock = clock
        self.other = None
        self.lost = False
        self.sent = bytearray()  # every octet written, for tests that read the wire

    def write(self, data):
        self.sent.extend(data)
        if not self.lost:
            self.clock.callLater(0, self.other._arrive, data)

    def _arrive(self, data):
        if not self.lost:
            self.protocol.dataReceived(data)

    def loseConnection(self):
        if self.lost:
            return
        self.disconnecting = True
        self.clock.callLater(0, self._close)

    abortConnection = loseConnection

    def _close(self):
        for end in (self, self.other):
            if not end.lost:
                end.lost = True
                end.protocol.connectionLost(failure.Failure(error.ConnectionDone()))


class MemoryEndpoint:
    """An IStreamClientEndpoint reaching an SmscFactory in memory; `links` lists every
    connection made, newest last, so a test can cut one."""

    def __init__(self, smsc, clock):
        self.smsc, self.clock = smsc, clock
        self.links: list[_End] = []
        self.refuse = False

    def connect(self, factory):
        if self.refuse:
            return defer.fail(error.ConnectionRefusedError())
        port = 40000 + len(self.links)
        client_address = IPv4Address("TCP", "127.0.0.1", port)
        server_address = IPv4Address("TCP", "127.0.0.1", 2775)
        client_end = _End(self.clock, client_address, server_address)
        server_end = _End(self.clock, server_address, client_address)
        client_end.other, server_end.other = server_end, client_end
        server = self.smsc.buildProtocol(client_address)
        server_end.protocol = server
        client = factory.buildProtocol(server_address)
        client_end.protocol = client
        server.makeConnection(server_end)
        client.makeConnection(client_end)
        self.links.append(client_end)
        return defer.succeed(client)

    def cut(self):
        """The SMSC drops the newest link."""
        self.links[-1].other.loseConnection()


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
def clock():
    clock = task.Clock()
    clock.advance(NOW)
    return clock


@pytest.fixture
def harness(clock):
    return Harness(clock).start()
