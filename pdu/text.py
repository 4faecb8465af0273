"""Text encodings of short messages: which data_coding, how text becomes octets and back.

The automatic choice is the one handsets and carriers make: the GSM 7-bit default alphabet
when every character fits, UCS-2 otherwise. A caller may force any encoding; a character the
forced encoding cannot carry is an error that names it, never a silent '?'.
"""

import enum

import attrs

from pdu import gsm7
from pdu.gsm7 import UndecodableData, UnencodableCharacter


@attrs.frozen
class EncodingSpec:
    """How one encoding counts its units and fills a segment."""

    label: str
    data_coding: int
    unit: str  # what the per-segment limits count: septets, octets or UTF-16 code units
    codec: str | None  # Python codec for the simple byte encodings


class Encoding(enum.Enum):
    """The encodings we send and receive, each with the data_coding it is announced with."""

    GSM7 = EncodingSpec("GSM 03.38", 0x00, "septet", None)
    ASCII = EncodingSpec("IA5 (ASCII)", 0x01, "octet", "ascii")
    LATIN1 = EncodingSpec("Latin-1", 0x03, "octet", "latin-1")
    BINARY = EncodingSpec("8-bit binary", 0x04, "octet", None)
    CYRILLIC = EncodingSpec("ISO-8859-5 (Cyrillic)", 0x06, "octet", "iso8859-5")
    HEBREW = EncodingSpec("ISO-8859-8 (Hebrew)", 0x07, "octet", "iso8859-8")
    UCS2 = EncodingSpec("UCS-2", 0x08, "code unit", "utf-16-be")

    @property
    def data_coding(self) -> int:
        return self.value.data_coding

    @property
    def label(self) -> str:
        return self.value.label


@attrs.frozen
class UnsupportedDataCoding(ValueError):
    """A data_coding value we cannot turn into text (the SMSC answers ESME_RINVDCS)."""

    data_coding: int

    def __str__(self):
        return f"data_coding 0x{self.data_coding:02X} is not a text encoding this SMSC supports"


_BY_DATA_CODING = {
    0x00: Encoding.GSM7,
    0x01: Encoding.ASCII,
    0x02: Encoding.BINARY,
    0x03: Encoding.LATIN1,
    0x04: Encoding.BINARY,
    0x06: Encoding.CYRILLIC,
    0x07: Encoding.HEBREW,
    0x08: Encoding.UCS2,
}


def encoding_for_data_coding(data_coding: int, smsc_default: Encoding = Encoding.GSM7) -> Encoding:
    """The encoding a data_coding announces.

    0x00 means "SMSC default alphabet", which is GSM 03.38 unless the carrier says otherwise.
    0x00-0x0F are SMPP's own values; above them, the GSM 03.38 coding groups 0001 (general,
    with a message class), 1100-1110 (message waiting) and 1111 (message class) are read by
    their alphabet.
    """
    if data_coding == 0x00:
        return smsc_default
    if data_coding in _BY_DATA_CODING:
        return _BY_DATA_CODING[data_coding]
    group = data_coding >> 4
    if group == 0x0F:
        return Encoding.BINARY if data_coding & 0x04 else Encoding.GSM7
    if group in (0x0C, 0x0D):  # message waiting indication, discard or store: 7-bit text
        return Encoding.GSM7
    if group == 0x0E:  # message waiting indication, store: UCS-2 text
        return Encoding.UCS2
    if group == 0x1:  # general group, uncompressed, with a message class
        alphabet = (data_coding >> 2) & 0x03
        if alphabet in (0, 1, 2):
            return (Encoding.GSM7, Encoding.BINARY, Encoding.UCS2)[alphabet]
    raise UnsupportedDataCoding(data_coding)


def choose_encoding(text: str) -> Encoding:
    """GSM 7-bit when every character fits the default alphabet, else UCS-2."""
    return Encoding.GSM7 if gsm7.fits(text) else Encoding.UCS2


def encode(text: str, encoding: Encoding, packed: bool = False) -> bytes:
    """Text to the octets that go in short_message or message_payload.

    GSM 7-bit is unpacked (one septet per octet) unless packed is asked for.
    """
    if encoding is Encoding.BINARY:
        raise TypeError("binary messages carry bytes, not text: pass the bytes as they are")
    if encoding is Encoding.GSM7:
        septets = gsm7.encode_septets(text)
        return gsm7.pack_septets(septets) if packed else septets
    try:
        return text.encode(encoding.value.codec)
    except UnicodeEncodeError as error:
        raise UnencodableCharacter(text[error.start], error.start, encoding.label) from None


def decode(data: bytes, encoding: Encoding, packed: bool = False, septets: int | None = None) -> str:
    """Octets back to text; packed GSM needs the septet count when it is known."""
    if encoding is Encoding.BINARY:
        raise TypeError("binary messages carry bytes, not text")
    if encoding is Encoding.GSM7:
        raw = gsm7.unpack_septets(data, septets) if packed else data
        return gsm7.decode_septets(raw)
    try:
        return data.decode(encoding.value.codec)
    except UnicodeDecodeError as error:
        raise UndecodableData(error.start, encoding.label, error.reason) from None


def units(char: str, encoding: Encoding) -> int:
    """Units one character takes against the encoding's per-segment limits."""
    if encoding is Encoding.GSM7:
        cost = gsm7.septet_cost(char)
        if cost is None:
            raise UnencodableCharacter(char, 0, encoding.label)
        return cost
    if encoding is Encoding.UCS2:
        return 2 if ord(char) > 0xFFFF else 1  # a surrogate pair is two code units
    return 1


def unit_count(octets: bytes, encoding: Encoding) -> int:
    """Units in octets that encode() wrote (unpacked): unit_length of the text, read off its
    octets without going through the text again."""
    return len(octets) // 2 if encoding is Encoding.UCS2 else len(octets)


def unit_length(text: str, encoding: Encoding) -> int:
    """Units the whole text takes: septets, octets or UTF-16 code units."""
    if encoding is Encoding.GSM7:
        return gsm7.septet_length(text)
    if encoding is Encoding.UCS2:
        return len(text) + sum(1 for char in text if ord(char) > 0xFFFF)
    return len(text)


__all__ = [
    "Encoding",
    "UndecodableData",
    "UnencodableCharacter",
    "UnsupportedDataCoding",
    "choose_encoding",
    "decode",
    "encode",
    "encoding_for_data_coding",
    "unit_count",
    "unit_length",
    "units",
]
