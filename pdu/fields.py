"""Field conversions between smpp.pdu's objects and the plain values of our PDU values.

smpp.pdu models fields as enums, namedtuples and bytes; our values hold ints, strings and
bytes. This module is the one place that knows both forms, for every value module in pdu/.
"""

import functools
import io
from collections.abc import Mapping
from types import MappingProxyType

import attrs
from smpp.pdu import constants, pdu_types, smpp_time
from smpp.pdu.pdu_encoding import COctetStringEncoder, OptionEncoder, PDUEncoder

from pdu import smpp_fixes

smpp_fixes.apply()

ENCODER = PDUEncoder()
OPTIONS = OptionEncoder()  # building one costs ~0.2 ms; smpp_fixes makes reuse safe
_FIELDENCODERS = PDUEncoder.DefaultRequiredParamEncoders
_INT_FIELDS = {
    "addr_ton", "addr_npi", "source_addr_ton", "source_addr_npi", "dest_addr_ton", "dest_addr_npi",
    "esme_addr_ton", "esme_addr_npi",
    "esm_class", "priority_flag", "registered_delivery", "replace_if_present_flag", "data_coding",
}  # fmt: skip
_TIME_FIELDS = {"schedule_delivery_time", "validity_period"}

# TLVs we carry, with the plain type our values hold them as.
TLV_KINDS = {
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


def plain_field(name, value):
    """A mandatory field from smpp.pdu's form to ours."""
    if name in _INT_FIELDS:
        return int.from_bytes(_FIELDENCODERS[name].encode(value), "big")
    if name in _TIME_FIELDS:
        return "" if value is None else smpp_time.unparse(value).decode("ascii")
    if name == "short_message":
        return value or b""
    if isinstance(value, bytes):
        return value.decode("latin-1")
    return 0 if value is None else value


@functools.lru_cache(maxsize=4096)
def _library_int_field(name, value):
    return _FIELDENCODERS[name].decode(io.BytesIO(bytes((value,))))


def library_field(name, value):
    """A mandatory field from our form to smpp.pdu's."""
    if name in _INT_FIELDS:
        return _library_int_field(name, value)
    if name in _TIME_FIELDS:
        return smpp_time.parse(value) if value else None
    if isinstance(value, str):
        return value.encode("latin-1")
    return value


def _tlv_octets(name, value) -> bytes:
    encoded = OPTIONS.encode(pdu_types.Option(getattr(pdu_types.Tag, name), value))
    return encoded[4:]  # drop tag and length


def plain_tlvs(params: Mapping) -> dict:
    tlvs = {}
    for name, value in params.items():
        kind = TLV_KINDS.get(name)
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


def library_tlvs(tlvs: Mapping) -> dict:
    params = {}
    for name, value in tlvs.items():
        tag = getattr(pdu_types.Tag, name)
        encoder = OPTIONS.options[tag]
        if isinstance(value, int):
            width = getattr(encoder, "size", None) or getattr(encoder.encoder, "size")
            octets = value.to_bytes(width, "big")
        elif isinstance(value, str):
            octets = value.encode("latin-1") + b"\0"
        else:
            octets = value
        OPTIONS.length = len(octets)  # variable-length encoders read it back
        params[name] = encoder.decode(io.BytesIO(octets))
    return params


_NOTHING = MappingProxyType({})  # shared: most PDUs carry no TLVs, and it cannot change


def frozen_mapping(value: Mapping) -> Mapping:
    return MappingProxyType(dict(value)) if value else _NOTHING


# What each type of number and numbering plan is called (SMPP 3.4 sections 5.2.5 and 5.2.6)
TON_NAMES = {0: "unknown", 1: "international", 2: "national", 3: "network specific", 4: "subscriber number",
             5: "alphanumeric", 6: "abbreviated"}  # fmt: skip
NPI_NAMES = {0: "unknown", 1: "ISDN (E.163/E.164)", 3: "data (X.121)", 4: "telex (F.69)", 6: "land mobile (E.212)",
             8: "national", 9: "private", 10: "ERMES", 14: "Internet (IP)", 18: "WAP client id"}  # fmt: skip


@attrs.frozen
class Address:
    """An SMPP address: type of number, numbering plan and digits (or alphanumeric id)."""

    ton: int = 0
    npi: int = 0
    digits: str = ""


def pdu_codec(max_system_id: int = 15, max_password: int = 8) -> PDUEncoder:
    """smpp.pdu's codec with room for longer system_ids and passwords than SMPP 3.4's 15 and
    8 characters, which carriers issue and so clients send."""
    if (max_system_id, max_password) == (15, 8):
        return PDUEncoder()
    encoders = dict(PDUEncoder.DefaultRequiredParamEncoders)
    encoders["system_id"] = COctetStringEncoder(max_system_id + 1, decodeErrorStatus=pdu_types.CommandStatus.ESME_RINVSYSID)
    encoders["password"] = COctetStringEncoder(max_password + 1, decodeErrorStatus=pdu_types.CommandStatus.ESME_RINVPASWD)
    codec = PDUEncoder()
    codec.DefaultRequiredParamEncoders = encoders
    return codec


def library_knows_status(code: int) -> bool:
    """Whether smpp.pdu can write this command_status itself."""
    return int(code) in constants.command_status_value_map


def library_status(code: int):
    """smpp.pdu's member for a status; codes it does not list go as ESME_RUNKNOWNERR and
    pdu.wire.encode writes the real code into the header afterwards."""
    entry = constants.command_status_value_map.get(int(code))
    return getattr(pdu_types.CommandStatus, entry["name"] if entry else "ESME_RUNKNOWNERR")


def address_from(params: Mapping, prefix: str, digits_field: str) -> "Address":
    """An Address from smpp.pdu params named like source_addr_ton / source_addr_npi / source_addr."""
    return Address(
        plain_field(f"{prefix}_ton", params[f"{prefix}_ton"]),
        plain_field(f"{prefix}_npi", params[f"{prefix}_npi"]),
        plain_field(digits_field, params[digits_field]),
    )


def address_params(address: "Address", prefix: str, digits_field: str) -> dict:
    """smpp.pdu params for an Address, the inverse of address_from."""
    return {
        f"{prefix}_ton": library_field(f"{prefix}_ton", address.ton),
        f"{prefix}_npi": library_field(f"{prefix}_npi", address.npi),
        digits_field: address.digits.encode("latin-1"),
    }
