"""Helpers for testing against the SMSC without sockets: a session on an in-memory transport.

Shipped in the package (as structlog ships structlog.testing) so users can test their own
configs the way we test ours: octets in, decoded PDUs out, time from a task.Clock.
"""

import struct

from twisted.internet import error
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


class _ClosingTransport(StringTransport):
    """A StringTransport that tells its protocol the connection is gone, as TCP would."""

    def loseConnection(self):
        if not self.disconnecting:
            super().loseConnection()
            self.protocol.connectionLost(failure.Failure(error.ConnectionDone()))


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
