"""The load over time in the report: the tower table, sparklines on one time axis with the
timeline's steps numbered under them, and the series in the JSON report."""

import json
import re
from pathlib import Path

from scenarios import expectations, load, report
from scenarios.sampling import Mark, Series, TowerSeries


def series(**towers) -> Series:
    """Five samples 10 s apart; towers: id -> (up, queue, held, on_air)."""
    t = (0.0, 10.0, 20.0, 30.0, 40.0)
    return Series(
        10.0, t, (0, 10, 20, 0, 0), (0, 10, 18, 0, 0), (0, 0, 2, 0, 0), (0, 0, 5, 0, 0), {"DELIVRD": (0, 5, 10, 13, 0)},
        {tower: TowerSeries("China Mobile", up, (200.0,) * 5, queue, held, on_air) for tower, (up, queue, held, on_air) in towers.items()},
        (Mark(10.0, "tower_down CM-2"), Mark(30.0, "tower_up CM-2")),
    )  # fmt: skip


QUIET = ((True,) * 5, (0,) * 5, (0,) * 5, (0,) * 5)
BUSY = ((True,) * 5, (0, 4, 9, 0, 0), (0,) * 5, (0, 10, 12, 6, 0))
OUTAGE = ((True, False, False, True, True), (0,) * 5, (0, 3, 8, 0, 0), (0, 0, 0, 8, 0))


class TestTowerTable:
    def test_only_towers_that_did_something_are_listed(self):
        loads = load.towers(series(**{"CM-1": BUSY, "CM-2": OUTAGE, "CU-1": QUIET}))
        assert [(one.tower, one.on_air, one.peak_queue, one.peak_held, one.down_seconds) for one in loads] == [
            ("CM-1", 28, 9, 0, 0.0),
            ("CM-2", 8, 0, 8, 20.0),
        ]

    def test_text_has_the_table_sparklines_and_numbered_steps(self):
        lines = load.to_text(series(**{"CM-1": BUSY, "CM-2": OUTAGE, "CU-1": QUIET}), duration=40.0)
        text = "\n".join(lines)
        assert "towers (sampled every 10s):" in text and "(1 more towers idle)" in text
        cm2 = next(line for line in lines if line.startswith("  CM-2 "))
        assert cm2.split()[-4:] == ["8", "0", "8", "20s"]
        held = next(line for line in lines if "CM-2 held" in line)
        assert held.endswith("│ 8") and "█" in held
        assert not any("CM-2 queued" in line and "█" in line for line in lines)  # nothing queued: blank
        assert "1 at 10s: tower_down CM-2" in text and "2 at 30s: tower_up CM-2" in text
        marks = next(line for line in lines if line.lstrip().startswith("timeline"))
        assert marks.index("1") < marks.index("2")

    def test_sparkline_scales_to_the_top_and_leaves_nothing_blank(self):
        assert load.sparkline((0, 1, 2, 3), (0, 1, 4, 8), until=4, top=8, width=4) == " ▁▄█"


class TestJson:
    def test_the_json_report_has_the_series_in_one_line_each(self, sampled):
        run, _ = sampled
        text = report.to_json(report.build(run, expectations.check(run)))
        data = json.loads(text)
        assert [tower["tower"] for tower in data["towers"]] == list(data["series"]["towers"])
        assert "CM-1" in data["series"]["towers"] and "CU-1" not in data["series"]["towers"]  # idle towers left out
        assert data["series"]["every"] == 1.0 and len(data["series"]["t"]) == len(data["series"]["offered"])
        assert data["series"]["events"][0] == {"t": 20.0, "label": "tower_down CM-1"}
        assert any(line.strip().startswith('"offered": [0, ') for line in text.splitlines())

    def test_the_text_report_ends_with_the_load_then_the_verdict(self, sampled):
        run, _ = sampled
        text = report.to_text(report.build(run, expectations.check(run)))
        assert "CM-1 held" in text and "1 at 20s: tower_down CM-1" in text
        assert text.endswith("PASSED")

    def test_docs_name_every_key_of_the_json_report(self, sampled):
        """docs/scenarios.md's table of the JSON report has a row naming each key."""
        run, _ = sampled
        data = json.loads(report.to_json(report.build(run, expectations.check(run))))
        doc = Path(__file__).parents[2] / "docs" / "scenarios.md"
        table = doc.read_text().split("### The JSON report")[1].split("## The event log")[0]
        rows = "\n".join(line for line in table.splitlines() if line.startswith("| `"))
        keys = [*data, *data["series"], *data["towers"][0], *next(iter(data["series"]["towers"].values()))]
        assert [key for key in keys if not re.search(rf"(?<![\w]){key}(?![\w])", rows)] == []
