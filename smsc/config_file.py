"""Loading the SMSC's TOML config over the defaults; pdu.config_file does the checking and
names file, line and key for every mistake."""

from pathlib import Path

import attrs

from pdu.config_file import ConfigError, read_toml, structure_part
from smsc.config import Config

__all__ = ["ConfigError", "load", "structure", "structure_part"]


def structure(data: dict, file: str, source: str = "") -> Config:
    """The Config for parsed TOML data, or a ConfigError listing every problem."""
    return structure_part(data, Config, file, source)


def load(path: str | Path) -> Config:
    """Read a TOML config file over the defaults."""
    data, source = read_toml(path)
    config = structure(data, str(path), source)
    # Files the config names are found next to it, wherever smsc is started from.
    return attrs.evolve(config, policy=config.policy.with_files_under(str(Path(path).parent)))
