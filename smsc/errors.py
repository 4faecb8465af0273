"""Errors that reach the wire, declared once: each names its command_status and whether the
session survives it. The SMPP adapter turns them into the response PDU or generic_nack.
"""

import attrs

from pdu.status import CommandStatus, describe_status


@attrs.frozen
class SmppError(Exception):
    """A request we answer with a non-zero command_status."""

    status: CommandStatus
    reason: str
    closes_session: bool = False

    def __str__(self):
        return f"{describe_status(self.status)} ({self.reason})"

