"""Who must not be messaged: blacklists loaded from files, and the opt-outs handsets asked
for by replying T, TD or STOP to a sender."""

import re
from collections.abc import Iterable

import attrs

_NUMBER = re.compile(r"\+?[0-9]{3,20}")


@attrs.frozen
class ListFileError(Exception):
    """A list file that cannot be used; str() names the file and line."""

    file: str
    line: int | None
    message: str

    def __str__(self):
        return f"{self.file}:{self.line}: {self.message}" if self.line else f"{self.file}: {self.message}"


def load_numbers(path: str) -> frozenset[str]:
    """A blacklist file: one number per line in international form (+ optional), blank
    lines and # comments ignored. Numbers are kept as digits without the +."""
    try:
        with open(path, "rb") as file:
            raw = file.read()
    except OSError as error:
        raise ListFileError(path, None, error.strerror or str(error)) from None
    numbers = set()
    for line_number, line in enumerate(raw.split(b"\n"), start=1):
        try:
            text = line.decode("utf-8").strip()
        except UnicodeDecodeError as error:
            raise ListFileError(path, line_number, f"not UTF-8 ({error.reason})") from None
        if not text or text.startswith("#"):
            continue
        if not _NUMBER.fullmatch(text):
            raise ListFileError(path, line_number, f"not a number in international form: {text!r}")
        numbers.add(text.lstrip("+"))
    return frozenset(numbers)


def reply_word(text: str) -> str:
    """An MO's text as a keyword reply: trimmed, upper case, trailing punctuation dropped
    ("t", " Stop! " and "STOP." all read as one word)."""
    return text.strip().rstrip(".!。！").strip().upper()


class OptOuts:
    """Opt-outs by sender address: marketing from a sender to a number that replied T to
    it is refused. In memory for the submit path; the store keeps them across restarts."""

    def __init__(self, entries: Iterable[tuple[str, str]] = ()):
        self._numbers: dict[str, set[str]] = {}
        for sender, number in entries:
            self.add(sender, number)

    def add(self, sender: str, number: str) -> bool:
        """True if the number was not opted out of the sender before."""
        numbers = self._numbers.setdefault(sender, set())
        if number in numbers:
            return False
        numbers.add(number)
        return True

    def remove(self, sender: str, number: str) -> bool:
        """True if the number was opted out of the sender."""
        numbers = self._numbers.get(sender, set())
        if number not in numbers:
            return False
        numbers.remove(number)
        return True

    def __contains__(self, pair: tuple[str, str]) -> bool:
        sender, number = pair
        return number in self._numbers.get(sender, ())

    def __len__(self) -> int:
        return sum(map(len, self._numbers.values()))

    def of(self, sender: str) -> list[str]:
        return sorted(self._numbers.get(sender, ()))
