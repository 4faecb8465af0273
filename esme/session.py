"""One SMPP link of the ESME: smpp.twisted's client protocol with time from the injected clock.

The hot PDUs skip smpp.pdu (pdu.fast): submit_sm is written and its response read with
struct, and a plain deliver_sm is read, handed over and answered the same way, several times
faster. Submits awaiting their response are kept by esme.in_flight, with one timer for all;
smpp.twisted keeps everything else (bind, unbind, enquire_link), and every PDU pdu.fast
declines takes its usual road.

Changes to the library's behaviour, each for a reason:
- a submit whose response times out fails on its own; the link stays up (smpp.twisted drops
  it, losing every other submit in flight). enquire_link still judges the link;
- submits in flight when the link is lost fail at once, not after their response timeout;
- a response with a status smpp.pdu does not list (vendor codes 0x400...) is read, and its
  real code kept (`raw_status` on the library's responses), instead of failing to parse.
"""

import struct

from smpp.pdu.error import SMPPClientConnectionCorruptedError
from smpp.twisted.config import SMPPClientConfig
from smpp.twisted.protocol import SMPPClientProtocol
from twisted.internet import defer, protocol
from twisted.logger import Logger

from esme.in_flight import InFlight, OnAnswer
from esme.settings import BindMode, Settings
from pdu import fast, wire
from pdu.fields import library_knows_status
from pdu.status import CommandStatus

GENERIC_NACK = 0x80000000

# Module-level: smpp.twisted sets `self.log` to a stdlib logger in its own __init__.
log = Logger(namespace="esme.session")


class LinkLost(SMPPClientConnectionCorruptedError):
    """The link went down while this request waited for its response."""


class EsmeProtocol(SMPPClientProtocol):
    def __init__(self, clock, response_timeout: float):
        super().__init__()
        self._clock = clock
        self.callLater = clock.callLater
        self._status = 0
        self._on_message = None  # called with each deliver_sm or data_sm, as a pdu.wire value
        self._submits = InFlight(response_timeout)
        self._submit_timer = None  # the one timer for submits whose response never comes
        self._timers_pushed_at = float("-inf")  # when the link timers were last pushed back

    # -- reading ----------------------------------------------------------------------------

    def dataReceived(self, data):
        """Frames PDUs by moving an offset through the buffer: smpp.twisted slices off the rest
        of the buffer after each PDU, which costs more the more PDUs one read brings. A
        command_length under 16 is corrupt (smpp.twisted would loop on one of 0 for ever)."""
        buffer = self.recvBuffer + data if self.recvBuffer else data
        at, read = 0, False
        while not self.connectionCorrupted and len(buffer) - at >= 4:
            length = int.from_bytes(buffer[at : at + 4], "big")
            if length < 16:
                self.recvBuffer = b""
                self.corruptDataRecvd()
                return
            if len(buffer) - at < length:
                break
            read = True
            self.rawMessageReceived(buffer[at : at + length])
            at += length
        self.recvBuffer = buffer[at:]
        if read:
            self.endPDURead()
        if self.recvBuffer:
            self.incompletePDURead()

    def rawMessageReceived(self, message):
        command_id, status, sequence = struct.unpack_from("!LLL", message, 4)
        if command_id == fast.SUBMIT_SM_RESP and sequence in self._submits:
            message_id = fast.read_submit_sm_resp(message[16:]) if status == 0 else None
            if status or message_id is not None:
                self.onSMPPOperation()
                self._answer(self._submits.pop(sequence), status, message_id)
                return
        elif command_id == GENERIC_NACK and sequence in self._submits:
            self.onSMPPOperation()
            self._answer(self._submits.pop(sequence), status, None)
            return
        elif command_id == fast.DELIVER_SM and sequence and self._on_message is not None and self.isBound():
            value = fast.read_deliver_sm(message[16:])
            if value is not None:
                self._deliver_received(sequence, value)
                return
        self._status = status
        if self._status and not library_knows_status(self._status):
            message = message[:8] + struct.pack("!L", 0xFF) + message[12:]  # ESME_RUNKNOWNERR for the parser
        super().rawMessageReceived(message)

    def onSMPPOperation(self):
        """smpp.twisted pushes back its enquire_link timer on every PDU; at thousands of PDUs a
        second, once a second does as well (it counts in tens of seconds)."""
        now = self._clock.seconds()
        if now - self._timers_pushed_at >= 1.0 or not self.isBound():
            self._timers_pushed_at = now
            super().onSMPPOperation()

    def PDUResponseReceived(self, pdu):
        pdu.raw_status = self._status
        super().PDUResponseReceived(pdu)

    def _deliver_received(self, sequence: int, value: wire.DeliverSm) -> None:
        """A deliver_sm read by pdu.fast: handed over, then answered, as smpp.twisted answers
        a data request whose handler returns at once."""
        self.onSMPPOperation()
        try:
            self._on_message(value)
        except Exception:  # as smpp.twisted: the application failed; say so, and close
            log.failure("handling a deliver_sm failed")
            self.transport.write(fast.write_deliver_sm_resp(sequence, CommandStatus.ESME_RX_T_APPN))
            self.shutdown()
            return
        self.transport.write(fast.write_deliver_sm_resp(sequence))

    # -- submits ----------------------------------------------------------------------------

    def submit(self, message: wire.SubmitSm, on_answer: OnAnswer) -> None:
        """Send a submit_sm; on_answer(status, message_id) is called once, when its response
        comes (message_id None unless taken), or with (None, None) when none will: timeout,
        lost link, not bound, or a field SMPP cannot carry (then nothing was written)."""
        if not self.isBound() or self.connectionCorrupted:
            self._answer(on_answer, None, None)
            return
        sequence = self.claimSeqNum()
        try:
            octets = fast.write_submit_sm(message, sequence)
        except ValueError:
            log.failure("submit_sm not written")
            self._answer(on_answer, None, None)
            return
        self.transport.write(octets)
        self.onSMPPOperation()
        self._submits.add(sequence, on_answer, self._clock.seconds())
        if self._submit_timer is None:
            self._submit_timer = self.callLater(self._submits.timeout, self._submits_overdue)

    def _submits_overdue(self) -> None:
        self._submit_timer = None
        late = self._submits.overdue(self._clock.seconds())
        if late:
            log.info("{count} submit_sm got no response in {timeout} s", count=len(late), timeout=self._submits.timeout)
        for on_answer in late:
            self._answer(on_answer, None, None)
        deadline = self._submits.next_deadline()
        if deadline is not None:
            self._submit_timer = self.callLater(max(0.0, deadline - self._clock.seconds()), self._submits_overdue)

    @staticmethod
    def _answer(on_answer: OnAnswer, status: int | None, message_id: str | None) -> None:
        try:
            on_answer(status, message_id)
        except Exception:  # the link goes on for the other submits
            log.failure("handling a submit_sm answer failed")

    def finishOutboundTxns(self):
        """What an unbind waits for: smpp.twisted's own requests, and our submits."""
        return defer.DeferredList([super().finishOutboundTxns(), self._submits.emptied()])

    def cancelOutboundTransactions(self, error):
        """The link is lost or unbound: no submit in flight will be answered."""
        super().cancelOutboundTransactions(error)
        if self._submit_timer is not None and self._submit_timer.active():
            self._submit_timer.cancel()
        self._submit_timer = None
        for on_answer in self._submits.clear():
            self._answer(on_answer, None, None)

    def connectionLost(self, reason):
        self.cancelOutboundTransactions(LinkLost())
        super().connectionLost(reason)

    def bind_as(self, mode: BindMode, on_message):
        """Bind; on_message(DeliverSm | DataSm) is called with each message the SMSC sends and
        must return at once (its return value is ignored; an exception answers ESME_RX_T_APPN)."""
        if mode is BindMode.TRANSMITTER:
            return self.bindAsTransmitter()
        self._on_message = on_message

        def read_by_library(session, pdu):  # what pdu.fast declines, data_sm among them
            on_message(wire.from_pdu(pdu))

        if mode is BindMode.RECEIVER:
            return self.bindAsReceiver(read_by_library)
        return self.bindAsTransceiver(read_by_library)


class EsmeFactory(protocol.Factory):
    """Builds EsmeProtocols with smpp.twisted's config made from our Settings."""

    def __init__(self, settings: Settings, clock):
        self.clock = clock
        self.response_timeout = settings.response_timeout
        self.config = SMPPClientConfig(
            host=settings.host,
            port=settings.port,
            username=settings.system_id.encode("latin-1"),
            password=settings.password.encode("latin-1"),
            systemType=settings.system_type.encode("latin-1"),
            enquireLinkTimerSecs=settings.enquire_link,
            inactivityTimerSecs=0,  # enquire_link keeps the link honest; silence alone is no fault
            responseTimerSecs=settings.response_timeout,
            sessionInitTimerSecs=settings.response_timeout,
        )

    def getConfig(self):
        return self.config

    def buildProtocol(self, addr):
        built = EsmeProtocol(self.clock, self.response_timeout)
        built.factory = self
        return built
