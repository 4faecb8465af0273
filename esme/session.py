"""One SMPP link of the ESME: smpp.twisted's client protocol with time from the injected clock.

The hot PDUs skip smpp.pdu (pdu.fast): submit_sm is written and its response read with
struct, and a plain deliver_sm is read, handed over and answered the same way, several times
faster. Submits awaiting their response are kept by esme.in_flight, with one timer for all;
smpp.twisted keeps everything else (bind, unbind, enquire_link), and every PDU pdu.fast
declines takes its usual road.

Changes to the library's behaviour, each for a reason:
- a submit whose response times out fails on its own; the link stays up (smpp.twisted drops
  it, losing every other submit in flight). enquire_link still judges the link;
- submits in flight when the link is lost fail at once, not after their response timeout, and
  say why it was lost (a TLS failure in words: 'certificate verify failed');
- a response with a status smpp.pdu does not list (vendor codes 0x400...) is read, and its
  real code kept (`raw_status` on the library's responses), instead of failing to parse.
"""

import struct

from OpenSSL import SSL
from service_identity import VerificationError
from smpp.pdu.error import SMPPClientConnectionCorruptedError
from smpp.twisted.config import SMPPClientConfig
from smpp.twisted.protocol import SMPPClientProtocol, SMPPSessionStates
from twisted.internet import defer, protocol
from twisted.logger import Logger

from esme.in_flight import InFlight, OnAnswer
from esme.settings import BindMode, Settings
from pdu import fast, wire
from pdu.fields import library_field, library_knows_status

GENERIC_NACK = 0x80000000

# Module-level: smpp.twisted sets `self.log` to a stdlib logger in its own __init__.
log = Logger(namespace="esme.session")


def response_status(response) -> int:
    """A response's command_status, vendor codes (which smpp.pdu cannot name) included."""
    return getattr(response, "raw_status", None) or int(response.status.value)


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

    def connectionMade(self):
        super().connectionMade()
        self.factory.on_connected(self)

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

    def PDUResponseReceived(self, pdu):
        pdu.raw_status = self._status
        super().PDUResponseReceived(pdu)

    def _deliver_received(self, sequence: int, value: wire.DeliverSm) -> None:
        """A deliver_sm read by pdu.fast: answered, then handed over. Answered first because
        what the handler sets off (a receipt ending a message, a command then unbinding) may
        write to the link: the SMSC must see the deliver_sm_resp before an unbind."""
        self.onSMPPOperation()
        self.transport.write(fast.write_deliver_sm_resp(sequence))
        try:
            self._on_message(value)
        except Exception:  # the application failed on a message it has: say so, and close
            log.failure("handling a deliver_sm failed")
            self.shutdown()

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
        self.sessionState = SMPPSessionStates.NONE  # not bound any more, before the failures are handled
        self.cancelOutboundTransactions(LinkLost(_why(reason)))
        super().connectionLost(reason)

    def bind_as(self, mode: BindMode, on_message):
        """Bind; on_message(DeliverSm | DataSm) is called with each message the SMSC sends and
        must return at once (its return value is ignored; an exception closes the link)."""
        if mode is BindMode.TRANSMITTER:
            return self.bindAsTransmitter()
        self._on_message = on_message

        def read_by_library(session, pdu):  # what pdu.fast declines, data_sm among them
            on_message(wire.from_pdu(pdu))

        if mode is BindMode.RECEIVER:
            return self.bindAsReceiver(read_by_library)
        return self.bindAsTransceiver(read_by_library)


def _why(reason) -> str:
    """Why a link closed, in words for the user rather than OpenSSL's or service_identity's reprs."""
    if reason.check(SSL.Error) and reason.value.args and isinstance(reason.value.args[0], list):
        return "TLS: " + "; ".join(str(error[-1]) for error in reason.value.args[0])  # "certificate verify failed"
    if reason.check(VerificationError):
        return "TLS: the server's certificate is not for this host name or address"
    return reason.getErrorMessage()


class EsmeFactory(protocol.Factory):
    """Builds EsmeProtocols with smpp.twisted's config made from our Settings; on_connected(
    protocol) is called when each connection is made, to bind it."""

    def __init__(self, settings: Settings, clock, on_connected):
        self.clock = clock
        self.on_connected = on_connected
        self.response_timeout = settings.response_timeout
        self.config = SMPPClientConfig(
            host=settings.host,
            port=settings.port,
            username=settings.system_id.encode("latin-1"),
            password=settings.password.encode("latin-1"),
            systemType=settings.system_type.encode("latin-1"),
            addressRange=settings.address_range.encode("latin-1") or None,
            addressTon=library_field("addr_ton", settings.addr_ton),
            addressNpi=library_field("addr_npi", settings.addr_npi),
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
