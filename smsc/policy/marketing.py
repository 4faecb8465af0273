"""The form a marketing message must have: a 【brand】 signature where the country requires
one, and an opt-out at the end.

Chinese carriers reject marketing that does not say who sends it, in a signature of 2 to 8
characters in 【】 at the start or the end, and marketing that does not tell the reader how to
opt out (退订回T). Only the full-width lenticular brackets count: carriers do not accept
ASCII "[brand]", so neither do we, and the refusal says so.
"""

import unicodedata

import attrs

from smsc.policy.countries import CountryRules

SIGNATURE_MIN, SIGNATURE_MAX = 2, 8  # characters; a Chinese character is one
SIGNATURE, OPT_OUT = "signature", "opt_out"
_OPEN, _CLOSE = "【", "】"
# Sentence ends that may follow an opt-out: "Reply STOP to opt out." and "退订回T。" count.
_TRAILING = " \t\r\n.!。！"


@attrs.frozen
class MarketingProblem:
    """Why a marketing message is refused: `code` for counting, `reason` for a person."""

    code: str  # SIGNATURE or OPT_OUT
    reason: str


def signature(text: str) -> str | None:
    """The inner text of the 【…】 signature at the start of the text, else at its end; None
    when there is neither. "【】" gives "" (a signature, too short)."""
    text = text.strip()
    if text.startswith(_OPEN):
        close = text.find(_CLOSE)
        if close > 0:
            return text[1:close]
    if text.endswith(_CLOSE):
        opening = text.rfind(_OPEN, 0, len(text) - 1)
        if opening >= 0:
            return text[opening + 1 : -1]
    return None


def check_marketing(text: str, rules: CountryRules, registered_sender: bool) -> MarketingProblem | None:
    """None when a marketing message has the form the country requires, else the first problem.

    `registered_sender`: the account sends under a configured sender id that identifies the
    brand, which waives the signature but never the opt-out.
    """
    if rules.signature_required and not registered_sender:
        problem = _signature_problem(text)
        if problem:
            return MarketingProblem(SIGNATURE, problem)
    if rules.opt_out_suffixes and not ends_with_opt_out(text, rules.opt_out_suffixes):
        return MarketingProblem(OPT_OUT, f"marketing must end with an opt-out such as {rules.opt_out_suffixes[0]}")
    return None


def ends_with_opt_out(text: str, suffixes: tuple[str, ...]) -> bool:
    """Whether the text ends with one of the opt-outs, before a signature at the end and
    sentence-ending punctuation, ignoring case and full-width forms (退订回Ｔ is 退订回T)."""
    body = text.strip()
    if body.endswith(_CLOSE) and _OPEN in body:  # "…退订回T【京东】": the opt-out is before it
        body = body[: body.rfind(_OPEN)]
    body = _comparable(body.rstrip(_TRAILING))
    return any(_ends_with_words(body, _comparable(suffix.rstrip(_TRAILING))) for suffix in suffixes)


def _ends_with_words(body: str, suffix: str) -> bool:
    # "Deals nonstop" does not end with the word STOP; Chinese has no spaces to need this.
    if not body.endswith(suffix):
        return False
    before = body[-len(suffix) - 1 : -len(suffix)]
    return not (before.isascii() and before.isalnum() and suffix[0].isascii() and suffix[0].isalnum())


def _comparable(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold()


def _signature_problem(text: str) -> str | None:
    inner = signature(text)
    if inner is None:
        stripped = text.strip()
        ascii_brackets = stripped.startswith("[") or stripped.endswith("]")
        hint = " (ASCII [...] is not a signature; use 【】)" if ascii_brackets else ""
        wanted = f"{SIGNATURE_MIN} to {SIGNATURE_MAX} characters"
        return f"marketing must carry a signature 【…】 of {wanted}; found none{hint}"
    length = len(inner)
    if SIGNATURE_MIN <= length <= SIGNATURE_MAX:
        return None
    unit = "character" if length == 1 else "characters"
    return f"signature 【{inner}】 has {length} {unit}; {SIGNATURE_MIN} to {SIGNATURE_MAX} required"
