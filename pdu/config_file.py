"""TOML files turned into frozen attrs values, with errors that name file, line and key.

cattrs turns the parsed TOML into frozen values and reports every mistake at once with its
path (`accounts[1].window`); we add the line in the file and what was expected, so a user can
fix a file without reading our code. The SMSC's config, the ESME's profile and scenario files
all load through here.
"""

import enum
import re
import tomllib
from pathlib import Path

import attrs
import cattrs
from cattrs.errors import ForbiddenExtraKeysError

from pdu.durations import Seconds, parse_duration


@attrs.frozen
class ConfigProblem:
    """One mistake in a config file."""

    path: str  # e.g. accounts[1].window
    line: int | None
    message: str


@attrs.frozen
class ConfigError(Exception):
    """A config file that cannot be used, with every problem found in it."""

    file: str
    problems: tuple[ConfigProblem, ...]

    def __str__(self):
        lines = [f"{self.file}: invalid config"]
        for problem in self.problems:
            where = f"{self.file}:{problem.line}" if problem.line else self.file
            lines.append(f"  {where}: {problem.path}: {problem.message}")
        return "\n".join(lines)


def _strict(kind: type, noun: str):
    def structure(value, _):
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            raise ValueError(f"expected {noun}, got {value!r}")
        return value

    return structure


def _number(value, _):
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"expected a number, got {value!r}")
    return float(value)


def _enum(value, kind):
    try:
        return kind(value)
    except ValueError:
        choices = ", ".join(repr(member.value) for member in kind)
        raise ValueError(f"expected one of {choices}, got {value!r}") from None


def _seconds(value, _) -> Seconds:
    if isinstance(value, str):
        return Seconds(parse_duration(value))
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
        raise ValueError(f"expected a duration such as 90, \"90s\", \"5m\" or \"1h\", got {value!r}")
    return Seconds(value)


def _converter() -> cattrs.Converter:
    converter = cattrs.Converter(forbid_extra_keys=True)
    converter.register_structure_hook(int, _strict(int, "an integer"))
    converter.register_structure_hook(str, _strict(str, "a string"))
    converter.register_structure_hook(bool, _strict(bool, "true or false"))
    converter.register_structure_hook(float, _number)
    converter.register_structure_hook(Seconds, _seconds)
    converter.register_structure_hook_func(lambda kind: isinstance(kind, type) and issubclass(kind, enum.Enum), _enum)
    return converter


_CONVERTER = _converter()


def _describe(error: BaseException, _type) -> str:
    if isinstance(error, ForbiddenExtraKeysError):
        return f"unknown key {', '.join(sorted(error.extra_fields))}"
    if isinstance(error, KeyError):
        return "required key missing"
    return str(error)


def _split_message(message: str) -> tuple[str, str]:
    """'invalid thing @ $.accounts[0].window' -> ('accounts[0].window', 'invalid thing')."""
    text, _, path = message.rpartition(" @ ")
    return path.removeprefix("$").lstrip("."), text


def structure_part(data, kind: type, file: str, source: str = "", path: str = ""):
    """A value of `kind` (Config, or a part such as WireFaults) from parsed TOML or JSON, or a
    ConfigError listing every problem with its path, which starts with `path` when given."""
    try:
        return _CONVERTER.structure(data, kind)
    except cattrs.BaseValidationError as error:
        messages = cattrs.transform_error(error, path="$", format_exception=_describe)
    except (ValueError, TypeError) as error:
        messages = [f"{error} @ $"]
    problems = []
    for message in messages:
        where, text = _split_message(message)
        key = re.match(r"(\w+) must", text) or re.match(r"unknown key (\w+)", text)
        full_path = ".".join(filter(None, [path, where, key.group(1) if key else ""]))
        problems.append(ConfigProblem(full_path or "(top level)", line_of(source, full_path), text))
    raise ConfigError(file, tuple(problems))


def read_toml(path: str | Path) -> tuple[dict, str]:
    """A TOML file's data and text, or a ConfigError naming the file (and the line of a
    syntax error)."""
    path = Path(path)
    try:
        source = path.read_text(encoding="utf-8")
    except OSError as error:
        raise ConfigError(str(path), (ConfigProblem("(file)", None, error.strerror or str(error)),)) from None
    try:
        return tomllib.loads(source), source
    except tomllib.TOMLDecodeError as error:
        found = re.search(r"line (\d+)", str(error))
        line = int(found.group(1)) if found else len(source.splitlines()) or None  # "at end of document"
        problem = ConfigProblem("(syntax)", line, f"not valid TOML: {error}")
        raise ConfigError(str(path), (problem,)) from None


_HEADER = re.compile(r"^\s*(\[\[?)\s*([\w.]+)\s*\]\]?")
_KEY = re.compile(r"^\s*([\w-]+)\s*=")


def line_of(source: str, path: str) -> int | None:
    """Best-effort line of a dotted path (`esme[1].campaign[0].rate`) in TOML text: the key's
    line, else its table's header, else the line of the nearest enclosing key (for a key
    inside an inline table). Indexes count within the enclosing array member, as cattrs does."""
    if not source or not path:
        return None
    parts = [(name, int(index) if index else None) for name, index in re.findall(r"(\w+)(?:\[(\d+)\])?", path)]
    if not parts:
        return None
    last_name, last_index = parts[-1]
    table, key = (parts, None) if last_index is not None else (parts[:-1], last_name)
    wanted = ".".join(name for name, _ in table)
    members = {".".join(name for name, _ in table[: depth + 1]): index for depth, (_, index) in enumerate(table) if index is not None}
    found = _find(source.splitlines(), wanted, members, key)
    if found is None and len(parts) > 1:
        parent = path[: path.rfind(".")] if "." in path else ""
        return line_of(source, parent)
    return found


def _find(lines: list[str], wanted: str, members: dict[str, int], key: str | None) -> int | None:
    counts: dict[str, int] = {}  # array of tables -> index of its current member
    current, header_line = "", None
    for number, line in enumerate(lines, start=1):
        header = _HEADER.match(line)
        if header:
            current = header.group(2)
            if header.group(1) == "[[":
                counts[current] = counts.get(current, -1) + 1
                for name in [name for name in counts if name.startswith(current + ".")]:
                    del counts[name]  # a new parent member: its children count again
            here = current == wanted and all(counts.get(name) == index for name, index in members.items())
            if here and key is None:
                return number
            header_line = header_line or (number if here else None)
            continue
        match = _KEY.match(line)
        if match and match.group(1) == key and current == wanted and all(counts.get(name) == index for name, index in members.items()):
            return number
    return header_line
