"""`smsc scenario run --chart`: a PNG or SVG of traffic, tower queues and receipts over the
timeline, the same file for the same run, and a wrong file name refused before the run."""

import struct

import pytest

from scenarios import chart, expectations, report
from smsc import cli


def png_size(path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    return struct.unpack("!LL", data[16:24])


class TestChartFromTheCommandLine:
    def test_a_png_of_the_run(self, tiny, tmp_path, capsys):
        """Four panels (a tower held traffic while down) make a 1100 x 1000 picture."""
        path = tmp_path / "tiny.png"
        assert cli.main(["scenario", "run", tiny, "--chart", str(path)]) == 0
        assert png_size(path) == (1100, 1000)
        assert b"matplotlib" not in path.read_bytes()  # no version written in: the same run, the same file
        assert "PASSED" in capsys.readouterr().out

    @pytest.mark.parametrize("name", ["tiny.pdf", "no-such-folder/tiny.png"])
    def test_a_chart_it_cannot_write_is_bad_usage(self, tiny, tmp_path, capsys, name):
        """Exit status 2 before anything runs."""
        assert cli.main(["scenario", "run", tiny, "--chart", str(tmp_path / name)]) == 2
        captured = capsys.readouterr()
        assert "--chart" in captured.err and captured.out == ""


@pytest.fixture(scope="module")
def svg(sampled, tmp_path_factory):
    run, _ = sampled
    path = tmp_path_factory.mktemp("chart") / "tiny.svg"
    chart.draw(report.build(run, expectations.check(run)), str(path))
    return path


class TestSvg:
    def test_names_the_towers_and_the_timeline_steps(self, svg):
        """Text stays text: tower names, event labels, panel titles can be searched for."""
        text = svg.read_text()
        for words in ("CM-1", "tower_down CM-1", "tower_up CM-1", "offered /s", "DELIVRD", "held at each tower", "tiny: a minute of traffic"):
            assert words in text, words

    def test_the_same_run_draws_the_same_file(self, sampled, svg, tmp_path):
        run, _ = sampled
        again = tmp_path / "again.svg"
        chart.draw(report.build(run, expectations.check(run)), str(again))
        assert again.read_bytes() == svg.read_bytes()
