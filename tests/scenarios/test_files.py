"""Scenario files: what loads, and mistakes named by file, line and key."""

import pytest

from pdu.config_file import ConfigError
from scenarios import files

GOOD = """\
title = "t"
duration = "5m"

[[esme]]
name = "shop"

[[esme.campaign]]
name = "c"
rate = 2
mix = { otp = 1 }

[[timeline]]
at = "1m"
do = "tower_down"
tower = "CM-1"
"""


def write(tmp_path, text):
    path = tmp_path / "s.toml"
    path.write_text(text)
    return str(path)


def test_a_good_file(tmp_path):
    scenario = files.load(write(tmp_path, GOOD))
    assert scenario.name == "s" and scenario.duration == 300
    assert scenario.esme[0].campaign[0].mix == {"otp": 1}
    assert (scenario.timeline[0].at, scenario.timeline[0].do, scenario.timeline[0].params) == (60, "tower_down", {"tower": "CM-1"})


@pytest.mark.parametrize(
    "change, where, expected",
    [
        (('duration = "5m"', 'duration = "soon"'), ":2: duration", "not a duration"),
        (("rate = 2", "rate = 0"), ":9: esme[0].campaign[0].rate", "rate must be greater than 0"),
        (("mix = { otp = 1 }", "mix = { spam = 1 }"), ":10: esme[0].campaign[0].mix", "must name only otp, notification, marketing"),
        (('do = "tower_down"', 'do = "meteor"'), ":14: timeline[0].do", "expected one of"),
        (('tower = "CM-1"', 'tower = "CM-9"'), ":15: timeline[0].tower", "expected a tower of the network"),
        (('tower = "CM-1"', 'tower = "CM-1"\nheight = 3'), ":16: timeline[0].height", "unknown key height"),
        (("[[esme]]", '[smsc.network]\nbogus = 1\n[[esme]]'), ":5: smsc.network.bogus", "unknown key bogus"),
        (('name = "shop"', 'name = "shop"\nsystem_id = "nobody"'), ":6: esme[0].system_id", "expected an account"),
        (("[[timeline]]", '[[esme]]\nname = "other"\n[[timeline]]'), ":12: esme[1].system_id", "an account of its own"),
    ],
)
def test_mistakes_name_file_line_and_key(tmp_path, change, where, expected):
    path = write(tmp_path, GOOD.replace(*change))
    with pytest.raises(ConfigError) as raised:
        files.load(path)
    assert f"{path}{where}" in str(raised.value) and expected in str(raised.value), str(raised.value)


KEYWORDS = """\
title = "t"
duration = "5m"

[[smsc.policy.keywords]]
name = "gambling"
file = "gambling.txt"

[[esme]]
name = "shop"

[[esme.campaign]]
name = "c"
rate = 2
texts = ["六 合 彩", "６合彩"]
blocked = "gambling"

[[timeline]]
at = "1m"
do = "keywords"
list = "gambling"
words = ["赌场"]

[[timeline]]
at = "2m"
do = "receipts_delay"
delay = "30s"

[expect]
states_at_most = { UNKNOWN = 3 }
"""


def keywords_file(tmp_path, text=KEYWORDS):
    (tmp_path / "gambling.txt").write_text("六合彩\n", encoding="utf-8")
    return write(tmp_path, text)


def test_new_keys(tmp_path):
    """texts, blocked, the keywords and receipts_delay steps and states bounds load; a step's
    keyword file is found next to the scenario file."""
    scenario = files.load(keywords_file(tmp_path, KEYWORDS.replace('words = ["赌场"]', 'file = "gambling.txt"')))
    assert scenario.esme[0].campaign[0].texts == ("六 合 彩", "６合彩") and scenario.expect.states_at_most == {"UNKNOWN": 3}
    from scenarios import timeline

    assert timeline.action(scenario.timeline[0]).file == str(tmp_path / "gambling.txt")


@pytest.mark.parametrize(
    "change, where, expected",
    [
        (('blocked = "gambling"', 'blocked = "spam"'), ":15: esme[0].campaign[0].blocked", "expected a keyword list"),
        (('list = "gambling"', 'list = "spam"'), ":20: timeline[0].list", "expected a keyword list"),
        (('words = ["赌场"]', 'file = "nope.txt"'), ":21: timeline[0].file", "cannot read"),
        (('words = ["赌场"]', 'words = ["!!"]'), ":21: timeline[0].words", "no letters or digits"),
        (('words = ["赌场"]', 'words = ["赌场"]\nfile = "gambling.txt"'), ":17: timeline[0]", "either words"),
        (('delay = "30s"', 'delay = "30s"\naccount = "someone"'), ":27: timeline[1].account", "expected an account"),
        (("UNKNOWN = 3", "LOST = 3"), ":29: expect.states_at_most", "must name final states"),
        (('texts = ["六 合 彩", "６合彩"]', 'texts = ["六 合 彩"]\ntext = "x"'), ":11: esme[0].campaign[0]", "not both"),
    ],
)
def test_mistakes_in_new_keys(tmp_path, change, where, expected):
    path = keywords_file(tmp_path, KEYWORDS.replace(*change))
    with pytest.raises(ConfigError) as raised:
        files.load(path)
    assert f"{path}{where}" in str(raised.value) and expected in str(raised.value), str(raised.value)


def test_every_shipped_scenario_loads():
    assert files.shipped(), "no shipped scenarios"
    for path in files.shipped():
        scenario = files.load(str(path))
        assert scenario.title and scenario.description.strip() and scenario.esme, path


@pytest.mark.parametrize(
    "change, expected",
    [
        (('name = "shop"', 'name = "shop"\ntps = -1'), "tps"),
        (("rate = 2", 'rate = 2\nnumbers = { prefix = "861380013000", count = 50 }'), "count must leave room under the prefix"),
        (("rate = 2", 'rate = 2\nnumbers = { prefix = "86x" }'), "prefix"),
        (("[[timeline]]", '[[esme.campaign]]\nname = "c"\nrate = 1\n\n[[timeline]]'), "campaign must have names of their own; c comes twice"),
    ],
)
def test_what_would_fail_the_run_fails_the_load(tmp_path, change, expected):
    """Mistakes that used to load and then crash the run are found at load."""
    with pytest.raises(ConfigError, match=expected):
        files.load(write(tmp_path, GOOD.replace(*change)))
