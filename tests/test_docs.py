"""The documentation users rely on stays complete as the code grows."""

from pathlib import Path

from pdu.status import CommandStatus

DOCS = Path(__file__).parent.parent / "docs"


def test_conformance_names_every_command_status():
    """docs/conformance.md has a row for every command_status we know (by code)."""
    text = (DOCS / "conformance.md").read_text()
    section = text[text.index("## command_status"):]
    missing = [status.name for status in CommandStatus if f"0x{status.value:02X}" not in section]
    assert missing == []


def test_readme_lists_every_test_number():
    """README.md's test-number table has a row for every reserved suffix, and no other."""
    import re

    from smsc.network_config import DEFAULT_TEST_NUMBERS

    text = (DOCS.parent / "README.md").read_text()
    section = text[text.index("## Test numbers"):text.index("## Receipt errors")]
    assert re.findall(r"^\| `(\d+)` \|", section, re.M) == [number.suffix for number in DEFAULT_TEST_NUMBERS]


def test_readme_lists_every_map_error():
    """Every MAP error the engine can write in a receipt is explained in README.md."""
    from smsc.lifecycle import MapError

    text = (DOCS.parent / "README.md").read_text()
    section = text[text.index("## Receipt errors"):]
    used = {MapError.NONE, MapError.UNKNOWN_SUBSCRIBER, MapError.CALL_BARRED, MapError.ABSENT_SUBSCRIBER,
            MapError.SM_DELIVERY_FAILURE, MapError.SYSTEM_FAILURE}  # fmt: skip
    assert [error.name for error in used if f"| `{int(error):03d}` |" not in section] == []


def test_network_doc_config_example_loads():
    """The TOML example in docs/network.md is a valid config."""
    import re

    from smsc import config_file

    text = (DOCS / "network.md").read_text()
    example = re.search(r"```toml\n(.*?)```", text, re.S).group(1)
    config = config_file.structure(__import__("tomllib").loads(example), "docs/network.md", example)
    assert config.network.carriers[0].towers[1].serves == ("447700900",)


def test_policy_doc_lists_every_refusal_status_and_err():
    """docs/policy.md has a row for every command_status and receipt err the content rules use."""
    from smsc.policy.statuses import ERR_MEANINGS, MEANINGS

    text = (DOCS / "policy.md").read_text()
    statuses = text[text.index("## command_status"):text.index("## Receipt errors")]
    errors = text[text.index("## Receipt errors"):text.index("## Blocked keywords")]
    assert [f"{code:#x}" for code in MEANINGS if f"| `0x{int(code):08X}` |" not in statuses] == []
    assert [code for code in ERR_MEANINGS if f"| `{code:03d}` |" not in errors] == []


def test_policy_doc_config_example_loads():
    """The TOML example in docs/policy.md is a valid config."""
    import re
    import tomllib

    from smsc import config_file
    from smsc.policy.decisions import KeywordAction

    text = (DOCS / "policy.md").read_text()
    example = re.search(r"```toml\n(.*?)```", text, re.S).group(1)
    config = config_file.structure(tomllib.loads(example), "docs/policy.md", example)
    assert config.policy.keywords[1].action is KeywordAction.UNDELIV
    assert config.accounts[0].billing.balance == 100.0
