"""Blocked-keyword lists and the matcher that finds them in message text despite the usual
evasions: spaces or punctuation between characters, full-width forms, traditional Chinese,
mixed case, accents and look-alike digits.

Keywords and texts go through the same normalisation, so a keyword matches whenever the two
normalised forms meet; the origin of every normalised character lets us show the fragment of
the original text that matched. One Aho-Corasick automaton holds every list, so the cost of a
message does not grow with the number of keywords.
"""

import os
import unicodedata
from collections.abc import Iterable
from itertools import chain, repeat

import ahocorasick
import attrs
import opencc

# Look-alikes folded only in the second, homoglyph pass (see KeywordMatcher). "1" stands for
# both i and l, so l folds to i as well; Cyrillic letters that look Latin fold to their twins.
HOMOGLYPHS = {
    "0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "8": "b", "@": "a", "$": "s",
    "l": "i", "а": "a", "е": "e", "о": "o", "р": "p", "с": "c", "у": "y", "х": "x", "і": "i",
}  # fmt: skip

# What a text must contain for the homoglyph pass to be worth running: the look-alikes a
# sender substitutes (ASCII and full-width), not the letters they stand for.
_SUBSTITUTES = frozenset(
    [ch for ch in HOMOGLYPHS if ch != "l"]
    + [chr(ord(ch) + 0xFEE0) for ch in HOMOGLYPHS if ch.isascii() and ch != "l"]
)
_DROPPED_CATEGORIES = ("Z", "P", "S", "C")  # separators, punctuation, symbols, controls
_DROPPED_MARKS = ("Mn", "Me")  # accents and enclosing marks, after NFKD splits them off
_CACHE_LIMIT = 200_000  # code points remembered per table; a hostile text cannot grow it further

_T2S = opencc.OpenCC("t2s")


def _fold_char(ch: str, homoglyphs: bool) -> str:
    """What one character becomes: NFKD without marks, simplified Chinese, casefolded, with
    separators, punctuation, symbols and controls dropped."""
    if unicodedata.category(ch) == "Cs":
        return ""  # a lone surrogate from a broken UCS-2 body; OpenCC cannot even encode it
    decomposed = "".join(c for c in unicodedata.normalize("NFKD", ch) if unicodedata.category(c) not in _DROPPED_MARKS)
    # One character at a time on purpose: OpenCC's phrase rules depend on the neighbours
    # ("瞭解" becomes "了解" but "瞭 解" keeps 瞭), so converting whole strings would let a
    # space defeat the conversion and would treat a keyword differently from the same
    # characters inside a text. Single-character t2s never changes the length.
    folded = _T2S.convert(decomposed).casefold() if decomposed and not decomposed.isascii() else decomposed.casefold()
    if homoglyphs:
        folded = "".join(HOMOGLYPHS.get(c, c) for c in folded)
    return "".join(c for c in folded if not unicodedata.category(c).startswith(_DROPPED_CATEGORIES))


class _FoldTable(dict):
    """A str.translate table filled on first sight of each code point, so the unicodedata
    and OpenCC work is done once per character, not once per message."""

    def __init__(self, homoglyphs: bool):
        super().__init__()
        self.homoglyphs = homoglyphs
        self.lengths = _LengthTable(self)

    def __missing__(self, code: int) -> str:
        folded = _fold_char(chr(code), self.homoglyphs)
        if len(self) < _CACHE_LIMIT:
            self[code] = folded
        return folded


class _LengthTable(dict):
    """A str.translate table giving, as chr(n), how many characters each one folds to: the
    origin map is then built by C loops alone (see _origin)."""

    def __init__(self, folds: _FoldTable):
        super().__init__()
        self.folds = folds

    def __missing__(self, code: int) -> str:
        length = chr(len(self.folds[code]))  # at most 18 (NFKD of U+FDFD), so one latin-1 octet
        if len(self) < _CACHE_LIMIT:
            self[code] = length
        return length


_PLAIN = _FoldTable(homoglyphs=False)
_LOOKALIKE = _FoldTable(homoglyphs=True)


@attrs.frozen
class Normalised:
    """A text in the form keywords are compared in, with where each character came from."""

    text: str
    origin: tuple[int, ...]  # origin[i]: index in the original text of text[i]


def normalise(text: str, *, homoglyphs: bool = False) -> Normalised:
    """The comparable form of text: NFKD without accents, traditional Chinese as simplified,
    casefolded, without whitespace, punctuation, symbols or controls; with homoglyphs, also
    look-alike digits and letters folded (see HOMOGLYPHS)."""
    table = _LOOKALIKE if homoglyphs else _PLAIN
    return Normalised(text.translate(table), _origin(text, table))


def _origin(text: str, table: _FoldTable) -> tuple[int, ...]:
    # Index i repeated as many times as text[i] folds to characters, without a Python loop.
    counts = text.translate(table.lengths).encode("latin-1")
    return tuple(chain.from_iterable(map(repeat, range(len(text)), counts)))


@attrs.frozen
class KeywordFileError(Exception):
    """A keyword file we cannot use, naming the line at fault when there is one."""

    file: str
    line: int | None
    message: str

    def __str__(self):
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        return f"{where}: {self.message}"


def load_keywords(path: str | os.PathLike) -> tuple[str, ...]:
    """The keywords of a UTF-8 file, one a line as written, skipping blank lines, # comments
    and keywords that normalise like an earlier one."""
    file = os.fspath(path)
    try:
        with open(file, "rb") as stream:
            raw = stream.read()
    except OSError as error:
        raise KeywordFileError(file, None, f"cannot read: {error.strerror}") from None
    keywords, seen = [], set()
    for number, octets in enumerate(raw.split(b"\n"), start=1):
        try:
            line = octets.decode("utf-8")
        except UnicodeDecodeError as error:
            raise KeywordFileError(file, number, f"invalid UTF-8 at byte {error.start + 1}") from None
        keyword = line.removeprefix("\ufeff").strip() if number == 1 else line.strip()
        if not keyword or keyword.startswith("#"):
            continue
        key = normalise(keyword).text
        if not key:
            raise KeywordFileError(file, number, f"keyword {keyword!r} has no letters or digits left to match")
        if key not in seen:
            seen.add(key)
            keywords.append(keyword)
    return tuple(keywords)


@attrs.frozen
class KeywordList:
    """A named list of blocked keywords, as written in its file."""

    name: str
    keywords: tuple[str, ...]

    @classmethod
    def from_file(cls, path: str | os.PathLike, name: str | None = None) -> "KeywordList":
        """The list in path, named after the file (without extension) unless name is given."""
        return cls(name or os.path.splitext(os.path.basename(path))[0], load_keywords(path))


@attrs.frozen
class KeywordHit:
    """A blocked keyword found in a text, with the original fragment that matched."""

    list_name: str  # the first list, in build order, holding the keyword
    keyword: str  # as written in the list
    fragment: str  # text[start:end]
    start: int
    end: int


def describe(hit: KeywordHit) -> str:
    """One line for the message trace."""
    return f'keyword "{hit.keyword}" (list {hit.list_name}) matched "{hit.fragment}" at {hit.start}–{hit.end}'


@attrs.frozen
class _Entry:
    length: int  # of the normalised keyword
    list_name: str
    keyword: str


@attrs.frozen
class KeywordMatcher:
    """Every blocked keyword of every list in one automaton, asked once per message.

    A text is searched twice at most. The plain pass compares normalised forms, so digits are
    digits: "6合彩" matches "６合彩" and "110" never matches "llo". The homoglyph pass runs only
    when the text holds a look-alike ("v1agra", "l0an", "ca$h") and only against keywords
    with Latin letters; its hits must cover a look-alike and a letter of the original text, so
    "8055" does not read as "boss" and "ioan" is not "loan".
    """

    lists: tuple[str, ...]
    _plain: ahocorasick.Automaton | None
    _lookalike: ahocorasick.Automaton | None
    _size: int

    @classmethod
    def build(cls, lists: Iterable[tuple[str, Iterable[str]]]) -> "KeywordMatcher":
        """A matcher for (list name, keywords) pairs; a keyword in several lists, or two that
        normalise alike, is reported with its first list and first spelling."""
        names, plain, lookalike = [], {}, {}
        for name, keywords in lists:
            names.append(name)
            for keyword in keywords:
                key = normalise(keyword).text
                if not key:
                    raise ValueError(f"keyword {keyword!r} of list {name} has no letters or digits left to match")
                plain.setdefault(key, _Entry(len(key), name, keyword))
                if any("a" <= c <= "z" for c in key):
                    folded = normalise(keyword, homoglyphs=True).text
                    lookalike.setdefault(folded, _Entry(len(folded), name, keyword))
        return cls(tuple(names), _automaton(plain), _automaton(lookalike), len(plain))

    @classmethod
    def from_lists(cls, lists: Iterable[KeywordList]) -> "KeywordMatcher":
        """A matcher for loaded keyword lists, in order."""
        return cls.build((keyword_list.name, keyword_list.keywords) for keyword_list in lists)

    def __len__(self) -> int:
        """The number of distinct keywords after normalisation."""
        return self._size

    def find(self, text: str) -> KeywordHit | None:
        """The first keyword in text order (the longest of those starting there), or None."""
        if self._plain is None:
            return None
        hits = self._hits(text)
        return min(hits, key=lambda hit: (hit.start, hit.start - hit.end)) if hits else None

    def find_all(self, text: str) -> list[KeywordHit]:
        """Every keyword occurrence in text, overlapping ones included, in text order."""
        if self._plain is None:
            return []
        return sorted(set(self._hits(text)), key=lambda hit: (hit.start, hit.start - hit.end, hit.keyword))

    def _hits(self, text: str) -> list[KeywordHit]:
        hits = _search(self._plain, text, _PLAIN)
        if self._lookalike is not None and not _SUBSTITUTES.isdisjoint(text):
            for hit in _search(self._lookalike, text, _LOOKALIKE):
                fragment = hit.fragment
                if not _SUBSTITUTES.isdisjoint(fragment) and any(ch.isalpha() for ch in fragment):
                    hits.append(hit)
        return hits


def _automaton(entries: dict[str, _Entry]) -> ahocorasick.Automaton | None:
    if not entries:
        return None
    automaton = ahocorasick.Automaton()
    for key, entry in entries.items():
        automaton.add_word(key, entry)
    automaton.make_automaton()
    return automaton


def _search(automaton: ahocorasick.Automaton, text: str, table: _FoldTable) -> list[KeywordHit]:
    # The origin map is only worth building once something matched, which is rare.
    matches = list(automaton.iter(text.translate(table)))
    if not matches:
        return []
    origin = _origin(text, table)
    hits = []
    for last, entry in matches:
        start, end = origin[last - entry.length + 1], origin[last] + 1
        hits.append(KeywordHit(entry.list_name, entry.keyword, text[start:end], start, end))
    return hits
