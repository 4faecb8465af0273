"""Blocked keywords are found through every evasion we know, only where they are, and keyword
files are refused with the file and line at fault."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from smsc.policy.keywords import (
    KeywordFileError,
    KeywordHit,
    KeywordList,
    KeywordMatcher,
    describe,
    load_keywords,
    normalise,
)

LISTS = [
    ("gambling", ("赌博", "六合彩", "6合彩", "8合彩")),
    ("finance", ("贷款", "loan", "110")),
    ("pharma", ("viagra", "伟哥")),
]
MATCHER = KeywordMatcher.build(LISTS)
KEYWORDS = [keyword for _, keywords in LISTS for keyword in keywords]


def found(text):
    hit = MATCHER.find(text)
    return hit and hit.keyword


class TestNormalise:
    def test_full_width_case_and_separators_fold_away(self):
        """Full-width letters become ASCII, case folds, spaces and punctuation go."""
        assert normalise("ＶｉＡ gra!").text == "viagra"

    def test_traditional_chinese_becomes_simplified(self):
        """賭博 reads as 赌博 and 貸款 as 贷款."""
        assert normalise("賭博 貸款").text == "赌博贷款"

    def test_traditional_conversion_ignores_neighbours(self):
        """A character converts alike alone and in a phrase, so a space cannot undo it."""
        assert normalise("瞭解").text == normalise("瞭 解").text

    def test_lone_surrogates_go(self):
        """A lone surrogate (from a broken UCS-2 body) is dropped, not an error."""
        assert normalise("赌\ud800博").text == "赌博"

    def test_accents_and_zero_width_characters_go(self):
        """Combining accents, precomposed or not, and zero-width spaces are dropped."""
        assert normalise("vi\u0301a\u200bgrä").text == "viagra"

    def test_origin_points_at_the_original_characters(self):
        """Each normalised character knows its index in the original, expansions included."""
        result = normalise("a ß.Ｂ")
        assert (result.text, result.origin) == ("assb", (0, 2, 2, 4))

    def test_digits_stay_digits_without_homoglyphs(self):
        """Plain normalisation keeps digits, so "6合彩" is still "6合彩"."""
        assert normalise("６合彩 v1agra").text == "6合彩v1agra"

    def test_homoglyphs_fold_look_alikes(self):
        """With homoglyphs, look-alike digits, symbols, l and Cyrillic letters fold to Latin."""
        assert normalise("V1@GRA l0an ca$h раy", homoglyphs=True).text == "viagraioancashpay"

    @given(st.text())
    def test_normalisation_is_per_character(self, text):
        """A text normalises as its characters do one by one, the same for keyword and text."""
        result = normalise(text)
        assert result.text == "".join(normalise(ch).text for ch in text)
        assert len(result.origin) == len(result.text)
        assert list(result.origin) == sorted(result.origin)
        assert all(0 <= index < len(text) for index in result.origin)


class TestEvasions:
    @pytest.mark.parametrize(
        "text, keyword",
        [
            ("欢迎来赌 博", "赌博"),
            ("欢迎来赌.博", "赌博"),
            ("欢迎来赌*博", "赌博"),
            ("欢迎来赌\u3000博", "赌博"),
            ("欢迎来賭博", "赌博"),
            ("欢迎来 賭 · 博 ！", "赌博"),
            ("买ＶＩＡＧＲＡ", "viagra"),
            ("买 ViAgRa", "viagra"),
            ("买 v1agra", "viagra"),
            ("买 V-1-@-G-R-@", "viagra"),
            ("买 vіagra", "viagra"),  # Cyrillic і
            ("买 ｖ１ａｇｒａ", "viagra"),
            ("急用钱? L0AN now", "loan"),
            ("急用钱? 1oan now", "loan"),
            ("６合彩开奖", "6合彩"),
            ("六 合 彩", "六合彩"),
            ("偉哥", "伟哥"),
            ("贷😀款", "贷款"),
        ],
    )
    def test_evasion_is_caught(self, text, keyword):
        """Spaces, punctuation, symbols, full-width forms, traditional characters, case and
        look-alikes, alone or together, do not hide a keyword."""
        assert found(text) == keyword

    @pytest.mark.parametrize(
        "text",
        [
            "您的验证码是482913，5分钟内有效。",
            "【京东】双十一大促，全场满300减50，退订回T",
            "Your parcel 8055 arrives today",
            "hello, call me later",
            "ioan 5 is a name",
            "博彩, 博 赌",
            "b合彩",
            "南京六合区彩票站",
            "",
        ],
    )
    def test_innocent_text_passes(self, text):
        """Texts without a keyword are not flagged, even with keyword characters or digits."""
        assert MATCHER.find_all(text) == []

    def test_numeric_keyword_matches_only_digits(self):
        """"110" is not "llo": digits fold to letters only for keywords with letters."""
        assert (found("hello"), found("call 110")) == (None, "110")

    def test_digits_in_chinese_keywords_are_not_folded(self):
        """"8合彩" does not match "b合彩", and "6合彩" matches only a 6."""
        assert (found("b合彩"), found("8合彩"), found("b6合彩")) == (None, "8合彩", "6合彩")

    def test_look_alikes_alone_do_not_spell_a_word(self):
        """A homoglyph hit needs a letter: "8055" is not "boss"."""
        matcher = KeywordMatcher.build([("spam", ("boss",))])
        assert (matcher.find("call 8055"), matcher.find("b0ss").keyword) == (None, "boss")


class TestHits:
    def test_hit_points_at_the_original_fragment(self):
        """fragment, start and end cover the original characters, separators included."""
        text = "您好，欢迎光临！賭 博 游戏"
        assert MATCHER.find(text) == KeywordHit("gambling", "赌博", "賭 博", 8, 11)
        assert text[8:11] == "賭 博"

    def test_first_in_text_order_wins(self):
        """The earliest keyword is reported, whatever the order of the lists."""
        assert found("先贷款再赌博") == "贷款"

    def test_longest_wins_at_the_same_start(self):
        """Of two keywords starting at one place, the longer is reported."""
        matcher = KeywordMatcher.build([("a", ("六合",)), ("b", ("六合彩",))])
        assert matcher.find("买六合彩").keyword == "六合彩"

    def test_earlier_start_beats_earlier_end(self):
        """A long keyword starting first wins over a short one inside it that ends first."""
        matcher = KeywordMatcher.build([("a", ("合彩",)), ("b", ("六合彩票",))])
        assert matcher.find("六合彩票").keyword == "六合彩票"

    def test_keyword_in_several_lists_reports_the_first(self):
        """A keyword held by two lists, or spelled twice, reports its first list and spelling."""
        matcher = KeywordMatcher.build([("one", ("Loan",)), ("two", ("loan", "ＬＯＡＮ"))])
        assert (matcher.find("loan").list_name, matcher.find("loan").keyword, len(matcher)) == ("one", "Loan", 1)

    def test_find_all_lists_every_occurrence_in_order(self):
        """find_all returns each occurrence once, plain and look-alike, in text order."""
        hits = MATCHER.find_all("贷款 and v1agra, then 賭博 and loan")
        assert [(hit.keyword, hit.fragment) for hit in hits] == [
            ("贷款", "贷款"), ("viagra", "v1agra"), ("赌博", "賭博"), ("loan", "loan")]  # fmt: skip

    def test_describe_for_the_trace(self):
        """describe names keyword, list, fragment and place."""
        hit = MATCHER.find("今天开始的优惠活动：賭 博")
        assert describe(hit) == 'keyword "赌博" (list gambling) matched "賭 博" at 10–13'

    def test_empty_matcher_finds_nothing(self):
        """A matcher without keywords answers None and no hits."""
        matcher = KeywordMatcher.build([("empty", ())])
        assert (matcher.find("赌博 viagra"), matcher.find_all("赌博"), len(matcher), matcher.lists) == (
            None, [], 0, ("empty",))  # fmt: skip

    def test_keyword_without_letters_is_refused(self):
        """Building with a keyword that normalises to nothing is an error, not a silent no-op."""
        with pytest.raises(ValueError, match="'!!!' of list bad"):
            KeywordMatcher.build([("bad", ("!!!",))])


SEPARATORS = st.text(alphabet=st.sampled_from(" \t.,*-_·。，！？…【】😀\u3000\u200b"), max_size=3)
# Filler shares no character with any keyword in either normal form.
_KEY_CHARS = {c for k in KEYWORDS for c in normalise(k).text + normalise(k, homoglyphs=True).text}
FILLER = st.text(
    alphabet=st.characters(max_codepoint=0x2FFFF).filter(
        lambda c: not _KEY_CHARS & set(normalise(c).text + normalise(c, homoglyphs=True).text)
    ),
    max_size=30,
)


class TestProperties:
    @given(st.sampled_from(KEYWORDS), st.data(), FILLER, FILLER)
    def test_separated_keyword_is_found_where_it_is(self, keyword, data, before, after):
        """Any separators between a keyword's characters, in any text, still match, and the
        hit covers exactly the separated keyword."""
        gaps = [data.draw(SEPARATORS) for _ in keyword[1:]]
        evasion = keyword[0] + "".join(gap + ch for gap, ch in zip(gaps, keyword[1:]))
        hit = MATCHER.find(before + evasion + after)
        assert hit is not None
        assert normalise(hit.keyword).text == normalise(keyword).text
        assert (hit.start, hit.end) == (len(before), len(before) + len(evasion))

    @given(FILLER)
    def test_text_without_keyword_characters_never_matches(self, text):
        """A text none of whose characters appear in a keyword never matches."""
        assert MATCHER.find_all(text) == []

    @given(st.text(alphabet=st.sampled_from("赌賭博六合彩6６8b贷貸款loan1LO0viagr@V伟偉哥 .*")))
    def test_every_hit_is_its_fragment(self, text):
        """Each hit's fragment is the text between start and end and normalises to its keyword."""
        for hit in MATCHER.find_all(text):
            assert text[hit.start:hit.end] == hit.fragment
            plain = normalise(hit.fragment).text == normalise(hit.keyword).text
            lookalike = normalise(hit.fragment, homoglyphs=True).text == normalise(hit.keyword, homoglyphs=True).text
            assert plain or lookalike

class TestKeywordFiles:
    def write(self, tmp_path, content, name="gambling.txt"):
        path = tmp_path / name
        path.write_bytes(content if isinstance(content, bytes) else content.encode())
        return path

    def test_file_format(self, tmp_path):
        """One keyword a line, stripped, skipping blanks and comments, first spelling kept."""
        path = self.write(tmp_path, "\ufeff# gambling\n  赌博 \n\n六合彩\r\n賭博\n# 贷款\nViagra\nVIAGRA\n")
        assert load_keywords(path) == ("赌博", "六合彩", "Viagra")

    def test_list_is_named_after_its_file(self, tmp_path):
        """KeywordList.from_file names the list after the file unless told otherwise."""
        path = self.write(tmp_path, "赌博\n")
        assert KeywordList.from_file(path) == KeywordList("gambling", ("赌博",))
        assert KeywordList.from_file(path, "casino").name == "casino"

    def test_unreadable_file(self, tmp_path):
        """A file that cannot be read is named, without a line."""
        with pytest.raises(KeywordFileError) as caught:
            load_keywords(tmp_path / "missing.txt")
        assert (caught.value.line, str(caught.value)) == (None, f"{tmp_path / 'missing.txt'}: cannot read: No such file or directory")

    def test_invalid_utf8_names_the_line(self, tmp_path):
        """Bytes that are not UTF-8 are reported with their line."""
        path = self.write(tmp_path, "赌博\n# ok\n".encode() + b"bad \xff here\n")
        with pytest.raises(KeywordFileError) as caught:
            load_keywords(path)
        assert str(caught.value).startswith(f"{path}:3: invalid UTF-8")

    def test_keyword_without_letters_names_the_line(self, tmp_path):
        """A keyword that normalises to nothing ("!!!") is refused with its line."""
        path = self.write(tmp_path, "赌博\n!!!\n")
        with pytest.raises(KeywordFileError) as caught:
            load_keywords(path)
        assert (caught.value.file, caught.value.line) == (str(path), 2)
        assert str(caught.value) == f"{path}:2: keyword '!!!' has no letters or digits left to match"

    def test_loaded_lists_build_a_matcher(self, tmp_path):
        """Lists from files build the matcher in the order given."""
        lists = [KeywordList.from_file(self.write(tmp_path, text, name)) for name, text in
                 [("gambling.txt", "赌博\n"), ("finance.txt", "贷款\n赌博\n")]]  # fmt: skip
        matcher = KeywordMatcher.from_lists(lists)
        assert (matcher.lists, matcher.find("賭 博").list_name, matcher.find("貸款").list_name) == (
            ("gambling", "finance"), "gambling", "finance")  # fmt: skip
