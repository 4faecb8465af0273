"""What a delivery attempt meets at the handset, and churn changed while the network runs."""

import random

import attrs

from smsc.handsets import HandsetState, Handsets
from smsc.network_config import Churn, Network

NOW = 1795339800.0
QUIET = attrs.evolve(Network().handsets, absent=Churn(0.0), out_of_coverage=Churn(0.0), sim_full=Churn(0.0),
                     unknown_share=0.0, barred_share=0.0)  # fmt: skip


def numbers(count: int) -> list[str]:
    return [f"86138{index:04d}1234" for index in range(count)]


class TestChurnAtRunTime:
    def test_new_shares_apply_to_the_next_draws(self):
        """Every handset is on; then with a share of 1 switched off, every new attempt finds
        it absent, for a stay of about the configured minutes."""
        handsets = Handsets(attrs.evolve(Network(), handsets=QUIET), random.Random(1))
        assert {handsets.meet(number, NOW, NOW).state for number in numbers(50)} == {HandsetState.ON}
        handsets.churn = attrs.evolve(QUIET, absent=Churn(1.0, 5.0))
        meetings = [handsets.meet(number, NOW, NOW) for number in numbers(50)]
        assert {meeting.state for meeting in meetings} == {HandsetState.ABSENT}
        assert 60 < sum(meeting.until - NOW for meeting in meetings) / 50 < 600
        assert handsets.away() == 50

    def test_a_stay_drawn_before_lasts_until_it_ends(self):
        """Churn switched back off: handsets already away stay away until their stay ends."""
        handsets = Handsets(attrs.evolve(Network(), handsets=attrs.evolve(QUIET, absent=Churn(1.0, 5.0))), random.Random(2))
        (number,) = numbers(1)
        first = handsets.meet(number, NOW, NOW)
        handsets.churn = QUIET
        assert handsets.meet(number, NOW + 1, NOW) == first
        assert handsets.meet(number, first.until, NOW).state is HandsetState.ON
