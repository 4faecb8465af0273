"""The blast state file: saved ahead and atomically, refused for other inputs, never a line twice."""

import json
import os

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from esme.resume import Fingerprint, ResumeError, ResumeState, StateFile


@pytest.fixture
def fingerprint(tmp_path):
    numbers = tmp_path / "n.csv"
    numbers.write_text("number\n13800138000\n")
    return Fingerprint.of(numbers, "Hello {name}")


class TestStateFile:
    def test_saved_ahead_every_n_lines(self, tmp_path, fingerprint):
        """The first claim saves a mark `every` lines ahead; claims below it do not write."""
        path = tmp_path / "state.json"
        state = StateFile(path, ResumeState(fingerprint), every=10)
        for line in range(2, 12):
            state.claim(line)
            state.sent(line, [f"id{line}"])
        assert state.saves == 1
        assert ResumeState.load(path, fingerprint).claimed_through == 11
        state.claim(12)
        assert state.saves == 2
        loaded = ResumeState.load(path, fingerprint)
        assert loaded.claimed_through == 21 and loaded.sent[11] == ("id11",)

    def test_close_records_exactly_what_was_started(self, tmp_path, fingerprint):
        """On Ctrl-C the mark goes back to the last started line; a line in flight is unknown."""
        path = tmp_path / "state.json"
        state = StateFile(path, ResumeState(fingerprint), every=100)
        state.claim(2)
        state.sent(2, ["a", "b"])
        state.claim(3)
        state.close()
        loaded = ResumeState.load(path, fingerprint)
        assert (loaded.claimed_through, loaded.sent) == (3, {2: ("a", "b")})
        assert loaded.unknown([2, 3, 4]) == [3]
        assert [loaded.may_send(line) for line in (3, 4)] == [False, True]

    def test_lines_given_back_are_sent_by_the_resumed_run(self, tmp_path, fingerprint):
        """Lines handed to the sender but never sent (queued when Ctrl-C came) are resent on
        --resume, and once claimed again are not unsent any more, on disk first."""
        path = tmp_path / "state.json"
        state = StateFile(path, ResumeState(fingerprint), every=100)
        for line in (1, 2, 3, 4):
            state.claim(line)
        state.sent(1, ["a"])
        state.given_back(3)
        state.given_back(4)
        state.close()
        loaded = ResumeState.load(path, fingerprint)
        assert [loaded.may_send(line) for line in (1, 2, 3, 4, 5)] == [False, False, True, True, True]
        assert loaded.unknown([1, 2, 3, 4]) == [2]
        resumed = StateFile(path, loaded)
        resumed.claim(3)
        assert not ResumeState.load(path, fingerprint).may_send(3) and ResumeState.load(path, fingerprint).may_send(4)

    def test_lines_go_once_and_in_order(self, tmp_path, fingerprint):
        """Claiming a line at or before the last one is a caller's bug."""
        state = StateFile(tmp_path / "s", ResumeState(fingerprint))
        state.claim(5)
        with pytest.raises(ValueError, match="once, in order"):
            state.claim(5)

    def test_no_temporary_files_left(self, tmp_path, fingerprint):
        """The atomic write leaves only the state file."""
        state = StateFile(tmp_path / "s.json", ResumeState(fingerprint), every=1)
        for line in range(1, 5):
            state.claim(line)
        state.close()
        assert sorted(os.listdir(tmp_path)) == ["n.csv", "s.json"]


class TestLoading:
    def write(self, tmp_path, fingerprint):
        path = tmp_path / "state.json"
        state = StateFile(path, ResumeState(fingerprint))
        state.claim(2)
        state.close()
        return path

    def test_another_numbers_file_is_refused(self, tmp_path, fingerprint):
        """A changed numbers file means the lines no longer name the same people."""
        path = self.write(tmp_path, fingerprint)
        other = Fingerprint("0" * 64, fingerprint.text_sha256)
        with pytest.raises(ResumeError, match="state.json: written for another numbers file"):
            ResumeState.load(path, other)

    def test_another_text_is_refused(self, tmp_path, fingerprint):
        """A different message is a different campaign."""
        path = self.write(tmp_path, fingerprint)
        (tmp_path / "n.csv").write_text("number\n13800138000\n")
        other = Fingerprint.of(tmp_path / "n.csv", "Bye {name}")
        with pytest.raises(ResumeError, match="another message text or template"):
            ResumeState.load(path, other)

    @pytest.mark.parametrize("content, message", [
        ("{", "not a state file"),
        ("[]", "not a version 1 state file"),
        ('{"version": 1}', "another numbers file"),
    ])  # fmt: skip
    def test_not_a_state_file(self, tmp_path, fingerprint, content, message):
        """Anything but our own JSON is refused with the state file's name."""
        path = tmp_path / "state.json"
        path.write_text(content)
        with pytest.raises(ResumeError, match=message):
            ResumeState.load(path, fingerprint)

    def test_damaged_state_file(self, tmp_path, fingerprint):
        """A hand-edited state that no longer makes sense is refused, not half-used."""
        path = self.write(tmp_path, fingerprint)
        data = json.loads(path.read_text())
        data["sent"] = {"x": []}
        path.write_text(json.dumps(data))
        with pytest.raises(ResumeError, match="damaged"):
            ResumeState.load(path, fingerprint)

    def test_missing_file(self, tmp_path, fingerprint):
        """--resume with a file that is not there names it."""
        with pytest.raises(ResumeError, match="cannot read"):
            ResumeState.load(tmp_path / "nope.json", fingerprint)


class TestNeverTwice:
    @settings(max_examples=100, deadline=None)
    @given(
        lines=st.lists(st.integers(2, 300), min_size=1, max_size=60, unique=True).map(sorted),
        stops=st.lists(st.tuples(st.integers(0, 60), st.booleans()), max_size=4),
        every=st.integers(1, 20),
    )
    def test_interrupted_and_crashed_runs_send_no_line_twice(self, tmp_path_factory, lines, stops, every):
        """Runs stopped by Ctrl-C (closed) or a crash (not closed), then resumed, send each line
        at most once; every line is sent or reported unknown in the end."""
        directory = tmp_path_factory.mktemp("resume")
        numbers = directory / "n.txt"
        numbers.write_text("x")
        fingerprint = Fingerprint.of(numbers, "t")
        path = directory / "state.json"
        sent_to_handsets = []
        state = ResumeState(fingerprint)
        for count, graceful in [*stops, (len(lines), True)]:
            writer = StateFile(path, state, every)
            for line in [line for line in lines if state.may_send(line)][:count]:
                writer.claim(line)
                sent_to_handsets.append(line)
                writer.sent(line, [str(line)])
            if graceful:
                writer.close()
            if path.exists():
                state = ResumeState.load(path, fingerprint)
        assert len(sent_to_handsets) == len(set(sent_to_handsets))
        # A crash loses the record of lines sent since the last save: those are unknown.
        assert set(sent_to_handsets) | set(state.unknown(lines)) == set(lines)
