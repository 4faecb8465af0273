"""submit_multi and replace_sm, read and written here because smpp.pdu cannot decode them
(it lacks encoders for dest_address and sm_length). SMPP 3.4 sections 4.5 and 4.10.

A small cursor reads the mandatory fields; TLVs are read into the same plain values the rest
of pdu/ uses, unknown tags skipped as the spec asks of a receiver.
"""

import struct

import attrs
from smpp.pdu import constants

from pdu.fields import TLV_KINDS, Address, frozen_mapping
from pdu.status import CommandStatus
from pdu.wire import SubmitSm

SUBMIT_MULTI = 0x00000021
SUBMIT_MULTI_RESP = 0x80000021
REPLACE_SM = 0x00000007
REPLACE_SM_RESP = 0x80000007
DEST_SME, DEST_DISTRIBUTION_LIST = 1, 2
MAX_DESTINATIONS = 254  # number_of_dests is one octet; 255 is not a valid count in 3.4


@attrs.frozen
class BodyError(ValueError):
    """A body that does not read, with the status to answer."""

    status: CommandStatus
    reason: str

    def __str__(self):
        return self.reason


class _Cursor:
    def __init__(self, body: bytes):
        self._body = body
        self._at = 0

    @property
    def remaining(self) -> int:
        return len(self._body) - self._at

    def octet(self, field: str) -> int:
        return self.octets(1, field)[0]

    def octets(self, count: int, field: str) -> bytes:
        if self.remaining < count:
            raise BodyError(CommandStatus.ESME_RINVMSGLEN, f"the body ends inside {field}")
        value = self._body[self._at : self._at + count]
        self._at += count
        return value

    def cstring(self, limit: int, field: str, status: CommandStatus = CommandStatus.ESME_RINVPARLEN) -> str:
        end = self._body.find(b"\0", self._at, self._at + limit)
        if end < 0:
            raise BodyError(status, f"{field} is not a C-octet string of at most {limit - 1} characters")
        value = self._body[self._at : end].decode("latin-1")
        self._at = end + 1
        return value

    def address(self, prefix: str, limit: int = 21, status=CommandStatus.ESME_RINVPARLEN) -> Address:
        ton, npi = self.octet(f"{prefix}_ton"), self.octet(f"{prefix}_npi")
        return Address(ton, npi, self.cstring(limit, f"{prefix}_addr", status))

    def tlvs(self) -> dict:
        found = {}
        while self.remaining:
            if self.remaining < 4:
                raise BodyError(CommandStatus.ESME_RINVOPTPARSTREAM, "a TLV header is cut short")
            tag, length = struct.unpack("!HH", self.octets(4, "a TLV header"))
            if self.remaining < length:
                raise BodyError(CommandStatus.ESME_RINVPARLEN, f"TLV 0x{tag:04X} claims {length} octets")
            value = self.octets(length, "a TLV")
            name = constants.tag_value_map.get(tag)
            kind = TLV_KINDS.get(name)
            if kind is int:
                found[name] = int.from_bytes(value, "big")
            elif kind is str:
                found[name] = value.rstrip(b"\0").decode("latin-1")
            elif kind is bytes:
                found[name] = value
        return found


@attrs.frozen
class SubmitMulti:
    """One message to up to 254 SME addresses and distribution lists."""

    source: Address
    destinations: tuple[Address, ...]
    distribution_lists: tuple[str, ...]
    template: SubmitSm  # every other field, with an empty destination

    def for_destination(self, destination: Address) -> SubmitSm:
        return attrs.evolve(self.template, destination=destination)


def read_submit_multi(body: bytes) -> SubmitMulti:
    cursor = _Cursor(body)
    service_type = cursor.cstring(6, "service_type", CommandStatus.ESME_RINVSERTYP)
    source = cursor.address("source", status=CommandStatus.ESME_RINVSRCADR)
    count = cursor.octet("number_of_dests")
    if not 1 <= count <= MAX_DESTINATIONS:
        raise BodyError(CommandStatus.ESME_RINVNUMDESTS, f"number_of_dests {count} is not 1..{MAX_DESTINATIONS}")
    destinations, lists = [], []
    for _ in range(count):
        flag = cursor.octet("dest_flag")
        if flag == DEST_SME:
            destinations.append(cursor.address("dest", status=CommandStatus.ESME_RINVDSTADR))
        elif flag == DEST_DISTRIBUTION_LIST:
            lists.append(cursor.cstring(21, "dl_name", CommandStatus.ESME_RINVDLNAME))
        else:
            raise BodyError(CommandStatus.ESME_RINVDESTFLAG, f"dest_flag {flag} is neither 1 (SME) nor 2 (list)")
    fields = _message_fields(cursor, replace=False)
    template = SubmitSm(source, Address(), service_type=service_type, tlvs=cursor.tlvs(), **fields)
    return SubmitMulti(source, tuple(destinations), tuple(lists), template)


def _message_fields(cursor: _Cursor, replace: bool) -> dict:
    fields = {}
    if not replace:
        fields["esm_class"] = cursor.octet("esm_class")
        fields["protocol_id"] = cursor.octet("protocol_id")
        fields["priority_flag"] = cursor.octet("priority_flag")
    fields["schedule_delivery_time"] = cursor.cstring(17, "schedule_delivery_time", CommandStatus.ESME_RINVSCHED)
    fields["validity_period"] = cursor.cstring(17, "validity_period", CommandStatus.ESME_RINVEXPIRY)
    fields["registered_delivery"] = cursor.octet("registered_delivery")
    if not replace:
        fields["replace_if_present_flag"] = cursor.octet("replace_if_present_flag")
        fields["data_coding"] = cursor.octet("data_coding")
    fields["sm_default_msg_id"] = cursor.octet("sm_default_msg_id")
    length = cursor.octet("sm_length")
    fields["short_message"] = cursor.octets(length, "short_message")
    return fields


@attrs.frozen
class Unsuccessful:
    """A destination submit_multi could not take, and why."""

    destination: Address
    status: int


def write_submit_multi_resp(sequence: int, status: int, message_id: str, unsuccessful=()) -> bytes:
    body = message_id.encode("latin-1") + b"\0" + bytes((len(unsuccessful),))
    for failure in unsuccessful:
        body += _address(failure.destination) + struct.pack("!L", failure.status)
    return struct.pack("!LLLL", 16 + len(body), SUBMIT_MULTI_RESP, status, sequence) + body


@attrs.frozen
class ReplaceSm:
    """New text, schedule, validity or receipt request for a message still pending."""

    message_id: str
    source: Address
    schedule_delivery_time: str = ""
    validity_period: str = ""
    registered_delivery: int = 0
    sm_default_msg_id: int = 0
    short_message: bytes = b""
    tlvs: dict = attrs.field(factory=dict, converter=frozen_mapping)


def read_replace_sm(body: bytes) -> ReplaceSm:
    cursor = _Cursor(body)
    message_id = cursor.cstring(65, "message_id", CommandStatus.ESME_RINVMSGID)
    source = cursor.address("source", status=CommandStatus.ESME_RINVSRCADR)
    fields = _message_fields(cursor, replace=True)
    return ReplaceSm(message_id, source, tlvs=cursor.tlvs(), **fields)


def write_replace_sm_resp(sequence: int, status: int) -> bytes:
    return struct.pack("!LLLL", 16, REPLACE_SM_RESP, status, sequence)


def write_submit_multi(sequence: int, message: SubmitMulti) -> bytes:
    """The octets of a submit_multi (for tests and the ESME)."""
    template = message.template
    body = template.service_type.encode("latin-1") + b"\0" + _address(message.source)
    body += bytes((len(message.destinations) + len(message.distribution_lists),))
    for destination in message.destinations:
        body += bytes((DEST_SME,)) + _address(destination)
    for name in message.distribution_lists:
        body += bytes((DEST_DISTRIBUTION_LIST,)) + name.encode("latin-1") + b"\0"
    body += bytes((template.esm_class, template.protocol_id, template.priority_flag))
    body += template.schedule_delivery_time.encode() + b"\0" + template.validity_period.encode() + b"\0"
    body += bytes((template.registered_delivery, template.replace_if_present_flag, template.data_coding))
    body += bytes((template.sm_default_msg_id, len(template.short_message))) + template.short_message
    return struct.pack("!LLLL", 16 + len(body), SUBMIT_MULTI, 0, sequence) + body


def write_replace_sm(sequence: int, message: ReplaceSm) -> bytes:
    """The octets of a replace_sm (for tests and the ESME)."""
    body = message.message_id.encode("latin-1") + b"\0" + _address(message.source)
    body += message.schedule_delivery_time.encode() + b"\0" + message.validity_period.encode() + b"\0"
    body += bytes((message.registered_delivery, message.sm_default_msg_id, len(message.short_message)))
    body += message.short_message
    return struct.pack("!LLLL", 16 + len(body), REPLACE_SM, 0, sequence) + body


@attrs.frozen
class SubmitMultiResp:
    message_id: str
    unsuccessful: tuple[Unsuccessful, ...] = ()


def read_submit_multi_resp(body: bytes) -> SubmitMultiResp:
    cursor = _Cursor(body)
    if not cursor.remaining:
        return SubmitMultiResp("")
    message_id = cursor.cstring(65, "message_id")
    failures = []
    for _ in range(cursor.octet("no_unsuccess")):
        address = cursor.address("dest")
        failures.append(Unsuccessful(address, struct.unpack("!L", cursor.octets(4, "error_status_code"))[0]))
    return SubmitMultiResp(message_id, tuple(failures))


READERS = {
    SUBMIT_MULTI: ("submit_multi", read_submit_multi),
    SUBMIT_MULTI_RESP: ("submit_multi_resp", read_submit_multi_resp),
    REPLACE_SM: ("replace_sm", read_replace_sm),
}


def _address(address: Address) -> bytes:
    return bytes((address.ton, address.npi)) + address.digits.encode("latin-1") + b"\0"
