"""The hot PDUs without smpp.pdu, read and written with struct, several times faster than
through smpp.pdu's per-field encoder objects: on the SMSC's side submit_sm in and
submit_sm_resp and deliver_sm out; on the ESME's side the mirror image.

The readers take only the common case and decline (return None) anything else: TLVs they do
not know, field values outside what SMPP 3.4 defines, times that do not parse. A declined PDU
goes the usual way through smpp.pdu, so every refusal keeps its exact status; property tests
check that whatever these read, smpp.pdu reads the same, and that what they write smpp.pdu
reads back (tests/pdu/test_fast.py).
"""

import re
import struct

import attrs
from smpp.pdu import constants, operations, smpp_time

from pdu.fields import Address
from pdu.wire import DeliverSm, SubmitSm

SUBMIT_SM, SUBMIT_SM_RESP = 0x00000004, 0x80000004
DELIVER_SM, DELIVER_SM_RESP = 0x00000005, 0x80000005

_TONS = frozenset(constants.addr_ton_value_map)
_NPIS = frozenset(constants.addr_npi_value_map)
_PRIORITIES = frozenset(constants.priority_flag_value_map)
_MESSAGE_STATES = frozenset(constants.message_state_value_map)
_REGISTERED_DELIVERY = frozenset({0x00, 0x01, 0x02, 0x10, 0x11, 0x12})
_DATA_CODINGS = frozenset({0x00, 0x01, 0x03, 0x04, 0x08})
_MAX_SHORT_MESSAGE = 254  # sm_length's largest value smpp.pdu reads or writes

# The TLVs of the hot PDUs: name -> (tag, how the value is held). An int kind is the width in
# octets; "cstring" a str ending in NUL on the wire; bytes the octets as they are.
_TLVS = {
    "receipted_message_id": (0x001E, "cstring"),
    "message_state": (0x0427, 1),
    "network_error_code": (0x0423, bytes),
    "message_payload": (0x0424, bytes),
    "sar_msg_ref_num": (0x020C, 2),
    "sar_total_segments": (0x020E, 1),
    "sar_segment_seqnum": (0x020F, 1),
}
_TLV_BY_TAG = {tag: (name, kind) for name, (tag, kind) in _TLVS.items()}


@attrs.frozen
class _Rules:
    """What the fast reader takes of one PDU: values smpp.pdu reads without complaint and
    our layer sees as plain ints; anything else declines."""

    value: type
    esm_classes: frozenset
    tlvs: tuple  # the TLVs read and written here, in smpp.pdu's order
    timed: bool  # schedule_delivery_time and validity_period may be set (deliver_sm's are NULL)


def _carried(request) -> tuple:
    return tuple(name for name in request.optionalParams if name in _TLVS)


_SUBMIT = _Rules(SubmitSm, frozenset({0x00, 0x01, 0x02, 0x03, 0x40, 0x41, 0x42, 0x43}), _carried(operations.SubmitSM), True)
# A mobile-originated message (0x00, with a UDH 0x40), a receipt (0x04) or an intermediate
# notification (0x20).
_DELIVER = _Rules(DeliverSm, frozenset({0x00, 0x04, 0x20, 0x40}), _carried(operations.DeliverSM), False)


class _Declined(Exception):
    pass


# The mandatory fields up to sm_length in one match: C-octet strings of ASCII within their
# limits (service_type 6, addresses 21, times 17 octets with the NUL), single octets in runs.
_MANDATORY = re.compile(
    rb"([\x01-\x7f]{0,5})\0"  # service_type
    rb"(..)([\x01-\x7f]{0,20})\0"  # source_addr_ton, source_addr_npi, source_addr
    rb"(..)([\x01-\x7f]{0,20})\0"  # dest_addr_ton, dest_addr_npi, destination_addr
    rb"(...)"  # esm_class, protocol_id, priority_flag
    rb"([\x01-\x7f]{0,16})\0([\x01-\x7f]{0,16})\0"  # schedule_delivery_time, validity_period
    rb"(.....)",  # registered_delivery, replace_if_present_flag, data_coding, sm_default_msg_id, sm_length
    re.DOTALL,
)


def _address(ton_npi: bytes, digits: bytes) -> Address:
    ton, npi = ton_npi
    if ton not in _TONS or npi not in _NPIS:
        raise _Declined
    return Address(ton, npi, digits.decode("ascii"))


def _time(written: bytes) -> str:
    if not written:
        return ""
    try:  # the same parse smpp.pdu applies, and the same normalised form our values hold
        return smpp_time.unparse(smpp_time.parse(written.decode("ascii"))).decode("ascii")
    except Exception:
        raise _Declined from None


def _read_tlvs(octets: bytes, carried: tuple) -> dict:
    """The TLVs after the mandatory fields, as pdu.fields.plain_tlvs holds them."""
    tlvs, at = {}, 0
    while at < len(octets):
        if len(octets) - at < 4:
            raise _Declined
        tag, length = struct.unpack_from("!HH", octets, at)
        value = octets[at + 4 : at + 4 + length]
        at += 4 + length
        name, kind = _TLV_BY_TAG.get(tag, (None, None))
        if name not in carried or name in tlvs or len(value) != length:
            raise _Declined  # unknown here, repeated or cut short: smpp.pdu decides
        if kind == "cstring":
            if value[-1:] != b"\0" or b"\0" in value[:-1] or length > 65:
                raise _Declined
            tlvs[name] = value[:-1].decode("latin-1")
        elif kind is bytes:
            tlvs[name] = value
        elif length != kind:
            raise _Declined
        else:
            tlvs[name] = int.from_bytes(value, "big")
    if tlvs.get("message_state", 1) not in _MESSAGE_STATES:
        raise _Declined
    return tlvs


def _read_short_message(body: bytes, rules: _Rules, tlvs_allowed: bool) -> SubmitSm | DeliverSm | None:
    fields = _MANDATORY.match(body)
    if fields is None:
        return None
    service_type, source, source_addr, destination, destination_addr, flags, schedule, validity, tail = fields.groups()
    esm_class, protocol_id, priority_flag = flags
    registered_delivery, replace_if_present_flag, data_coding, sm_default_msg_id, length = tail
    start = fields.end()
    end = start + length
    if (
        end > len(body)  # the length lies: smpp.pdu decides
        or (end < len(body) and not tlvs_allowed)
        or length > _MAX_SHORT_MESSAGE
        or esm_class not in rules.esm_classes
        or (not rules.timed and (schedule or validity))
        or priority_flag not in _PRIORITIES
        or registered_delivery not in _REGISTERED_DELIVERY
        or replace_if_present_flag > 1
        or data_coding not in _DATA_CODINGS
    ):
        return None
    try:
        return rules.value(
            source=_address(source, source_addr),
            destination=_address(destination, destination_addr),
            short_message=body[start:end],
            service_type=service_type.decode("ascii"),
            esm_class=esm_class,
            protocol_id=protocol_id,
            priority_flag=priority_flag,
            schedule_delivery_time=_time(schedule),
            validity_period=_time(validity),
            registered_delivery=registered_delivery,
            replace_if_present_flag=replace_if_present_flag,
            data_coding=data_coding,
            sm_default_msg_id=sm_default_msg_id,
            tlvs=_read_tlvs(body[end:], rules.tlvs) if end < len(body) else {},
        )
    except _Declined:
        return None


def read_submit_sm(body: bytes) -> SubmitSm | None:
    """A submit_sm's body (after the 16-octet header) as our value, or None to decline. Any
    TLV declines: smpp.pdu checks each one a client sends."""
    return _read_short_message(body, _SUBMIT, tlvs_allowed=False)


def read_deliver_sm(body: bytes) -> DeliverSm | None:
    """A deliver_sm's body as our value, receipt and concatenation TLVs included, or None to
    decline."""
    return _read_short_message(body, _DELIVER, tlvs_allowed=True)


def read_submit_sm_resp(body: bytes) -> str | None:
    """A submit_sm_resp's message_id, or None to decline (no NUL, or octets after it)."""
    end = body.find(b"\0")
    if end < 0 or end != len(body) - 1 or end > 65:
        return None
    return body[:end].decode("latin-1")


def write_submit_sm_resp(sequence: int, status: int, message_id: str = "") -> bytes:
    """submit_sm_resp: the message_id on success; no body with an error status, as smpp.pdu
    writes it."""
    body = message_id.encode("latin-1") + b"\0" if status == 0 else b""
    return struct.pack("!LLLL", 16 + len(body), SUBMIT_SM_RESP, status, sequence) + body


def write_deliver_sm_resp(sequence: int, status: int = 0) -> bytes:
    """deliver_sm_resp: its message_id is unused and written empty, as smpp.pdu writes it."""
    return struct.pack("!LLLLB", 17, DELIVER_SM_RESP, status, sequence, 0)


def _cstring(value: str, size: int, field: str) -> bytes:
    """The octets of a C-octet string field, without the NUL the format adds."""
    octets = value.encode("latin-1")
    if len(octets) >= size:
        raise ValueError(f"{field} {value!r} is longer than SMPP's {size - 1} characters")
    return octets


def _tlv(name: str, value) -> bytes:
    tag, kind = _TLVS[name]
    if kind == "cstring":
        octets = value.encode("latin-1") + b"\0"
    elif kind is bytes:
        octets = bytes(value)
    else:
        octets = value.to_bytes(kind, "big")
    return struct.pack("!HH", tag, len(octets)) + octets


# The mandatory fields of submit_sm and deliver_sm, in order: %b octets, %c one octet.
_SHORT_MESSAGE = b"%b\0" b"%c%c%b\0" b"%c%c%b\0" b"%c%c%c" b"%b\0%b\0" b"%c%c%c%c%c%b"


def _write_short_message(message, command_id: int, sequence: int, rules: _Rules) -> bytes:
    short_message, source, destination = message.short_message, message.source, message.destination
    if len(short_message) > _MAX_SHORT_MESSAGE:
        raise ValueError(f"short_message is {len(short_message)} octets; SMPP allows {_MAX_SHORT_MESSAGE}")
    try:
        body = _SHORT_MESSAGE % (
            _cstring(message.service_type, 6, "service_type"),
            source.ton, source.npi, _cstring(source.digits, 21, "source_addr"),
            destination.ton, destination.npi, _cstring(destination.digits, 21, "destination_addr"),
            message.esm_class, message.protocol_id, message.priority_flag,
            _cstring(message.schedule_delivery_time, 17, "schedule_delivery_time"),
            _cstring(message.validity_period, 17, "validity_period"),
            message.registered_delivery, message.replace_if_present_flag, message.data_coding,
            message.sm_default_msg_id, len(short_message),
            short_message,
        )  # fmt: skip
    except OverflowError as error:  # an int field outside one octet
        raise ValueError(str(error)) from None
    tlvs = message.tlvs
    if tlvs:
        body += b"".join(_tlv(name, tlvs[name]) for name in rules.tlvs if name in tlvs)
    return struct.pack("!LLLL", 16 + len(body), command_id, 0, sequence) + body


def write_submit_sm(message: SubmitSm, sequence: int) -> bytes:
    """A pdu.wire SubmitSm as octets, the same smpp.pdu writes. A field SMPP cannot carry (an
    address over 20 characters) or a TLV other than sar_* and message_payload is a ValueError."""
    extra = message.tlvs and set(message.tlvs).difference(_SUBMIT.tlvs)
    if extra:
        raise ValueError(f"submit_sm is written here with sar_* and message_payload TLVs only, not {sorted(extra)}")
    return _write_short_message(message, SUBMIT_SM, sequence, _SUBMIT)


def write_deliver_sm(message: DeliverSm, sequence: int) -> bytes | None:
    """A pdu.wire DeliverSm as octets, or None when it carries a TLV this writer does not know."""
    if message.tlvs and not set(message.tlvs).issubset(_DELIVER.tlvs):
        return None
    return _write_short_message(message, DELIVER_SM, sequence, _DELIVER)
