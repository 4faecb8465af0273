"""The offered schedule of `esme load`: due times, the ramp, segments."""

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from esme.load_plan import Plan


class TestSchedule:
    def test_flat_rate(self):
        """200 segments a second for 2 s: 400 messages, one every 5 ms from the start."""
        plan = Plan(200, 2)
        assert plan.messages == 400
        assert [plan.due(n) for n in (0, 1, 399)] == [0.0, 0.005, 1.995]
        assert plan.steady == (0, 2)

    def test_ramp_is_linear_from_zero(self):
        """Over a 10 s ramp to 100/s, the offer is the area under the rising rate: 125 segments
        by 5 s, 500 by 10 s; then 100 a second."""
        plan = Plan(100, 20, ramp=10)
        assert plan.offered_by(5) == pytest.approx(125)
        assert plan.offered_by(10) == pytest.approx(500)
        assert plan.offered_by(15) == pytest.approx(1000)
        assert plan.messages == 1500
        assert plan.steady == (10, 20)

    def test_ramp_spaces_messages_wider_at_first(self):
        """Gaps between messages shrink while the rate rises, then stay at 1/rate."""
        plan = Plan(100, 20, ramp=10)
        gaps = [plan.due(n + 1) - plan.due(n) for n in range(0, 600)]
        assert all(a >= b - 1e-12 for a, b in zip(gaps[:499], gaps[1:500]))
        assert gaps[550] == pytest.approx(0.01)

    def test_segments_count(self):
        """At 90 segments a second, a three-segment message leaves every 1/30 s: 30 a second."""
        plan = Plan(90, 1, segments=3)
        assert plan.messages == 30
        assert plan.due(1) == pytest.approx(1 / 30)

    def test_ramp_must_end_before_the_run(self):
        """A ramp as long as the run leaves no steady part to judge."""
        with pytest.raises(ValueError, match="shorter than the run"):
            Plan(100, 10, ramp=10)

    @given(
        rate=st.floats(0.5, 5000), duration=st.floats(0.5, 600), ramp_share=st.floats(0, 0.99),
        segments=st.integers(1, 6),
    )  # fmt: skip
    def test_due_times_follow_the_offer(self, rate, duration, ramp_share, segments):
        """Due times rise; message n is due when n of them have been offered; the last is due
        before the end and the next one would not be."""
        plan = Plan(rate, duration, ramp=duration * ramp_share, segments=segments)
        n = plan.messages
        assert n == math.ceil(plan.offered_by(duration) / segments - 1e-9)
        samples = sorted({k for k in (0, 1, n // 2, n - 1) if 0 <= k < n})
        dues = [plan.due(k) for k in samples]
        assert dues == sorted(dues)
        for k, due in zip(samples, dues):
            assert plan.offered_by(due) == pytest.approx(k * segments, rel=1e-6, abs=1e-6)
        if n:
            assert plan.due(n - 1) < duration + 1e-9
        assert plan.due(n) >= duration - 1e-6
