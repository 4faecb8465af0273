"""The content rules applied to one submitted message, in the order a carrier's gateway
applies them: the number, the lists, the sender, the length, the marketing form and
opt-outs, quiet hours, then the keyword filter. The first rule that refuses decides.

Everything here is decided from the message, the account, the clock value passed in and
the lists loaded; nothing is raised, nothing is written: the engine acts on the value.
"""

import functools

import attrs
import phonenumbers

from pdu import segments
from pdu.status import CommandStatus
from pdu.wire import SubmitSm
from smsc.policy import countries, marketing, numbers
from smsc.policy.billing import segments_of
from smsc.policy.decisions import Admission, Fate, KeywordAction, Refusal
from smsc.policy.keywords import KeywordMatcher, describe, load_keywords
from smsc.policy.lists import OptOuts, load_numbers, reply_word
from smsc.policy.long_messages import LongMessages
from smsc.policy.quiet_hours import Window
from smsc.policy.statuses import PolicyStatus
from smsc.policy.text import message_text


# The keyword filter reads this many characters of a text, as carriers' filters do (Chinese
# channels take 300 to 500 characters a message): a 64 KB message_payload of rare characters,
# each folded on first sight, would otherwise hold the reactor for 75 ms.
KEYWORD_SCAN = 1000


class Policy:
    def __init__(self, config, opt_outs: OptOuts | None = None):
        """config: smsc.config.Config. Reads the keyword and blacklist files it names; a
        bad file raises KeywordFileError or ListFileError, naming the file and line."""
        self._config = config
        self._settings = config.policy
        # National numbers are read in the network's own country unless the policy names one.
        self._national_region = config.policy.national_region or phonenumbers.region_code_for_country_code(
            int(config.network.national_prefix))
        self._opt_out_words = {word.upper() for word in config.policy.opt_out_words}
        self._opt_in_words = {word.upper() for word in config.policy.opt_in_words}
        self.opt_outs = opt_outs or OptOuts()
        self._long_messages = LongMessages()
        self.reload()

    def reload(self, keywords: tuple | None = None) -> dict:
        """Read the keyword lists and blacklists again; nothing changes if one is bad. With
        `keywords` (smsc.policy.config.KeywordList values), those lists replace the configured
        ones: a list read from another file, changed at run time."""
        settings = self._settings if keywords is None else attrs.evolve(self._settings, keywords=tuple(keywords))
        lists = {entry.name: (entry, load_keywords(entry.file)) for entry in settings.keywords}
        blacklist = frozenset().union(*(load_numbers(entry.file) for entry in settings.blacklists))
        self._settings, self._lists, self._blacklist = settings, lists, blacklist
        self._matchers: dict[str, KeywordMatcher] = {}
        return self.summary()

    def summary(self) -> dict:
        return {
            "keyword_lists": [
                {"name": name, "file": entry.file, "keywords": len(words), "action": entry.action.value,
                 "carriers": list(entry.carriers)}  # fmt: skip
                for name, (entry, words) in self._lists.items()
            ],
            "blacklisted_numbers": len(self._blacklist),
            "opt_outs": len(self.opt_outs),
        }

    def admit(self, account, message: SubmitSm, destination: str, carrier: str, now: float) -> Admission | Refusal:
        """destination: the number as the network reads it (national numbers made international)."""
        settings = self._settings
        region = None
        if settings.screen_numbers:
            screened = numbers.screen(destination, message.destination.ton, self._national_region)
            if isinstance(screened, numbers.Refused):
                return Refusal(CommandStatus.ESME_RINVDSTADR, screened.reason, "number")
            region, time_zone = screened.region, screened.time_zone
        if destination in self._blacklist:
            return Refusal(PolicyStatus.BLACKLISTED, f"{destination} is on a blacklist", "blacklist")
        rules = countries.rules_for(region or "", settings.countries)
        wrong_sender = countries.check_sender(message.source, rules)
        if wrong_sender:
            return Refusal(CommandStatus.ESME_RINVSRCADR, wrong_sender, "sender")
        is_marketing = self.is_marketing(account, message)
        # Decoding the text costs more than every other check: only for a rule that reads it.
        text = message_text(message) if rules.max_length or is_marketing or self._lists else ""
        too_long = countries.check_length(len(text), rules)
        if too_long:
            return Refusal(CommandStatus.ESME_RINVMSGLEN, too_long, "length")
        notes = []
        if is_marketing:
            notes.append("marketing: signature, opt-out text, opt-outs and quiet hours apply")
            refused = self._marketing(account, message, destination, text, rules, now)
            if refused:
                return refused
            # Holding for quiet hours happens at each attempt (Engine); refusing, here.
            if region and rules.quiet_hours and rules.quiet_hours_action.value == "reject":
                if _window(rules.quiet_hours).next_opening(now, time_zone) is not None:
                    return Refusal(PolicyStatus.QUIET_HOURS, f"outside {rules.quiet_hours} in {time_zone}", "quiet hours")
        fate = None
        hit = self._matcher(carrier).find(text[:KEYWORD_SCAN]) if self._lists else None
        if hit is not None:
            entry, _ = self._lists[hit.list_name]
            why = describe(hit)
            if entry.action is KeywordAction.REJECT:
                return Refusal(entry.status, why, "keyword")
            fate = Fate(entry.action, entry.err, why)
            notes.append(f"{why}: the carrier will {_FATES[entry.action]}")
        segments = segments_of(message, account.billing.rule)
        if not notes and segments == 1:
            return _PLAIN[is_marketing]
        return Admission(is_marketing, fate, segments, tuple(notes))

    def quiet_until(self, destination: str, now: float) -> tuple[float, str] | None:
        """For marketing: when the recipient's delivery window next opens and why, or None
        when it is open now (or the number's country has no window)."""
        if not self._settings.screen_numbers:
            return None
        screened = numbers.screen(destination, 1, self._national_region)
        if isinstance(screened, numbers.Refused):
            return None
        rules = countries.rules_for(screened.region, self._settings.countries)
        if not rules.quiet_hours:
            return None
        opening = _window(rules.quiet_hours).next_opening(now, screened.time_zone)
        if opening is None:
            return None
        return opening, f"quiet hours: {screened.time_zone} takes marketing {rules.quiet_hours}"

    def is_marketing(self, account, message: SubmitSm) -> bool:
        if account.message_class:
            return account.message_class == "marketing"
        return self._config.network.classes.get(message.service_type, self._config.network.default_class) == "marketing"

    def _marketing(self, account, message: SubmitSm, destination: str, text: str, rules, now: float) -> Refusal | None:
        registered = message.source.digits in account.registered_senders
        part, _ = segments.part_info(message.short_message, message.udhi, message.tlvs)
        if part is not None and part.total > 1:  # judged whole, on the segment that completes it
            key = (account.system_id, message.source.digits, destination, part.reference, part.total)
            text = self._long_messages.add(key, part.seqnum, part.total, text, now)
        problem = None if text is None else marketing.check_marketing(text, rules, registered_sender=registered)
        if problem is not None:
            status = PolicyStatus.NO_SIGNATURE if problem.code == "signature" else PolicyStatus.NO_OPT_OUT_TEXT
            return Refusal(status, problem.reason, problem.code)
        if (message.source.digits, destination) in self.opt_outs:
            return Refusal(PolicyStatus.OPTED_OUT, f"{destination} opted out of {message.source.digits}", "opt-out")
        return None

    def _matcher(self, carrier: str) -> KeywordMatcher:
        """The lists that apply to a carrier's traffic, in one automaton."""
        matcher = self._matchers.get(carrier)
        if matcher is None:
            chosen = [(name, words) for name, (entry, words) in self._lists.items() if not entry.carriers or carrier in entry.carriers]
            matcher = self._matchers[carrier] = KeywordMatcher.build(chosen)
        return matcher

    # -- mobile-originated replies --------------------------------------------------------

    def reply(self, text: str) -> str | None:
        """An MO's text as an opt-out or opt-in: "out", "in" or None. The engine changes the
        book once the MO is on disk."""
        word = reply_word(text)
        if word in self._opt_out_words:
            return "out"
        if word in self._opt_in_words:
            return "in"
        return None


_FATES = {KeywordAction.REJECTD: "reject it (REJECTD)", KeywordAction.UNDELIV: "fail it (UNDELIV)",
          KeywordAction.DROP: "drop it silently (no delivery, no receipt)"}  # fmt: skip
_PLAIN = {False: Admission(), True: Admission(marketing=True)}


@functools.lru_cache(maxsize=64)
def _window(text: str) -> Window:
    return Window.parse(text)
