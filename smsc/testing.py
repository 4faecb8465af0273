"""Helpers for testing against the SMSC without sockets: a session on an in-memory transport.

Shipped in the package (as structlog ships structlog.testing) so users can test their own
configs the way we test ours: octets in, decoded PDUs out, time from a task.Clock.
"""

import struct

from twisted.internet import defer, error
from twisted.internet.address import IPv4Address
from twisted.internet.testing import StringTransport
from twisted.python import failure

from pdu import wire


def run_for(clock, seconds: float) -> None:
    """Advance a task.Clock by `seconds`, stopping at every pending call on the way, so that
    work scheduled by earlier calls runs at its own time, as under a real reactor (a single
    clock.advance runs only what was due when it started)."""
    end = clock.seconds() + seconds
    while True:
        due = [call.getTime() for call in clock.getDelayedCalls() if call.active()]
        step_to = min([time for time in due if time <= end], default=None)
        if step_to is None:
            clock.advance(end - clock.seconds())
            return
        clock.advance(max(0.0, step_to - clock.seconds()))


class ProcessClock:
    """A task.Clock as one SMSC process uses it: every call the process schedules is kept, so
    that kill() can cancel them all, as a killed process runs nothing more (no timer of a
    dead engine or session fires on the shared clock). The others' calls are untouched."""

    def __init__(self, clock):
        self.clock = clock
        self._calls: list = []
        self._tidy_above = 1024

    def seconds(self) -> float:
        return self.clock.seconds()

    def callLater(self, delay, function, *args, **kwargs):
        call = self.clock.callLater(delay, function, *args, **kwargs)
        self._calls.append(call)
        if len(self._calls) > self._tidy_above:  # amortised: a scan each time the list doubles
            self._calls = [kept for kept in self._calls if kept.active()]
            self._tidy_above = max(1024, 2 * len(self._calls))
        return call

    def getDelayedCalls(self) -> list:
        return [call for call in self._calls if call.active()]

    def kill(self) -> None:
        for call in self._calls:
            if call.active():
                call.cancel()
        self._calls = []


class _ClosingTransport(StringTransport):
    """A StringTransport that tells its protocol the connection is gone, as TCP would."""

    def loseConnection(self):
        if not self.disconnecting:
            super().loseConnection()
            self.protocol.connectionLost(failure.Failure(error.ConnectionDone()))


class _LinkEnd(StringTransport):
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

    def reset(self):
        """The process at the other end died: this end hears the connection reset at once;
        the other end, whose process runs no code any more, hears nothing."""
        if self.lost:
            return
        self.lost = self.other.lost = True
        self.protocol.connectionLost(failure.Failure(error.ConnectionLost()))

    def _close(self):
        for end in (self, self.other):
            if not end.lost:
                end.lost = True
                end.protocol.connectionLost(failure.Failure(error.ConnectionDone()))


class MemoryEndpoint:
    """An IStreamClientEndpoint reaching an SmscFactory in memory, for an ESME (esme.Sender)
    on a task.Clock: octets travel when the clock moves. `links` lists every connection made,
    newest last, so a test can cut one; `smsc` may be replaced (an SMSC restarted) and
    `refuse` set (an SMSC down); crash() does both halves of a killed SMSC's part."""

    def __init__(self, smsc, clock):
        self.smsc, self.clock = smsc, clock
        self.links: list[_LinkEnd] = []
        self.refuse = False

    def connect(self, factory):
        if self.refuse:
            return defer.fail(error.ConnectionRefusedError())
        port = 40000 + len(self.links)
        client_address = IPv4Address("TCP", "127.0.0.1", port)
        server_address = IPv4Address("TCP", "127.0.0.1", 2775)
        client_end = _LinkEnd(self.clock, client_address, server_address)
        server_end = _LinkEnd(self.clock, server_address, client_address)
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

    def crash(self):
        """The SMSC process dies: every link is reset (the SMSC's side runs nothing, not
        even its connectionLost) and connections are refused until `refuse` is cleared."""
        self.refuse = True
        for link in self.links:
            link.reset()


class WireSession:
    """One ESME connection to an SmscFactory over an in-memory transport."""

    def __init__(self, factory, port: int = 40000, answer_deliveries: bool = False):
        """answer_deliveries: answer every deliver_sm and data_sm ESME_ROK as soon as the
        clock moves, as a healthy ESME does, so none times out while a test runs the clock."""
        self.transport = _ClosingTransport(
            hostAddress=IPv4Address("TCP", "127.0.0.1", 2775),
            peerAddress=IPv4Address("TCP", "127.0.0.1", port),
        )
        self.protocol = factory.buildProtocol(self.transport.getPeer())
        self.transport.protocol = self.protocol
        self.protocol.makeConnection(self.transport)
        self._sequence = 0
        if answer_deliveries:
            write, clock = self.transport.write, factory.clock

            def write_and_answer(octets):
                write(octets)
                command_id, _, sequence = struct.unpack("!LLL", octets[4:16])
                response = {0x05: wire.DeliverSmResp(), 0x103: wire.DataSmResp()}.get(command_id)
                if response is not None:
                    clock.callLater(0, self.send, response, sequence)

            self.transport.write = write_and_answer

    def next_sequence(self) -> int:
        self._sequence += 1
        return self._sequence

    def send(self, value, sequence_number: int | None = None, status: int | None = None) -> int:
        """Send one of pdu.wire's values; returns the sequence number used."""
        sequence_number = sequence_number or self.next_sequence()
        self.protocol.dataReceived(wire.encode(value, sequence_number, status))
        return sequence_number

    def send_raw(self, octets: bytes) -> None:
        self.protocol.dataReceived(octets)

    def received(self) -> list[tuple[wire.Header, object]]:
        """Every PDU the SMSC wrote since the last call, decoded."""
        data = self.transport.value()
        self.transport.clear()
        pdus = []
        while len(data) >= 4:
            (length,) = struct.unpack("!L", data[:4])
            if not 16 <= length <= len(data):
                raise AssertionError(f"the SMSC wrote a broken PDU: {data[:64].hex()}")
            pdus.append(wire.decode(data[:length]))
            data = data[length:]
        return pdus

    def bind(self, bind_type=wire.BindType.TRANSCEIVER, system_id="smppclient1", password="password", **fields):
        """Bind and return the response's (header, value)."""
        self.send(wire.Bind(bind_type, system_id, password, **fields))
        (response,) = self.received()
        return response

    @property
    def closed(self) -> bool:
        return self.transport.disconnecting
