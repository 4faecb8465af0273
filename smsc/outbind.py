"""Outbind: the SMSC dials an ESME and asks it to bind as a receiver (SMPP 3.4 section 4.1.7).

Some ESMEs never connect out; the carrier connects to them. Each [[outbind]] entry of the
config names the ESME's listener and the system_id and password we present. The connection
is kept by a ClientService with backoff, so an ESME that goes away is dialled again; once
connected, the session is the same SmscProtocol as an inbound one.
"""

from twisted.application.internet import ClientService, backoffPolicy
from twisted.internet import protocol
from twisted.logger import Logger

from pdu.wire import Outbind
from smsc.config import split_host_port

log = Logger(namespace="smsc.outbind")


class OutbindFactory(protocol.Factory):
    """Builds the SMSC's sessions for outgoing connections and opens each with an outbind."""

    def __init__(self, smsc_factory, target):
        self._smsc_factory = smsc_factory
        self._target = target

    def buildProtocol(self, addr):
        session = self._smsc_factory.buildProtocol(addr)
        session.outbind = Outbind(self._target.system_id, self._target.password)
        return session


def start(reactor, smsc_factory, target) -> ClientService:
    """Dial target.connect and keep dialling (1 s, doubling to 60 s) while it is unreachable."""
    from twisted.internet import endpoints

    host, port = split_host_port(target.connect)
    endpoint = endpoints.TCP4ClientEndpoint(reactor, host, port)
    service = ClientService(
        endpoint, OutbindFactory(smsc_factory, target), retryPolicy=backoffPolicy(1.0, 60.0), clock=reactor
    )
    service.startService()
    log.info("outbind to {connect} as {system_id}", connect=target.connect, system_id=target.system_id)
    return service
