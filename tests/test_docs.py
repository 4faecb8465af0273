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
