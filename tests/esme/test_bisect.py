"""`esme bisect`'s search, against a filter built from the SMSC's own keyword matcher."""

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from esme.bisect import Bisect, Status, Verdict
from smsc.policy.keywords import KeywordMatcher

KEYWORDS = ("赌博", "代开发票", "viagra")
MATCHER = KeywordMatcher.build([("list", KEYWORDS)])


def carrier(fragment: str) -> Verdict:
    """A carrier whose filter is our matcher: blocked iff a keyword is found."""
    return Verdict.BLOCKED if MATCHER.find(fragment) else Verdict.DELIVERED


def run(text, budget=100, verdict=carrier):
    search = Bisect(text, budget)
    sent = []
    while (probe := search.next_probe()) is not None:
        assert probe.fragment == text[probe.start:probe.end]
        sent.append(probe.fragment)
        search.report(verdict(probe.fragment))
    assert search.finding.probes == len(sent) <= budget
    return search.finding, sent


def budget_for(text):
    return math.ceil(2 * math.log2(len(text))) + 10


class TestFindsTheKeyword:
    @pytest.mark.parametrize("text, expected", [
        ("赌博网站注册送彩金，详情请点击链接了解更多优惠活动内容", "赌博"),
        ("Best prices this week on watches, shoes and viagra", "viagra"),
        ("本公司长期提供各类服务欢迎来电咨询代开发票", "代开发票"),
        ("Hello there friend, 赌博 is fun", "赌博"),
        ("abcdefghijklmnviagraopqrstuvwxyzabcdefg", "viagra"),
        ("0123456789012代开发票345678901234567890", "代开发票"),
    ])  # fmt: skip
    def test_at_the_start_the_end_and_straddling_the_middle(self, text, expected):
        """The fragment found is exactly the keyword, wherever it sits in the text."""
        finding, _ = run(text, budget_for(text))
        assert (finding.status, finding.fragment) == (Status.FOUND, expected)

    def test_straddling_the_first_cut(self):
        """A keyword cut in two by the first halving is found by the window around the middle."""
        text = "x" * 20 + "viagra" + "y" * 18  # the middle (22) falls inside the keyword
        finding, sent = run(text)
        assert finding.fragment == "viagra"
        assert sent[1:3] == [text[:22], text[22:]]  # both halves delivered: straddle

    def test_evasions_are_part_of_the_fragment(self):
        """Spaces between a keyword's characters, which the filter sees through, stay in it."""
        text = "今天晚上一起去玩 赌 . 博 吧，朋友们都来了"
        finding, _ = run(text)
        assert finding.fragment == "赌 . 博"

    def test_a_smallest_fragment_when_there_are_two_keywords(self):
        """With two blocked words, the one found is minimal: trimming either end lets it pass."""
        finding, _ = run("viagra and 赌博 both here, for a long enough text")
        assert finding.status is Status.FOUND
        assert MATCHER.find(finding.fragment)
        assert not MATCHER.find(finding.fragment[1:]) and not MATCHER.find(finding.fragment[:-1])


class TestBudgetAndVerdicts:
    def test_not_reproduced_when_the_whole_text_is_delivered(self):
        """One message shows there is nothing to look for."""
        finding, sent = run("nothing wrong with this text")
        assert (finding.status, sent) == (Status.NOT_REPRODUCED, ["nothing wrong with this text"])

    def test_budget_exhausted_gives_the_best_so_far(self):
        """Out of messages, the smallest blocked fragment seen is the answer."""
        text = "a" * 37 + "赌博" + "b" * 163
        finding, sent = run(text, budget=4)
        assert finding.status is Status.BUDGET_EXHAUSTED and len(sent) == 4
        assert "赌博" in finding.fragment and len(finding.fragment) < len(text)

    def test_unknown_is_asked_again_once(self):
        """An unknown verdict repeats the same probe; the search then goes on."""
        answers = iter([Verdict.UNKNOWN])
        finding, sent = run("xx赌博xx", verdict=lambda fragment: next(answers, None) or carrier(fragment))
        assert sent[0] == sent[1] == "xx赌博xx"
        assert finding.fragment == "赌博"

    def test_unknown_twice_is_inconclusive(self):
        """Two unknowns in a row end the search with the best fragment so far."""
        finding, sent = run("xx赌博xx", verdict=lambda fragment: Verdict.UNKNOWN)
        assert (finding.status, finding.fragment, len(sent)) == (Status.INCONCLUSIVE, "xx赌博xx", 2)

    def test_verdicts_as_words(self):
        """The CLI may pass the verdict's name."""
        search = Bisect("ab", 5)
        search.report("delivered")
        assert search.finding.status is Status.NOT_REPRODUCED and search.next_probe() is None

    def test_report_without_a_probe(self):
        """A verdict after the end is a caller's bug."""
        search = Bisect("ab", 1)
        search.report("blocked")
        with pytest.raises(RuntimeError):
            search.report("blocked")

    @pytest.mark.parametrize("text, budget", [("", 5), ("x", 0)])
    def test_nothing_to_search(self, text, budget):
        with pytest.raises(ValueError):
            Bisect(text, budget)


FILLER = st.text(alphabet="xyzqwk 你好世界的，. 0123456789", min_size=0, max_size=400)


class TestAnyText:
    @settings(max_examples=300, deadline=None)
    @given(FILLER, FILLER, st.sampled_from(KEYWORDS))
    def test_one_inserted_keyword_is_found_within_the_budget(self, before, after, keyword):
        """Whatever surrounds it, the keyword is found exactly within 2·log2(n) + 10 messages."""
        text = before + keyword + after
        finding, sent = run(text, budget=budget_for(text))
        assert finding.status is Status.FOUND, (finding, len(sent))
        assert keyword in finding.fragment and len(finding.fragment) <= len(keyword) + 3
