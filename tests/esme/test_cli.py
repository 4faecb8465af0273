"""`esme send` as a user runs it, against `smsc serve` over real loopback."""

import subprocess
import sys

import pytest

from esme.cli import main


def esme(address, *arguments):
    host, port = address
    return subprocess.run(
        [sys.executable, "-m", "esme.cli", "send", "--host", host, "--port", str(port), *arguments],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip


class TestSend:
    def test_delivered(self, smsc_address):
        """A test number that is always delivered: the message_id, then DELIVRD err:000; exit 0."""
        done = esme(smsc_address, "--to", "8613800130000", "--text", "hello", "--from", "10690001", "--wait")
        assert done.returncode == 0, done.stdout + done.stderr
        assert "message_id: " in done.stdout and "DELIVRD err:000" in done.stdout

    def test_unknown_subscriber(self, smsc_address):
        """...0001: accepted, then UNDELIV err:001; exit 1."""
        done = esme(smsc_address, "--to", "8613800130001", "--text", "hello", "--from", "10690001", "--wait")
        assert done.returncode == 1, done.stdout + done.stderr
        assert "message_id: " in done.stdout and "UNDELIV err:001" in done.stdout

    def test_refused_names_the_status(self, smsc_address):
        """An invalid destination: the status's name and meaning; exit 1."""
        done = esme(smsc_address, "--to", "12", "--text", "hello", "--from", "10690001")
        assert done.returncode == 1 and "ESME_RINVDSTADR" in done.stdout

    def test_wrong_password(self, smsc_address):
        """A refused bind says why; exit 1."""
        done = esme(smsc_address, "--to", "8613800130000", "--text", "hi", "--password", "wrong")
        assert done.returncode == 1 and "bind refused" in done.stderr and "ESME_RINVPASWD" in done.stderr, done.stdout + done.stderr
        assert "Traceback" not in done.stderr and "Unhandled" not in done.stderr


class TestUsage:
    def test_missing_text_is_usage_error(self, capsys):
        """A missing --text exits 2 and says what is missing."""
        with pytest.raises(SystemExit) as exit:
            main(["send", "--to", "8613800130000"])
        assert exit.value.code == 2 and "--text" in capsys.readouterr().err

    def test_help_explains_exit_codes(self, capsys):
        """`esme send --help` names the defaults and the exit status."""
        with pytest.raises(SystemExit):
            main(["send", "--help"])
        help_text = capsys.readouterr().out
        assert "127.0.0.1" in help_text and "smppclient1" in help_text and "Exit status" in help_text
