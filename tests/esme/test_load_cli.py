"""`esme load` as a CI job runs it, against `smsc serve` over real loopback: the report and
exit status, a threshold that fails, an SMSC that throttles, and usage errors found before
anything is sent."""

import json
import os
import re
import signal
import subprocess
import sys

import pytest

from ..smsc.conftest import call, start_smsc


def load(served, *arguments, timeout=60):
    host, port = served.smpp
    return subprocess.run(
        [sys.executable, "-m", "esme.cli", "load", "--host", host, "--port", str(port), "--from", "10690001", *arguments],
        capture_output=True, text=True, timeout=timeout,
    )  # fmt: skip


def counters(served) -> dict:
    return call(served.api, "GET", "/api/stats")[1]["accounts"]["smppclient1"]["counters"]


def test_a_load_that_passes_its_threshold(smsc_server, tmp_path):
    """100 segments a second for 2 s over 2 binds, three numbers that deliver at once, with
    receipts: every message accepted and delivered, the achieved rate above --min-tps 75,
    exit 0, and the JSON report says the same. (Rates a quarter of what the SMSC takes on a
    quiet machine, so that a busy CI runner passes too.)"""
    numbers = tmp_path / "numbers.txt"
    numbers.write_text("8613800130000\n8613900130000\n8618600130000\n", encoding="utf-8")
    before = counters(smsc_server).get("submitted", 0)
    run = load(smsc_server, "--numbers", str(numbers), "--tps", "100", "--duration", "2", "--binds", "2", "--dlr",
               "--wait-timeout", "20", "--min-tps", "75", "--report-json", str(tmp_path / "load.json"))  # fmt: skip
    assert run.returncode == 0, run.stdout + run.stderr
    report = json.loads((tmp_path / "load.json").read_text())
    assert (report["messages_offered"], report["accepted"], report["receipts"]) == (200, 200, {"DELIVRD": 200})
    assert report["offered_tps"] == pytest.approx(100, abs=10) and report["achieved_tps"] >= 75
    assert report["submit_to_response"]["count"] == 200 and report["submit_to_receipt"]["count"] == 200
    assert report["thresholds"][0]["flag"] == "--min-tps" and report["thresholds"][0]["holds"] and report["passed"]
    assert "ok    --min-tps 75: achieved" in run.stdout and run.stdout.rstrip().endswith("PASSED")
    assert "1 s / 2 s  offered " in run.stderr  # the live line, on stderr
    assert counters(smsc_server)["submitted"] - before == 200


def test_a_threshold_that_fails_sets_exit_1(smsc_server):
    """No SMSC answers in a microsecond: --max-p99 0.001 fails, the report names it with the
    measured p99, exit 1."""
    run = load(smsc_server, "--to", "8613800130000", "--tps", "50", "--duration", "1", "--max-p99", "0.001")
    assert run.returncode == 1, run.stdout + run.stderr
    assert "FAIL  --max-p99 0.001 ms: submit→resp p99 " in run.stdout
    assert run.stdout.rstrip().endswith("FAILED: --max-p99")


def test_long_unicode_texts_count_segments(smsc_server, tmp_path):
    """A 108-character Chinese text is two UCS-2 segments: at 100 segments a second for 1 s,
    50 messages and 100 segments go, and the rates are in segments."""
    text = "您的验证码是482913，五分钟内有效。请勿向任何人透露此验证码，客服人员不会向您索取。" * 2 + "谢谢您的配合与支持，祝您生活愉快万事如意"
    run = load(smsc_server, "--to", "8613800130000", "--tps", "100", "--duration", "1", "--text", text,
               "--report-json", str(tmp_path / "load.json"))  # fmt: skip
    assert run.returncode == 0, run.stdout + run.stderr
    report = json.loads((tmp_path / "load.json").read_text())
    assert (report["messages_offered"], report["segments_offered"], report["accepted"]) == (50, 100, 100)
    assert report["offered_tps"] == pytest.approx(100, abs=2)


def test_ctrl_c_prints_the_report_so_far(smsc_server, tmp_path):
    """Ctrl-C during a run: the report of what was done so far, marked INTERRUPTED, and the
    JSON written; exit 1."""
    host, port = smsc_server.smpp
    process = subprocess.Popen(
        [sys.executable, "-m", "esme.cli", "load", "--host", host, "--port", str(port), "--to", "8613800130000",
         "--tps", "50", "--duration", "60", "--report-json", str(tmp_path / "load.json")],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        first_line = process.stderr.readline()  # a second into the run
        process.send_signal(signal.SIGINT)
        out, _ = process.communicate(timeout=20)
    finally:
        process.kill()
    assert "1 s / 60 s" in first_line
    assert process.returncode == 1, out
    assert "INTERRUPTED: the figures cover the run until Ctrl-C" in out
    report = json.loads((tmp_path / "load.json").read_text())
    assert report["interrupted"] and not report["passed"] and 0 < report["messages_offered"] < 3000


def test_the_smsc_from_a_profile_and_the_environment(smsc_server, tmp_path):
    """No connection flag: ESME_PROFILE names a profile with the SMSC's host and a window of 7,
    ESME_PORT gives its port; the load runs there over 2 binds, and the report says window 7."""
    host, port = smsc_server.smpp
    profile = tmp_path / "esme.toml"
    profile.write_text(f'host = "{host}"\nwindow = 7\nsource = "10690001"\n')
    environ = {**os.environ, "ESME_PROFILE": str(profile), "ESME_PORT": str(port)}
    run = subprocess.run(
        [sys.executable, "-m", "esme.cli", "load", "--to", "8613800130000", "--tps", "50", "--duration", "1", "--binds", "2",
         "--dlr", "--report-json", str(tmp_path / "load.json")],
        capture_output=True, text=True, timeout=60, env=environ,
    )  # fmt: skip
    assert run.returncode == 0, run.stdout + run.stderr
    report = json.loads((tmp_path / "load.json").read_text())
    assert (report["binds"], report["window"], report["accepted"], report["receipts"]) == (2, 7, 50, {"DELIVRD": 50})
    assert "2 bind(s), window 7 each" in run.stdout


SLOW_TOWER = """
[[accounts]]
system_id = "smppclient1"
password = "password"

[[network.carriers]]
name = "Slow"
prefixes = [""]
towers = [{ id = "SLOW-1", capacity = 50, queue_limit = 10 }]
"""


def test_throttling_is_counted_and_honoured(tmp_path):
    """A tower that takes 50 a second and queues 10, offered 100 a second: the SMSC answers
    0x58 beyond its queue; each is counted (as many as the SMSC says it sent), the Sender
    retries after a backoff, and every message is accepted in the end, at about the tower's
    rate rather than the offered one."""
    config = tmp_path / "smsc.toml"
    config.write_text(SLOW_TOWER)
    process, served = start_smsc(tmp_path, "--config", str(config))
    try:
        run = load(served, "--to", "8613800130000", "--tps", "100", "--duration", "1", "--report-json", str(tmp_path / "load.json"))
        smsc = counters(served)
    finally:
        process.terminate()
        process.wait(timeout=10)
    assert run.returncode == 0, run.stdout + run.stderr
    report = json.loads((tmp_path / "load.json").read_text())
    assert report["throttled"] > 0 and report["throttled"] == smsc["throttled"]
    assert report["accepted"] == 100 == smsc["submitted"]
    assert report["achieved_tps"] < 80 and report["offered_tps"] == pytest.approx(100, abs=1)
    assert report["due_to_response"]["max"] > 500  # the retried ones waited their backoff
    shown = re.search(r"throttled answers +([\d,]+)", run.stdout)
    assert shown and int(shown.group(1).replace(",", "")) == report["throttled"], run.stdout


class TestUsage:
    """Bad input stops the run with exit 2 before anything is sent; no SMSC is needed."""

    def esme_load(self, *arguments):
        return subprocess.run(
            [sys.executable, "-m", "esme.cli", "load", "--port", "9", *arguments], capture_output=True, text=True, timeout=30
        )

    def test_ramp_longer_than_the_run(self):
        run = self.esme_load("--to", "8613800130000", "--tps", "10", "--duration", "30s", "--ramp", "1m")
        assert run.returncode == 2 and "--ramp (60 s) must be shorter than --duration (30 s)" in run.stderr

    def test_unreadable_numbers_file_names_file_and_line(self, tmp_path):
        numbers = tmp_path / "numbers.txt"
        numbers.write_bytes(b"8613800130000\n86138\xff0130001\n")
        run = self.esme_load("--numbers", str(numbers), "--tps", "10", "--duration", "5")
        assert run.returncode == 2 and f"{numbers}, line 2: not UTF-8" in run.stderr

    def test_missing_numbers_file(self, tmp_path):
        run = self.esme_load("--numbers", str(tmp_path / "nowhere.txt"), "--tps", "10", "--duration", "5")
        assert run.returncode == 2 and "nowhere.txt: cannot read" in run.stderr

    def test_a_duration_it_cannot_read(self):
        run = self.esme_load("--to", "8613800130000", "--tps", "10", "--duration", "5 minutes")
        assert run.returncode == 2 and "write 90, 90s, 5m, 1h or 1m30s" in run.stderr

    def test_a_threshold_above_the_offer(self):
        run = self.esme_load("--to", "8613800130000", "--tps", "100", "--duration", "5", "--min-tps", "120")
        assert run.returncode == 2 and "--min-tps 120 can never hold" in run.stderr

    def test_a_report_file_in_no_folder(self, tmp_path):
        run = self.esme_load("--to", "8613800130000", "--tps", "10", "--duration", "5",
                             "--report-json", str(tmp_path / "missing" / "load.json"))  # fmt: skip
        assert run.returncode == 2 and "no such folder" in run.stderr

    def test_a_text_too_long_to_send(self):
        run = self.esme_load("--to", "8613800130000", "--tps", "10", "--duration", "5", "--text", "x" * 153 * 256)
        assert run.returncode == 2 and "--text cannot be sent: the message needs 256 segments" in run.stderr

    def test_a_profile_of_several_smscs(self, tmp_path):
        """A load test measures one SMSC: a profile listing two is refused, naming them."""
        profile = tmp_path / "esme.toml"
        profile.write_text('[[smsc]]\nname = "carrier-a"\nprefixes = ["86138"]\n[[smsc]]\nname = "carrier-b"\n')
        run = self.esme_load("--profile", str(profile), "--to", "8613800130000", "--tps", "10", "--duration", "5")
        assert run.returncode == 2 and "the profile lists 2 SMSCs (carrier-a, carrier-b); a load test measures one" in run.stderr

    def test_a_bad_profile_names_file_line_and_key(self, tmp_path):
        profile = tmp_path / "esme.toml"
        profile.write_text('window = "wide"\n')
        run = self.esme_load("--profile", str(profile), "--to", "8613800130000", "--tps", "10", "--duration", "5")
        assert run.returncode == 2 and f"{profile}:1: window: expected an integer" in run.stderr, run.stderr

    def test_no_smsc_is_exit_1_naming_where(self):
        """Nobody listening is not bad usage: exit 1, naming the address."""
        run = self.esme_load("--to", "8613800130000", "--tps", "10", "--duration", "5")
        assert run.returncode == 1 and "bind 1 of 1 to 127.0.0.1:9 failed" in run.stderr
