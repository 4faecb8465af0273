"""One PDU's octets as a person reads them: every field by its SMPP 3.4 name, in the order the
specification lists them, with its value as sent and what it means.

smpp.pdu decodes the PDU (so a PDU it refuses is refused with its reason) and names the
command, its mandatory fields and its TLV tags; the values are read from the octets
themselves, so what is shown is what was on the wire, not a library's reading of it. The
short message is shown as octets and as text (decoded with the PDU's data_coding, its user
data header apart), and a delivery receipt's text field by field. Nothing here raises: what
cannot be decoded comes back as {"error": why, "hex": ...}.
"""

import io
import struct

from smpp.pdu import constants, pdu_encoding

from pdu import receipts, segments
from pdu import text as textcodec
from pdu.fields import ENCODER, NPI_NAMES, TLV_KINDS, TON_NAMES
from pdu.status import MessageState, status_info

# section 5.2.12: bits 1-0 the messaging mode (requests to the SMSC), bits 5-2 the message type
MESSAGING_MODE = {0: "default SMSC mode", 1: "datagram mode", 2: "forward (transaction) mode", 3: "store and forward mode"}
MESSAGE_TYPE = {0x00: "", 0x04: "SMSC delivery receipt", 0x08: "SME delivery acknowledgement",
                0x10: "SME manual/user acknowledgement", 0x18: "conversation abort",
                0x20: "intermediate delivery notification"}  # fmt: skip
GSM_FEATURES = {0x00: "", 0x40: "UDHI set", 0x80: "reply path set", 0xC0: "UDHI and reply path set"}
# section 5.2.17
RECEIPT_REQUEST = {0: "no SMSC delivery receipt", 1: "SMSC delivery receipt on final outcome",
                   2: "SMSC delivery receipt on failure only", 3: "reserved receipt value 3"}  # fmt: skip
SME_ACK = {0x04: "SME delivery acknowledgement", 0x08: "SME manual/user acknowledgement", 0x0C: "SME delivery and manual/user acknowledgement"}
# section 5.2.19
DATA_CODING = {0: "SMSC default alphabet (GSM 03.38)", 1: "IA5 (CCITT T.50)/ASCII", 2: "octet unspecified (8-bit binary)",
               3: "Latin 1 (ISO-8859-1)", 4: "octet unspecified (8-bit binary)", 5: "JIS (X 0208-1990)",
               6: "Cyrillic (ISO-8859-5)", 7: "Latin/Hebrew (ISO-8859-8)", 8: "UCS2 (ISO/IEC-10646)",
               9: "pictogram encoding", 10: "ISO-2022-JP (music codes)", 13: "extended Kanji JIS (X 0212-1990)",
               14: "KS C 5601"}  # fmt: skip
NETWORK_TYPE = {1: "ANSI-136", 2: "IS-95", 3: "GSM"}  # section 5.3.2.31
PAYLOAD_TYPE = {0: "default (WAP)", 1: "WCMP message"}
IEI_NAMES = {segments.IEI_CONCAT_8BIT: "concatenated short messages, 8-bit reference",
             segments.IEI_CONCAT_16BIT: "concatenated short messages, 16-bit reference",
             0x04: "application port addressing, 8-bit", 0x05: "application port addressing, 16-bit"}  # fmt: skip

_ENCODERS = pdu_encoding.PDUEncoder.DefaultRequiredParamEncoders
_STRINGS = (pdu_encoding.COctetStringEncoder, pdu_encoding.TimeEncoder)
_RECEIPT_TYPES = (0x04, 0x20)  # esm_class message types whose text is a delivery receipt


class _Unreadable(ValueError):
    """The octets end inside a field or a TLV."""


def describe(octets: bytes) -> dict:
    """The PDU in octets as a JSON-ready dict: command, header fields, body fields, TLVs and
    the whole PDU in hex; or {"error", "hex"} (and the header when it reads) if it does not
    decode. Never raises."""
    octets = bytes(octets)
    if len(octets) < 16:
        return {"error": f"{len(octets)} octets; an SMPP PDU has a 16-octet header", "hex": octets.hex()}
    length, command_id, status, sequence = struct.unpack("!LLLL", octets[:16])
    header = _header(length, command_id, status, sequence)
    if length != len(octets):
        return {"error": f"command_length says {length} octets but the PDU has {len(octets)}", "header": header, "hex": octets.hex()}
    try:
        pdu = ENCODER.decode(io.BytesIO(octets))
    except Exception as error:  # smpp.pdu's parse errors, and whatever else garbage provokes
        return {"error": f"smpp.pdu cannot decode it: {_reason(error)}", "header": header, "hex": octets.hex()}
    try:
        body, tlvs = _body(pdu, octets[16:])
    except Exception as error:  # a PDU smpp.pdu took but we cannot walk: say so, do not fail
        return {"error": f"the body does not read field by field: {_reason(error)}", "header": header, "hex": octets.hex()}
    return {"command": pdu.id.name, "header": header, "body": body, "tlvs": tlvs, "hex": octets.hex()}


def _reason(error: Exception) -> str:
    return str(error) or type(error).__name__


def _field(name: str, value, meaning: str | None = None, **more) -> dict:
    field = {"name": name, "value": value}
    if meaning:
        field["meaning"] = meaning
    field.update(more)
    return field


def _header(length: int, command_id: int, status: int, sequence: int) -> list[dict]:
    command = constants.command_id_value_map.get(command_id, "unknown command_id")
    info = status_info(status)
    return [
        _field("command_length", length),
        _field("command_id", command_id, command, hex=f"0x{command_id:08X}"),
        _field("command_status", status, f"{info.name}: {info.meaning}", hex=f"0x{status:08X}"),
        _field("sequence_number", sequence),
    ]


def _body(pdu, body: bytes) -> tuple[list[dict], list[dict]]:
    """The mandatory fields in spec order, read from the octets, then the TLVs in wire order."""
    values, at = {}, 0
    fields = []
    for name in pdu.mandatoryParams:
        if at >= len(body):
            break  # a response with an error status may leave its body out (section 4.4.2)
        encoder = _ENCODERS.get(name)
        if isinstance(encoder, _STRINGS):
            end = body.find(b"\0", at)
            if end < 0:
                raise _Unreadable(f"{name} has no terminating NULL")
            values[name], at = body[at:end].decode("latin-1"), end + 1
        elif name == "short_message":
            length = body[at]
            if at + 1 + length > len(body):
                raise _Unreadable(f"sm_length {length} runs past the end of the PDU")
            values["sm_length"], values[name], at = length, body[at + 1 : at + 1 + length], at + 1 + length
        else:
            values[name], at = body[at], at + 1
    tlvs = _tlvs(body[at:])
    context = _Context(pdu.id.name, values, {tlv["name"]: tlv["octets"] for tlv in tlvs})
    for name, value in values.items():
        fields.append(_describe_field(name, value, context))
    return fields, [_describe_tlv(tlv, context) for tlv in tlvs]


def _tlvs(octets: bytes) -> list[dict]:
    found, at = [], 0
    while at < len(octets):
        if at + 4 > len(octets):
            raise _Unreadable("a TLV is cut short in its tag or length")
        tag, length = struct.unpack_from("!HH", octets, at)
        value = octets[at + 4 : at + 4 + length]
        if len(value) != length:
            raise _Unreadable(f"TLV 0x{tag:04X} claims {length} octets")
        found.append({"tag": tag, "name": constants.tag_value_map.get(tag, f"tag 0x{tag:04X}"), "octets": value})
        at += 4 + length
    return found


class _Context:
    """What reading one field needs from the rest of the PDU: its command, data_coding, esm_class."""

    def __init__(self, command: str, values: dict, tlvs: dict):
        self.command = command
        self.values = values
        self.tlvs = tlvs

    @property
    def data_coding(self) -> int:
        return self.values.get("data_coding", 0)

    @property
    def esm_class(self) -> int:
        return self.values.get("esm_class", 0)


def _describe_field(name: str, value, context: _Context) -> dict:
    if name.endswith("_ton"):
        return _field(name, value, TON_NAMES.get(value, "reserved"))
    if name.endswith("_npi"):
        return _field(name, value, NPI_NAMES.get(value, "reserved"))
    if name == "esm_class":
        return _field(name, value, esm_class_meaning(value, context.command), hex=f"0x{value:02X}")
    if name == "registered_delivery":
        return _field(name, value, registered_delivery_meaning(value), hex=f"0x{value:02X}")
    if name == "data_coding":
        return _field(name, value, data_coding_meaning(value), hex=f"0x{value:02X}")
    if name == "priority_flag":
        return _field(name, value, "non-priority (level 0)" if value == 0 else f"priority level {value}")
    if name == "replace_if_present_flag":
        return _field(name, value, {0: "don't replace", 1: "replace"}.get(value, "reserved"))
    if name in ("schedule_delivery_time", "validity_period", "final_date"):
        return _field(name, value, time_meaning(name, value))
    if name == "interface_version":
        return _field(name, value, f"SMPP {value >> 4}.{value & 0x0F}", hex=f"0x{value:02X}")
    if name == "message_state":
        return _field(name, value, _state_name(value))
    if name == "short_message":
        return _field(name, value.hex(), None, **user_data(value, context.data_coding, bool(context.esm_class & 0x40),
                                                          context.esm_class & 0x3C in _RECEIPT_TYPES))  # fmt: skip
    return _field(name, value)


def _describe_tlv(tlv: dict, context: _Context) -> dict:
    name, octets, tag = tlv["name"], tlv["octets"], f"0x{tlv['tag']:04X}"
    kind = TLV_KINDS.get(name)
    if name == "message_payload":
        return _field(name, octets.hex(), None, tag=tag, length=len(octets),
                      **user_data(octets, context.data_coding, False, context.esm_class & 0x3C in _RECEIPT_TYPES))  # fmt: skip
    if name == "network_error_code" and len(octets) == 3:
        network, error = octets[0], int.from_bytes(octets[1:], "big")
        meaning = f"{NETWORK_TYPE.get(network, f'network type {network}')} error {error}"
        return _field(name, octets.hex(), meaning, tag=tag, network_type=network, error_code=error)
    if kind is int and 1 <= len(octets) <= 4:
        value = int.from_bytes(octets, "big")
        meaning = {"message_state": _state_name(value), "payload_type": PAYLOAD_TYPE.get(value)}.get(name)
        return _field(name, value, meaning, tag=tag)
    if kind is str:
        return _field(name, octets.rstrip(b"\0").decode("latin-1"), None, tag=tag)
    return _field(name, octets.hex(), None, tag=tag)


def _state_name(value: int) -> str:
    try:
        state = MessageState(value)
    except ValueError:
        return "reserved message_state"
    return f"{state.name}: {state.meaning}"


def esm_class_meaning(value: int, command: str = "submit_sm") -> str:
    """esm_class in words: messaging mode (for a request to the SMSC), message type, GSM features."""
    parts = []
    if command != "deliver_sm":  # deliver_sm leaves the mode bits unused
        parts.append(MESSAGING_MODE[value & 0x03])
    kind = MESSAGE_TYPE.get(value & 0x3C, f"reserved message type 0x{value & 0x3C:02X}")
    if kind or command == "deliver_sm":
        parts.append(kind or "normal message")
    if GSM_FEATURES[value & 0xC0]:
        parts.append(GSM_FEATURES[value & 0xC0])
    return "; ".join(parts)


def registered_delivery_meaning(value: int) -> str:
    parts = [RECEIPT_REQUEST[value & 0x03]]
    if value & 0x0C:
        parts.append(SME_ACK[value & 0x0C])
    if value & 0x10:
        parts.append("intermediate notification requested")
    return "; ".join(parts)


def data_coding_meaning(value: int) -> str:
    if value in DATA_CODING:
        return DATA_CODING[value]
    try:
        return f"GSM 03.38 coding group: {textcodec.encoding_for_data_coding(value).label}"
    except textcodec.UnsupportedDataCoding:
        return "reserved"


def time_meaning(name: str, value: str) -> str:
    if not value:
        return {"schedule_delivery_time": "immediate delivery", "validity_period": "the SMSC's default validity"}.get(name, "none")
    if len(value) == 16 and value.endswith("R") and value[:15].isdigit():
        y, mo, d, h, mi, s = (int(value[i : i + 2]) for i in range(0, 12, 2))
        return f"relative: {y} years {mo} months {d} days {h:02d}:{mi:02d}:{s:02d} from now"
    if len(value) == 16 and value[15] in "+-" and value[:15].isdigit():
        quarters = int(value[13:15])
        offset = f"UTC{value[15]}{quarters // 4:02d}:{quarters % 4 * 15:02d}"
        return f"absolute: 20{value[0:2]}-{value[2:4]}-{value[4:6]} {value[6:8]}:{value[8:10]}:{value[10:12]}.{value[12]} {offset}"
    return "not an SMPP time (YYMMDDhhmmsstnnp or YYMMDDhhmmss000R)"


def user_data(octets: bytes, data_coding: int, udhi: bool, receipt: bool = False) -> dict:
    """short_message (or message_payload) read: the UDH apart, the text, a receipt's fields."""
    shown: dict = {}
    body = octets
    if udhi:
        try:
            elements, body = segments.parse_udh(octets)
        except segments.MalformedHeader as error:
            shown["udh"] = {"error": str(error)}
            return shown
        shown["udh"] = _udh(octets[: len(octets) - len(body)], elements)
    try:
        encoding = textcodec.encoding_for_data_coding(data_coding)
    except textcodec.UnsupportedDataCoding as error:
        shown["text_error"] = str(error)
        return shown
    if encoding is textcodec.Encoding.BINARY:
        shown["text_error"] = "8-bit binary data, not text"
        return shown
    try:
        shown["text"] = textcodec.decode(body, encoding)
    except ValueError as error:
        shown["text_error"] = f"does not decode as {encoding.label}: {error}"
        return shown
    shown["encoding"] = encoding.label
    if receipt:
        try:
            shown["receipt"] = _receipt(receipts.parse_receipt(shown["text"]))
        except receipts.NotAReceipt as error:
            shown["receipt_error"] = str(error)
    return shown


def _udh(header: bytes, elements) -> dict:
    shown = {"hex": header.hex(), "elements": [{"iei": iei, "name": IEI_NAMES.get(iei, "information element"), "data": data.hex()}
                                               for iei, data in elements]}  # fmt: skip
    for iei, data in elements:
        if iei == segments.IEI_CONCAT_8BIT and len(data) == 3:
            shown.update(reference=data[0], part=data[2], parts=data[1])
        elif iei == segments.IEI_CONCAT_16BIT and len(data) == 4:
            shown.update(reference=int.from_bytes(data[:2], "big"), part=data[3], parts=data[2])
    if "part" in shown:
        shown["meaning"] = f"part {shown['part']} of {shown['parts']}, concatenation reference {shown['reference']}"
    return shown


def _receipt(receipt: receipts.Receipt) -> dict:
    """A receipt's fields by their appendix-B names."""

    def date(moment):
        return None if moment is None else moment.isoformat(sep=" ")

    return {
        "id": receipt.message_id,
        "sub": receipt.submitted,
        "dlvrd": receipt.delivered,
        "submit date": date(receipt.submit_date),
        "done date": date(receipt.done_date),
        "stat": receipt.state.receipt_stat,
        "err": receipt.error,
        "text": receipt.text,
        "meaning": f"{receipt.state.name}: {receipt.state.meaning}",
    }


