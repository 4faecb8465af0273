"""The hot path without smpp.pdu: a plain submit_sm read from its octets, and submit_sm_resp
written, several times faster than through smpp.pdu's per-field encoder objects.

`read_submit_sm` takes only the common case and declines (returns None) anything else: TLVs,
field values outside what SMPP 3.4 defines, times that do not parse. A declined PDU goes the
usual way through smpp.pdu, so every refusal keeps its exact status; a property test checks
that whatever this reads, smpp.pdu reads the same (tests/pdu/test_fast.py).
"""

import struct

from smpp.pdu import constants, smpp_time

from pdu.fields import Address
from pdu.wire import SubmitSm

SUBMIT_SM, SUBMIT_SM_RESP = 0x00000004, 0x80000004

_TONS = frozenset(constants.addr_ton_value_map)
_NPIS = frozenset(constants.addr_npi_value_map)
_PRIORITIES = frozenset(constants.priority_flag_value_map)
# Values smpp.pdu reads without complaint and our layer sees as plain ints; others decline.
_ESM_CLASSES = frozenset({0x00, 0x01, 0x02, 0x03, 0x40, 0x41, 0x42, 0x43})
_REGISTERED_DELIVERY = frozenset({0x00, 0x01, 0x02, 0x10, 0x11, 0x12})
_DATA_CODINGS = frozenset({0x00, 0x01, 0x03, 0x04, 0x08})


class _Declined(Exception):
    pass


class _Reader:
    def __init__(self, body: bytes):
        self.body = body
        self.at = 0

    def octet(self) -> int:
        if self.at >= len(self.body):
            raise _Declined
        self.at += 1
        return self.body[self.at - 1]

    def cstring(self, limit: int) -> str:
        end = self.body.find(b"\0", self.at, self.at + limit)
        if end < 0:
            raise _Declined
        value = self.body[self.at : end]
        self.at = end + 1
        if not value.isascii():
            raise _Declined
        return value.decode("ascii")

    def address(self) -> Address:
        ton, npi = self.octet(), self.octet()
        if ton not in _TONS or npi not in _NPIS:
            raise _Declined
        return Address(ton, npi, self.cstring(21))

    def time(self) -> str:
        written = self.cstring(17)
        if not written:
            return ""
        try:  # the same parse smpp.pdu applies, and the same normalised form our values hold
            return smpp_time.unparse(smpp_time.parse(written)).decode("ascii")
        except Exception:
            raise _Declined from None


def read_submit_sm(body: bytes) -> SubmitSm | None:
    """A submit_sm's body (after the 16-octet header) as our value, or None to decline."""
    reader = _Reader(body)
    try:
        service_type = reader.cstring(6)
        source, destination = reader.address(), reader.address()
        esm_class, protocol_id, priority_flag = reader.octet(), reader.octet(), reader.octet()
        schedule_delivery_time, validity_period = reader.time(), reader.time()
        registered_delivery, replace_if_present_flag = reader.octet(), reader.octet()
        data_coding, sm_default_msg_id, length = reader.octet(), reader.octet(), reader.octet()
    except _Declined:
        return None
    short_message = body[reader.at : reader.at + length]
    if (
        reader.at + length != len(body)  # TLVs follow, or the length lies: smpp.pdu decides
        or esm_class not in _ESM_CLASSES
        or priority_flag not in _PRIORITIES
        or registered_delivery not in _REGISTERED_DELIVERY
        or replace_if_present_flag > 1
        or data_coding not in _DATA_CODINGS
    ):
        return None
    return SubmitSm(
        source=source,
        destination=destination,
        short_message=short_message,
        service_type=service_type,
        esm_class=esm_class,
        protocol_id=protocol_id,
        priority_flag=priority_flag,
        schedule_delivery_time=schedule_delivery_time,
        validity_period=validity_period,
        registered_delivery=registered_delivery,
        replace_if_present_flag=replace_if_present_flag,
        data_coding=data_coding,
        sm_default_msg_id=sm_default_msg_id,
    )


def write_submit_sm_resp(sequence: int, status: int, message_id: str = "") -> bytes:
    """submit_sm_resp: the message_id on success; no body with an error status, as smpp.pdu
    writes it."""
    body = message_id.encode("latin-1") + b"\0" if status == 0 else b""
    return struct.pack("!LLLL", 16 + len(body), SUBMIT_SM_RESP, status, sequence) + body


DELIVER_SM, DELIVER_SM_RESP = 0x00000005, 0x80000005

# The TLVs receipts and MOs carry, and how each is written; a deliver_sm with any other
# TLV goes through smpp.pdu.
_TLV_WRITERS = {
    "receipted_message_id": (0x001E, lambda value: value.encode("latin-1") + b"\0"),
    "message_state": (0x0427, lambda value: bytes((value,))),
    "network_error_code": (0x0423, bytes),
    "message_payload": (0x0424, bytes),
}


def write_deliver_sm(message, sequence: int) -> bytes | None:
    """A pdu.wire DeliverSm as octets, or None when it carries a TLV this writer does not know."""
    if not set(message.tlvs) <= _TLV_WRITERS.keys():
        return None
    body = b"".join(
        (
            message.service_type.encode("latin-1"), b"\0",
            bytes((message.source.ton, message.source.npi)), message.source.digits.encode("latin-1"), b"\0",
            bytes((message.destination.ton, message.destination.npi)), message.destination.digits.encode("latin-1"), b"\0",
            bytes((message.esm_class, message.protocol_id, message.priority_flag)),
            message.schedule_delivery_time.encode("ascii"), b"\0", message.validity_period.encode("ascii"), b"\0",
            bytes((message.registered_delivery, message.replace_if_present_flag, message.data_coding,
                   message.sm_default_msg_id, len(message.short_message))),
            message.short_message,
        )
    )  # fmt: skip
    for name, value in message.tlvs.items():
        tag, write = _TLV_WRITERS[name]
        octets = write(value)
        body += struct.pack("!HH", tag, len(octets)) + octets
    return struct.pack("!LLLL", 16 + len(body), DELIVER_SM, 0, sequence) + body
