"""What each bind state may do: the session's rules as one table (h2's style).

A (state, command) pair in ALLOWED is processed; a bind in a bound state is ESME_RALYBND;
every other pair is answered ESME_RINVBNDSTS. The table is the whole rule: read it to know
what a receiver, a transmitter or an unbound connection may send.
"""

import enum

from pdu.status import CommandStatus


class BindState(enum.Enum):
    OPEN = "open"  # connected, not bound yet
    BOUND_TX = "bound_tx"
    BOUND_RX = "bound_rx"
    BOUND_TRX = "bound_trx"
    CLOSING = "closing"  # unbind sent or received

    @property
    def bound(self) -> bool:
        return self in (BindState.BOUND_TX, BindState.BOUND_RX, BindState.BOUND_TRX)

    @property
    def receives(self) -> bool:
        """Whether deliver_sm may be sent to a session in this state."""
        return self in (BindState.BOUND_RX, BindState.BOUND_TRX)


BIND_COMMANDS = frozenset({"bind_transmitter", "bind_receiver", "bind_transceiver"})
_ALWAYS = frozenset({"enquire_link", "enquire_link_resp", "generic_nack"})
# Requests that go to the engine: these count against the account's window.
SUBMITTING = frozenset({"submit_sm", "submit_multi", "data_sm", "query_sm", "cancel_sm", "replace_sm"})
_RECEIVING = frozenset({"deliver_sm_resp", "data_sm_resp"})
_BOUND = frozenset({"unbind", "unbind_resp"})

ALLOWED = {
    BindState.OPEN: _ALWAYS | BIND_COMMANDS,
    BindState.BOUND_TX: _ALWAYS | _BOUND | SUBMITTING,
    BindState.BOUND_RX: _ALWAYS | _BOUND | _RECEIVING,
    BindState.BOUND_TRX: _ALWAYS | _BOUND | SUBMITTING | _RECEIVING,
    BindState.CLOSING: _ALWAYS | _BOUND | _RECEIVING,
}


def verdict(state: BindState, command: str) -> CommandStatus:
    """ESME_ROK when the command may be processed in this state, else the status to answer."""
    if command in ALLOWED[state]:
        return CommandStatus.ESME_ROK
    if command in BIND_COMMANDS and state.bound:
        return CommandStatus.ESME_RALYBND
    return CommandStatus.ESME_RINVBNDSTS
