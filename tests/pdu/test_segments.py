"""Long messages: limits per encoding, headers, unsplittable characters and reassembly."""

import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pdu import text as textcodec
from pdu.reassembly import Reassembler
from pdu.segments import (
    Concatenation,
    MalformedHeader,
    MessageTooLong,
    PartInfo,
    TooManySegments,
    part_info,
    segment_capacity,
    split,
    split_binary,
)
from pdu.text import Encoding

METHODS = st.sampled_from([Concatenation.UDH8, Concatenation.UDH16, Concatenation.SAR])


def reassemble(segments, order=None):
    """Receive segments as an SMSC would (short_message + esm_class + TLVs) and rebuild."""
    reassembler = Reassembler(timeout=60)
    whole = None
    for segment in order or segments:
        info, body = part_info(segment.short_message, segment.udhi, segment.sar)
        if info is None:
            return body
        whole = reassembler.add(("src", "dst"), info, body, now=0) or whole
    return whole


class TestLimits:
    @pytest.mark.parametrize(
        "encoding,single,part8,part16",
        [(Encoding.GSM7, 160, 153, 152), (Encoding.LATIN1, 140, 134, 133), (Encoding.UCS2, 70, 67, 66)],
    )
    def test_capacity_per_encoding(self, encoding, single, part8, part16):
        """160/153 septets, 140/134 octets, 70/67 UCS-2 units (one less with a 16-bit reference)."""
        assert segment_capacity(encoding) == single
        assert segment_capacity(encoding, 6) == part8
        assert segment_capacity(encoding, 7) == part16

    @pytest.mark.parametrize(
        "length,encoding,parts",
        [(160, "a", 1), (161, "a", 2), (306, "a", 2), (307, "a", 3), (70, "中", 1), (71, "中", 2), (134, "中", 2)],
    )
    def test_boundaries(self, length, encoding, parts):
        """A text exactly at a limit stays in one part; one character more needs another."""
        assert len(split(encoding * length, reference=1)) == parts

    def test_at_most_255_parts(self):
        """255 parts are allowed; the 256th is a clear error."""
        assert len(split("a" * 153 * 255, reference=1)) == 255
        with pytest.raises(TooManySegments, match="256 segments"):
            split("a" * (153 * 255 + 1), reference=1)

    def test_a_long_message_needs_a_reference(self):
        """The caller owns reference numbers so concurrent long messages do not collide."""
        with pytest.raises(ValueError, match="reference"):
            split("a" * 200)
        with pytest.raises(ValueError, match="out of range"):
            split("a" * 200, reference=256)
        assert split("a" * 200, method=Concatenation.UDH16, reference=0xFFFF)[0].reference == 0xFFFF


class TestUnsplittable:
    def test_extension_character_never_straddles_segments(self):
        """'€' (ESC + 0x65) at septet 153 moves whole to the next part."""
        segments = split("a" * 152 + "€" + "b" * 10, reference=7)
        assert segments[0].units == 152
        assert segments[1].body.startswith(b"\x1b\x65")

    def test_emoji_at_segment_boundary_stays_whole(self):
        """A surrogate pair that would straddle 67 code units moves to the next part."""
        segments = split("中" * 66 + "😀" + "x" * 10, reference=9)
        assert segments[0].units == 66
        assert textcodec.decode(segments[1].body, Encoding.UCS2) == "😀" + "x" * 10

    @given(st.text(min_size=1, max_size=800), METHODS, st.integers(0, 255))
    def test_every_segment_decodes_on_its_own(self, value, method, reference):
        """No segment ends in half a character: each decodes by itself."""
        for segment in split(value, method=method, reference=reference):
            textcodec.decode(segment.body, segment.encoding)


class TestWireForm:
    def test_udh8_header(self):
        """8-bit reference: 05 00 03 ref total seq, and the UDHI flag."""
        first = split("a" * 200, reference=0x2A)[0]
        assert first.short_message[:6] == bytes.fromhex("0500032A0201")
        assert first.udhi and not first.sar

    def test_udh16_header(self):
        """16-bit reference: 06 08 04 refhi reflo total seq."""
        second = split("a" * 200, method=Concatenation.UDH16, reference=0x1234)[1]
        assert second.short_message[:7] == bytes.fromhex("060804123402 02".replace(" ", ""))

    def test_sar_tlvs(self):
        """SAR puts the numbers in TLVs and leaves short_message as plain text."""
        segments = split("a" * 200, method=Concatenation.SAR, reference=300)
        assert segments[1].sar == {"sar_msg_ref_num": 300, "sar_total_segments": 2, "sar_segment_seqnum": 2}
        assert not segments[1].udhi and segments[1].short_message == b"a" * 48  # 152 + 48: room for a 16-bit UDH

    def test_payload_is_one_part(self):
        """message_payload carries the whole text and leaves short_message empty."""
        (only,) = split("验证码" * 100, method=Concatenation.PAYLOAD)
        assert only.short_message == b"" and len(only.message_payload) == 600
        with pytest.raises(MessageTooLong):
            split("a" * 70000, method=Concatenation.PAYLOAD)

    def test_short_text_has_no_header(self):
        """A text that fits one message has no UDH and no SAR, whatever the method."""
        (only,) = split("hello", method=Concatenation.UDH8)
        assert only.short_message == b"hello" and not only.udhi

    def test_packed_segments_leave_room_for_fill_bits(self):
        """Packed 7-bit parts after a 6-octet UDH take one fill bit and still fit 140 octets."""
        segments = split("a" * 400, reference=3, packed=True)
        assert all(len(s.udh) + len(s.body) <= 140 for s in segments)
        first = segments[0]
        septets = textcodec.gsm7.unpack_septets(first.body, first.units, fill_bits=1)
        assert septets == b"a" * 153

    @given(st.text(max_size=2000), METHODS, st.integers(0, 255), st.booleans())
    def test_no_segment_is_over_140_octets_on_the_air(self, value, method, reference, packed):
        """Whatever the text, every part fits the 140-octet air interface, header included."""
        for segment in split(value, method=method, reference=reference, packed=packed):
            assert segment.air_octets <= 140


class TestReassembly:
    @given(st.text(max_size=1500), METHODS, st.integers(0, 255), st.randoms(use_true_random=False))
    def test_split_then_reassemble_returns_the_text(self, value, method, reference, rnd):
        """Any Unicode text, split any way and received in any order, comes back whole."""
        segments = split(value, method=method, reference=reference)
        shuffled = list(segments)
        rnd.shuffle(shuffled)
        body = reassemble(segments, shuffled)
        assert textcodec.decode(body, segments[0].encoding) == value

    def test_duplicates_are_ignored(self):
        """A part received twice counts once; the message completes when the last new part arrives."""
        segments = split("x" * 400, reference=5)
        with_duplicates = [segments[0], segments[0], segments[2], segments[2], segments[1]]
        assert reassemble(segments, with_duplicates) == b"x" * 400

    def test_missing_parts_reported_after_timeout(self):
        """Parts that never come are named once the timeout passes, and not before."""
        segments = split("y" * 500, reference=77)
        reassembler = Reassembler(timeout=30)
        for segment in (segments[0], segments[2]):
            info, body = part_info(segment.short_message, segment.udhi, segment.sar)
            assert reassembler.add("k", info, body, now=100) is None
        assert reassembler.expire(now=129) == []
        (incomplete,) = reassembler.expire(now=130)
        assert (incomplete.reference, incomplete.total) == (77, 4)
        assert incomplete.received == (1, 3) and incomplete.missing == (2, 4)
        assert len(reassembler) == 0

    def test_same_reference_from_other_senders_do_not_mix(self):
        """The key (sender, recipient) scopes the reference, as on a handset."""
        reassembler = Reassembler(timeout=30)
        part = PartInfo(1, 2, 1)
        reassembler.add("alice", part, b"A1", now=0)
        assert reassembler.add("bob", PartInfo(1, 2, 2), b"B2", now=0) is None
        assert reassembler.add("alice", PartInfo(1, 2, 2), b"A2", now=0) == b"A1A2"

    def test_binary_split_and_reassemble(self):
        """8-bit binary splits at 134 octets per part and reassembles byte for byte."""
        data = bytes(random.Random(1).randrange(256) for _ in range(1000))
        segments = split_binary(data, reference=8)
        assert [len(s.body) for s in segments] == [134] * 7 + [62]
        assert reassemble(segments) == data

    @pytest.mark.parametrize(
        "short_message,reason",
        [(b"", "empty"), (b"\x09\x00\x03", "exceeds"), (b"\x02\x00\x03", "claims")],
    )
    def test_malformed_headers_are_named(self, short_message, reason):
        """A broken UDH is an error that says what is wrong, not a crash."""
        with pytest.raises(MalformedHeader, match=reason):
            part_info(short_message, True, {})

    @pytest.mark.parametrize("element", [b"\x01\x02\x03", b"\x01\x00\x01", b"\x01\x02\x00"])
    def test_impossible_concatenation_element_is_ignored(self, element):
        """Part 3 of 2, a total of 0 or part 0: 23.040 says ignore the element, so the text is single."""
        info, body = part_info(b"\x05\x00\x03" + element + b"text", True, {})
        assert info is None and body == b"text"

    def test_late_duplicate_after_completion_is_dropped(self):
        """A part arriving again after its message was whole opens nothing that later expires."""
        reassembler = Reassembler(timeout=30)
        reassembler.add("k", PartInfo(4, 2, 1), b"a", now=0)
        assert reassembler.add("k", PartInfo(4, 2, 2), b"b", now=1) == b"ab"
        assert reassembler.add("k", PartInfo(4, 2, 1), b"a", now=2) is None
        assert reassembler.expire(now=100) == [] and len(reassembler) == 0

    def test_impossible_part_is_refused(self):
        """The reassembler refuses part 3 of 2 instead of failing later."""
        with pytest.raises(ValueError, match="3 of 2"):
            Reassembler(timeout=30).add("k", PartInfo(1, 2, 3), b"x", now=0)

    def test_sar_with_a_16_bit_reference_leaves_room_for_a_16_bit_header(self):
        """SAR reference 300 needs a 7-octet UDH on the air, so parts hold 66 UCS-2 units."""
        segments = split("中" * 200, method=Concatenation.SAR, reference=300)
        assert segments[0].units == 66 and all(s.air_octets <= 140 for s in segments)
