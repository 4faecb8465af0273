"""The campaign report: counters, reasons, nearest-rank percentiles and the three renderings."""

import csv
import io
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from esme.report import Latency, MessageRecord, percentile, summarise, to_csv, to_json, to_text


def record(line, status=0, state="DELIVRD", err="000", response=0.010, receipt=1.0):
    return MessageRecord(
        number=f"86138001380{line:02d}", line=line, message_ids=(f"id{line}",) if status == 0 else (),
        submit_status=status, final_state=state, error_code=err, submitted_at=100.0,
        responded_at=None if response is None else 100.0 + response,
        receipt_at=None if receipt is None else 100.0 + receipt,
    )  # fmt: skip


CAMPAIGN = [
    record(1),
    record(2),
    record(3, state="UNDELIV", err="001"),
    record(4, state="UNDELIV", err="001"),
    record(5, state="REJECTD", err="011"),
    record(6, state="EXPIRED", err="027"),
    record(7, state=None, err=None, receipt=None),
    record(8, status=0x58, state=None, err=None, receipt=None),
    record(9, status=None, state=None, err=None, response=None, receipt=None),
]


class TestSummary:
    def test_every_outcome_has_its_counter(self):
        """Each message lands in exactly one of delivered, failed, expired, no receipt,
        refused or no response; accepted counts every ESME_ROK."""
        summary = summarise(CAMPAIGN)
        assert (summary.submitted, summary.accepted, summary.delivered, summary.failed, summary.expired,
                summary.no_receipt, summary.refused, summary.no_response) == (9, 7, 2, 4, 1, 1, 1, 1)  # fmt: skip

    def test_failed_by_reason_names_receipt_errors_and_submit_statuses(self):
        """Receipt failures by state and err, refusals by status name, most frequent first."""
        assert summarise(CAMPAIGN).failed_by_reason == {
            "UNDELIV err 001": 2, "ESME_RTHROTTLED (0x58)": 1, "REJECTD err 011": 1}  # fmt: skip

    def test_latencies_only_from_messages_that_have_them(self):
        """No response and no receipt are not counted as zero latency."""
        summary = summarise(CAMPAIGN)
        assert summary.submit_to_response.count == 8
        assert summary.submit_to_receipt.count == 6
        assert summary.submit_to_receipt.max == pytest.approx(1000.0)

    def test_empty_campaign(self):
        """No messages, no percentiles, no division by zero."""
        summary = summarise([])
        assert summary.submit_to_receipt == Latency(0, None, None, None, None)
        assert "submitted" in to_text(summary)


class TestPercentiles:
    def test_nearest_rank(self):
        """p50 of 1..10 is the 5th value, p90 the 9th, p99 the 10th: no interpolation."""
        values = [float(n) for n in range(1, 11)]
        assert [percentile(values, p) for p in (50, 90, 99, 100)] == [5.0, 9.0, 10.0, 10.0]

    def test_single_value(self):
        """One measurement is every percentile."""
        assert Latency.of([0.25]) == Latency(1, 250.0, 250.0, 250.0, 250.0)

    @given(st.lists(st.floats(0, 100, allow_nan=False), min_size=1), st.integers(1, 100))
    def test_a_percentile_is_a_measured_value_with_enough_at_or_below(self, values, p):
        """The nearest-rank percentile is one of the values, and at least p% are at or below it."""
        ordered = sorted(values)
        value = percentile(ordered, p)
        assert value in ordered
        assert sum(v <= value for v in ordered) >= p / 100 * len(ordered)


class TestRendering:
    def test_json_carries_every_field(self):
        """The JSON summary parses back with counters, reasons and latencies."""
        data = json.loads(to_json(summarise(CAMPAIGN)))
        assert data["delivered"] == 2 and data["failed_by_reason"]["UNDELIV err 001"] == 2
        assert data["submit_to_response"]["p50"] == pytest.approx(10.0)

    def test_csv_has_one_row_per_message(self):
        """Each message is a row with its line, status name, latencies and outcome word."""
        rows = list(csv.DictReader(io.StringIO(to_csv(CAMPAIGN))))
        assert [row["outcome"] for row in rows] == [
            "delivered", "delivered", "failed", "failed", "failed", "expired", "no_receipt", "refused", "no_response"]
        assert rows[7]["submit_status"] == "ESME_RTHROTTLED (0x58)"
        assert rows[0]["receipt_ms"] == "1000.0" and rows[8]["response_ms"] == ""

    def test_text_table(self):
        """The table shows counts with shares, the reasons and both latency lines."""
        text = to_text(summarise(CAMPAIGN))
        assert "  delivered                     2    22.2%" in text
        assert "UNDELIV err 001" in text
        assert "submit→DLR" in text and "submit→resp" in text

    def test_unknown_status_is_still_named(self):
        """A vendor-specific status the table does not know is shown in hex."""
        summary = summarise([record(1, status=0x400, state=None, err=None, receipt=None)])
        assert summary.failed_by_reason == {"unknown status 0x00000400": 1}


def test_docs_explain_every_summary_field():
    """docs/esme-blast.md has a row for every field of the report's summary."""
    from pathlib import Path

    import attrs

    from esme.report import Summary

    text = (Path(__file__).parents[2] / "docs" / "esme-blast.md").read_text()
    section = text[text.index("## The report"):text.index("## Progress")]
    assert [field.name for field in attrs.fields(Summary) if f"`{field.name}`" not in section] == []
