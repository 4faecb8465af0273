"""Every SMPP command_status and message_state, with its name and a one-line meaning.

Logs, the CLI and the docs all describe a status through this table, so a user sees the same
words wherever a rejection reaches them. Codes from SMPP 3.4 section 5.1.3 (and 5.2.28 for
message_state); the few SMPP 5.0 additions that 3.4 clients meet in the field are marked.
"""

import enum

import attrs


class CommandStatus(enum.IntEnum):
    """The command_status values of SMPP 3.4 (and the 5.0 codes marked in STATUS_INFO)."""

    ESME_ROK = 0x00
    ESME_RINVMSGLEN = 0x01
    ESME_RINVCMDLEN = 0x02
    ESME_RINVCMDID = 0x03
    ESME_RINVBNDSTS = 0x04
    ESME_RALYBND = 0x05
    ESME_RINVPRTFLG = 0x06
    ESME_RINVREGDLVFLG = 0x07
    ESME_RSYSERR = 0x08
    ESME_RINVSRCADR = 0x0A
    ESME_RINVDSTADR = 0x0B
    ESME_RINVMSGID = 0x0C
    ESME_RBINDFAIL = 0x0D
    ESME_RINVPASWD = 0x0E
    ESME_RINVSYSID = 0x0F
    ESME_RCANCELFAIL = 0x11
    ESME_RREPLACEFAIL = 0x13
    ESME_RMSGQFUL = 0x14
    ESME_RINVSERTYP = 0x15
    ESME_RINVNUMDESTS = 0x33
    ESME_RINVDLNAME = 0x34
    ESME_RINVDESTFLAG = 0x40
    ESME_RINVSUBREP = 0x42
    ESME_RINVESMCLASS = 0x43
    ESME_RCNTSUBDL = 0x44
    ESME_RSUBMITFAIL = 0x45
    ESME_RINVSRCTON = 0x48
    ESME_RINVSRCNPI = 0x49
    ESME_RINVDSTTON = 0x50
    ESME_RINVDSTNPI = 0x51
    ESME_RINVSYSTYP = 0x53
    ESME_RINVREPFLAG = 0x54
    ESME_RINVNUMMSGS = 0x55
    ESME_RTHROTTLED = 0x58
    ESME_RINVSCHED = 0x61
    ESME_RINVEXPIRY = 0x62
    ESME_RINVDFTMSGID = 0x63
    ESME_RX_T_APPN = 0x64
    ESME_RX_P_APPN = 0x65
    ESME_RX_R_APPN = 0x66
    ESME_RQUERYFAIL = 0x67
    ESME_RINVOPTPARSTREAM = 0xC0
    ESME_ROPTPARNOTALLWD = 0xC1
    ESME_RINVPARLEN = 0xC2
    ESME_RMISSINGOPTPARAM = 0xC3
    ESME_RINVOPTPARAMVAL = 0xC4
    ESME_RDELIVERYFAILURE = 0xFE
    ESME_RUNKNOWNERR = 0xFF
    ESME_RSERTYPUNAUTH = 0x100
    ESME_RPROHIBITED = 0x101
    ESME_RSERTYPUNAVAIL = 0x102
    ESME_RSERTYPDENIED = 0x103
    ESME_RINVDCS = 0x104
    ESME_RINVSRCADDRSUBUNIT = 0x105
    ESME_RINVDSTADDRSUBUNIT = 0x106


@attrs.frozen
class StatusInfo:
    """What one command_status means, for people."""

    code: int
    name: str
    meaning: str
    since: str = "3.4"


_MEANINGS = {
    CommandStatus.ESME_ROK: "No error.",
    CommandStatus.ESME_RINVMSGLEN: "Message length is invalid (short_message too long or sm_length wrong).",
    CommandStatus.ESME_RINVCMDLEN: "command_length is invalid for this PDU.",
    CommandStatus.ESME_RINVCMDID: "Unknown or unsupported command_id.",
    CommandStatus.ESME_RINVBNDSTS: "This operation is not allowed in the session's bind state.",
    CommandStatus.ESME_RALYBND: "The session is already bound.",
    CommandStatus.ESME_RINVPRTFLG: "priority_flag is out of range.",
    CommandStatus.ESME_RINVREGDLVFLG: "registered_delivery is invalid.",
    CommandStatus.ESME_RSYSERR: "System error in the SMSC; the request may be retried later.",
    CommandStatus.ESME_RINVSRCADR: "Source address is invalid or not allowed for this account.",
    CommandStatus.ESME_RINVDSTADR: "Destination address is invalid.",
    CommandStatus.ESME_RINVMSGID: "message_id is invalid or unknown.",
    CommandStatus.ESME_RBINDFAIL: "Bind failed (bind type not allowed or too many binds).",
    CommandStatus.ESME_RINVPASWD: "Password is wrong.",
    CommandStatus.ESME_RINVSYSID: "system_id is unknown.",
    CommandStatus.ESME_RCANCELFAIL: "cancel_sm failed (message not found or no longer pending).",
    CommandStatus.ESME_RREPLACEFAIL: "replace_sm failed (message not found or no longer pending).",
    CommandStatus.ESME_RMSGQFUL: "Message queue full; back off and retry.",
    CommandStatus.ESME_RINVSERTYP: "service_type is invalid.",
    CommandStatus.ESME_RINVNUMDESTS: "number_of_dests is invalid in submit_multi.",
    CommandStatus.ESME_RINVDLNAME: "Distribution list name is invalid or lists are not allowed.",
    CommandStatus.ESME_RINVDESTFLAG: "dest_flag is invalid in submit_multi.",
    CommandStatus.ESME_RINVSUBREP: "replace_if_present_flag set where it cannot be honoured.",
    CommandStatus.ESME_RINVESMCLASS: "esm_class is invalid for this operation.",
    CommandStatus.ESME_RCNTSUBDL: "Cannot submit to a distribution list.",
    CommandStatus.ESME_RSUBMITFAIL: "submit_sm or submit_multi failed (rejected by policy).",
    CommandStatus.ESME_RINVSRCTON: "source_addr_ton is invalid.",
    CommandStatus.ESME_RINVSRCNPI: "source_addr_npi is invalid.",
    CommandStatus.ESME_RINVDSTTON: "dest_addr_ton is invalid.",
    CommandStatus.ESME_RINVDSTNPI: "dest_addr_npi is invalid.",
    CommandStatus.ESME_RINVSYSTYP: "system_type is invalid for this account.",
    CommandStatus.ESME_RINVREPFLAG: "replace_if_present_flag is out of range.",
    CommandStatus.ESME_RINVNUMMSGS: "number_of_messages is invalid.",
    CommandStatus.ESME_RTHROTTLED: "Throttled: the account exceeded its message rate; slow down.",
    CommandStatus.ESME_RINVSCHED: "schedule_delivery_time is invalid.",
    CommandStatus.ESME_RINVEXPIRY: "validity_period is invalid or already past.",
    CommandStatus.ESME_RINVDFTMSGID: "sm_default_msg_id names no predefined message.",
    CommandStatus.ESME_RX_T_APPN: "The receiving ESME had a temporary application error.",
    CommandStatus.ESME_RX_P_APPN: "The receiving ESME had a permanent application error.",
    CommandStatus.ESME_RX_R_APPN: "The receiving ESME rejected the message.",
    CommandStatus.ESME_RQUERYFAIL: "query_sm failed (message not found).",
    CommandStatus.ESME_RINVOPTPARSTREAM: "The TLV part of the PDU body is malformed.",
    CommandStatus.ESME_ROPTPARNOTALLWD: "A TLV is not allowed in this PDU.",
    CommandStatus.ESME_RINVPARLEN: "A parameter has an invalid length.",
    CommandStatus.ESME_RMISSINGOPTPARAM: "An expected TLV is missing.",
    CommandStatus.ESME_RINVOPTPARAMVAL: "A TLV has an invalid value.",
    CommandStatus.ESME_RDELIVERYFAILURE: "Delivery failed (data_sm_resp).",
    CommandStatus.ESME_RUNKNOWNERR: "Unknown error.",
    CommandStatus.ESME_RSERTYPUNAUTH: "Not authorised to use this service_type.",
    CommandStatus.ESME_RPROHIBITED: "This operation is prohibited for the account.",
    CommandStatus.ESME_RSERTYPUNAVAIL: "This service_type is unavailable.",
    CommandStatus.ESME_RSERTYPDENIED: "This service_type is denied.",
    CommandStatus.ESME_RINVDCS: "data_coding is invalid or unsupported.",
    CommandStatus.ESME_RINVSRCADDRSUBUNIT: "source_addr_subunit is invalid.",
    CommandStatus.ESME_RINVDSTADDRSUBUNIT: "dest_addr_subunit is invalid.",
}

STATUS_INFO = {
    status: StatusInfo(int(status), status.name, meaning, "5.0" if status >= 0x100 else "3.4")
    for status, meaning in _MEANINGS.items()
}


def status_info(code: int) -> StatusInfo:
    """Describe any command_status, including the reserved and vendor-specific ranges."""
    try:
        return STATUS_INFO[CommandStatus(code)]
    except ValueError:
        pass
    if 0x400 <= code <= 0x4FF:
        return StatusInfo(code, "VENDOR_SPECIFIC", "An SMSC vendor-specific error.")
    if 0x100 <= code <= 0x3FF:
        return StatusInfo(code, "RESERVED_EXTENSION", "Reserved for SMPP extension.")
    return StatusInfo(code, "RESERVED", "A reserved command_status this SMPP version does not define.")


def describe_status(code: int) -> str:
    """One line for logs and the CLI: ``0x00000058 ESME_RTHROTTLED: Throttled: ...``."""
    info = status_info(code)
    return f"0x{code:08X} {info.name}: {info.meaning}"


class MessageState(enum.IntEnum):
    """message_state (SMPP 3.4 section 5.2.28), as in query_sm_resp and receipt TLVs."""

    SCHEDULED = 0  # SMPP 5.0
    ENROUTE = 1
    DELIVERED = 2
    EXPIRED = 3
    DELETED = 4
    UNDELIVERABLE = 5
    ACCEPTED = 6
    UNKNOWN = 7
    REJECTED = 8
    SKIPPED = 9  # SMPP 5.0

    @property
    def is_final(self) -> bool:
        """ACCEPTED is final: customer care read the message on the subscriber's behalf."""
        return self not in (MessageState.SCHEDULED, MessageState.ENROUTE)

    @property
    def receipt_stat(self) -> str:
        """The seven-letter ``stat:`` word of the appendix-B receipt text."""
        return _RECEIPT_STATS[self]

    @property
    def meaning(self) -> str:
        return _STATE_MEANINGS[self]

    @classmethod
    def from_receipt_stat(cls, stat: str) -> "MessageState":
        """Read a ``stat:`` word; accepts the full state names too, as some carriers send."""
        state = _BY_RECEIPT_WORD.get(stat.strip().upper())
        if state is None:
            raise ValueError(f"unknown receipt stat {stat!r}")
        return state


_RECEIPT_STATS = {
    MessageState.SCHEDULED: "SCHEDULED",
    MessageState.ENROUTE: "ENROUTE",
    MessageState.DELIVERED: "DELIVRD",
    MessageState.EXPIRED: "EXPIRED",
    MessageState.DELETED: "DELETED",
    MessageState.UNDELIVERABLE: "UNDELIV",
    MessageState.ACCEPTED: "ACCEPTD",
    MessageState.UNKNOWN: "UNKNOWN",
    MessageState.REJECTED: "REJECTD",
    MessageState.SKIPPED: "SKIPPED",
}
# Every word a receipt may write for a state: its stat word and its full name.
_BY_RECEIPT_WORD = {word: state for state, known in reversed(_RECEIPT_STATS.items()) for word in (state.name, known)}

_STATE_MEANINGS = {
    MessageState.SCHEDULED: "Waiting for its scheduled delivery time.",
    MessageState.ENROUTE: "Stored in the SMSC and on its way to the handset.",
    MessageState.DELIVERED: "Delivered to the handset.",
    MessageState.EXPIRED: "Validity period ended before delivery.",
    MessageState.DELETED: "Cancelled (cancel_sm) or deleted by the SMSC.",
    MessageState.UNDELIVERABLE: "Permanent delivery failure (e.g. unknown subscriber).",
    MessageState.ACCEPTED: "Accepted by the SMSC on the subscriber's behalf (manual intervention).",
    MessageState.UNKNOWN: "The state is not known.",
    MessageState.REJECTED: "Rejected by the network (e.g. barred subscriber or content rule).",
    MessageState.SKIPPED: "Skipped (a distribution-list member was not sent to).",
}
