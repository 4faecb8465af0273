"""GET /api/scenarios and POST /api/scenarios/{name} and /stop: the shipped scenarios listed
with whether they can run against this SMSC, refusals in memory, and real runs inside a real
`smsc serve`."""

import json
import time

import pytest

from smsc.http.api import Api

from .conftest import call, make_factory, start_smsc
from .test_http_api import Http

SHIPPED = {"blocked-keywords", "link-flapping", "otp-rush", "quiet-hours-opt-out", "shopping-festival-peak", "smsc-crash", "tower-outage"}
# Against the default config (one account, smppclient1): what cannot run live, and why.
NOT_LIVE = {
    "blocked-keywords": "set_keywords",  # the API cannot change keyword lists
    "smsc-crash": "crash",  # nor crash the SMSC
    "otp-rush": "'mall', an account this SMSC does not have",
    "shopping-festival-peak": "'mall', an account this SMSC does not have",
}


@pytest.fixture
def http(clock):
    factory = make_factory(clock)
    return Http(Api(factory.sink, factory, clock).site())


class TestInMemory:
    def test_the_shipped_scenarios_and_whether_they_can_run_here(self, http):
        """Every shipped scenario is listed with its title and duration; those this SMSC cannot run say why."""
        answer = http("GET", "/api/scenarios")
        assert answer.status == 200 and answer.body["run"] is None
        listed = {scenario["name"]: scenario for scenario in answer.body["scenarios"]}
        assert set(listed) == SHIPPED
        assert listed["tower-outage"]["title"] and listed["tower-outage"]["duration"] == 2400.0
        for name, scenario in listed.items():
            assert scenario["live"] is (name not in NOT_LIVE), name
            assert (scenario["why_not"] is None) is scenario["live"], name
            if name in NOT_LIVE:
                assert NOT_LIVE[name] in scenario["why_not"], scenario["why_not"]

    def test_an_unknown_scenario_is_404_naming_the_shipped_ones(self, http):
        answer = http("POST", "/api/scenarios/no-such")
        assert answer.status == 404 and "no shipped scenario 'no-such'" in answer.body["error"] and "tower-outage" in answer.body["error"]

    def test_one_that_cannot_run_live_is_409_saying_why(self, http):
        answer = http("POST", "/api/scenarios/smsc-crash")
        assert answer.status == 409 and "smsc-crash cannot run against this SMSC" in answer.body["error"] and "crash" in answer.body["error"]

    @pytest.mark.parametrize("body", [{"speed": 0}, {"speed": -1}, {"speed": "fast"}, {"speed": True}])
    def test_a_bad_speed_is_400(self, http, body):
        answer = http("POST", "/api/scenarios/link-flapping", body)
        assert answer.status == 400 and "speed must be a number above 0" in answer.body["error"]

    def test_an_unknown_field_is_400(self, http):
        answer = http("POST", "/api/scenarios/link-flapping", {"seed": 3})
        assert answer.status == 400 and "unknown field seed" in answer.body["error"]

    def test_stop_with_nothing_running_is_409(self, http):
        answer = http("POST", "/api/scenarios/stop")
        assert answer.status == 409 and answer.body["error"] == "no scenario is running"

    def test_an_api_that_does_not_know_where_it_listens_cannot_start_one(self, http):
        """An Api built without `smsc serve` telling it its addresses lists scenarios but starts none."""
        answer = http("POST", "/api/scenarios/link-flapping")
        assert answer.status == 409 and "where it listens" in answer.body["error"]


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    folder = tmp_path_factory.mktemp("scenario-smsc")
    process, served = start_smsc(folder)
    yield served, folder
    process.terminate()
    process.wait(timeout=10)


def until_ended(api: str, seconds: float) -> dict:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        run = call(api, "GET", "/api/scenarios")[1]["run"]
        if run["state"] in ("finished", "failed"):
            return run
        time.sleep(0.25)
    raise AssertionError(f"the run did not end in {seconds} s: {run}")


class TestInsideSmscServe:
    def test_a_run_started_again_is_409_and_stop_ends_it_gently(self, served):
        """While a run goes, another start is refused; stop ends it with its verdicts, one saying it was stopped."""
        served, _ = served
        status, run = call(served.api, "POST", "/api/scenarios/link-flapping")
        assert status == 202 and (run["name"], run["speed"], run["state"]) == ("link-flapping", 1.0, "running")
        try:
            status, refused = call(served.api, "POST", "/api/scenarios/tower-outage", {"speed": 10})
            assert status == 409 and "'link-flapping' is running" in refused["error"]
            time.sleep(1)
        finally:
            status, stopping = call(served.api, "POST", "/api/scenarios/stop")
        assert status == 200 and stopping["state"] in ("stopping", "finished")
        run = until_ended(served.api, 90)
        assert run["state"] == "finished", run
        assert {"name": "ran to the end", "passed": False} == {key: run["verdicts"][-1][key] for key in ("name", "passed")}

    def test_a_run_at_high_speed_finishes_with_verdicts_and_a_log(self, served):
        """link-flapping at 400 times real time runs to its end inside the SMSC; its verdicts and event log are kept."""
        served, folder = served
        status, run = call(served.api, "POST", "/api/scenarios/link-flapping", {"speed": 400})
        assert status == 202, run
        run = until_ended(served.api, 120)
        assert run["state"] == "finished", run
        assert run["sent"] == 600 and run["elapsed"] >= 300
        names = [verdict["name"] for verdict in run["verdicts"]]
        assert "nothing acknowledged lost" in names and "ran to the end" not in names
        assert run["log"].startswith(str(folder / "data" / "scenarios" / "link-flapping-"))
        with open(run["log"]) as log:
            header = json.loads(log.readline())
        assert header["scenario"] == "link-flapping" and header["live"]["speed"] == 400.0
        assert call(served.api, "GET", "/api/scenarios")[1]["run"]["state"] == "finished"  # shown until the next start

    def test_pausing_the_smsc_pauses_the_scenario_and_stop_still_works(self, served):
        """With the SMSC's clock paused the scenario sends nothing more; stopping it then still ends it."""
        served, _ = served
        assert call(served.api, "POST", "/api/scenarios/link-flapping", {"speed": 20})[0] == 202
        try:
            time.sleep(1)
            assert call(served.api, "POST", "/api/clock", {"paused": True})[0] == 200
            time.sleep(0.3)  # what was handed out before the pause is counted
            sent = call(served.api, "GET", "/api/scenarios")[1]["run"]["sent"]
            time.sleep(1.5)
            assert call(served.api, "GET", "/api/scenarios")[1]["run"]["sent"] == sent > 0
            assert call(served.api, "POST", "/api/scenarios/stop")[0] == 200
            run = until_ended(served.api, 90)
        finally:
            call(served.api, "POST", "/api/clock", {"paused": False})
        assert run["state"] == "finished" and run["sent"] == sent
