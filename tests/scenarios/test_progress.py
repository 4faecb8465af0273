"""The progress line of `smsc scenario run`: on a terminal, a few times a second at most;
elsewhere (a file, a test capturing stderr) nothing."""

import io

from scenarios.progress import Progress
from smsc import cli


class Terminal(io.StringIO):
    def isatty(self):
        return True


class Wall:
    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now


class TestProgress:
    def test_a_terminal_sees_at_most_four_lines_a_second(self):
        stream, wall = Terminal(), Wall()
        progress = Progress("outage", 2400.0, stream, wall)
        for step in range(40):  # samples every 0.05 s of wall-clock time, for two seconds
            wall.now += 0.05
            progress(step * 15.0, step * 100)
        lines = [line.removesuffix("\033[K") for line in stream.getvalue().split("\r")[1:]]
        assert 7 <= len(lines) <= 9
        assert lines[0].startswith("outage: 0:00:00 of 0:40:00 simulated, 0 events, 0.")
        progress(2415.0, 9000)
        wall.now += 1
        progress(2430.0, 9100)
        assert stream.getvalue().endswith("outage: 0:40:30, draining simulated, 9100 events, 3.0 s\033[K")
        progress.close()
        assert stream.getvalue().endswith("\r\033[K")  # the line wiped

    def test_nothing_when_stderr_is_not_a_terminal(self):
        stream = io.StringIO()
        progress = Progress("outage", 2400.0, stream, Wall())
        progress(15.0, 10)
        progress.close()
        assert stream.getvalue() == ""

    def test_a_captured_run_prints_no_progress(self, tiny, capsys):
        assert cli.main(["scenario", "run", tiny]) == 0
        assert "simulated," not in capsys.readouterr().err
