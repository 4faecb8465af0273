"""The GSM 03.38 (3GPP TS 23.038) default alphabet: characters to septets and septet packing.

A septet is a 7-bit code. On SMPP the SMSC default alphabet travels unpacked, one septet per
octet, which is what SMSCs expect; packing eight septets into seven octets is what the air
interface does and what a few carriers want on the wire, so both are here.
"""

import re

import attrs

ESCAPE = 0x1B
CARRIAGE_RETURN = 0x0D

# Section 6.2.1: the basic table, indexed by septet value. 0x1B is the escape to the extension
# table and stands here as a placeholder that no text character maps to.
BASIC_TABLE = (
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)

# Section 6.2.1.1: the extension table, reached by ESCAPE followed by one of these septets.
EXTENSION_TABLE = {
    0x0A: "\f",
    0x14: "^",
    0x28: "{",
    0x29: "}",
    0x2F: "\\",
    0x3C: "[",
    0x3D: "~",
    0x3E: "]",
    0x40: "|",
    0x65: "€",
}

_BASIC_SEPTET = {char: septet for septet, char in enumerate(BASIC_TABLE) if septet != ESCAPE}
_EXTENSION_SEPTET = {char: septet for septet, char in EXTENSION_TABLE.items()}
# Whole texts at C speed: one translation to unpacked septets, one search for a character
# outside the alphabet (the first, for the error).
_TO_SEPTETS = str.maketrans(
    {**{char: chr(septet) for char, septet in _BASIC_SEPTET.items()},
     **{char: chr(ESCAPE) + chr(septet) for char, septet in _EXTENSION_SEPTET.items()}}
)  # fmt: skip
_OUTSIDE_ALPHABET = re.compile("[^" + re.escape("".join(_BASIC_SEPTET) + "".join(_EXTENSION_SEPTET)) + "]")


@attrs.frozen
class UnencodableCharacter(ValueError):
    """A character the chosen encoding cannot represent; never replaced silently by '?'."""

    character: str
    position: int
    encoding: str

    def __str__(self):
        return (
            f"character {self.character!r} (U+{ord(self.character):04X}) at position "
            f"{self.position} cannot be encoded in {self.encoding}"
        )


@attrs.frozen
class UndecodableData(ValueError):
    """Octets that are not valid in the encoding they claim to be in."""

    position: int
    encoding: str
    reason: str

    def __str__(self):
        return f"cannot decode {self.encoding} at octet {self.position}: {self.reason}"


def septet_cost(char: str) -> int | None:
    """Septets one character takes: 1 (basic), 2 (extension) or None (not in the alphabet)."""
    if char in _BASIC_SEPTET:
        return 1
    if char in _EXTENSION_SEPTET:
        return 2
    return None


def fits(text: str) -> bool:
    """True when every character of text is in the default alphabet or its extension."""
    return _OUTSIDE_ALPHABET.search(text) is None


def septet_length(text: str) -> int:
    """Septets text takes, counting an extension character as two."""
    return len(encode_septets(text))


def encode_septets(text: str) -> bytes:
    """Text to unpacked septets, one per octet; extension characters become ESCAPE + code."""
    outside = _OUTSIDE_ALPHABET.search(text)
    if outside is not None:
        raise UnencodableCharacter(outside.group(), outside.start(), "GSM 03.38")
    return text.translate(_TO_SEPTETS).encode("latin-1")


def decode_septets(septets: bytes) -> str:
    """Unpacked septets to text.

    An escape followed by a code the extension table lacks shows the basic character, as
    23.038 asks of a handset; a trailing lone escape is malformed.
    """
    chars = []
    escaped = False
    for position, septet in enumerate(septets):
        if septet > 0x7F:
            raise UndecodableData(position, "GSM 03.38", f"octet 0x{septet:02X} is not a septet")
        if escaped:
            # ESC ESC shows a space (23.038 6.2.1.1); an unknown code shows its basic character.
            chars.append(" " if septet == ESCAPE else EXTENSION_TABLE.get(septet, BASIC_TABLE[septet]))
            escaped = False
        elif septet == ESCAPE:
            escaped = True
        else:
            chars.append(BASIC_TABLE[septet])
    if escaped:
        raise UndecodableData(len(septets) - 1, "GSM 03.38", "escape at the end with no character")
    return "".join(chars)


def pack_septets(septets: bytes, fill_bits: int = 0) -> bytes:
    """Pack septets 8-into-7, least significant bit first (23.038 section 6.1.2.1).

    fill_bits zero bits come first, to align the text on a septet boundary after a UDH.
    When the last octet would end in seven spare bits, they carry CR rather than zeros, so
    that a reader without the septet count does not see a final '@' (23.038 6.1.2.3.1).
    """
    accumulator = 0
    width = fill_bits
    out = bytearray()
    for septet in septets:
        accumulator |= (septet & 0x7F) << width
        width += 7
        while width >= 8:
            out.append(accumulator & 0xFF)
            accumulator >>= 8
            width -= 8
    if width == 1:
        accumulator |= CARRIAGE_RETURN << 1
    if width:
        out.append(accumulator & 0xFF)
    return bytes(out)


def unpack_septets(packed: bytes, count: int | None = None, fill_bits: int = 0) -> bytes:
    """Unpack octets into septets; count says how many (the packed form cannot tell)."""
    available = (len(packed) * 8 - fill_bits) // 7
    if count is None:
        count = available
        last = (int.from_bytes(packed, "little") >> (fill_bits + 7 * (available - 1))) & 0x7F if available else None
        if (len(packed) * 8 - fill_bits) % 7 == 0 and last == CARRIAGE_RETURN:
            count -= 1  # the CR that pads seven spare bits
    if count > available:
        raise UndecodableData(len(packed), "packed GSM 03.38", f"{count} septets need more octets")
    value = int.from_bytes(packed, "little") >> fill_bits
    return bytes((value >> (7 * index)) & 0x7F for index in range(count))
