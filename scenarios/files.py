"""Scenario files: TOML under scenarios/ (shipped) or anywhere (a path), read into
scenarios.model values. A mistake names the file, the line and the key, and what was expected;
every check runs at load, so a scenario that loads also runs."""

from pathlib import Path

import attrs

from pdu.config_file import ConfigError, ConfigProblem, line_of, read_toml, structure_part
from scenarios import model
from scenarios.timeline import ACTIONS
from smsc.config import Config

SHIPPED = Path(__file__).parent


def shipped() -> list[Path]:
    """The scenarios that come with the product, by name."""
    return sorted(SHIPPED.glob("*.toml"))


def find(name_or_path: str) -> Path:
    """A shipped scenario by name, or a file by path."""
    path = Path(name_or_path)
    if path.suffix == ".toml" or path.exists():
        return path
    return SHIPPED / f"{name_or_path}.toml"


def load(name_or_path: str) -> model.Scenario:
    path = find(name_or_path)
    data, source = read_toml(path)
    data.setdefault("name", path.stem)
    scenario = structure_part(data, model.Scenario, str(path), source)
    smsc_config(scenario, str(path), source)  # the overrides must make a valid config
    for index, step in enumerate(scenario.timeline):
        _check_step(step, index, str(path), source)
    return scenario


def smsc_config(scenario: model.Scenario, file: str = "", source: str = "") -> Config:
    """smsc serve's config with the scenario's overrides; keyword and blacklist files are
    found next to the scenario file."""
    config = structure_part(scenario.smsc, Config, file, source, path="smsc")
    folder = str(Path(file).parent) if file else str(SHIPPED)
    return attrs.evolve(config, policy=config.policy.with_files_under(folder))


def _check_step(step: model.Step, index: int, file: str, source: str) -> None:
    where = f"timeline[{index}]"
    action = ACTIONS.get(step.do)
    if action is None:
        message = f"expected one of {', '.join(sorted(ACTIONS))}, got {step.do!r}"
        raise ConfigError(file, (ConfigProblem(f"{where}.do", line_of(source, f"{where}.do"), message),))
    structure_part(step.params, action, file, source, path=where)
