"""Scenario files: TOML under scenarios/ (shipped) or anywhere (a path), read into
scenarios.model values. A mistake names the file, the line and the key, and what was expected;
every check runs at load, so a scenario that loads also runs."""

import tomllib
from pathlib import Path

import attrs

from pdu.config_file import ConfigError, ConfigProblem, line_of, read_toml, structure_part
from scenarios import model, timeline
from smsc.config import Config
from smsc.policy.keywords import KeywordFileError, load_keywords, normalise

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
    return _structure(data, source, path)


def prepare(name_or_path: str, seed: int | None = None) -> tuple[model.Scenario, Config, str, str]:
    """What a run needs: the scenario (with the seed, when given), smsc's config with its
    overrides, the file's text and path (for the event log's header)."""
    path = find(name_or_path)
    data, source = read_toml(path)
    scenario, config = _checked(data, source, path, seed)
    return scenario, config, source, str(path.resolve())  # the log's header: replay finds keyword files from anywhere


def from_source(source: str, file: str, seed: int) -> tuple[model.Scenario, Config]:
    """A scenario from the text an event log keeps (file: where it was, for its keyword files)."""
    return _checked(tomllib.loads(source), source, Path(file), seed)


def _checked(data: dict, source: str, path: Path, seed: int | None) -> tuple[model.Scenario, Config]:
    scenario = _structure(data, source, path)
    if seed is not None:
        scenario = attrs.evolve(scenario, seed=seed)
    return scenario, smsc_config(scenario, str(path), source)


def _structure(data: dict, source: str, path: Path) -> model.Scenario:
    data.setdefault("name", path.stem)
    if isinstance(data.get("timeline"), list):  # a step's own keys are its action's
        data["timeline"] = [_step(entry, str(path.parent)) for entry in data["timeline"]]
    scenario = structure_part(data, model.Scenario, str(path), source)
    config = smsc_config(scenario, str(path), source)  # the overrides must make a valid config
    for index, step in enumerate(scenario.timeline):
        action = timeline.action(step, str(path), source, index)
        problem = _step_problem(action, config)
        if problem is not None:
            key, message = f"timeline[{index}].{problem[0]}", problem[1]
            raise ConfigError(str(path), (ConfigProblem(key, line_of(source, key), message),))
    accounts = [account.system_id for account in config.accounts]
    for at, esme in enumerate(scenario.esme):
        key, earlier = f"esme[{at}].system_id", [esme.system_id for esme in scenario.esme[:at]]
        if esme.system_id not in accounts:
            message = f"expected an account of [[smsc.accounts]] ({', '.join(accounts)}), got {esme.system_id!r}"
        elif esme.system_id in earlier:
            message = (f"esme[{earlier.index(esme.system_id)}] binds as {esme.system_id!r} already; the SMSC hands an "
                       "account's receipts to any of its binds, so give each ESME an account of its own")  # fmt: skip
        else:
            continue
        raise ConfigError(str(path), (ConfigProblem(key, line_of(source, key), message),))
    lists = {entry.name for entry in config.policy.keywords}
    for at, esme in enumerate(scenario.esme):
        for index, campaign in enumerate(esme.campaign):
            if campaign.blocked and campaign.blocked not in lists:
                key = f"esme[{at}].campaign[{index}].blocked"
                message = f"expected a keyword list of [[smsc.policy.keywords]] ({', '.join(sorted(lists)) or 'none'}), got {campaign.blocked!r}"
                raise ConfigError(str(path), (ConfigProblem(key, line_of(source, key), message),))
    return scenario


def _step_problem(action, config: Config) -> tuple[str, str] | None:
    """(key, what was expected) when a step names what the network or config lacks."""
    towers = {tower.id for carrier in config.network.carriers for tower in carrier.towers}
    if getattr(action, "tower", None) is not None and action.tower not in towers:
        return "tower", f"expected a tower of the network ({', '.join(sorted(towers))}), got {action.tower!r}"
    accounts = [account.system_id for account in config.accounts]
    if getattr(action, "account", None) is not None and action.account not in accounts:
        return "account", f"expected an account of [[smsc.accounts]] ({', '.join(accounts)}), got {action.account!r}"
    if isinstance(action, timeline.Keywords):
        lists = [entry.name for entry in config.policy.keywords]
        if action.list not in lists:
            return "list", f"expected a keyword list of [[smsc.policy.keywords]] ({', '.join(lists) or 'none'}), got {action.list!r}"
        try:
            if action.file is not None:
                load_keywords(action.file)
            for word in action.words or ():
                if not normalise(word).text:
                    return "words", f"keyword {word!r} has no letters or digits left to match"
        except KeywordFileError as error:
            return "file", str(error)
    return None


def smsc_config(scenario: model.Scenario, file: str = "", source: str = "") -> Config:
    """smsc serve's config with the scenario's overrides; keyword and blacklist files are
    found next to the scenario file."""
    config = structure_part(scenario.smsc, Config, file, source, path="smsc")
    folder = str(Path(file).parent) if file else str(SHIPPED)
    return attrs.evolve(config, policy=config.policy.with_files_under(folder))



def _step(entry, folder: str):
    if not isinstance(entry, dict):
        return entry
    entry = dict(entry)
    return {key: entry.pop(key) for key in ("at", "do") if key in entry} | {"params": entry, "folder": folder}
