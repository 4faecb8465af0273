"""The load report: rates over the steady part, thresholds with their measured values, the
text and JSON renderings, and the live line."""

import io
import json

import pytest
from twisted.internet import task

from esme import outcome
from esme.load_plan import Plan
from esme.load_progress import LiveLine, format_live
from esme.load_report import LoadReport, check_thresholds, to_json, to_text
from esme.load_tally import Tally


def part(status=0, attempts=1, latency=0.010):
    state = outcome.ACCEPTED if status == 0 else outcome.REFUSED
    return outcome.PartOutcome("7" if status == 0 else None, status, state, None, attempts, latency if status == 0 else None)


def tally_of_a_run(plan: Plan, accepted_per_second: float, refused_every: int = 0) -> Tally:
    """A tally as a run at plan's rate would leave it, the SMSC accepting accepted_per_second."""
    tally = Tally(100.0, plan.steady)
    n = 0
    while plan.due(n) < plan.duration:
        tally.offered(100.0 + plan.due(n), 1)
        n += 1
    for k in range(int(accepted_per_second * plan.duration)):
        tally.answered(outcome.Outcome((part(latency=0.001 * (1 + k % 100)),)), 100.0, 100.0 + k / accepted_per_second)
    for k in range(n - int(accepted_per_second * plan.duration)):
        tally.answered(outcome.Outcome((part(status=0x58, attempts=6),)), 100.0, 100.0 + plan.duration)
    tally.ended(100.0 + plan.duration)
    return tally


class TestThresholds:
    def test_each_threshold_judged(self):
        """--min-tps holds at or above its limit, --max-p99 at or below."""
        held = check_thresholds(150.0, 20.0, 150, 20)
        assert [t.holds for t in held] == [True, True]
        failed = check_thresholds(149.9, 20.1, 150, 20)
        assert [t.holds for t in failed] == [False, False]

    def test_nothing_measured_fails(self):
        """No submit accepted: neither threshold can hold, and the line says why."""
        checked = check_thresholds(None, None, 1, 1000)
        assert not any(t.holds for t in checked)
        assert "nothing accepted" in str(checked[0]) and "no submit answered" in str(checked[1])

    def test_not_asked_not_judged(self):
        assert check_thresholds(10.0, 5.0, None, None) == ()


class TestReport:
    def test_rates_over_the_steady_part(self):
        """200/s offered for 10 s after a 2 s ramp, 150/s taken: offered 200, achieved 150 in
        the steady part; the rest refused 0x58 after its retries."""
        plan = Plan(200, 10, ramp=2)
        report = LoadReport.of(
            tally_of_a_run(plan, 150), plan, binds=2, window=50, receipts_asked=False, now=115.0, min_tps=180, max_p99=200,
        )  # fmt: skip
        assert report.offered_tps == pytest.approx(200, abs=1)
        assert report.achieved_tps == pytest.approx(150, abs=1)
        assert report.messages_offered == 1800 and report.accepted == 1500
        assert report.refused == {"ESME_RTHROTTLED (0x58)": 300} and report.throttled == 300 * 6
        assert report.submit_to_response.p99 == pytest.approx(99)
        assert [t.holds for t in report.thresholds] == [False, True] and not report.passed

    def test_text_names_the_failed_threshold_with_its_figures(self):
        """The table ends with each threshold, the measured value beside it, and FAILED naming it."""
        plan = Plan(200, 10, ramp=2)
        text = to_text(LoadReport.of(tally_of_a_run(plan, 150), plan, binds=1, window=10, receipts_asked=False,
                                     now=115.0, min_tps=180))  # fmt: skip
        assert "FAIL  --min-tps 180: achieved 150.0 segments/s in the steady part" in text
        assert text.rstrip().endswith("FAILED: --min-tps")
        assert "refused ESME_RTHROTTLED (0x58)" in text and "throttled answers" in text

    def test_passed(self):
        plan = Plan(100, 5)
        report = LoadReport.of(tally_of_a_run(plan, 100), plan, binds=1, window=10, receipts_asked=False, now=106.0, min_tps=90)
        assert report.passed and to_text(report).rstrip().endswith("PASSED")

    def test_json_carries_the_figures_and_the_verdict(self):
        plan = Plan(100, 5)
        report = LoadReport.of(tally_of_a_run(plan, 100), plan, binds=1, window=10, receipts_asked=True, now=106.0,
                               max_p99=100)  # fmt: skip
        figures = json.loads(to_json(report))
        assert figures["passed"] is True and figures["achieved_tps"] == pytest.approx(100, abs=1)
        assert figures["thresholds"] == [{"flag": "--max-p99", "limit": 100, "measured": pytest.approx(99), "holds": True}]
        assert set(figures["submit_to_response"]) == {"count", "p50", "p90", "p99", "max"}

    def test_interrupted_run_is_not_a_pass(self):
        """Ctrl-C in the steady part: rates over the part that ran, and no pass."""
        plan = Plan(100, 10)
        tally = tally_of_a_run(Plan(100, 4), 100)
        report = LoadReport.of(tally, plan, binds=1, window=10, receipts_asked=False, now=104.0, interrupted=True)
        assert report.achieved_tps == pytest.approx(100, abs=1) and not report.passed
        assert "INTERRUPTED" in to_text(report)

    @pytest.mark.parametrize("last_answer, shown", [(1.25, "all answered 250 ms later"), (3.5, "all answered 2.50 s later")])
    def test_the_drain_in_ms_under_a_second(self, last_answer, shown):
        """How long the last answers took after the offer ended: in ms when under a second."""
        tally = Tally(0.0, (0, 1))
        tally.offered(0.0, 1)
        tally.ended(1.0)
        tally.answered(outcome.Outcome((part(),)), 0.0, last_answer)
        assert shown in to_text(LoadReport.of(tally, Plan(1, 1), binds=1, window=1, receipts_asked=False, now=4.0))


class TestLiveLine:
    def test_a_line_a_second_with_the_last_second_rates(self):
        """Into a log (not a terminal) every second gets its own line: offered and achieved
        over that second, in flight, and the p99 so far."""
        clock, stream = task.Clock(), io.StringIO()

        class Run:
            tally = Tally(0.0, (0, 10))

        live = LiveLine(Run, 10, clock, stream, is_tty=False)
        live.start()
        for second in range(2):
            for _ in range(100):
                Run.tally.offered(clock.seconds(), 1)
            for _ in range(80):
                Run.tally.answered(outcome.Outcome((part(latency=0.004),)), 0, clock.seconds())
            clock.advance(1)
        live.stop()
        lines = stream.getvalue().splitlines()
        assert lines == [
            "    1 s / 10 s  offered 100/s  achieved 80/s  in flight 20  p99 4 ms  accepted 80  throttled 0",
            "    2 s / 10 s  offered 100/s  achieved 80/s  in flight 40  p99 4 ms  accepted 160  throttled 0",
        ]

    def test_draining_and_receipts_awaited(self):
        """After the offer ends the line says so, and counts receipts still awaited."""
        tally = Tally(0.0, (0, 1))
        tally.offered(0, 1)
        tally.answered(outcome.Outcome((part(),)), 0, 0.01)
        tally.ended(1.0)
        line = format_live(3, 1, 0, 0, tally, receipts=True)
        assert "draining" in line and line.endswith("receipts awaited 1")


def test_docs_explain_every_report_field():
    """docs/esme-load.md names every field of the JSON report."""
    from pathlib import Path

    import attrs

    text = (Path(__file__).parents[2] / "docs" / "esme-load.md").read_text()
    section = text[text.index("## The report"):text.index("## Exit status")]
    assert [field.name for field in attrs.fields(LoadReport) if f"`{field.name}`" not in section] == []
    assert "`passed`" in section
