"""`esme blast` as a user runs it, against `smsc serve` over real loopback: screening by line,
templates checked before anything is sent, the report, and --resume sending no line twice."""

import json
import signal
import subprocess
import sys
import time

from ..smsc.conftest import call


def blast(served, *arguments):
    host, port = served.smpp
    return subprocess.run(
        [sys.executable, "-m", "esme.cli", "blast", "--host", host, "--port", str(port), "--from", "10690001",
         "--wait-timeout", "20", *arguments],
        capture_output=True, text=True, timeout=90,
    )  # fmt: skip


def submitted(served) -> int:
    counters = call(served.api, "GET", "/api/stats")[1]["accounts"]["smppclient1"]["counters"]
    return counters.get("submitted", 0)


CSV = """number,name
+86 138 0013 0000,Li
8613800131000,Wang
not a number,Zhao
8613800130001,Chen
+8613800130000,Li again
8613800130005,Sun
"""


def test_a_campaign_screened_sent_and_reported(smsc_server, tmp_path):
    """Six lines: a malformed one and a duplicate reported by line, four sent; the report counts
    one delivered at once (0000), one more delivered, one unknown subscriber (0001), one barred
    (0005), and the JSON report says the same."""
    numbers = tmp_path / "numbers.csv"
    numbers.write_text(CSV, encoding="utf-8")
    before = submitted(smsc_server)
    run = blast(smsc_server, "--numbers", str(numbers), "--text", "Hi, your parcel is on its way",
                "--report-json", str(tmp_path / "report.json"))  # fmt: skip
    assert run.returncode == 1, run.stdout + run.stderr  # not all delivered
    assert "line 4, field 'number'" in run.stderr and "line 6: 8613800130000 not sent again (first on line 2)" in run.stderr
    summary = json.loads((tmp_path / "report.json").read_text())
    assert (summary["submitted"], summary["accepted"]) == (4, 4)
    assert summary["delivered"] + summary["failed"] + summary["no_receipt"] == 4 and summary["failed"] >= 2
    assert submitted(smsc_server) - before == 4


def test_a_template_variable_missing_sends_nothing(smsc_server, tmp_path):
    numbers, template = tmp_path / "numbers.csv", tmp_path / "offer.txt"
    numbers.write_text("number,name\n8613800130000,Li\n", encoding="utf-8")
    template.write_text("Dear {name}, your code is {code}\n", encoding="utf-8")
    before = submitted(smsc_server)
    run = blast(smsc_server, "--numbers", str(numbers), "--template", str(template))
    assert run.returncode == 2, run.stdout + run.stderr
    assert str(template) in run.stderr and "code" in run.stderr
    assert submitted(smsc_server) == before


def test_resume_sends_only_what_the_first_run_did_not(smsc_server, tmp_path):
    """A state file from a run stopped after line 3: --resume sends lines 4 and 5 only."""
    from esme.resume import Fingerprint, ResumeState

    numbers = tmp_path / "numbers.txt"
    numbers.write_text("8613800130000\n8613800131000\n8613800132000\n8613800133000\n8613800134000\n", encoding="utf-8")
    text = "Your code is 482913"
    state = tmp_path / "state.json"
    state.write_text(ResumeState(Fingerprint.of(numbers, text), 3, {1: ("a",), 2: ("b",), 3: ("c",)}).to_json())
    before = submitted(smsc_server)
    run = blast(smsc_server, "--numbers", str(numbers), "--text", text, "--state", str(state), "--resume")
    assert "resuming: 3 lines were handled by the earlier run" in run.stderr, run.stdout + run.stderr
    assert submitted(smsc_server) - before == 2


def test_bisect_finds_the_blocked_word(tmp_path):
    """Against `smsc serve` whose carrier filter REJECTDs 代开发票: the search ends on a fragment
    holding it, within its budget."""
    from ..smsc.conftest import start_smsc

    (tmp_path / "invoices.txt").write_text("代开发票\n", encoding="utf-8")
    config = tmp_path / "smsc.toml"
    config.write_text('[[policy.keywords]]\nname = "invoices"\nfile = "invoices.txt"\naction = "rejectd"\n')
    process, served = start_smsc(tmp_path, "--config", str(config))
    try:
        host, port = served.smpp
        run = subprocess.run(
            [sys.executable, "-m", "esme.cli", "bisect", "--host", host, "--port", str(port), "--to", "8613800130000",
             "--from", "10690001", "--text", "本公司长期为各类企业代开发票，价格优惠，欢迎来电咨询", "--budget", "30",
             "--wait-timeout", "10"],
            capture_output=True, text=True, timeout=120,
        )  # fmt: skip
    finally:
        process.terminate()
        process.wait(timeout=10)
    assert run.returncode == 0, run.stdout + run.stderr
    last = run.stdout.strip().splitlines()[-1]
    assert last.startswith("found after") and "代开发票" in last


def test_ctrl_c_writes_the_partial_report_and_resume_finishes(smsc_server, tmp_path):
    """Ctrl-C mid-campaign prints the report of what was done and keeps the state file;
    --resume sends the rest, and no number gets the message twice."""
    numbers = tmp_path / "numbers.txt"
    lines = [f"86139{n:04d}0000" for n in range(5000, 5016)]
    numbers.write_text("\n".join(lines) + "\n", encoding="utf-8")
    state, host, port = tmp_path / "state.json", *smsc_server.smpp
    command = [sys.executable, "-m", "esme.cli", "blast", "--host", host, "--port", str(port), "--numbers", str(numbers),
               "--text", "Your code is 482913", "--from", "10690001", "--tps", "4", "--state", str(state)]  # fmt: skip
    first = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(2.5)
    first.send_signal(signal.SIGINT)
    out, err = first.communicate(timeout=30)
    assert first.returncode == 1 and "submitted" in out, out + err
    assert state.exists() and "Traceback" not in err
    second = subprocess.run(command + ["--resume"], capture_output=True, text=True, timeout=60)
    assert "resuming:" in second.stderr, second.stdout + second.stderr
    counts = [delivered_or_pending(smsc_server, number) for number in lines]
    assert counts == [1] * len(lines)


def delivered_or_pending(served, number: str) -> int:
    status, body = call(served.api, "GET", "/api/messages?dest=" + number)
    assert status == 200, body
    return len(body["messages"])


def test_all_delivered_exits_0(smsc_server, tmp_path):
    """Every number delivered: exit 0, and the rows were handed over a few at a time."""
    numbers = tmp_path / "numbers.txt"
    numbers.write_text("".join(f"86137{n:04d}0000\n" for n in range(30)), encoding="utf-8")
    run = blast(smsc_server, "--numbers", str(numbers), "--text", "Your code is 482913", "--window", "2")
    assert run.returncode == 0, run.stdout + run.stderr
