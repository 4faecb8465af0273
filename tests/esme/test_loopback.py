"""The ESME library against `smsc serve` over real TCP loopback, on the real reactor: windowing
under throttling, retry after 0x58, reconnect after the SMSC drops the link, failover between
two SMSCs, and receipts correlated for every personality. Each run is a loopback_driver
process; the SMSCs are `smsc serve` processes with config files."""

import json
import subprocess
import sys
import time
import urllib.parse

import pytest

from smsc.personality import BUILT_IN
from tests.smsc.conftest import call, start_smsc

FAST = {"enquire_link": 0, "retry_delay": 0.05, "retry_delay_max": 0.2, "receipt_timeout": 10, "response_timeout": 5}


def numbers(count: int, first: int = 0) -> list[str]:
    """Ordinary numbers (suffix 0000: delivered at once), each different."""
    return [f"86138{n:04d}0000" for n in range(first, first + count)]


def account(system_id: str, extra: str = "") -> str:
    return f'[[accounts]]\nsystem_id = "{system_id}"\npassword = "password"\n{extra}\n'


@pytest.fixture
def serve(tmp_path):
    """Start `smsc serve` with a config; every one started is stopped after the test."""
    running = []

    def start(config: str, name: str = "smsc"):
        folder = tmp_path / name
        folder.mkdir()
        (folder / "smsc.toml").write_text(config)
        process, served = start_smsc(folder, "--config", str(folder / "smsc.toml"))
        running.append(process)
        return process, served

    yield start
    for process in running:
        process.terminate()
        process.wait(timeout=10)


def drive(plan: dict, timeout: float = 60) -> dict:
    done = subprocess.run([sys.executable, "-m", "tests.esme.loopback_driver", json.dumps(plan)], capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, done.stdout + done.stderr
    return json.loads(done.stdout.splitlines()[-1])


def smsc_plan(served, name: str = "smsc", **settings) -> dict:
    host, port = served.smpp
    return {"name": name, "settings": {"host": host, "port": port, **settings}}


def delivered_to(served, number: str) -> int:
    status, body = call(served.api, "GET", "/api/messages?" + urllib.parse.urlencode({"dest": number}))
    assert status == 200, body
    return sum(message["state"]["name"] == "DELIVERED" for message in body["messages"])


def states(result: dict) -> list[str]:
    return [part["state"] for outcome in result["outcomes"] for part in outcome]


def test_window_respected_under_throttling(serve):
    """The account's window is 3 and a full window is answered 0x14, which this ESME does not
    retry; a fifth of submits are throttled 0x58, which it does. With window 3 every message
    is delivered, none refused: the window was never overrun, and 0x58 was retried."""
    _, served = serve(account("smppclient1", 'window = 3\nthrottle_answer = "ESME_RMSGQFUL"\n'
                              '[accounts.faults]\nerror_share = 0.2\nerror_status = "ESME_RTHROTTLED"\nresponse_delay = 0.02'))  # fmt: skip
    plan = {"settings": {**FAST, "window": 3, "retry_statuses": [0x58]}, "smscs": [smsc_plan(served)],
            "messages": [[number, "hi"] for number in numbers(40)]}  # fmt: skip
    result = drive(plan)
    assert states(result) == ["DELIVRD"] * 40
    assert any(part["attempts"] > 1 for outcome in result["outcomes"] for part in outcome)


def test_reconnect_after_the_smsc_drops_the_link(serve):
    """The SMSC cuts the link every 15 PDUs. The Sender rebinds and goes on; with a window of
    1, each message ends DELIVRD, or UNKNOWN when it was the one in flight at a cut; none is
    delivered twice."""
    _, served = serve(account("smppclient1", "[accounts.faults]\ndrop_after = 15"))
    plan = {"settings": {**FAST, "window": 1}, "smscs": [smsc_plan(served)], "messages": [[number, "hi"] for number in numbers(30)]}
    result = drive(plan)
    binds = result["binds"][0]  # each link ends in at most one cut (the last may come with the last message)
    assert binds >= 3 and set(states(result)) <= {"DELIVRD", "UNKNOWN"} and states(result).count("UNKNOWN") <= binds
    assert all(delivered_to(served, number) <= 1 for number in numbers(30))


def test_failover_between_two_smscs(serve):
    """SMSC a serves 86138 and b the rest; a is killed mid-run. Messages still waiting move to
    b; none is sent to both; everything is accounted for."""
    a_process, a = serve(account("smppclient1"), "a")
    _, b = serve(account("smppclient1"), "b")
    plan = {"settings": {**FAST, "window": 1, "receipt_timeout": 3},
            "smscs": [smsc_plan(a, "a") | {"prefixes": ["86138"]}, smsc_plan(b, "b")],
            "messages": [[number, "hi"] for number in numbers(40)], "gap": 0.02}  # fmt: skip
    driver = subprocess.Popen([sys.executable, "-m", "tests.esme.loopback_driver", json.dumps(plan)], stdout=subprocess.PIPE, text=True)
    assert json.loads(driver.stdout.readline()) == {"bound": True}
    time.sleep(0.3)
    a_process.kill()
    output, _ = driver.communicate(timeout=60)
    assert driver.returncode == 0
    result = json.loads(output.splitlines()[-1])
    assert set(states(result)) <= {"DELIVRD", "UNKNOWN", "no receipt"}
    moved = [number for number in numbers(40) if delivered_to(b, number)]
    assert moved and moved[-1] == numbers(40)[-1]  # the last messages went to b
    assert states(result).count("UNKNOWN") <= 1  # at most the one in flight when a died


@pytest.mark.parametrize("personality", sorted(BUILT_IN))
def test_receipts_correlated_for_every_personality(serve, personality):
    """Whatever ids and receipt format the carrier uses, each receipt finds its segment (for
    `terse`, which sends one receipt for a long message, told receipts_per_segment false)."""
    _, served = serve(account("smppclient1", f'personality = "{personality}"'))
    texts = [["8613800130000", "hi"], ["8613800130001", "hi"], ["8613800130005", "hi"], ["8613800130000", "x" * 200]]
    # ...0001 and ...0005 cross the network (notification transit: median 1 s, p95 4 s): its tail
    # passes FAST's 10 s receipt timeout once in 260 messages: ten such a run failed one run in 25
    settings = {**FAST, "receipt_timeout": 30, "receipts_per_segment": BUILT_IN[personality].receipts_per_segment}
    result = drive({"settings": settings, "smscs": [smsc_plan(served)], "messages": texts})
    assert [[part["state"] for part in outcome] for outcome in result["outcomes"]] == [
        ["DELIVRD"], ["UNDELIV"], ["REJECTD"], ["DELIVRD", "DELIVRD"],
    ]  # fmt: skip
    assert result["unmatched_receipts"] == 0
