"""Our own frozen values for the PDUs we handle, converted from and to smpp.pdu's objects.

smpp.pdu models fields as enums, namedtuples and bytes; the rest of our code sees plain ints
and strings in these values, so it never imports smpp.pdu. Each value builds `from_pdu` and
turns back `to_pdu(sequence_number, status)`; `encode`/`decode` go all the way to octets.
Strings on the wire are C-octet strings of ASCII in practice; Latin-1 keeps every octet.
"""

import enum
import functools
import io
import struct
from collections.abc import Mapping
from types import MappingProxyType

import attrs
from smpp.pdu import constants, operations, pdu_types, smpp_time
from smpp.pdu.pdu_encoding import OptionEncoder, PDUEncoder

from pdu import smpp_fixes

smpp_fixes.apply()

_ENCODER = PDUEncoder()
_OPTIONS = OptionEncoder()  # building one costs ~0.2 ms; smpp_fixes makes reuse safe
_FIELD_ENCODERS = PDUEncoder.DefaultRequiredParamEncoders
_INT_FIELDS = {
    "addr_ton", "addr_npi", "source_addr_ton", "source_addr_npi", "dest_addr_ton", "dest_addr_npi",
    "esm_class", "priority_flag", "registered_delivery", "replace_if_present_flag", "data_coding",
}  # fmt: skip
_TIME_FIELDS = {"schedule_delivery_time", "validity_period"}

# TLVs we carry, with the plain type our values hold them as.
_TLV_KINDS = {
    "dest_addr_subunit": int, "source_addr_subunit": int, "dest_network_type": int,
    "source_network_type": int, "dest_bearer_type": int, "source_bearer_type": int,
    "dest_telematics_id": int, "source_telematics_id": int, "qos_time_to_live": int,
    "payload_type": int, "additional_status_info_text": str, "receipted_message_id": str,
    "privacy_indicator": int, "source_subaddress": bytes, "dest_subaddress": bytes,
    "user_message_reference": int, "user_response_code": int, "language_indicator": int,
    "source_port": int, "destination_port": int, "sar_msg_ref_num": int,
    "sar_total_segments": int, "sar_segment_seqnum": int, "sc_interface_version": int,
    "display_time": int, "ms_availability_status": int, "network_error_code": bytes,
    "message_payload": bytes, "delivery_failure_reason": int, "more_messages_to_send": int,
    "message_state": int, "callback_num": bytes, "number_of_messages": int, "sms_signal": bytes,
}  # fmt: skip


def _plain_field(name, value):
    """A mandatory field from smpp.pdu's form to ours."""
    if name in _INT_FIELDS:
        return int.from_bytes(_FIELD_ENCODERS[name].encode(value), "big")
    if name in _TIME_FIELDS:
        return "" if value is None else smpp_time.unparse(value).decode("ascii")
    if name == "short_message":
        return value or b""
    if isinstance(value, bytes):
        return value.decode("latin-1")
    return 0 if value is None else value


@functools.lru_cache(maxsize=4096)
def _library_int_field(name, value):
    return _FIELD_ENCODERS[name].decode(io.BytesIO(bytes((value,))))


def _library_field(name, value):
    """A mandatory field from our form to smpp.pdu's."""
    if name in _INT_FIELDS:
        return _library_int_field(name, value)
    if name in _TIME_FIELDS:
        return smpp_time.parse(value) if value else None
    if isinstance(value, str):
        return value.encode("latin-1")
    return value


def _tlv_octets(name, value) -> bytes:
    encoded = _OPTIONS.encode(pdu_types.Option(getattr(pdu_types.Tag, name), value))
    return encoded[4:]  # drop tag and length


def _plain_tlvs(params: Mapping) -> dict:
    tlvs = {}
    for name, value in params.items():
        kind = _TLV_KINDS.get(name)
        if kind is None or value is None:
            continue
        octets = _tlv_octets(name, value)
        if kind is int:
            tlvs[name] = int.from_bytes(octets, "big")
        elif kind is str:
            tlvs[name] = octets.rstrip(b"\0").decode("latin-1")
        else:
            tlvs[name] = octets
    return tlvs


def _library_tlvs(tlvs: Mapping) -> dict:
    params = {}
    for name, value in tlvs.items():
        tag = getattr(pdu_types.Tag, name)
        encoder = _OPTIONS.options[tag]
        if isinstance(value, int):
            width = getattr(encoder, "size", None) or getattr(encoder.encoder, "size")
            octets = value.to_bytes(width, "big")
        elif isinstance(value, str):
            octets = value.encode("latin-1") + b"\0"
        else:
            octets = value
        _OPTIONS.length = len(octets)  # variable-length encoders read it back
        params[name] = encoder.decode(io.BytesIO(octets))
    return params


def _frozen_mapping(value: Mapping) -> Mapping:
    return MappingProxyType(dict(value))


@attrs.frozen
class Address:
    """An SMPP address: type of number, numbering plan and digits (or alphanumeric id)."""

    ton: int = 0
    npi: int = 0
    digits: str = ""


class BindType(enum.Enum):
    TRANSMITTER = "transmitter"
    RECEIVER = "receiver"
    TRANSCEIVER = "transceiver"

    @property
    def can_submit(self) -> bool:
        return self is not BindType.RECEIVER

    @property
    def can_receive(self) -> bool:
        return self is not BindType.TRANSMITTER


_BIND_CLASSES = {
    BindType.TRANSMITTER: (operations.BindTransmitter, operations.BindTransmitterResp),
    BindType.RECEIVER: (operations.BindReceiver, operations.BindReceiverResp),
    BindType.TRANSCEIVER: (operations.BindTransceiver, operations.BindTransceiverResp),
}


@attrs.frozen
class Bind:
    """bind_transmitter, bind_receiver or bind_transceiver."""

    bind_type: BindType
    system_id: str
    password: str = ""
    system_type: str = ""
    interface_version: int = 0x34
    address_range: Address = Address()

    @classmethod
    def from_pdu(cls, pdu) -> "Bind":
        bind_type = next(kind for kind, (request, _) in _BIND_CLASSES.items() if isinstance(pdu, request))
        params = pdu.params
        return cls(
            bind_type,
            _plain_field("system_id", params["system_id"]),
            _plain_field("password", params["password"]),
            _plain_field("system_type", params["system_type"]),
            _plain_field("interface_version", params["interface_version"]),
            Address(
                _plain_field("addr_ton", params["addr_ton"]),
                _plain_field("addr_npi", params["addr_npi"]),
                _plain_field("address_range", params["address_range"]),
            ),
        )

    def to_pdu(self, sequence_number: int = 1):
        request, _ = _BIND_CLASSES[self.bind_type]
        return request(
            sequence_number,
            system_id=self.system_id.encode("latin-1"),
            password=self.password.encode("latin-1"),
            system_type=self.system_type.encode("latin-1"),
            interface_version=self.interface_version,
            addr_ton=_library_field("addr_ton", self.address_range.ton),
            addr_npi=_library_field("addr_npi", self.address_range.npi),
            address_range=self.address_range.digits.encode("latin-1"),
        )


@attrs.frozen
class BindResp:
    """The answer to a bind; sc_interface_version tells the ESME which SMPP we speak."""

    bind_type: BindType
    system_id: str
    sc_interface_version: int | None = 0x34

    @classmethod
    def from_pdu(cls, pdu) -> "BindResp":
        bind_type = next(kind for kind, (_, resp) in _BIND_CLASSES.items() if isinstance(pdu, resp))
        system_id = pdu.params.get("system_id")
        return cls(bind_type, _plain_field("system_id", system_id or b""), pdu.params.get("sc_interface_version"))

    def to_pdu(self, sequence_number: int, status: int = 0):
        _, response = _BIND_CLASSES[self.bind_type]
        params = {"system_id": self.system_id.encode("latin-1")}
        if self.sc_interface_version is not None:
            params["sc_interface_version"] = self.sc_interface_version
        return response(sequence_number, _status(status), **params)


def _status(code: int):
    """smpp.pdu's member for a status; codes it does not list go as ESME_RUNKNOWNERR and
    encode() writes the real code into the header afterwards."""
    entry = constants.command_status_value_map.get(int(code))
    return getattr(pdu_types.CommandStatus, entry["name"] if entry else "ESME_RUNKNOWNERR")


_SHORT_MESSAGE_FIELDS = (
    "service_type", "esm_class", "protocol_id", "priority_flag", "schedule_delivery_time",
    "validity_period", "registered_delivery", "replace_if_present_flag", "data_coding",
    "sm_default_msg_id", "short_message",
)  # fmt: skip


@attrs.frozen
class ShortMessage:
    """The body shared by submit_sm and deliver_sm (SMPP 3.4 sections 4.4.1 and 4.6.1).

    Times stay as the 16-character SMPP strings ("" for none): resolving a relative validity
    needs the SMSC's clock, which is not this layer's business.
    """

    source: Address
    destination: Address
    short_message: bytes = b""
    service_type: str = ""
    esm_class: int = 0
    protocol_id: int = 0
    priority_flag: int = 0
    schedule_delivery_time: str = ""
    validity_period: str = ""
    registered_delivery: int = 0
    replace_if_present_flag: int = 0
    data_coding: int = 0
    sm_default_msg_id: int = 0
    tlvs: Mapping = attrs.field(factory=dict, converter=_frozen_mapping)

    _request = None  # the smpp.pdu class; set by each subclass

    @property
    def udhi(self) -> bool:
        return bool(self.esm_class & 0x40)

    @property
    def receipt_requested(self) -> bool:
        return self.registered_delivery & 0x03 in (1, 2)

    @classmethod
    def from_pdu(cls, pdu):
        params = pdu.params
        plain = {name: _plain_field(name, params.get(name)) for name in _SHORT_MESSAGE_FIELDS}
        return cls(
            source=Address(
                _plain_field("source_addr_ton", params["source_addr_ton"]),
                _plain_field("source_addr_npi", params["source_addr_npi"]),
                _plain_field("source_addr", params["source_addr"]),
            ),
            destination=Address(
                _plain_field("dest_addr_ton", params["dest_addr_ton"]),
                _plain_field("dest_addr_npi", params["dest_addr_npi"]),
                _plain_field("destination_addr", params["destination_addr"]),
            ),
            tlvs=_plain_tlvs(params),
            **plain,
        )

    def to_pdu(self, sequence_number: int = 1):
        params = {name: _library_field(name, getattr(self, name)) for name in _SHORT_MESSAGE_FIELDS}
        params.update(
            source_addr_ton=_library_field("source_addr_ton", self.source.ton),
            source_addr_npi=_library_field("source_addr_npi", self.source.npi),
            source_addr=self.source.digits.encode("latin-1"),
            dest_addr_ton=_library_field("dest_addr_ton", self.destination.ton),
            dest_addr_npi=_library_field("dest_addr_npi", self.destination.npi),
            destination_addr=self.destination.digits.encode("latin-1"),
        )
        not_allowed = set(self.tlvs) - set(self._request.optionalParams)
        if not_allowed:
            raise ValueError(f"{self._request.commandId.name} cannot carry TLVs {sorted(not_allowed)}")
        params.update(_library_tlvs(self.tlvs))
        return self._request(sequence_number, **params)


@attrs.frozen
class SubmitSm(ShortMessage):
    _request = operations.SubmitSM


@attrs.frozen
class DeliverSm(ShortMessage):
    _request = operations.DeliverSM


@attrs.frozen
class MessageIdResp:
    """submit_sm_resp, deliver_sm_resp and data_sm_resp: a status and (maybe) a message_id."""

    message_id: str = ""

    _response = None

    @classmethod
    def from_pdu(cls, pdu):
        return cls(_plain_field("message_id", pdu.params.get("message_id") or b""))

    def to_pdu(self, sequence_number: int, status: int = 0):
        message_id = None if self._response is operations.DeliverSMResp else self.message_id.encode("latin-1")
        return self._response(sequence_number, _status(status), message_id=message_id)


@attrs.frozen
class SubmitSmResp(MessageIdResp):
    _response = operations.SubmitSMResp


@attrs.frozen
class DeliverSmResp(MessageIdResp):
    _response = operations.DeliverSMResp


@attrs.frozen
class Bodyless:
    """enquire_link, unbind, their responses and generic_nack: a header and no body."""

    command: str

    @classmethod
    def from_pdu(cls, pdu) -> "Bodyless":
        return cls(pdu.id.name)

    def to_pdu(self, sequence_number: int = 1, status: int = 0):
        return operations.getPDUClass(getattr(pdu_types.CommandId, self.command))(sequence_number, _status(status))


ENQUIRE_LINK = Bodyless("enquire_link")
ENQUIRE_LINK_RESP = Bodyless("enquire_link_resp")
UNBIND = Bodyless("unbind")
UNBIND_RESP = Bodyless("unbind_resp")
GENERIC_NACK = Bodyless("generic_nack")


@attrs.frozen
class Header:
    """The four header fields every PDU starts with."""

    command_id: int
    command_status: int
    sequence_number: int
    command_name: str


@attrs.frozen
class UnsupportedPdu(ValueError):
    """A PDU of a kind pdu.wire has no value for (yet)."""

    command: str

    def __str__(self):
        return f"{self.command} has no value in pdu.wire"


_VALUE_CLASSES = {
    operations.BindTransmitter: Bind,
    operations.BindReceiver: Bind,
    operations.BindTransceiver: Bind,
    operations.BindTransmitterResp: BindResp,
    operations.BindReceiverResp: BindResp,
    operations.BindTransceiverResp: BindResp,
    operations.SubmitSM: SubmitSm,
    operations.DeliverSM: DeliverSm,
    operations.SubmitSMResp: SubmitSmResp,
    operations.DeliverSMResp: DeliverSmResp,
    operations.EnquireLink: Bodyless,
    operations.EnquireLinkResp: Bodyless,
    operations.Unbind: Bodyless,
    operations.UnbindResp: Bodyless,
    operations.GenericNack: Bodyless,
}


def from_pdu(pdu):
    """Our value for an smpp.pdu object of a kind we model."""
    kind = _VALUE_CLASSES.get(type(pdu))
    if kind is None:
        raise UnsupportedPdu(pdu.id.name)
    return kind.from_pdu(pdu)


def encode(value, sequence_number: int = 1, status: int | None = None) -> bytes:
    """A value all the way to the octets of its PDU, any command_status included."""
    pdu = value.to_pdu(sequence_number) if status is None else value.to_pdu(sequence_number, status)
    octets = _ENCODER.encode(pdu)
    if status:  # vendor and reserved codes that smpp.pdu does not list
        octets = octets[:8] + int(status).to_bytes(4, "big") + octets[12:]
    return octets


def decode(octets: bytes):
    """Octets of one PDU to (header, value); smpp.pdu's parse errors carry their status.

    The header is read from the octets themselves, so vendor-specific statuses survive.
    """
    pdu = _ENCODER.decode(io.BytesIO(octets))
    command_id, command_status, sequence_number = struct.unpack("!LLL", octets[4:16])
    return Header(command_id, command_status, sequence_number, pdu.id.name), from_pdu(pdu)
