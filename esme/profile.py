"""A TOML profile: the settings of one SMSC, or of several with the destination prefixes each
serves, so that a team keeps its carriers' connections in a file instead of in flags.

    host = "smpp.carrier-a.example"      # any esme.settings.Settings field, by its name
    system_id = "acme"
    password = "secret"
    window = 50

    [[smsc]]                             # optional: several SMSCs; the keys above are their defaults
    name = "carrier-a"
    prefixes = ["86138", "86139"]        # destinations it serves; none: every number
    [[smsc]]
    name = "carrier-b"
    host = "smpp.carrier-b.example"

Every mistake names the file, the line and the key, and says what was expected.
"""

import attrs

from esme.settings import Settings, read_status
from pdu.config_file import ConfigError, ConfigProblem, line_of, read_toml, structure_part


@attrs.frozen
class SmscProfile:
    name: str
    settings: Settings
    prefixes: tuple[str, ...] = ()


def load(path: str, defaults: dict, overrides: dict) -> list[SmscProfile]:
    """The SMSCs a profile describes. `defaults` sit under the file's values (a command's own
    defaults), `overrides` over them (environment variables and flags)."""
    data, source = read_toml(path)
    has_tables = "smsc" in data
    tables = data.pop("smsc", [{}])
    problem = _check_tables(tables)
    if problem:
        raise ConfigError(path, (ConfigProblem("smsc", line_of(source, "smsc"), problem),))
    top = _values(data, path, source, "")
    profiles = []
    for index, table in enumerate(tables):
        where = f"smsc[{index}]" if has_tables else ""
        name = table.pop("name", None)
        prefixes = table.pop("prefixes", [])
        _check_prefixes(prefixes, path, source, where)
        prefixes = tuple(prefixes)
        settings = _settings({**defaults, **top, **_values(table, path, source, where), **overrides}, path)
        profiles.append(SmscProfile(str(name or f"{settings.host}:{settings.port}"), settings, prefixes))
    return profiles


def from_flags(defaults: dict, overrides: dict) -> list[SmscProfile]:
    """No profile: one SMSC, from the command's defaults, environment and flags."""
    settings = Settings(**{**defaults, **overrides})
    return [SmscProfile(f"{settings.host}:{settings.port}", settings)]


def _check_tables(tables) -> str | None:
    if not isinstance(tables, list) or not all(isinstance(table, dict) for table in tables) or not tables:
        return "expected one or more [[smsc]] tables"
    return None


def _check_prefixes(prefixes, path: str, source: str, where: str) -> None:
    if not isinstance(prefixes, list) or not all(isinstance(prefix, str) and prefix.isdigit() for prefix in prefixes):
        key = f"{where}.prefixes" if where else "prefixes"
        raise ConfigError(path, (ConfigProblem(key, line_of(source, key), f"expected a list of digit strings such as [\"86138\"], got {prefixes!r}"),))


def _values(table: dict, path: str, source: str, where: str) -> dict:
    """The Settings fields a table sets, checked and converted."""
    table = dict(table)
    statuses = table.pop("retry_statuses", None)
    checked = structure_part(table, Settings, path, source, where)
    values = {key: getattr(checked, key) for key in table}
    if statuses is not None:
        values["retry_statuses"] = _statuses(statuses, path, source, where)
    return values


def _statuses(names, path: str, source: str, where: str) -> frozenset:
    try:
        if not isinstance(names, list):
            raise TypeError(names)
        return frozenset(read_status(name) for name in names)
    except (ValueError, TypeError):
        key = f"{where}.retry_statuses" if where else "retry_statuses"
        message = f"expected a list of command_statuses such as [\"ESME_RTHROTTLED\", \"0x58\"], got {names!r}"
        raise ConfigError(path, (ConfigProblem(key, line_of(source, key), message),)) from None


def _settings(values: dict, path: str) -> Settings:
    try:
        return Settings(**values)
    except ValueError as error:  # a combination no single table breaks
        raise ConfigError(path, (ConfigProblem("(settings)", None, str(error)),)) from None
