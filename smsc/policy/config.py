"""The content rules' part of the config: keyword lists, blacklists, opt-out words, number
screening and the rules of each destination country (`[policy]` in the TOML file)."""

import os

import attrs

from smsc.policy.countries import CountryRules
from smsc.policy.decisions import KeywordAction
from smsc.policy.statuses import CONTENT_ERR, PolicyStatus


def _status(instance, attribute, value):
    if not 0 < value <= 0xFFFFFFFF:
        raise ValueError(f"{attribute.name} must be a command_status from 1 to 0xFFFFFFFF, got {value}")


def _err(instance, attribute, value):
    if not 0 <= value <= 999:
        raise ValueError(f"{attribute.name} must be a receipt err from 0 to 999, got {value}")


@attrs.frozen
class KeywordList:
    """A file of blocked keywords and what the carrier does with a message that has one."""

    name: str
    file: str  # UTF-8, one keyword per line; relative to the config file
    action: KeywordAction = KeywordAction.REJECT
    carriers: tuple[str, ...] = ()  # only these carriers' traffic; empty: every carrier
    status: int = attrs.field(default=int(PolicyStatus.CONTENT_BLOCKED), validator=_status)  # for "reject"
    err: int = attrs.field(default=CONTENT_ERR, validator=_err)  # for "rejectd" and "undeliv"


@attrs.frozen
class Blacklist:
    """A file of numbers nobody may message (complaints, regulators' lists)."""

    name: str
    file: str  # one number a line, international form; relative to the config file


@attrs.frozen
class Policy:
    keywords: tuple[KeywordList, ...] = ()
    blacklists: tuple[Blacklist, ...] = ()
    # Destinations screened with libphonenumber: invalid ones are refused with 0x0B.
    screen_numbers: bool = True
    national_region: str | None = None  # how to read numbers without a country code; None: all international
    # MO texts (trimmed, any case) that opt a handset out of, or back into, a sender's marketing
    opt_out_words: tuple[str, ...] = ("T", "TD", "STOP", "UNSUBSCRIBE", "STOPALL", "退订", "退订T")
    opt_in_words: tuple[str, ...] = ("START", "UNSTOP")  # not YES: a survey answer must not subscribe anyone
    # per destination country (ISO region code such as CN); replaces the shipped entry
    countries: dict[str, CountryRules] = attrs.field(factory=dict)

    def __attrs_post_init__(self):
        names = [entry.name for entry in (*self.keywords, *self.blacklists)]
        twice = sorted({name for name in names if names.count(name) > 1})
        if twice:
            raise ValueError(f"keyword list and blacklist names must be unique; repeated: {', '.join(twice)}")
        words = [word.upper() for word in self.opt_out_words + self.opt_in_words]
        both = sorted({word for word in words if words.count(word) > 1})
        if both:
            raise ValueError(f"a word cannot both opt out and opt in: {', '.join(both)}")

    def with_files_under(self, folder: str) -> "Policy":
        """File names made absolute against the config file's folder."""

        def placed(entry):
            return attrs.evolve(entry, file=os.path.join(folder, os.path.expanduser(entry.file)))

        return attrs.evolve(self, keywords=tuple(map(placed, self.keywords)), blacklists=tuple(map(placed, self.blacklists)))
