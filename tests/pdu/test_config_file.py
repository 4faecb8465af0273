"""line_of: where a path cattrs names is in the TOML text, for error messages."""

import pytest

from pdu.config_file import line_of

SOURCE = """\
title = "x"
[[esme]]
name = "a"
[[esme.campaign]]
name = "c0"
rate = 1
[[esme]]
name = "b"
[[esme.campaign]]
name = "c1"
rate = 2
numbers = { prefix = "86", count = 3 }
[smsc.network]
x = 1
"""


@pytest.mark.parametrize(
    "path, line",
    [
        ("title", 1),
        ("esme[1]", 7),
        ("esme[0].campaign[0].rate", 6),
        ("esme[1].campaign[0].rate", 11),  # the index counts within esme[1], not the file
        ("esme[1].campaign[0]", 9),
        ("esme[1].campaign[0].numbers.count", 12),  # inside an inline table: its key's line
        ("smsc.network.x", 14),
    ],
)
def test_lines(path, line):
    assert line_of(SOURCE, path) == line
