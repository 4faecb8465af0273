"""The answers the content rules give: command_status values for refusals at submit, and the
receipt `err:` numbers for messages a carrier's filter refuses after accepting them.

Policy refusals use the SMSC vendor-specific range (0x400-0x4FF), as real carriers do, so
an ESME can tell each rule from the others; where SMPP 3.4 has a fitting code (a bad
destination, source or length) we use that instead.
"""

import enum

from pdu.status import CommandStatus


class PolicyStatus(enum.IntEnum):
    """Our vendor-specific command_status values."""

    CONTENT_BLOCKED = 0x400
    NO_SIGNATURE = 0x401
    NO_OPT_OUT_TEXT = 0x402
    OPTED_OUT = 0x403
    BLACKLISTED = 0x404
    QUIET_HOURS = 0x405
    BALANCE_EXHAUSTED = 0x406


MEANINGS = {
    PolicyStatus.CONTENT_BLOCKED: "the text contains a blocked keyword (a list with action \"reject\")",
    PolicyStatus.NO_SIGNATURE: "marketing without a signature 【…】 of 2 to 8 characters or a registered sender",
    PolicyStatus.NO_OPT_OUT_TEXT: "marketing without the destination country's opt-out text (退订回T, Reply STOP)",
    PolicyStatus.OPTED_OUT: "the recipient opted out of this sender's marketing (MO T, TD, STOP...)",
    PolicyStatus.BLACKLISTED: "the recipient is on a blacklist",
    PolicyStatus.QUIET_HOURS: "marketing outside the recipient's delivery window (quiet_hours_action = \"reject\")",
    PolicyStatus.BALANCE_EXHAUSTED: "the account's prepaid balance cannot cover the message's segments",
    CommandStatus.ESME_RINVDSTADR: "the destination is not a valid number (phonenumbers says why)",
    CommandStatus.ESME_RINVSRCADR: "the sender id's kind or length is not allowed in the destination country",
    CommandStatus.ESME_RINVMSGLEN: "the text is longer than the destination country allows",
}

CONTENT_ERR = 100  # receipt err: refused by the carrier's content filter (not a MAP number)
OPTED_OUT_ERR = 101  # receipt err: the recipient opted out of the sender after the message was accepted

ERR_MEANINGS = {
    CONTENT_ERR: "content refused by the carrier's keyword filter",
    OPTED_OUT_ERR: "marketing whose recipient opted out of the sender after it was accepted (held or queued)",
}
