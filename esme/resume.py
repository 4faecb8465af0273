"""The state file of `esme blast`: which numbers-file lines were already sent, so that after
Ctrl-C (or a crash) `--resume` carries on without sending any line twice.

Lines are sent in increasing order, and the file is written ahead of the sending: before the
first line past the recorded mark goes out, the mark moves `every` lines further and the file
is saved. A resumed run sends only lines past the mark, and the lines below it that the
sender gave back unsent (queued behind the window or the rate limit when Ctrl-C came, or
waiting to retry after "later": the SMSC took none of them). After Ctrl-C the mark is set back
to the last line handed to the sender, so nothing is lost; after a crash, up to `every` lines past
the last sent one are reported as unknown rather than risk a second copy on a handset.

Writes are atomic (a temporary file, fsync, os.replace): an interrupted write leaves the
previous state, never half of one. A state belongs to one numbers file and one message text
or template, by SHA-256; loading it against others is refused.
"""

import hashlib
import json
import os
import tempfile
from collections.abc import Iterable

import attrs

VERSION = 1


@attrs.frozen
class ResumeError(Exception):
    """A state file we cannot resume from; nothing has been sent."""

    file: str
    message: str

    def __str__(self):
        return f"{self.file}: {self.message}"


@attrs.frozen
class Fingerprint:
    numbers_sha256: str
    text_sha256: str  # of the --text, or of the template file's contents

    @classmethod
    def of(cls, numbers_path: str | os.PathLike, text: str) -> "Fingerprint":
        digest = hashlib.sha256()
        with open(numbers_path, "rb") as stream:
            for block in iter(lambda: stream.read(1 << 20), b""):
                digest.update(block)
        return cls(digest.hexdigest(), hashlib.sha256(text.encode("utf-8")).hexdigest())


@attrs.frozen
class ResumeState:
    """What a run left behind: lines up to claimed_through may have gone out, except those in
    unsent; those in sent did, with their message_ids (none when the SMSC refused the submit)."""

    fingerprint: Fingerprint
    claimed_through: int = 0
    sent: dict[int, tuple[str, ...]] = attrs.field(factory=dict)
    unsent: frozenset[int] = attrs.field(default=frozenset(), converter=frozenset)

    def may_send(self, line: int) -> bool:
        return line > self.claimed_through or line in self.unsent

    def unknown(self, lines: Iterable[int]) -> list[int]:
        """Of lines, those that may have gone out without our knowing: not sent again."""
        return [line for line in lines if not self.may_send(line) and line not in self.sent]

    def to_json(self) -> str:
        return json.dumps({
            "version": VERSION,
            **attrs.asdict(self.fingerprint),
            "claimed_through": self.claimed_through,
            "sent": {str(line): list(ids) for line, ids in sorted(self.sent.items())},
            "unsent": sorted(self.unsent),
        }, indent=1)  # fmt: skip

    @classmethod
    def load(cls, path: str | os.PathLike, fingerprint: Fingerprint) -> "ResumeState":
        """The state in path, refused unless it was written for this numbers file and text."""
        file = os.fspath(path)
        try:
            with open(file, encoding="utf-8") as stream:
                data = json.load(stream)
        except OSError as error:
            raise ResumeError(file, f"cannot read: {error.strerror or error}") from error
        except ValueError as error:
            raise ResumeError(file, f"not a state file ({error})") from error
        if not isinstance(data, dict) or data.get("version") != VERSION:
            raise ResumeError(file, f"not a version {VERSION} state file of esme blast")
        if data.get("numbers_sha256") != fingerprint.numbers_sha256:
            raise ResumeError(file, "written for another numbers file (or this one has changed since); not resuming")
        if data.get("text_sha256") != fingerprint.text_sha256:
            raise ResumeError(file, "written for another message text or template; not resuming")
        try:
            sent = {int(line): tuple(str(i) for i in ids) for line, ids in data["sent"].items()}
            return cls(fingerprint, int(data["claimed_through"]), sent, (int(line) for line in data.get("unsent", ())))
        except (KeyError, TypeError, ValueError, AttributeError) as error:
            raise ResumeError(file, f"damaged state file ({error!r})") from error


class StateFile:
    """The state of the running campaign, saved as it goes.

    Call claim(line) just before sending a line, sent(line, ids) when its submit_sm_resp
    comes, given_back(line) when the sender stopped before sending it, and close() on Ctrl-C
    or at the end.
    """

    def __init__(self, path: str | os.PathLike, state: ResumeState, every: int = 100):
        if every < 1:
            raise ValueError("every must be at least 1")
        self.path = os.fspath(path)
        self.every = every
        self._fingerprint = state.fingerprint
        self._sent = dict(state.sent)
        self._started = state.claimed_through  # the last line handed to the sender
        self._reserved = state.claimed_through  # the mark on disk
        self._unsent = set(state.unsent)
        self.saves = 0

    @property
    def state(self) -> ResumeState:
        return ResumeState(self._fingerprint, self._started, dict(self._sent), self._unsent)

    def may_send(self, line: int) -> bool:
        return line > self._started or line in self._unsent

    def claim(self, line: int) -> None:
        """Line is about to be sent: saved ahead first if it lies past the mark on disk."""
        if line in self._unsent:  # given back by an earlier run: no longer unsent, on disk first
            self._unsent.discard(line)
            self._save(self._reserved)
            return
        if line <= self._started:
            raise ValueError(f"line {line} comes after line {self._started}: lines are sent once, in order")
        self._started = line
        if line > self._reserved:
            self._reserved = line + self.every - 1
            self._save(self._reserved)

    def sent(self, line: int, message_ids: Iterable[str]) -> None:
        """The SMSC answered for line (an empty message_ids when it refused the submit)."""
        self._sent[line] = tuple(message_ids)

    def given_back(self, line: int) -> None:
        """The sender stopped before line went out (or the SMSC took none of its tries)."""
        self._unsent.add(line)

    def close(self) -> None:
        """Save exactly what was started, for Ctrl-C or the end of the run."""
        self._reserved = self._started
        self._save(self._started)

    def _save(self, claimed_through: int) -> None:
        text = ResumeState(self._fingerprint, claimed_through, self._sent, self._unsent).to_json()
        directory = os.path.dirname(os.path.abspath(self.path))
        handle, temporary = tempfile.mkstemp(prefix=".esme-state-", dir=directory)
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as stream:
                stream.write(text)
                stream.flush()
                os.fsync(stream.fileno())
            os.replace(temporary, self.path)
        except BaseException:
            os.unlink(temporary)
            raise
        self.saves += 1
