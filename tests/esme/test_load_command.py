"""How `esme load` reaches its SMSC: the one SMSC chosen from profile, ESME_* variables and
flags, and its N binds sharing their receipts, against the SMSC in memory."""

import io
from types import SimpleNamespace

import pytest

from esme import connection, load_command
from esme.connection import UsageError
from esme.settings import BindMode, Settings
from tests.esme.conftest import Harness, wait_for
from tests.smsc.conftest import account

TWO_CARRIERS = """\
[[smsc]]
name = "carrier-a"
prefixes = ["86138"]

[[smsc]]
name = "carrier-b"
port = 2776
"""


def args(**given):
    fields = {flag.field: None for flag in connection.FLAGS}
    return SimpleNamespace(**{"profile": None, "window": None, **fields, **given})


def write(tmp_path, text):
    path = tmp_path / "esme.toml"
    path.write_text(text)
    return str(path)


class TestSmscUnderTest:
    def test_profile_environment_and_flags(self, tmp_path):
        """The profile sets the SMSC and its window, ESME_PORT overrides the profile, the
        command's defaults fill the rest; a profile's tps limit is lifted, since the schedule
        paces the load."""
        path = write(tmp_path, 'host = "192.0.2.7"\nport = 3000\nwindow = 7\ntps = 20\n')
        smsc = load_command.smsc_under_test(args(), {"window": 50, "receipt_timeout": 60}, environ={"ESME_PROFILE": path, "ESME_PORT": "4000"})
        settings = smsc.settings
        assert (settings.host, settings.port, settings.window, settings.tps, settings.receipt_timeout) == ("192.0.2.7", 4000, 7, 0.0, 60)

    def test_window_flag_over_the_profile(self, tmp_path):
        """--window is a flag, so it wins over the profile's window."""
        path = write(tmp_path, "window = 7\n")
        smsc = load_command.smsc_under_test(args(profile=path, window=3), {"window": 50}, environ={})
        assert smsc.settings.window == 3

    def test_no_profile_takes_the_commands_default_window(self):
        assert load_command.smsc_under_test(args(), {"window": 50}, environ={}).settings.window == 50

    def test_several_smscs_are_refused_naming_them(self, tmp_path):
        """A profile listing two SMSCs is bad usage: a load test measures one SMSC, and
        routing between several would mix their figures."""
        path = write(tmp_path, TWO_CARRIERS)
        with pytest.raises(UsageError, match=r"lists 2 SMSCs \(carrier-a, carrier-b\); a load test measures one"):
            load_command.smsc_under_test(args(profile=path), {}, environ={})

    def test_a_bad_environment_value_is_bad_usage(self):
        with pytest.raises(UsageError, match="ESME_BIND='sideways'"):
            load_command.smsc_under_test(args(), {}, environ={"ESME_BIND": "sideways"})


class TestBinds:
    def bind(self, harness, settings, count):
        err = io.StringIO()
        bound = load_command.bind_senders(harness.clock, settings, count, err, endpoint_for=lambda reactor, settings: harness.endpoint)
        return wait_for(harness.clock, bound, 10), err.getvalue()

    @pytest.mark.parametrize("mode, sessions", [(BindMode.TRANSCEIVER, 3), (BindMode.PAIR, 6)])
    def test_n_links_sharing_their_receipts(self, clock, mode, sessions):
        """--binds 3 opens three binds to the SMSC (three pairs with bind=pair), sharing their
        receipts: messages sent on one bind are matched whichever bind the SMSC hands each
        receipt to (it takes them in turn)."""
        harness = Harness(clock)
        senders, err = self.bind(harness, Settings(enquire_link=0, receipt_timeout=60, bind=mode), 3)
        assert len(senders) == 3 and all(sender.bound for sender in senders) and err == ""
        assert len(harness.smsc.sessions()) == sessions
        results = [harness.result(senders[0].send("8613800130000", "hi", "10690001")) for _ in range(3)]
        assert [result.state for result in results] == ["DELIVRD"] * 3
        assert sum(sender.unmatched_receipts for sender in senders) == 0

    def test_a_refused_bind_names_which_and_unbinds_the_others(self, clock):
        """An account allowed two binds, asked for three: the third is refused, the report
        names it and the SMSC's reason, and the two bound are unbound."""
        harness = Harness(clock, account(max_binds=2))
        senders, err = self.bind(harness, Settings(enquire_link=0), 3)
        harness.run(2)
        assert senders is None and harness.smsc.sessions() == []
        assert err.startswith("esme load: bind 3 of 3 to 127.0.0.1:2775 failed: ") and "ESME_RBINDFAIL" in err
