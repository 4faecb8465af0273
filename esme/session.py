"""One SMPP link of the ESME: smpp.twisted's client protocol with time from the injected clock.

Changes to the library's behaviour, each for a reason:
- a submit whose response times out fails on its own; the link stays up (smpp.twisted drops
  it, losing every other submit in flight). enquire_link still judges the link;
- submits in flight when the link is lost fail at once, not after their response timeout, and
  say why it was lost (a TLS failure in words: 'certificate verify failed');
- a response with a status smpp.pdu does not list (vendor codes 0x400...) is read, and its
  real code kept as `raw_status`, instead of failing to parse.
"""

import struct

from OpenSSL import SSL
from service_identity import VerificationError
from smpp.pdu.error import SMPPClientConnectionCorruptedError, SMPPRequestTimoutError
from smpp.pdu.pdu_types import PDUDataRequest
from smpp.twisted.config import SMPPClientConfig
from smpp.twisted.protocol import SMPPClientProtocol, SMPPSessionStates
from twisted.internet import protocol

from esme.settings import BindMode, Settings
from pdu.fields import library_field, library_knows_status


def response_status(response) -> int:
    """A response's command_status, vendor codes (which smpp.pdu cannot name) included."""
    return getattr(response, "raw_status", None) or int(response.status.value)


class LinkLost(SMPPClientConnectionCorruptedError):
    """The link went down while this request waited for its response."""


class EsmeProtocol(SMPPClientProtocol):
    def __init__(self, clock):
        super().__init__()
        self.callLater = clock.callLater
        self._status = 0

    def connectionMade(self):
        super().connectionMade()
        self.factory.on_connected(self)

    def rawMessageReceived(self, message):
        self._status = struct.unpack("!L", message[8:12])[0]
        if self._status and not library_knows_status(self._status):
            message = message[:8] + struct.pack("!L", 0xFF) + message[12:]  # ESME_RUNKNOWNERR for the parser
        super().rawMessageReceived(message)

    def PDUResponseReceived(self, pdu):
        pdu.raw_status = self._status
        super().PDUResponseReceived(pdu)

    def onResponseTimeout(self, reqPDU, timeout):
        if isinstance(reqPDU, PDUDataRequest):
            self.endOutboundTransactionErr(reqPDU, SMPPRequestTimoutError(f"no response in {timeout} s"))
            return
        super().onResponseTimeout(reqPDU, timeout)

    def connectionLost(self, reason):
        self.sessionState = SMPPSessionStates.NONE  # not bound any more, before the failures are handled
        self.cancelOutboundTransactions(LinkLost(_why(reason)))
        super().connectionLost(reason)

    def bind_as(self, mode: BindMode, handler):
        if mode is BindMode.TRANSMITTER:
            return self.bindAsTransmitter()
        if mode is BindMode.RECEIVER:
            return self.bindAsReceiver(handler)
        return self.bindAsTransceiver(handler)


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
        built = EsmeProtocol(self.clock)
        built.factory = self
        return built
