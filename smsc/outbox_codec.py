"""Receipts and MOs as the outbox keeps them on disk: a small JSON document per deliver_sm or
data_sm, several times cheaper to write and read than the PDU's octets through smpp.pdu (the
PDU is encoded once, when it goes on the wire)."""

import json

from pdu.fields import Address
from pdu.wire import DataSm, DeliverSm

_KINDS = {"deliver_sm": DeliverSm, "data_sm": DataSm}
_NAMES = {kind: name for name, kind in _KINDS.items()}


def _plain(value):
    return {"hex": value.hex()} if isinstance(value, bytes) else value


def _value(plain):
    return bytes.fromhex(plain["hex"]) if isinstance(plain, dict) else plain


def pack(value: DeliverSm | DataSm) -> bytes:
    fields = {
        "kind": _NAMES[type(value)],
        "source": [value.source.ton, value.source.npi, value.source.digits],
        "destination": [value.destination.ton, value.destination.npi, value.destination.digits],
        "esm_class": value.esm_class,
        "data_coding": value.data_coding,
        "tlvs": {name: _plain(tlv) for name, tlv in value.tlvs.items()},
    }
    if isinstance(value, DeliverSm):
        fields["short_message"] = value.short_message.hex()
    return json.dumps(fields, separators=(",", ":")).encode("utf-8")


def unpack(octets: bytes) -> DeliverSm | DataSm:
    fields = json.loads(octets)
    kind = _KINDS[fields.pop("kind")]
    fields["source"] = Address(*fields["source"])
    fields["destination"] = Address(*fields["destination"])
    fields["tlvs"] = {name: _value(tlv) for name, tlv in fields["tlvs"].items()}
    if "short_message" in fields:
        fields["short_message"] = bytes.fromhex(fields["short_message"])
    return kind(**fields)
