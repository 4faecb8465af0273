"""Connection settings from a TOML profile, ESME_* variables and flags, and the mistakes a
user can make in each: every one names where it is."""

import socket
import subprocess
import sys
from types import SimpleNamespace

import pytest

from esme import connection, profile
from esme.connection import UsageError
from esme.settings import BindMode
from pdu.config_file import ConfigError
from pdu.status import CommandStatus

TWO_CARRIERS = """\
system_id = "acme"
password = "secret"
window = 20

[[smsc]]
name = "carrier-a"
host = "10.0.0.1"
prefixes = ["86138", "86139"]

[[smsc]]
name = "carrier-b"
port = 2776
window = 5
bind = "pair"
retry_statuses = ["ESME_RTHROTTLED", "ESME_RSYSERR"]
"""


def args(**given):
    fields = {flag.field: None for flag in connection.FLAGS}
    return SimpleNamespace(**{"profile": None, **fields, **given})


def write(tmp_path, text, name="esme.toml"):
    path = tmp_path / name
    path.write_text(text)
    return str(path)


class TestLayers:
    def test_no_profile_flags_over_environment(self):
        """ESME_PORT is read; --port wins over it; the command's defaults fill the rest."""
        (smsc,) = connection.smscs(args(port=3000), {"window": 100}, environ={"ESME_PORT": "4000", "ESME_SYSTEM_ID": "env-id"})
        assert (smsc.settings.port, smsc.settings.system_id, smsc.settings.window) == (3000, "env-id", 100)

    def test_several_smscs(self, tmp_path):
        """Top-level keys are every SMSC's defaults; each table adds its own."""
        a, b = profile.load(write(tmp_path, TWO_CARRIERS), {}, {})
        assert (a.name, a.prefixes, a.settings.host, a.settings.window) == ("carrier-a", ("86138", "86139"), "10.0.0.1", 20)
        assert (b.name, b.prefixes, b.settings.port, b.settings.window, b.settings.bind) == ("carrier-b", (), 2776, 5, BindMode.PAIR)
        assert b.settings.system_id == "acme" and CommandStatus.ESME_RSYSERR in b.settings.retry_statuses

    def test_environment_and_flags_over_the_profile(self, tmp_path):
        path = write(tmp_path, TWO_CARRIERS)
        a, b = connection.smscs(args(profile=path, system_id="flag-id"), {}, environ={"ESME_PASSWORD": "env-pw"})
        assert {a.settings.system_id, b.settings.system_id} == {"flag-id"} and b.settings.password == "env-pw"

    def test_retry_statuses_by_name_or_code(self, tmp_path):
        """ESME_RETRY_ON takes names and codes; a profile's list too, vendor codes included."""
        (smsc,) = connection.smscs(args(), {}, environ={"ESME_RETRY_ON": "ESME_RTHROTTLED, 0x08"})
        assert smsc.settings.retry_statuses == {0x58, 0x08}
        (smsc,) = profile.load(write(tmp_path, 'retry_statuses = ["ESME_RMSGQFUL", "0x458"]\n'), {}, {})
        assert smsc.settings.retry_statuses == {0x14, 0x458}

    def test_profile_from_the_environment(self, tmp_path):
        path = write(tmp_path, 'host = "192.0.2.7"\n')
        (smsc,) = connection.smscs(args(), {}, environ={"ESME_PROFILE": path})
        assert smsc.settings.host == "192.0.2.7" and smsc.name == "192.0.2.7:2775"


class TestMistakes:
    @pytest.mark.parametrize(
        "text, where, expected",
        [
            ('port = "x"\n', ":1: port", "expected an integer"),
            ("window = 0\n", ":1: window", "window must be greater than 0"),
            ('colour = "red"\n', ":1: colour", "unknown key colour"),
            ('[[smsc]]\nname = "a"\n[[smsc]]\nbind = "sideways"\n', ":4: smsc[1].bind", "expected one of 'transmitter'"),
            ('[[smsc]]\nprefixes = ["86x"]\n', ":2: smsc[0].prefixes", "digit strings"),
            ('[[smsc]]\nprefixes = "86138"\n', ":2: smsc[0].prefixes", "digit strings"),
            ('retry_statuses = ["ESME_SLOW"]\n', ":1: retry_statuses", "expected a list of command_statuses"),
            ("smsc = 3\n", ":1: smsc", "[[smsc]] tables"),
            ("window = \n", ":1: (syntax)", "not valid TOML"),
        ],
    )
    def test_names_file_line_and_key(self, tmp_path, text, where, expected):
        path = write(tmp_path, text)
        with pytest.raises(ConfigError) as raised:
            profile.load(path, {}, {})
        assert f"{path}{where}" in str(raised.value) and expected in str(raised.value)

    def test_missing_file(self, tmp_path):
        with pytest.raises(ConfigError, match="No such file"):
            profile.load(str(tmp_path / "absent.toml"), {}, {})

    def test_bad_environment_value_names_the_variable(self):
        with pytest.raises(UsageError, match="ESME_PORT='twenty': expected a whole number"):
            connection.smscs(args(), {}, environ={"ESME_PORT": "twenty"})

    def test_bad_flag_value(self):
        with pytest.raises(UsageError, match="--addr-ton \\(ESME_ADDR_TON\\): addr_ton must be one of"):
            connection.smscs(args(addr_ton=9), {}, environ={})


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class TestCommandLine:
    def test_failover_to_the_smsc_that_is_up(self, tmp_path, smsc_address):
        """carrier-a (serving 86138) is down: `esme send` says so and delivers through
        carrier-b, a live `smsc serve`."""
        host, port = smsc_address
        path = write(tmp_path, f"""\
[[smsc]]
name = "carrier-a"
port = {_closed_port()}
prefixes = ["86138"]

[[smsc]]
name = "carrier-b"
host = "{host}"
port = {port}
""")  # fmt: skip
        done = subprocess.run(
            [sys.executable, "-m", "esme.cli", "send", "--profile", path, "--to", "8613800130000", "--text", "hi", "--wait"],
            capture_output=True, text=True, timeout=60,
        )  # fmt: skip
        assert done.returncode == 0, done.stdout + done.stderr
        assert "DELIVRD" in done.stdout and "carrier-a (127.0.0.1:" in done.stderr and "not bound yet" in done.stderr

    def test_profile_mistake_is_usage_error(self, tmp_path):
        path = write(tmp_path, 'port = "x"\n')
        done = subprocess.run(
            [sys.executable, "-m", "esme.cli", "send", "--profile", path, "--to", "8613800130000", "--text", "hi"],
            capture_output=True, text=True, timeout=60,
        )  # fmt: skip
        assert done.returncode == 2 and f"{path}:1: port: expected an integer" in done.stderr, done.stderr
