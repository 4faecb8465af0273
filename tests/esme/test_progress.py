"""The live progress line: pure formatting, and a writer that draws only when due."""

import io

from hypothesis import given
from hypothesis import strategies as st

from esme.progress import Progress, ProgressWriter, format_duration, format_line


class FakeClock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


class TestFormatting:
    def test_rate_and_eta_from_the_average_so_far(self):
        """2,500 of 10,000 in 10 s is 250 msg/s, with 30 s to go."""
        progress = Progress(2500, 10_000, 2400, 100, 10.0)
        assert (progress.rate, progress.eta) == (250.0, 30.0)
        assert format_line(progress, 200) == (
            "[##########..............................] 2,500/10,000  25%  250 msg/s  ETA 0:30  accepted 2,400  failed 100"
        )

    def test_nothing_measured_yet(self):
        """Before the first answer there is no rate and no ETA, and no division by zero."""
        line = format_line(Progress(0, 100, 0, 0, 0.0), 60)
        assert "- msg/s  ETA --:--" in line

    def test_narrow_terminal_drops_the_bar(self):
        """Without room for a bar the figures come first."""
        assert format_line(Progress(1, 2, 1, 0, 1.0), 55).startswith("1/2")

    def test_durations(self):
        """Minutes and seconds, with hours only when needed."""
        assert [format_duration(s) for s in (7, 750, 3723, None)] == ["0:07", "12:30", "1:02:03", "--:--"]

    @given(st.integers(0, 10**7), st.integers(0, 10**7), st.floats(0, 10**6), st.integers(20, 200))
    def test_never_wider_than_the_terminal(self, done, extra, elapsed, width):
        """Whatever the figures, the line fits the width it is given."""
        total = done + extra
        assert len(format_line(Progress(done, total, done, 0, elapsed), width)) <= width


class TestWriter:
    def test_terminal_redraws_in_place_at_most_n_times_a_second(self):
        """On a TTY, updates within a quarter second of the last drawing are dropped."""
        clock, stream = FakeClock(), io.StringIO()
        writer = ProgressWriter(100, clock, stream, is_tty=True, per_second=4)
        drawn = []
        for step in range(20):  # 20 updates over one second
            clock.now += 0.05
            drawn.append(writer.update(step, step, 0))
        assert sum(drawn) == 4
        assert stream.getvalue().count("\r") == 4 and "\n" not in stream.getvalue()
        writer.finish(100, 99, 1)
        assert stream.getvalue().endswith("failed 1\x1b[K\n")

    def test_not_a_terminal_writes_a_line_every_few_seconds(self):
        """Into a log, one plain line every plain_every seconds, no escape codes."""
        clock, stream = FakeClock(), io.StringIO()
        writer = ProgressWriter(100, clock, stream, is_tty=False, plain_every=5)
        for step in range(100):
            clock.now += 0.2
            writer.update(step, step, 0)
        lines = stream.getvalue().splitlines()
        assert len(lines) == 4 and "\r" not in stream.getvalue() and "\x1b" not in stream.getvalue()

    def test_tty_is_detected_from_the_stream(self):
        """A StringIO is not a terminal."""
        assert ProgressWriter(1, FakeClock(), io.StringIO()).is_tty is False
