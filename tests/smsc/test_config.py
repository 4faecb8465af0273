"""The TOML config: defaults with no file, overrides, and mistakes named by file, line and key."""

import pytest

from smsc import config_file
from smsc.config import Config, ThrottleAnswer
from smsc.config_file import ConfigError


def load_text(tmp_path, text):
    path = tmp_path / "smsc.toml"
    path.write_text(text)
    return config_file.load(path)


def problems(tmp_path, text):
    with pytest.raises(ConfigError) as caught:
        load_text(tmp_path, text)
    return caught.value


class TestDefaults:
    def test_no_file_gives_the_classic_defaults(self):
        """With no file: SMPP on 127.0.0.1:2775 and the smppclient1/password account."""
        config = Config()
        assert config.smpp == "127.0.0.1:2775"
        assert [(a.system_id, a.password) for a in config.accounts] == [("smppclient1", "password")]

    def test_file_overrides(self, tmp_path):
        """Keys in the file replace the defaults; unnamed keys keep theirs."""
        config = load_text(
            tmp_path,
            'smpp = "0.0.0.0:2776"\n[timers]\nenquire_link = 5\n'
            '[[accounts]]\nsystem_id = "shop"\npassword = "pw"\nwindow = 10\nthrottle_answer = "ESME_RMSGQFUL"\n',
        )
        assert config.smpp == "0.0.0.0:2776" and config.timers.enquire_link == 5.0 and config.timers.response == 30.0
        (account,) = config.accounts
        assert (account.system_id, account.window, account.throttle_answer) == ("shop", 10, ThrottleAnswer.QUEUE_FULL)


class TestMistakes:
    def test_each_problem_names_line_key_and_expectation(self, tmp_path):
        """A wrong type, an unknown key and a bad choice are all reported at once, with lines."""
        error = problems(
            tmp_path,
            'colour = "blue"\n[timers]\nenquire_link = "soon"\n'
            '[[accounts]]\nsystem_id = "a"\npassword = "b"\n[[accounts]]\nsystem_id = "c"\npassword = "d"\n'
            'throttle_answer = "SLOW"\n',
        )
        found = {(p.path, p.line) for p in error.problems}
        assert found == {("colour", 1), ("timers.enquire_link", 3), ("accounts[1].throttle_answer", 10)}
        text = str(error)
        assert "smsc.toml:3: timers.enquire_link: expected a number, got 'soon'" in text
        assert "expected one of 'ESME_RTHROTTLED', 'ESME_RMSGQFUL'" in text

    def test_value_rules(self, tmp_path):
        """Values of the right type but out of range name the key and the rule."""
        error = problems(tmp_path, '[[accounts]]\nsystem_id = "a"\npassword = "b"\nwindow = 0\n')
        (problem,) = error.problems
        assert problem.path == "accounts[0].window" and problem.line == 4
        assert "greater than 0" in problem.message

    def test_missing_required_key(self, tmp_path):
        """An account without a password says which key is missing."""
        (problem,) = problems(tmp_path, '[[accounts]]\nsystem_id = "a"\n').problems
        assert (problem.path, problem.message) == ("accounts[0].password", "required key missing")

    def test_syntax_error_names_the_line(self, tmp_path):
        """Broken TOML names the line."""
        (problem,) = problems(tmp_path, 'smpp = "a:1"\nbroken = [\n').problems
        assert problem.line is not None and "not valid TOML" in problem.message

    def test_missing_file(self, tmp_path):
        """A config path that does not exist is named."""
        with pytest.raises(ConfigError, match="No such file"):
            config_file.load(tmp_path / "absent.toml")

    def test_bad_listen_address(self, tmp_path):
        """smpp must be HOST:PORT."""
        (problem,) = problems(tmp_path, 'smpp = "localhost"\n').problems
        assert "HOST:PORT" in problem.message and problem.line == 1
