"""One SMPP link of the ESME: smpp.twisted's client protocol with time from the injected clock.

The hot PDUs skip smpp.pdu (pdu.fast): submit_sm is written and its response read with
struct, and a plain deliver_sm is read, handed over and answered the same way, several times
faster. smpp.twisted still keeps the transactions (sequence numbers, response timers, unbind
waiting for what is in flight), and every PDU pdu.fast declines takes its usual road.

Changes to the library's behaviour, each for a reason:
- a submit whose response times out fails on its own; the link stays up (smpp.twisted drops
  it, losing every other submit in flight). enquire_link still judges the link;
- submits in flight when the link is lost fail at once, not after their response timeout;
- a response with a status smpp.pdu does not list (vendor codes 0x400...) is read, and its
  real code kept as `raw_status`, instead of failing to parse.
"""

import struct

from smpp.pdu import operations
from smpp.pdu.error import SMPPClientConnectionCorruptedError, SMPPClientSessionStateError, SMPPRequestTimoutError
from smpp.pdu.pdu_types import PDUDataRequest
from smpp.twisted.config import SMPPClientConfig
from smpp.twisted.protocol import SMPPClientProtocol
from twisted.internet import defer, protocol
from twisted.logger import Logger

from esme.settings import BindMode, Settings
from pdu import fast, wire
from pdu.fields import library_knows_status, library_status
from pdu.status import CommandStatus

# Module-level: smpp.twisted sets `self.log` to a stdlib logger in its own __init__.
log = Logger(namespace="esme.session")


class LinkLost(SMPPClientConnectionCorruptedError):
    """The link went down while this request waited for its response."""


class EsmeProtocol(SMPPClientProtocol):
    def __init__(self, clock):
        super().__init__()
        self.callLater = clock.callLater
        self._status = 0
        self._on_message = None  # called with each deliver_sm or data_sm, as a pdu.wire value

    def rawMessageReceived(self, message):
        command_id, status, sequence = struct.unpack_from("!LLL", message, 4)
        if command_id == fast.SUBMIT_SM_RESP and sequence in self.outTxns:
            message_id = fast.read_submit_sm_resp(message[16:]) if status == 0 else ""
            if message_id is not None:
                self._submit_answered(sequence, status, message_id)
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

    def _submit_answered(self, sequence: int, status: int, message_id: str) -> None:
        """A submit_sm_resp read by pdu.fast ends its transaction as smpp.twisted would."""
        response = operations.SubmitSMResp(sequence, library_status(status), message_id=message_id.encode("latin-1") if status == 0 else None)
        response.raw_status = status
        self.onSMPPOperation()
        self.endOutboundTransaction(response)

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

    def submit(self, message: wire.SubmitSm) -> defer.Deferred:
        """Send a submit_sm written by pdu.fast; fires as sendDataRequest's Deferred would
        (an SMPPOutboundTxnResult, or an SMPPTransactionError with the status)."""
        if not self.isBound():
            return defer.fail(SMPPClientSessionStateError("Not bound"))
        if self.connectionCorrupted:
            return defer.fail(SMPPClientConnectionCorruptedError())
        sequence = self.claimSeqNum()
        try:
            octets = fast.write_submit_sm(message, sequence)
        except ValueError:  # a field SMPP cannot carry: nothing is written
            return defer.fail()
        self.transport.write(octets)
        self.onSMPPOperation()
        return self.startOutboundTransaction(operations.SubmitSM(sequence), self.config().responseTimerSecs)

    def PDUResponseReceived(self, pdu):
        pdu.raw_status = self._status
        super().PDUResponseReceived(pdu)

    def onResponseTimeout(self, reqPDU, timeout):
        if isinstance(reqPDU, PDUDataRequest):
            self.endOutboundTransactionErr(reqPDU, SMPPRequestTimoutError(f"no response in {timeout} s"))
            return
        super().onResponseTimeout(reqPDU, timeout)

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
        built = EsmeProtocol(self.clock)
        built.factory = self
        return built
