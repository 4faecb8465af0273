"""Reading the recipients of `esme blast --numbers FILE`: a CSV with a header or a plain list,
each number normalised to international digits, invalid ones and repeats reported by line.

A file is CSV when its first line holds a delimiter (comma, semicolon or tab) or names a
number column; otherwise it is one number a line, where blank lines and # comments are the
only lines ignored. In a CSV the columns other than the number are the row's template
variables. Problems of a row are reported (Rejected, Duplicate); problems of the file stop
the run with a NumbersFileError naming the file, line and field.
"""

import csv
import os
import types
from collections.abc import Mapping

import attrs

from pdu import numbers

NUMBER_COLUMNS = ("number", "phone", "msisdn", "mobile")
_DELIMITERS = (",", ";", "\t")
# Written around digits in address books and spreadsheets; dropped before parsing.
_PUNCTUATION = str.maketrans("", "", " -.()/\u00a0")
_NO_VARIABLES: Mapping[str, str] = types.MappingProxyType({})


@attrs.frozen
class NumbersFileError(Exception):
    """A numbers file we cannot use at all; nothing has been sent."""

    file: str
    line: int | None
    field: str | None
    message: str

    def __str__(self):
        where = self.file if self.line is None else f"{self.file}, line {self.line}"
        if self.field is not None:
            where += f", field {self.field!r}"
        return f"{where}: {self.message}"


@attrs.frozen
class Recipient:
    number: str  # international digits without "+", as SMPP sends them with TON 1
    variables: Mapping[str, str]  # the row's other columns; empty for a plain list
    line: int  # where the row starts in the file, counting from 1


@attrs.frozen
class Rejected:
    line: int
    field: str  # the number column's name, or "number" in a plain list
    value: str
    reason: str


@attrs.frozen
class Duplicate:
    line: int
    first_line: int
    number: str


@attrs.frozen
class Recipients:
    rows: tuple[Recipient, ...]
    rejected: tuple[Rejected, ...]
    duplicates: tuple[Duplicate, ...]
    columns: tuple[str, ...]  # the CSV's variable columns in header order; () for a plain list


def read_numbers(path: str | os.PathLike, region: str | None) -> Recipients:
    """The recipients in path; national numbers are read as numbers of region (ISO code,
    "CN"), and are rejected when region is None."""
    file = os.fspath(path)
    try:
        with open(file, "rb") as stream:
            data = stream.read()
    except OSError as error:
        raise NumbersFileError(file, None, None, f"cannot read: {error.strerror or error}") from error
    text = _decode(file, data)
    # Only real line ends: str.splitlines would also cut at U+2028 or a form feed in a cell.
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    header_index = next((i for i, line in enumerate(lines) if line.strip()), None)
    if header_index is None:
        return Recipients((), (), (), ())
    first = lines[header_index].strip()
    delimiter = None if first.startswith("#") else _delimiter(first)
    if delimiter is None and _clean(first).casefold() not in NUMBER_COLUMNS:
        entries = _plain(lines)
        columns = ()
    else:
        entries, columns = _csv(file, lines, header_index, delimiter or ",")
    return _screen(entries, region, columns)


def parse_number(value: str, region: str | None) -> str | Rejected:
    """International digits for value, or a Rejected (line 0, field "number") saying why."""
    text = value.translate(_PUNCTUATION)
    if not text:
        return Rejected(0, "number", value, "empty")
    if region is None and text.startswith("00"):
        text = "+" + text[2:]  # the international prefix of most of the world; a region knows its own
    if text.startswith("+"):
        region = None
    elif region is None:
        return Rejected(0, "number", value, "a national number, but no region is given to read it (--region)")
    stray = next((char for char in text.removeprefix("+") if not (char.isdigit() and char.isascii())), None)
    if stray is not None:
        return Rejected(0, "number", value, f"contains {stray!r}")
    found = numbers.read(text, region)
    if isinstance(found, str):
        return Rejected(0, "number", value, found)
    return found.e164.removeprefix("+")


def _decode(file: str, data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        column = error.start - (data.rfind(b"\n", 0, error.start) + 1) + 1
        raise NumbersFileError(
            file, line, None, f"not UTF-8: byte 0x{data[error.start]:02X} at column {column}; save the file as UTF-8"
        ) from error


def _clean(cell: str) -> str:
    return cell.strip().strip('"').strip()


def _delimiter(header: str) -> str | None:
    counts = {delimiter: header.count(delimiter) for delimiter in _DELIMITERS}
    best = max(_DELIMITERS, key=lambda delimiter: counts[delimiter])
    return best if counts[best] else None


# An entry is (line, field, value, variables, problem) before screening.
def _plain(lines: list[str]) -> list[tuple[int, str, str, Mapping[str, str], str | None]]:
    entries = []
    for index, line in enumerate(lines):
        value = line.strip()
        if value and not value.startswith("#"):
            entries.append((index + 1, "number", value, _NO_VARIABLES, None))
    return entries


def _csv(file: str, lines: list[str], header_index: int, delimiter: str):
    # The line ends go back in so that a quoted field spanning lines keeps its newline.
    reader = csv.reader((line + "\n" for line in lines[header_index:]), delimiter=delimiter)
    header = [cell.strip() for cell in next(reader)]
    header_line = header_index + 1
    seen = set()
    for name in header:
        if not name:
            raise NumbersFileError(file, header_line, None, "a column without a name in the header")
        if name.casefold() in seen:
            raise NumbersFileError(file, header_line, name, "two columns with this name")
        seen.add(name.casefold())
    number_columns = [i for i, name in enumerate(header) if name.casefold() in NUMBER_COLUMNS]
    if not number_columns:
        raise NumbersFileError(
            file, header_line, None,
            f"no number column in the header {header!r}; name one {', '.join(NUMBER_COLUMNS)}",
        )  # fmt: skip
    if len(number_columns) > 1:
        names = ", ".join(header[i] for i in number_columns)
        raise NumbersFileError(file, header_line, header[number_columns[1]], f"two number columns ({names}); keep one")
    at = number_columns[0]
    columns = tuple(name for i, name in enumerate(header) if i != at)
    entries = []
    previous_end = header_line
    for row in reader:
        # line_num counts physical lines read, so a quoted field spanning lines still points
        # at the line where its row starts.
        line, previous_end = previous_end + 1, header_index + reader.line_num
        if not row or all(not cell.strip() for cell in row):
            continue  # a blank line holds nothing that could be lost
        if len(row) != len(header):
            problem = f"{len(row)} fields, the header has {len(header)}"
            entries.append((line, header[at], delimiter.join(row), _NO_VARIABLES, problem))
            continue
        variables = types.MappingProxyType({name: row[i] for i, name in enumerate(header) if i != at})
        entries.append((line, header[at], row[at].strip(), variables, None))
    return entries, columns


def _screen(entries, region: str | None, columns: tuple[str, ...]) -> Recipients:
    rows, rejected, duplicates, first = [], [], [], {}
    for line, field, value, variables, problem in entries:
        if problem is not None:
            rejected.append(Rejected(line, field, value, problem))
            continue
        number = parse_number(value, region)
        if isinstance(number, Rejected):
            rejected.append(attrs.evolve(number, line=line, field=field))
        elif number in first:
            duplicates.append(Duplicate(line, first[number], number))
        else:
            first[number] = line
            rows.append(Recipient(number, variables, line))
    return Recipients(tuple(rows), tuple(rejected), tuple(duplicates), columns)
