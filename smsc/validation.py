"""Field checks on a decoded submit_sm that smpp.pdu's decoder does not make.

smpp.pdu already refuses unknown TON/NPI (0x48-0x51), priority (0x06), registered_delivery
receipt values (0x07), replace_if_present (0x54) and malformed times (0x61/0x62). What a
value can only be judged against the others, the clock or our capabilities is checked here.
Each rule raises an SmppError with the status SMPP 3.4 gives it and a reason for the log.
"""

import datetime
import re

from pdu import segments, times
from pdu import text as textcodec
from pdu.segments import MalformedHeader
from pdu.status import CommandStatus
from pdu.wire import SubmitSm
from smsc.errors import SmppError

# esm_class message types an ESME may put in submit_sm (bits 2-5): default, delivery ack,
# manual/user ack. An SMSC delivery receipt (0x04) or anything else is not a submission.
_SUBMIT_MESSAGE_TYPES = {0x00, 0x08, 0x10}
_DIGITS = re.compile(r"^\+?\d{1,20}$")
TON_INTERNATIONAL, TON_NATIONAL, TON_ALPHANUMERIC = 1, 2, 5


def check_submit(message: SubmitSm, now: datetime.datetime) -> None:
    """Raise the SmppError for the first rule message breaks; return None when it is fine."""
    _check_addresses(message)
    _check_esm_class(message)
    if message.sm_default_msg_id:
        raise SmppError(CommandStatus.ESME_RINVDFTMSGID, f"no predefined message {message.sm_default_msg_id}")
    _check_body(message)
    _check_sar(message)
    _check_times(message, now)


def _check_addresses(message: SubmitSm) -> None:
    destination = message.destination
    if not destination.digits:
        raise SmppError(CommandStatus.ESME_RINVDSTADR, "destination_addr is empty")
    if destination.ton in (TON_INTERNATIONAL, TON_NATIONAL) and not _DIGITS.match(destination.digits):
        raise SmppError(CommandStatus.ESME_RINVDSTADR, f"destination_addr {destination.digits!r} is not a number")
    source = message.source
    if source.ton == TON_ALPHANUMERIC and len(source.digits) > 11:
        raise SmppError(CommandStatus.ESME_RINVSRCADR, f"alphanumeric source_addr {source.digits!r} is over 11 characters")
    if source.ton in (TON_INTERNATIONAL, TON_NATIONAL) and source.digits and not _DIGITS.match(source.digits):
        raise SmppError(CommandStatus.ESME_RINVSRCADR, f"source_addr {source.digits!r} is not a number for its TON")


def _check_esm_class(message: SubmitSm) -> None:
    message_type = message.esm_class & 0x3C
    if message_type not in _SUBMIT_MESSAGE_TYPES:
        raise SmppError(CommandStatus.ESME_RINVESMCLASS, f"esm_class message type 0x{message_type:02X} cannot be submitted")


def _check_body(message: SubmitSm) -> None:
    try:
        encoding = textcodec.encoding_for_data_coding(message.data_coding)
    except textcodec.UnsupportedDataCoding as error:
        raise SmppError(CommandStatus.ESME_RINVDCS, str(error)) from None
    payload = message.tlvs.get("message_payload")
    if payload is not None:
        if message.short_message:
            raise SmppError(CommandStatus.ESME_RINVMSGLEN, "both short_message and message_payload are set")
        body, header = payload, b""
    elif message.udhi:
        try:
            _, body = segments.parse_udh(message.short_message)
        except MalformedHeader as error:
            raise SmppError(CommandStatus.ESME_RINVMSGLEN, str(error)) from None
        header = message.short_message[: len(message.short_message) - len(body)]
    else:
        body, header = message.short_message, b""
    if encoding is textcodec.Encoding.UCS2 and len(body) % 2:
        raise SmppError(CommandStatus.ESME_RINVMSGLEN, f"UCS-2 text has an odd length of {len(body)} octets")
    if payload is None:
        capacity = segments.segment_capacity(encoding, len(header))
        units = len(body) // 2 if encoding is textcodec.Encoding.UCS2 else len(body)
        if units > capacity:
            raise SmppError(
                CommandStatus.ESME_RINVMSGLEN,
                f"{units} {encoding.value.unit}s do not fit one {encoding.label} message of {capacity}",
            )


def _check_sar(message: SubmitSm) -> None:
    present = {name for name in ("sar_msg_ref_num", "sar_total_segments", "sar_segment_seqnum") if name in message.tlvs}
    if not present:
        return
    if len(present) != 3:
        missing = sorted({"sar_msg_ref_num", "sar_total_segments", "sar_segment_seqnum"} - present)
        raise SmppError(CommandStatus.ESME_RMISSINGOPTPARAM, f"SAR TLVs incomplete: missing {', '.join(missing)}")
    total, seqnum = message.tlvs["sar_total_segments"], message.tlvs["sar_segment_seqnum"]
    if not 1 <= seqnum <= total:
        raise SmppError(CommandStatus.ESME_RINVOPTPARAMVAL, f"sar_segment_seqnum {seqnum} of {total}")


def _check_times(message: SubmitSm, now: datetime.datetime) -> None:
    try:
        scheduled = times.resolve(message.schedule_delivery_time, now)
    except times.InvalidTime as error:
        raise SmppError(CommandStatus.ESME_RINVSCHED, str(error)) from None
    try:
        expires = times.resolve(message.validity_period, now)
    except times.InvalidTime as error:
        raise SmppError(CommandStatus.ESME_RINVEXPIRY, str(error)) from None
    if expires is not None and expires <= now:
        raise SmppError(CommandStatus.ESME_RINVEXPIRY, f"validity_period {message.validity_period} has already passed")
    if expires is not None and scheduled is not None and scheduled >= expires:
        raise SmppError(CommandStatus.ESME_RINVSCHED, "schedule_delivery_time is after the validity period ends")
