"""A long marketing message is judged whole: its signature and opt-out, wherever the segments
cut them, on the segment that completes it."""

from pdu import segments
from pdu.wire import Address, SubmitSm
from smsc.policy.long_messages import HOLD, LongMessages
from smsc.policy.statuses import PolicyStatus
from smsc.testing import WireSession

from ..conftest import account, make_factory
from ..test_engine import SOURCE

HANDSET = Address(1, 1, "8613800138888")


def send_long(session, text: str, reference: int) -> list[int]:
    """The text as UDH segments; each segment's submit_sm_resp status."""
    parts = segments.split(text, method=segments.Concatenation.UDH8, reference=reference)
    for part in parts:
        session.send(SubmitSm(SOURCE, HANDSET, part.short_message, esm_class=0x40, data_coding=part.encoding.data_coding))
    return [header.command_status for header, _ in session.received() if header.command_name == "submit_sm_resp"]


def marketing_session(clock):
    session = WireSession(make_factory(clock, account(message_class="marketing")), answer_deliveries=True)
    session.bind()
    return session


class TestOverSmpp:
    def test_an_opt_out_cut_by_the_segments_still_counts(self, clock):
        """退订回T split between the last two segments (退订 | 回T): accepted, all three."""
        text = "【京东】" + "双十一全场五折，" * 16 + "退订回T"  # 132 characters, then the opt-out across the cut at 134
        last = segments.split(text, method=segments.Concatenation.UDH8, reference=1)[-1]
        assert last.short_message[6:].decode("utf-16-be") == "回T"
        assert send_long(marketing_session(clock), text, reference=7) == [0, 0, 0]

    def test_no_signature_anywhere_is_refused_on_the_last_segment(self, clock):
        text = "双十一全场五折，" * 12 + "退订回T"
        assert send_long(marketing_session(clock), text, reference=8) == [0, PolicyStatus.NO_SIGNATURE]

    def test_no_opt_out_is_refused_on_the_last_segment(self, clock):
        text = "【京东】" + "双十一全场五折，" * 12
        assert send_long(marketing_session(clock), text, reference=9)[-1] == PolicyStatus.NO_OPT_OUT_TEXT


class TestLongMessages:
    def test_whole_when_complete_in_any_order(self):
        waiting = LongMessages()
        assert waiting.add("m", 2, 3, "b", 0.0) is None
        assert waiting.add("m", 3, 3, "c", 1.0) is None
        assert waiting.add("m", 1, 3, "a", 2.0) == "abc"

    def test_forgotten_after_the_hold(self):
        waiting = LongMessages()
        waiting.add("m", 1, 2, "a", 0.0)
        assert waiting.add("m", 2, 2, "b", HOLD + 1) is None  # the first is gone; this starts anew
