"""The shared settings validators: each names the key and refuses NaN, which passes a plain
`value < 0` check and would then poison every sum and comparison it meets."""

import math

import attrs
import pytest

from pdu.validators import not_negative, positive, share


@attrs.frozen
class Settings:
    window: float = attrs.field(default=1.0, validator=positive)
    delay: float = attrs.field(default=0.0, validator=not_negative)
    fraction: float = attrs.field(default=0.0, validator=share)


@pytest.mark.parametrize("field, value, words", [
    ("window", 0, "window must be greater than 0, got 0"),
    ("window", math.nan, "window must be greater than 0, got nan"),
    ("delay", -1, "delay must be 0 or more, got -1"),
    ("delay", math.nan, "delay must be 0 or more, got nan"),
    ("fraction", 1.5, "fraction must be a share between 0 and 1, got 1.5"),
    ("fraction", math.nan, "fraction must be a share between 0 and 1, got nan"),
])  # fmt: skip
def test_refused_with_the_keys_name(field, value, words):
    with pytest.raises(ValueError, match=words):
        Settings(**{field: value})


def test_the_edges_are_allowed():
    assert Settings(window=0.001, delay=0, fraction=1.0).fraction == 1.0
