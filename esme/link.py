"""One bind to an SMSC, kept up: ClientService reconnects with backoff and rebinds after the
SMSC drops the link. A Sender holds one (transmitter, receiver or transceiver) or two (a
transmitter plus a receiver: `BindMode.PAIR`).

The bind is sent when the connection is made, not from ClientService's prepareConnection: a
refused bind closes the connection, and ClientService fails on a close that comes after its
prepareConnection failed (automat NoTransition); as a plain disconnect it reconnects."""

from twisted.application.internet import ClientService
from twisted.internet import defer
from twisted.logger import Logger

from esme import retry
from esme.session import EsmeFactory
from esme.settings import BindMode, Settings

log = Logger(namespace="esme.link")


class Link:
    def __init__(self, mode: BindMode, settings: Settings, clock, rng, endpoint, on_data, on_change):
        """on_data(value): a deliver_sm or data_sm (pdu.wire value) arrived on this bind.
        on_change(link): the link was bound or lost."""
        self.mode = mode
        self.settings = settings
        self.session = None  # the bound EsmeProtocol, while there is one
        self.binds = 0  # successful binds: 1 plus the rebinds after drops
        self._rng = rng
        self._on_data = on_data
        self._on_change = on_change
        self._service = ClientService(endpoint, EsmeFactory(settings, clock, self._bind), retryPolicy=self._reconnect_delay, clock=clock)
        self._first_bind = defer.Deferred()
        self._refusals = 0  # binds refused in a row: ClientService saw each connect succeed

    def start(self) -> defer.Deferred:
        """Fires when bound; fails if the first attempt fails (wrong password, nobody listening)."""
        self._service.startService()
        self._service.whenConnected(failAfterFailures=1).addErrback(self._first_attempt_failed)
        return self._first_bind

    def _first_attempt_failed(self, failure) -> None:
        if not self._first_bind.called:
            self._first_bind.errback(failure)

    @property
    def bound(self) -> bool:
        return self.session is not None and self.session.isBound()

    def _reconnect_delay(self, failures: int) -> float:
        attempts = failures + self._refusals  # an SMSC refusing binds is not asked every second
        return retry.backoff(self.settings.reconnect_delay, self.settings.reconnect_delay_max, attempts, self._rng)

    def _bind(self, session) -> None:
        def bound(_):
            log.info("bound to {host}:{port} as {mode}", host=self.settings.host, port=self.settings.port, mode=self.mode.value)
            self.session = session
            self.binds += 1
            self._refusals = 0
            session.getDisconnectedDeferred().addCallback(self._lost, session)
            self._on_change(self)
            if not self._first_bind.called:
                self._first_bind.callback(None)

        def refused(failure):  # smpp.twisted closes the connection; ClientService makes another
            log.info("{mode} bind to {host}:{port} failed: {error}", mode=self.mode.value, host=self.settings.host,
                     port=self.settings.port, error=failure.getErrorMessage())  # fmt: skip
            self._refusals += 1
            self._first_attempt_failed(failure)

        session.bind_as(self.mode, self._on_data).addCallbacks(bound, refused)

    def _lost(self, _, session) -> None:
        if self.session is session:
            log.info("{mode} link to {host}:{port} lost; reconnecting", mode=self.mode.value, host=self.settings.host, port=self.settings.port)
            self.session = None
            self._on_change(self)

    @defer.inlineCallbacks
    def stop(self):
        """Unbind (after the requests in flight are answered) and stop reconnecting."""
        if self.bound:
            try:
                yield self.session.unbind()
            except Exception:  # an SMSC that does not answer unbind: we close anyway
                log.failure("unbind failed")
        yield self._service.stopService()
