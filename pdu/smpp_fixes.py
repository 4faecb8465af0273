"""Corrections to smpp.pdu that our wire layer depends on, applied once on import of pdu.wire.

smpp.pdu3 0.6 `smpp_time.parse` prints the last character of every time field it decodes to
stdout: one stray line per submit_sm carrying a validity period, which slows the server and
corrupts the ESME CLI's JSON on stdout. We replace it with the same function minus the print.

Its `OptionEncoder` also keeps the length of the last TLV it decoded and checks the next
variable-length TLV it encodes against it: after reading a 2-octet TLV, encoding a
message_payload of any other size fails. Encoding now starts from no remembered length.

Remove each fix when an upstream release no longer needs it (see docs/dependencies.md).
"""

from smpp.pdu import smpp_time
from smpp.pdu.pdu_encoding import OptionEncoder

_encode_option = OptionEncoder.encode


def _parse_time(t_str):
    """smpp_time.parse without the debug print: absolute -> datetime, relative -> SMPPRelativeTime."""
    if isinstance(t_str, bytes):
        t_str = t_str.decode()
    if len(t_str) != 16:
        raise ValueError("Invalid time length %d" % len(t_str))
    if t_str[-1] == "R":
        return smpp_time.parse_relative_time(t_str)
    return smpp_time.parse_absolute_time(t_str)


def _encode_option_afresh(self, option, name=""):
    """OptionEncoder.encode without the length left over from the last decode."""
    self.length = None
    return _encode_option(self, option, name)


def apply() -> None:
    smpp_time.parse = _parse_time
    OptionEncoder.encode = _encode_option_afresh
