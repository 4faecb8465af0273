"""Corrections to smpp.pdu that our wire layer depends on, applied once on import of pdu.wire.

smpp.pdu3 0.6 `smpp_time.parse` prints the last character of every time field it decodes to
stdout: one stray line per submit_sm carrying a validity period, which slows the server and
corrupts the ESME CLI's JSON on stdout. It also reads only the first 13 characters of a
relative time, so garbage after them passes. We replace it with a strict copy without the print.

Its `OptionEncoder` also keeps the length of the last TLV it decoded and checks the next
variable-length TLV it encodes against it: after reading a 2-octet TLV, encoding a
message_payload of any other size fails. Encoding now starts from no remembered length.

It answers an unknown replace_if_present_flag with ESME_RUNKNOWNERR; SMPP 3.4 has
ESME_RINVREPFLAG (0x54) for exactly that, so the field's decoder now raises it.

Its OptionEncoder has no decoder for eight TLVs SMPP 3.4 defines (ms_msg_wait_facilities,
callback_num_pres_ind, callback_num_atag, dpf_result, set_dpf, ms_validity, its_reply_type,
its_session_info, ussd_service_op), so a submit_sm carrying ms_validity was refused with
0xC1. Each now reads as raw octets; pdu.fields keeps only the TLVs it models.

A fixed-size TLV whose length field is shorter than its type (a one-octet sar_msg_ref_num)
is reported as ESME_RINVOPTPARAMVAL (0xC4) where SMPP 3.4 has ESME_RINVPARLEN (0xC2) for a
length that does not match; `parse_error_status` gives the apter status.

Remove each fix when an upstream release no longer needs it (see docs/dependencies.md).
"""

import re

from smpp.pdu import smpp_time
from smpp.pdu import pdu_types
from smpp.pdu.pdu_encoding import OctetStringEncoder, OptionEncoder, PDUEncoder, ReplaceIfPresentFlagEncoder

_encode_option = OptionEncoder.encode
_init_options = OptionEncoder.__init__
_SMPP_TIME = re.compile(r"^\d{12}\d\d{2}[-+R]$")


def _parse_time(t_str):
    """smpp_time.parse without the debug print, and strict: every position must be valid."""
    if isinstance(t_str, bytes):
        t_str = t_str.decode("latin-1")
    if not _SMPP_TIME.match(t_str):
        raise ValueError(f"invalid SMPP time {t_str!r}: expected YYMMDDhhmmsstnnp or YYMMDDhhmmss000R")
    if t_str[-1] == "R":
        return smpp_time.parse_relative_time(t_str)
    return smpp_time.parse_absolute_time(t_str)


def _encode_option_afresh(self, option, name=""):
    """OptionEncoder.encode without the length left over from the last decode."""
    self.length = None
    return _encode_option(self, option, name)


def _init_options_for_every_tag(self):
    """OptionEncoder with a raw-octets decoder for the tags smpp.pdu left without one."""
    _init_options(self)
    for tag in pdu_types.Tag:
        self.options.setdefault(tag, OctetStringEncoder(self.getLength))


def parse_error_status(error) -> pdu_types.CommandStatus:
    """The status to answer a PDU smpp.pdu could not parse with."""
    if error.status == pdu_types.CommandStatus.ESME_RINVOPTPARAMVAL and "Length mismatch" in str(error):
        return pdu_types.CommandStatus.ESME_RINVPARLEN
    return error.status


def apply() -> None:
    smpp_time.parse = _parse_time
    OptionEncoder.encode = _encode_option_afresh
    OptionEncoder.__init__ = _init_options_for_every_tag
    PDUEncoder.DefaultRequiredParamEncoders["replace_if_present_flag"] = ReplaceIfPresentFlagEncoder(
        decodeErrorStatus=pdu_types.CommandStatus.ESME_RINVREPFLAG
    )
