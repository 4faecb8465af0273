"""The SMPP server: smpp.twisted's factory wired to our accounts, sessions and clock."""

import random

from smpp.pdu.pdu_types import CommandId
from smpp.twisted.config import SMPPServerConfig
from smpp.twisted.server import SMPPServerFactory

from pdu.fields import pdu_codec
from smsc.auth import account_portal
from smsc.config import Config
from smsc.faults import WireFaults
from smsc.outbound import Outbound
from smsc.protocol import SmscProtocol
from smsc.stats import SessionCounts


class SmscFactory(SMPPServerFactory):
    def __init__(self, config: Config, clock, sink=None, rng: random.Random | None = None):
        """sink takes accepted messages: submit(account, SubmitSm) -> message_id or Deferred."""
        timers = config.timers
        library_config = SMPPServerConfig(
            systems={account.system_id: {"max_bindings": account.max_binds} for account in config.accounts},
            enquireLinkTimerSecs=timers.enquire_link,
            inactivityTimerSecs=timers.inactivity,
            responseTimerSecs=timers.response,
            pduReadTimerSecs=timers.pdu_read,
            sessionInitTimerSecs=timers.response,  # smpp.twisted times our unbind with it
            msgHandler=None,  # our protocol dispatches data requests itself
        )
        super().__init__(library_config, account_portal(config))
        self.smsc_config = config
        self.clock = clock
        self.rng = rng or random.Random()  # wire faults draw their shares from it
        self.outbound = Outbound(clock, self.next_receiver, window=self._window)
        self.sink = sink
        self.fault_overrides: dict[str, WireFaults] = {}  # system_id -> faults set at run time
        self.counts = SessionCounts()  # every session's PDUs and full windows, for /metrics

    def faults_for(self, account) -> WireFaults:
        """The wire faults a session of the account starts with: set at run time, else configured."""
        return self.fault_overrides.get(account.system_id, account.faults)

    def set_faults(self, system_id: str, faults: WireFaults) -> int:
        """Switch the account's faults for its bound sessions now and for every later bind;
        returns how many sessions changed."""
        self.fault_overrides[system_id] = faults
        sessions = list(self.getBoundConnections(system_id) or ())
        for session in sessions:
            session.faults = faults
        return len(sessions)

    def sessions(self) -> list[SmscProtocol]:
        """Every bound session, by account."""
        return [session for system_id in sorted(self.bound_connections) for session in self.bound_connections[system_id]]

    def buildProtocol(self, addr):
        protocol = SmscProtocol(self.clock, self.rng)
        protocol.encoder = pdu_codec(self.smsc_config.max_system_id_length, self.smsc_config.max_password_length)
        protocol.factory = self
        protocol.counts = self.counts
        return protocol

    def _window(self, system_id: str) -> int:
        account = self.smsc_config.account(system_id)
        return account.window if account else 1

    def next_receiver(self, system_id: str):
        """The next receiver or transceiver session of an account, round-robin."""
        bindings = self.getBoundConnections(system_id)
        if bindings is None:
            return None
        # Sessions stay listed while they close; skip those that can no longer receive.
        for _ in range(bindings.getBindingCountForType(CommandId.bind_receiver)):
            session = bindings.getNextBindingForDelivery()
            if session is not None and session.bind_state.receives:
                return session
        return None

    def session_bound(self, protocol: SmscProtocol) -> None:
        if protocol.bind_state.receives:
            self.outbound.flush(protocol.system_id)
