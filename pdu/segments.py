"""Splitting a long message into segments, and reading the concatenation data of one segment.

Three ways to send a long text, all on the wire today: a user data header (UDH) in each
short_message with an 8-bit or 16-bit reference, SAR TLVs beside each short_message, or the
whole text in one message_payload TLV for the SMSC to split. Segments respect the air
interface: 140 octets each including the UDH, so 153 septets, 134 octets or 67 UCS-2 code
units after an 8-bit UDH. An extension character (two septets) and a surrogate pair (two code
units) never straddle two segments.
"""

import enum
import math

import attrs

from pdu import gsm7
from pdu import text as textcodec
from pdu.text import Encoding

AIR_OCTETS = 140
MAX_PARTS = 255
MAX_PAYLOAD_OCTETS = 0xFFFF

IEI_CONCAT_8BIT = 0x00
IEI_CONCAT_16BIT = 0x08


class Concatenation(enum.Enum):
    """How the parts of a long message find each other."""

    UDH8 = "udh8"
    UDH16 = "udh16"
    SAR = "sar"
    PAYLOAD = "payload"

    def header_octets(self, reference: int = 0) -> int:
        """Octets of user data header each part gives up. SAR leaves room for the UDH the
        SMSC will add on the air: 8-bit when the reference fits, else 16-bit."""
        if self is Concatenation.UDH16 or (self is Concatenation.SAR and reference > 0xFF):
            return 7
        return 6

    @property
    def max_reference(self) -> int:
        return 0xFF if self is Concatenation.UDH8 else 0xFFFF


@attrs.frozen
class TooManySegments(ValueError):
    """The text needs more parts than a concatenated message may have."""

    needed: int

    def __str__(self):
        return f"the message needs {self.needed} segments; at most {MAX_PARTS} are allowed"


@attrs.frozen
class MessageTooLong(ValueError):
    """The text does not fit in one message_payload TLV."""

    octets: int

    def __str__(self):
        return f"the message is {self.octets} octets; message_payload holds at most {MAX_PAYLOAD_OCTETS}"


def segment_capacity(encoding: Encoding, header_octets: int = 0) -> int:
    """Units one segment holds after a UDH of header_octets (0 for a single message)."""
    if encoding is Encoding.GSM7:
        return (AIR_OCTETS * 8 - math.ceil(header_octets * 8 / 7) * 7) // 7
    octets = AIR_OCTETS - header_octets
    return octets // 2 if encoding is Encoding.UCS2 else octets


@attrs.frozen
class Segment:
    """One part of a message as it goes on the wire."""

    body: bytes  # this part's encoded text (or bytes), without any header
    encoding: Encoding
    units: int  # septets, octets or code units in body
    method: Concatenation
    reference: int = 0
    total: int = 1
    seqnum: int = 1
    packed: bool = False

    @property
    def udh(self) -> bytes:
        """The user data header, length octet included; empty unless UDH concatenation."""
        if self.total == 1:
            return b""
        if self.method is Concatenation.UDH8:
            return bytes((5, IEI_CONCAT_8BIT, 3, self.reference, self.total, self.seqnum))
        if self.method is Concatenation.UDH16:
            ref = self.reference.to_bytes(2, "big")
            return bytes((6, IEI_CONCAT_16BIT, 4, *ref, self.total, self.seqnum))
        return b""

    @property
    def short_message(self) -> bytes:
        """What goes in short_message; empty when the text travels in message_payload."""
        if self.method is Concatenation.PAYLOAD:
            return b""
        return self.udh + self.body

    @property
    def message_payload(self) -> bytes | None:
        return self.body if self.method is Concatenation.PAYLOAD else None

    @property
    def udhi(self) -> bool:
        """Whether esm_class must carry the UDH indicator (0x40)."""
        return bool(self.udh)

    @property
    def sar(self) -> dict[str, int]:
        """The SAR TLVs for this part, empty unless SAR concatenation."""
        if self.method is not Concatenation.SAR or self.total == 1:
            return {}
        return {
            "sar_msg_ref_num": self.reference,
            "sar_total_segments": self.total,
            "sar_segment_seqnum": self.seqnum,
        }

    @property
    def air_octets(self) -> int:
        """Octets this part takes over the air, where 7-bit text is always packed."""
        header = len(self.udh)
        if self.method is Concatenation.SAR and self.total > 1:
            header = self.method.header_octets(self.reference)
        if self.encoding is Encoding.GSM7:
            header_septets = math.ceil(header * 8 / 7)
            return math.ceil((header_septets + self.units) * 7 / 8)
        return header + len(self.body)


def split(
    text: str,
    encoding: Encoding | None = None,
    method: Concatenation = Concatenation.UDH8,
    reference: int | None = None,
    packed: bool = False,
) -> tuple[Segment, ...]:
    """Split text into the segments that carry it, choosing the encoding when none is given.

    A text that fits one message is one segment with no header. A longer one needs a
    reference number shared by its parts; the caller owns the counter, so that concurrent long
    messages to one handset do not collide.
    """
    encoding = encoding or textcodec.choose_encoding(text)
    whole = textcodec.encode(text, encoding)  # raises on the first unencodable character
    total_units = textcodec.unit_count(whole, encoding)
    if method is Concatenation.PAYLOAD or total_units <= segment_capacity(encoding):
        return (_segment(whole, encoding, total_units, method, packed),)
    chunks = _chunks(text, encoding, segment_capacity(encoding, method.header_octets(reference or 0)))
    return _number(
        [(textcodec.encode(chunk, encoding), units) for chunk, units in chunks],
        encoding,
        method,
        reference,
        packed,
    )


def split_binary(
    data: bytes, method: Concatenation = Concatenation.UDH8, reference: int | None = None
) -> tuple[Segment, ...]:
    """Split 8-bit binary data (data_coding 4) the same way: 140 octets, 134 after a UDH."""
    if method is Concatenation.PAYLOAD or len(data) <= AIR_OCTETS:
        return (_segment(data, Encoding.BINARY, len(data), method, False),)
    size = segment_capacity(Encoding.BINARY, method.header_octets(reference or 0))
    pieces = [(data[start : start + size], len(data[start : start + size])) for start in range(0, len(data), size)]
    return _number(pieces, Encoding.BINARY, method, reference, False)


def _segment(body: bytes, encoding: Encoding, units: int, method: Concatenation, packed: bool) -> Segment:
    if method is Concatenation.PAYLOAD and len(body) > MAX_PAYLOAD_OCTETS:
        raise MessageTooLong(len(body))
    if packed and encoding is Encoding.GSM7:
        body = gsm7.pack_septets(body)
    return Segment(body, encoding, units, method, packed=packed and encoding is Encoding.GSM7)


def _chunks(text: str, encoding: Encoding, capacity: int) -> list[tuple[str, int]]:
    """Greedy split on character boundaries, so two-unit characters are never cut."""
    chunks = []
    start = 0
    used = 0
    for index, char in enumerate(text):
        cost = textcodec.units(char, encoding)
        if used + cost > capacity:
            chunks.append((text[start:index], used))
            start, used = index, 0
        used += cost
    chunks.append((text[start:], used))
    return chunks


def _number(
    pieces: list[tuple[bytes, int]],
    encoding: Encoding,
    method: Concatenation,
    reference: int | None,
    packed: bool,
) -> tuple[Segment, ...]:
    if len(pieces) > MAX_PARTS:
        raise TooManySegments(len(pieces))
    if reference is None:
        raise ValueError("a message of several segments needs a reference number")
    if not 0 <= reference <= method.max_reference:
        raise ValueError(f"reference {reference} is out of range for {method.value} (0..{method.max_reference})")
    segments = []
    for seqnum, (body, units) in enumerate(pieces, start=1):
        segment = Segment(body, encoding, units, method, reference, len(pieces), seqnum)
        if packed and encoding is Encoding.GSM7:
            fill = (7 - len(segment.udh) * 8 % 7) % 7
            segment = attrs.evolve(segment, body=gsm7.pack_septets(body, fill), packed=True)
        segments.append(segment)
    return tuple(segments)


@attrs.frozen
class PartInfo:
    """Where one received segment belongs: its message reference and its place."""

    reference: int
    total: int
    seqnum: int


@attrs.frozen
class MalformedHeader(ValueError):
    """A user data header that does not parse."""

    reason: str

    def __str__(self):
        return f"malformed user data header: {self.reason}"


def parse_udh(short_message: bytes) -> tuple[tuple[tuple[int, bytes], ...], bytes]:
    """Split short_message into its UDH information elements and the text after them."""
    if not short_message:
        raise MalformedHeader("UDH indicator set but short_message is empty")
    header_length = short_message[0]
    if header_length + 1 > len(short_message):
        raise MalformedHeader(f"UDH length {header_length} exceeds the {len(short_message)}-octet message")
    header, body = short_message[1 : header_length + 1], short_message[header_length + 1 :]
    elements = []
    position = 0
    while position < len(header):
        if position + 2 > len(header):
            raise MalformedHeader("information element cut short")
        identifier, length = header[position], header[position + 1]
        data = header[position + 2 : position + 2 + length]
        if len(data) != length:
            raise MalformedHeader(f"information element 0x{identifier:02X} claims {length} octets")
        elements.append((identifier, data))
        position += 2 + length
    return tuple(elements), body


def part_info(short_message: bytes, udhi: bool, tlvs: dict) -> tuple[PartInfo | None, bytes]:
    """Concatenation data of one received segment (UDH or SAR) and its body without the header.

    Returns (None, body) for a message that is not a part of a longer one. A concatenation
    element with an impossible place (total 0, part 0 or past the total) is ignored, as
    23.040 section 9.2.3.24.1 asks, and the message reads as a single one.
    """
    body = short_message
    if udhi:
        elements, body = parse_udh(short_message)
        for identifier, data in elements:
            if identifier == IEI_CONCAT_8BIT and len(data) == 3:
                return _checked(PartInfo(data[0], data[1], data[2])), body
            if identifier == IEI_CONCAT_16BIT and len(data) == 4:
                return _checked(PartInfo(int.from_bytes(data[:2], "big"), data[2], data[3])), body
    if "sar_msg_ref_num" in tlvs:
        info = PartInfo(tlvs["sar_msg_ref_num"], tlvs.get("sar_total_segments", 0), tlvs.get("sar_segment_seqnum", 0))
        return _checked(info), body
    return None, body


def _checked(info: PartInfo) -> PartInfo | None:
    if info.total < 1 or not 1 <= info.seqnum <= info.total:
        return None
    return info
