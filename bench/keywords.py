"""Cost of the blocked-keyword check on every submit: building a 10,000-keyword matcher, and
finding (or not finding) a keyword in typical texts, normalisation included."""

import random
import time

from bench.pdu_codec import measure
from smsc.policy.keywords import KeywordMatcher, normalise

CHINESE = "【京东】双十一大促，全场满300减50，点击链接领券！您的快递已到小区东门驿站，请凭取件码8-3-1024于今天18:00前领取，退订回T"
CHINESE_HIT = CHINESE[:50] + "賭 博" + CHINESE[53:]
ASCII = (
    "Your verification code is 482913. It expires in 5 minutes. Do not share this code with anyone. "
    "If you did not request it, please ignore this message. Thanks, Acme"
)
ASCII_HIT = ASCII.replace("Do not share", "V1AGRA share")
# Keywords draw on the characters real messages use, so texts walk deep into the automaton.
_COMMON = sorted(set(CHINESE + "贷款代开发票刷单兼职日结高薪彩票中奖领取恭喜您获得"))


def keywords(count: int = 10_000, seed: int = 2026) -> tuple[str, ...]:
    """count keywords from a fixed seed: mostly 2-6 CJK characters, one in twenty an ASCII word."""
    rng = random.Random(seed)
    pool = _COMMON + [chr(rng.randrange(0x4E00, 0x9FA6)) for _ in range(2000)]
    innocent = normalise(CHINESE).text + normalise(ASCII).text
    chosen = {"赌博", "viagra"}
    while len(chosen) < count:
        if rng.random() < 0.05:
            word = "".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(rng.randrange(4, 10)))
        else:
            word = "".join(rng.choice(pool) for _ in range(rng.randrange(2, 7)))
        if normalise(word).text not in innocent:  # the no-hit texts must stay innocent
            chosen.add(word)
    return tuple(sorted(chosen))


def main() -> None:
    words = keywords()
    start = time.perf_counter()
    matcher = KeywordMatcher.build([("generated", words)])
    built = time.perf_counter() - start
    empty = KeywordMatcher.build([])
    assert matcher.find(CHINESE) is None and matcher.find(ASCII) is None
    assert matcher.find(CHINESE_HIT).keyword == "赌博" and matcher.find(ASCII_HIT).keyword == "viagra"
    cases = {
        f"find, {len(CHINESE)}-char Chinese, no hit": lambda: matcher.find(CHINESE),
        f"find, {len(CHINESE_HIT)}-char Chinese, hit (賭 博)": lambda: matcher.find(CHINESE_HIT),
        f"find, {len(ASCII)}-char ASCII, no hit": lambda: matcher.find(ASCII),
        f"find, {len(ASCII_HIT)}-char ASCII, hit (V1AGRA)": lambda: matcher.find(ASCII_HIT),
        f"find, {len(CHINESE)}-char Chinese, empty matcher": lambda: empty.find(CHINESE),
        f"normalise() with origin, {len(CHINESE)}-char Chinese": lambda: normalise(CHINESE),
    }
    print(f"Keyword matcher: {len(matcher):,} keywords built in {built * 1000:.0f} ms (one core)")
    print()
    print("| case | messages/s | µs/message |")
    print("|---|---:|---:|")
    for name, operation in cases.items():
        rate = measure(operation)
        print(f"| {name} | {rate:,.0f} | {1e6 / rate:.1f} |")


if __name__ == "__main__":
    main()
