"""GSM 03.38 default alphabet: known vectors for every character, packing, and errors."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pdu import gsm7

GSM_TEXT = st.text(alphabet=[c for c in gsm7.BASIC_TABLE if c != "\x1b"] + list(gsm7.EXTENSION_TABLE.values()))


class TestBasicTable:
    @pytest.mark.parametrize("septet", [s for s in range(128) if s != gsm7.ESCAPE])
    def test_every_basic_character_is_its_septet(self, septet):
        """Each basic-table character encodes to its own septet value and back."""
        char = gsm7.BASIC_TABLE[septet]
        assert gsm7.encode_septets(char) == bytes((septet,))
        assert gsm7.decode_septets(bytes((septet,))) == char

    def test_table_landmarks(self):
        """Spot checks against 23.038: '@' is 0x00, '£' 0x01, 'Δ' 0x10, 'ß' 0x1E, 'à' 0x7F."""
        assert gsm7.encode_septets("@£Δßà") == bytes((0x00, 0x01, 0x10, 0x1E, 0x7F))

    def test_at_sign_inside_a_message_survives(self):
        """'@' is septet 0x00; it must not be taken for a terminator in the middle of a text."""
        text = "user@example.com @home"
        assert gsm7.decode_septets(gsm7.encode_septets(text)) == text
        assert gsm7.encode_septets(text).count(0) == 2


class TestExtensionTable:
    @pytest.mark.parametrize("code,char", sorted(gsm7.EXTENSION_TABLE.items()))
    def test_every_extension_character_is_escape_plus_code(self, code, char):
        """Each extension character is ESC (0x1B) then its code, and costs two septets."""
        assert gsm7.encode_septets(char) == bytes((0x1B, code))
        assert gsm7.decode_septets(bytes((0x1B, code))) == char
        assert gsm7.septet_cost(char) == 2

    def test_unknown_escape_shows_the_basic_character(self):
        """ESC followed by a code the extension table lacks reads as the basic character."""
        assert gsm7.decode_septets(bytes((0x1B, 0x41))) == "A"

    def test_escape_escape_shows_a_space(self):
        """ESC ESC is shown as a space (23.038 6.2.1.1)."""
        assert gsm7.decode_septets(bytes((0x1B, 0x1B))) == " "

    def test_trailing_escape_is_malformed(self):
        """A lone ESC at the end is an error naming its position."""
        with pytest.raises(gsm7.UndecodableData, match="octet 2"):
            gsm7.decode_septets(b"AB\x1b")


class TestErrors:
    def test_unencodable_character_is_named_with_its_position(self):
        """A character outside the alphabet is reported, not replaced by '?'."""
        with pytest.raises(gsm7.UnencodableCharacter) as caught:
            gsm7.encode_septets("abc中")
        assert caught.value.character == "中"
        assert caught.value.position == 3
        assert "U+4E2D" in str(caught.value)

    def test_octet_above_127_is_not_a_septet(self):
        """Unpacked septets are 0..127; anything else is an error."""
        with pytest.raises(gsm7.UndecodableData):
            gsm7.decode_septets(b"\x80")


class TestPacking:
    def test_known_vector(self):
        """'hellohello' packs to E8329BFD4697D9EC37 (the 23.038 worked example)."""
        packed = gsm7.pack_septets(gsm7.encode_septets("hellohello"))
        assert packed.hex().upper() == "E8329BFD4697D9EC37"

    def test_seven_spare_bits_carry_cr_not_an_at_sign(self):
        """Seven septets pack into seven octets with seven spare bits: they hold CR, and a
        reader without the count does not see a trailing '@'."""
        packed = gsm7.pack_septets(gsm7.encode_septets("abcdefg"))
        assert packed[-1] >> 1 == 0x0D
        assert gsm7.decode_septets(gsm7.unpack_septets(packed)) == "abcdefg"

    @given(GSM_TEXT, st.integers(0, 6))
    def test_pack_then_unpack_returns_the_septets(self, text, fill_bits):
        """Packing with any fill bits and unpacking with the count gives the septets back."""
        septets = gsm7.encode_septets(text)
        packed = gsm7.pack_septets(septets, fill_bits)
        assert len(packed) == (fill_bits + 7 * len(septets) + 7) // 8
        assert gsm7.unpack_septets(packed, len(septets), fill_bits) == septets

    @given(GSM_TEXT)
    def test_encode_decode_round_trip(self, text):
        """Every text of the alphabet and its extension survives encode and decode."""
        assert gsm7.decode_septets(gsm7.encode_septets(text)) == text
        assert len(gsm7.encode_septets(text)) == gsm7.septet_length(text)

    @given(st.text(alphabet=st.one_of(st.sampled_from(gsm7.BASIC_TABLE + "".join(gsm7.EXTENSION_TABLE.values())), st.characters())))
    def test_whole_text_agrees_with_each_character(self, text):
        """fits and septet_length over a whole text say what septet_cost says of each
        character; the first character outside the alphabet is the one named."""
        costs = [gsm7.septet_cost(char) for char in text]
        assert gsm7.fits(text) == (None not in costs)
        if None in costs:
            with pytest.raises(gsm7.UnencodableCharacter) as caught:
                gsm7.septet_length(text)
            assert caught.value.position == costs.index(None)
        else:
            assert gsm7.septet_length(text) == sum(costs)
