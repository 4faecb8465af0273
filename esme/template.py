"""Message templates for `esme blast --template FILE`: text with {name} variables filled from
each row of the numbers file, checked against every row before anything is sent.

The syntax is a deliberately small part of str.format's: {name} and the escapes {{ and }}.
No attribute or index access, conversions or format specs: a template comes from whoever
wrote the campaign, and a typo must be an error naming its line, never a surprise at send time.
"""

import os
import re
from collections.abc import Mapping

import attrs

from esme.numbers_file import Recipient

# A name as Python spells identifiers, so CSV headers in any script (姓名, prénom) work.
_NAME = re.compile(r"[^\W\d]\w*")
_TOKENS = re.compile(r"\{\{|\}\}|\{([^{}]*)\}|[{}]")


@attrs.frozen
class TemplateError(Exception):
    """A template that cannot be filled for some row; nothing has been sent."""

    file: str
    line: int  # in the template file
    variable: str | None
    message: str
    numbers_file: str | None = None
    numbers_line: int | None = None

    def __str__(self):
        where = f"{self.file}, line {self.line}"
        if self.variable is not None:
            where += f", variable {{{self.variable}}}"
        text = f"{where}: {self.message}"
        if self.numbers_line is not None:
            text += f" ({self.numbers_file}, line {self.numbers_line})"
        return text


@attrs.frozen
class Template:
    """A parsed template: literal text and variable names in turn."""

    file: str
    parts: tuple[str | tuple[str, int], ...]  # literal text, or (variable name, template line)

    @classmethod
    def from_text(cls, text: str, file: str = "--text") -> "Template":
        parts: list[str | tuple[str, int]] = []
        position = 0
        for match in _TOKENS.finditer(text):
            if match.start() > position:
                parts.append(text[position:match.start()])
            position = match.end()
            token = match.group()
            line = text.count("\n", 0, match.start()) + 1
            if token in ("{{", "}}"):
                parts.append(token[0])
            elif token in ("{", "}"):
                raise TemplateError(file, line, None, f"a lone {token!r}; write {token * 2} for the character itself")
            elif _NAME.fullmatch(name := match.group(1).strip()):
                parts.append((name, line))
            else:
                raise TemplateError(
                    file, line, match.group(1),
                    "only plain names go in braces (no attributes, indexes or format specs)",
                )  # fmt: skip
        if position < len(text):
            parts.append(text[position:])
        return cls(file, tuple(parts))

    @classmethod
    def from_file(cls, path: str | os.PathLike) -> "Template":
        """The template in a UTF-8 file; the one newline an editor puts at the end is not
        part of the message."""
        file = os.fspath(path)
        try:
            with open(file, encoding="utf-8-sig", newline="") as stream:
                text = stream.read()
        except OSError as error:
            raise TemplateError(file, 0, None, f"cannot read: {error.strerror or error}") from error
        except UnicodeDecodeError as error:
            raise TemplateError(file, 0, None, f"not UTF-8 ({error.reason} at byte {error.start})") from error
        text = text.removesuffix("\n").removesuffix("\r")
        return cls.from_text(text, file)

    @property
    def variables(self) -> tuple[str, ...]:
        """The names used, in order of first use."""
        return tuple(dict.fromkeys(part[0] for part in self.parts if isinstance(part, tuple)))

    def check_columns(self, columns: tuple[str, ...], numbers_file: str) -> None:
        """Refuse a variable the numbers file has no column for."""
        for part in self.parts:
            if isinstance(part, tuple) and part[0] not in columns:
                name, line = part
                have = f"its columns are {', '.join(columns)}" if columns else "it is a plain list with no columns"
                raise TemplateError(self.file, line, name, f"{numbers_file} has no such column; {have}")

    def check(self, rows: tuple[Recipient, ...], columns: tuple[str, ...], numbers_file: str) -> None:
        """Refuse the template before sending if any row lacks a value it needs: a column that
        does not exist, or a row where it is empty."""
        self.check_columns(columns, numbers_file)
        for row in rows:
            self.render(row.variables, numbers_file, row.line)

    def render(self, variables: Mapping[str, str], numbers_file: str | None = None, numbers_line: int | None = None) -> str:
        """The text for one row; a missing or blank value is an error naming both files' lines."""
        out = []
        for part in self.parts:
            if isinstance(part, str):
                out.append(part)
                continue
            name, line = part
            value = variables.get(name)
            if value is None or not value.strip():
                message = "no value for this row" if value is None else "empty for this row"
                raise TemplateError(self.file, line, name, message, numbers_file, numbers_line)
            out.append(value)
        return "".join(out)
