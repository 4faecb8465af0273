"""Fixtures of the scenario tests: the tiny scenario's file, and one run of it shared by every
test that only reads what it did."""

import pytest

from tests.scenarios.tiny import TINY, run_logged


@pytest.fixture(scope="session")
def tiny(tmp_path_factory):
    path = tmp_path_factory.mktemp("tiny") / "tiny.toml"
    path.write_text(TINY)
    return str(path)


@pytest.fixture(scope="session")
def sampled(tiny):
    return run_logged(tiny)
