"""Encodings: the automatic choice, forced encodings, data_coding values and round trips."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pdu import text
from pdu.text import Encoding


class TestChooseEncoding:
    def test_plain_text_is_gsm(self):
        """Text that fits the default alphabet (extension included) goes as GSM 7-bit."""
        assert text.choose_encoding("Your code is 1234 {ok} €5") is Encoding.GSM7

    def test_one_character_outside_makes_it_ucs2(self):
        """A single Chinese character or emoji switches the whole message to UCS-2."""
        assert text.choose_encoding("Your code is 1234 验证码") is Encoding.UCS2
        assert text.choose_encoding("ok 👍") is Encoding.UCS2


class TestRoundTrips:
    @given(st.text())
    def test_ucs2_carries_any_unicode(self, value):
        """UCS-2 (really UTF-16) carries every Unicode string, astral characters as pairs."""
        assert text.decode(text.encode(value, Encoding.UCS2), Encoding.UCS2) == value

    @given(st.text(alphabet=st.characters(max_codepoint=0xFF)))
    def test_latin1_round_trip(self, value):
        """Latin-1 (data_coding 3) carries every character up to U+00FF."""
        assert text.decode(text.encode(value, Encoding.LATIN1), Encoding.LATIN1) == value

    @given(st.text(alphabet=st.characters(max_codepoint=0x7F)))
    def test_ascii_round_trip(self, value):
        """IA5 (data_coding 1) carries ASCII."""
        assert text.decode(text.encode(value, Encoding.ASCII), Encoding.ASCII) == value

    @given(st.text())
    def test_automatic_choice_always_round_trips(self, value):
        """Whatever the text, the chosen encoding carries it back unchanged."""
        encoding = text.choose_encoding(value)
        assert text.decode(text.encode(value, encoding), encoding) == value

    @given(st.text())
    def test_units_read_off_the_octets_are_the_text_units(self, value):
        """unit_count of the encoded octets says what unit_length says of the text."""
        encoding = text.choose_encoding(value)
        assert text.unit_count(text.encode(value, encoding), encoding) == text.unit_length(value, encoding)

    @given(st.text(alphabet=st.sampled_from("@£$¥èéùìòÇ{}[]~€^|\\abcXYZ0123 ")))
    def test_packed_gsm_round_trip(self, value):
        """Packed 7-bit round-trips when the septet count is known."""
        packed = text.encode(value, Encoding.GSM7, packed=True)
        septets = text.unit_length(value, Encoding.GSM7)
        assert text.decode(packed, Encoding.GSM7, packed=True, septets=septets) == value


class TestForcedEncodingErrors:
    def test_forced_latin1_names_the_bad_character(self):
        """Forcing Latin-1 on Chinese text names the first character it cannot carry."""
        with pytest.raises(text.UnencodableCharacter) as caught:
            text.encode("café 咖啡", Encoding.LATIN1)
        assert (caught.value.character, caught.value.position) == ("咖", 5)
        assert "Latin-1" in str(caught.value)

    def test_forced_gsm_names_the_bad_character(self):
        """Forcing GSM 7-bit on an emoji is an error, never a '?'."""
        with pytest.raises(text.UnencodableCharacter, match="position 3"):
            text.encode("hi 😀", Encoding.GSM7)

    def test_binary_is_bytes_not_text(self):
        """Binary (data_coding 4) refuses text: the caller passes the bytes themselves."""
        with pytest.raises(TypeError):
            text.encode("abc", Encoding.BINARY)


class TestDataCoding:
    @pytest.mark.parametrize(
        "data_coding,encoding",
        [
            (0x00, Encoding.GSM7),
            (0x01, Encoding.ASCII),
            (0x02, Encoding.BINARY),
            (0x03, Encoding.LATIN1),
            (0x04, Encoding.BINARY),
            (0x06, Encoding.CYRILLIC),
            (0x07, Encoding.HEBREW),
            (0x08, Encoding.UCS2),
            (0xF0, Encoding.GSM7),
            (0xF1, Encoding.GSM7),
            (0xF4, Encoding.BINARY),
            (0x11, Encoding.GSM7),  # general group with message class 1
            (0x18, Encoding.UCS2),
            (0xC0, Encoding.GSM7),  # message waiting, discard
            (0xD1, Encoding.GSM7),  # message waiting, store
            (0xE8, Encoding.UCS2),  # message waiting, store, UCS-2
        ],
    )
    def test_data_coding_to_encoding(self, data_coding, encoding):
        """Each data_coding value maps to the alphabet it announces."""
        assert text.encoding_for_data_coding(data_coding) is encoding

    def test_smsc_default_alphabet_can_be_latin1(self):
        """data_coding 0 means the SMSC default, which a carrier may set to Latin-1."""
        assert text.encoding_for_data_coding(0, smsc_default=Encoding.LATIN1) is Encoding.LATIN1

    @pytest.mark.parametrize("data_coding", [0x05, 0x0D, 0x0E, 0x30, 0x80])
    def test_unsupported_values_are_named(self, data_coding):
        """JIS, ISO-2022-JP, KS C 5601, compressed text and reserved groups are refused clearly."""
        with pytest.raises(text.UnsupportedDataCoding, match=f"0x{data_coding:02X}"):
            text.encoding_for_data_coding(data_coding)

    def test_each_encoding_announces_its_data_coding(self):
        """The data_coding an encoding announces maps back to that encoding."""
        for encoding in Encoding:
            assert text.encoding_for_data_coding(encoding.data_coding) is encoding
