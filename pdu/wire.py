"""Our own frozen values for the PDUs we handle, converted from and to smpp.pdu's objects.

smpp.pdu models fields as enums, namedtuples and bytes; the rest of our code sees plain ints
and strings in these values, so it never imports smpp.pdu. Each value builds `from_pdu` and
turns back `to_pdu(sequence_number, status)`; `encode`/`decode` go all the way to octets.
Strings on the wire are C-octet strings of ASCII in practice; Latin-1 keeps every octet.
"""

import enum
import io
import struct
from collections.abc import Mapping

import attrs
from smpp.pdu import operations, pdu_types

from pdu import stored
from pdu.fields import (
    ENCODER,
    Address,
    address_from,
    address_params,
    frozen_mapping,
    library_field,
    library_status,
    library_tlvs,
    plain_field,
    plain_tlvs,
)


class BindType(enum.Enum):
    TRANSMITTER = "transmitter"
    RECEIVER = "receiver"
    TRANSCEIVER = "transceiver"


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
            plain_field("system_id", params["system_id"]),
            plain_field("password", params["password"]),
            plain_field("system_type", params["system_type"]),
            plain_field("interface_version", params["interface_version"]),
            Address(
                plain_field("addr_ton", params["addr_ton"]),
                plain_field("addr_npi", params["addr_npi"]),
                plain_field("address_range", params["address_range"]),
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
            addr_ton=library_field("addr_ton", self.address_range.ton),
            addr_npi=library_field("addr_npi", self.address_range.npi),
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
        return cls(bind_type, plain_field("system_id", system_id or b""), pdu.params.get("sc_interface_version"))

    def to_pdu(self, sequence_number: int, status: int = 0):
        _, response = _BIND_CLASSES[self.bind_type]
        params = {"system_id": self.system_id.encode("latin-1")}
        if self.sc_interface_version is not None:
            params["sc_interface_version"] = self.sc_interface_version
        return response(sequence_number, library_status(status), **params)


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
    tlvs: Mapping = attrs.field(factory=dict, converter=frozen_mapping)

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
        plain = {name: plain_field(name, params.get(name)) for name in _SHORT_MESSAGE_FIELDS}
        return cls(
            source=address_from(params, "source_addr", "source_addr"),
            destination=address_from(params, "dest_addr", "destination_addr"),
            tlvs=plain_tlvs(params),
            **plain,
        )

    def to_pdu(self, sequence_number: int = 1):
        params = {name: library_field(name, getattr(self, name)) for name in _SHORT_MESSAGE_FIELDS}
        params.update(address_params(self.source, "source_addr", "source_addr"))
        params.update(address_params(self.destination, "dest_addr", "destination_addr"))
        params.update(_checked_tlvs(self._request, self.tlvs))
        return self._request(sequence_number, **params)


def _checked_tlvs(request, tlvs: Mapping) -> dict:
    """smpp.pdu's TLV params, refusing any the PDU cannot carry (smpp.pdu drops them silently)."""
    not_allowed = set(tlvs) - set(request.optionalParams)
    if not_allowed:
        raise ValueError(f"{request.commandId.name} cannot carry TLVs {sorted(not_allowed)}")
    return library_tlvs(tlvs)


@attrs.frozen
class SubmitSm(ShortMessage):
    _request = operations.SubmitSM


@attrs.frozen
class DeliverSm(ShortMessage):
    _request = operations.DeliverSM


_DATA_SM_FIELDS = ("service_type", "esm_class", "registered_delivery", "data_coding")


@attrs.frozen
class DataSm:
    """data_sm (SMPP 3.4 section 4.7): a short_message-less message; the text rides in
    message_payload. Both sides may send it; we send receipts as data_sm for carriers that do."""

    source: Address
    destination: Address
    service_type: str = ""
    esm_class: int = 0
    registered_delivery: int = 0
    data_coding: int = 0
    tlvs: Mapping = attrs.field(factory=dict, converter=frozen_mapping)

    @classmethod
    def from_pdu(cls, pdu) -> "DataSm":
        params = pdu.params
        return cls(
            source=address_from(params, "source_addr", "source_addr"),
            destination=address_from(params, "dest_addr", "destination_addr"),
            tlvs=plain_tlvs(params),
            **{name: plain_field(name, params.get(name)) for name in _DATA_SM_FIELDS},
        )

    def as_submit(self) -> "SubmitSm":
        """The same message as a submit_sm, for an SMSC that stores both alike; TLVs that
        submit_sm cannot carry (network and bearer types, QoS) are dropped."""
        allowed = set(operations.SubmitSM.optionalParams)
        return SubmitSm(
            self.source,
            self.destination,
            service_type=self.service_type,
            esm_class=self.esm_class,
            registered_delivery=self.registered_delivery,
            data_coding=self.data_coding,
            tlvs={name: value for name, value in self.tlvs.items() if name in allowed},
        )

    def to_pdu(self, sequence_number: int = 1):
        params = {name: library_field(name, getattr(self, name)) for name in _DATA_SM_FIELDS}
        params.update(address_params(self.source, "source_addr", "source_addr"))
        params.update(address_params(self.destination, "dest_addr", "destination_addr"))
        params.update(_checked_tlvs(operations.DataSM, self.tlvs))
        return operations.DataSM(sequence_number, **params)


@attrs.frozen
class MessageIdResp:
    """submit_sm_resp, deliver_sm_resp and data_sm_resp: a status and (maybe) a message_id."""

    message_id: str = ""

    _response = None

    @classmethod
    def from_pdu(cls, pdu):
        return cls(plain_field("message_id", pdu.params.get("message_id") or b""))

    def to_pdu(self, sequence_number: int, status: int = 0):
        message_id = None if self._response is operations.DeliverSMResp else self.message_id.encode("latin-1")
        return self._response(sequence_number, library_status(status), message_id=message_id)


@attrs.frozen
class SubmitSmResp(MessageIdResp):
    _response = operations.SubmitSMResp


@attrs.frozen
class DeliverSmResp(MessageIdResp):
    _response = operations.DeliverSMResp


@attrs.frozen
class DataSmResp(MessageIdResp):
    _response = operations.DataSMResp


@attrs.frozen
class Bodyless:
    """enquire_link, unbind, their responses and generic_nack: a header and no body."""

    command: str

    @classmethod
    def from_pdu(cls, pdu) -> "Bodyless":
        return cls(pdu.id.name)

    def to_pdu(self, sequence_number: int = 1, status: int = 0):
        return operations.getPDUClass(getattr(pdu_types.CommandId, self.command))(sequence_number, library_status(status))


@attrs.frozen
class Outbind:
    """outbind: the SMSC asks an ESME to bind to it as a receiver over this connection."""

    system_id: str
    password: str = ""

    @classmethod
    def from_pdu(cls, pdu) -> "Outbind":
        return cls(plain_field("system_id", pdu.params["system_id"]), plain_field("password", pdu.params["password"]))

    def to_pdu(self, sequence_number: int = 1):
        return operations.Outbind(
            sequence_number, system_id=self.system_id.encode("latin-1"), password=self.password.encode("latin-1")
        )


@attrs.frozen
class AlertNotification:
    """alert_notification (SMPP 3.4 section 4.12): a handset the ESME was waiting for is
    reachable again. It has no response."""

    handset: Address  # source_addr: the mobile that became available
    esme: Address  # esme_addr: the ESME address its messages came from
    ms_availability_status: int | None = None  # 0 available, 1 denied, 2 unavailable

    @classmethod
    def from_pdu(cls, pdu) -> "AlertNotification":
        return cls(
            address_from(pdu.params, "source_addr", "source_addr"),
            address_from(pdu.params, "esme_addr", "esme_addr"),
            plain_tlvs(pdu.params).get("ms_availability_status"),
        )

    def to_pdu(self, sequence_number: int = 1):
        params = {**address_params(self.handset, "source_addr", "source_addr"), **address_params(self.esme, "esme_addr", "esme_addr")}
        if self.ms_availability_status is not None:
            params.update(library_tlvs({"ms_availability_status": self.ms_availability_status}))
        return operations.AlertNotification(sequence_number, **params)


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
    operations.DataSM: DataSm,
    operations.DataSMResp: DataSmResp,
    operations.QuerySM: stored.QuerySm,
    operations.QuerySMResp: stored.QuerySmResp,
    operations.CancelSM: stored.CancelSm,
    operations.CancelSMResp: Bodyless,
    operations.AlertNotification: AlertNotification,
    operations.ReplaceSMResp: Bodyless,
    operations.Outbind: Outbind,
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
    octets = ENCODER.encode(pdu)
    if status:  # vendor and reserved codes that smpp.pdu does not list
        octets = octets[:8] + int(status).to_bytes(4, "big") + octets[12:]
    return octets


def decode(octets: bytes):
    """Octets of one PDU to (header, value); smpp.pdu's parse errors carry their status.

    The header is read from the octets themselves, so vendor-specific statuses survive.
    """
    command_id, command_status, sequence_number = struct.unpack("!LLL", octets[4:16])
    from pdu import multi  # pdu.multi builds on this module; imported here to avoid a cycle

    if command_id in multi.READERS:
        name, read = multi.READERS[command_id]
        return Header(command_id, command_status, sequence_number, name), read(octets[16:])
    pdu = ENCODER.decode(io.BytesIO(octets))
    return Header(command_id, command_status, sequence_number, pdu.id.name), from_pdu(pdu)
