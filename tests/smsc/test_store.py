"""The durable message store on a real SQLite file: every operation, atomic writes, recovery,
group commit on the writer thread, queries through indexes, retention, and a killed process."""

import queue
import signal
import sqlite3
import subprocess
import sys
import time

import pytest
from twisted.internet import task
from twisted.python.failure import Failure

from smsc import sqlite_store
from smsc.sqlite_store import SqliteStore
from smsc.store import (
    AddEvent,
    AddMessage,
    AddOutbox,
    ChangeMessage,
    MissingMessage,
    OptIn,
    OptOut,
    OutboxEntry,
    RemoveOutbox,
    Spend,
    StoreClosed,
    StoredMessage,
    TraceEvent,
)

NOW = 1795339800.0  # 2026-11-22 09:30:00 UTC


def message(number: int, **fields) -> StoredMessage:
    values = dict(message_id=f"{number:08x}", account="smppclient1", source="10690001",
                  destination="8613800138000", state=1, submitted_at=NOW, due_at=NOW,
                  expires_at=NOW + 86400, body=b"\x00\x01submit_sm\xff")  # fmt: skip
    return StoredMessage(number, **{**values, **fields})


def finished(number: int, done_at: float, **fields) -> StoredMessage:
    return message(number, state=2, done_at=done_at, **fields)


def fired(deferred):
    """The result of a Deferred that has already fired; its failure raised."""
    outcome = []
    deferred.addBoth(outcome.append)
    assert outcome, "the Deferred has not fired"
    if isinstance(outcome[0], Failure):
        outcome[0].raiseException()
    return outcome[0]


class ThreadReactor:
    """The one reactor method the store uses from its threads: what they hand over waits on
    a queue until the test, standing in for the reactor thread, runs it."""

    def __init__(self):
        self.calls = queue.Queue()

    def callFromThread(self, function, *args, **kwargs):
        self.calls.put((function, args, kwargs))

    def run_until(self, *deferreds, timeout: float = 5.0):
        deadline = time.monotonic() + timeout
        while not all(deferred.called for deferred in deferreds):
            function, args, kwargs = self.calls.get(timeout=max(0.0, deadline - time.monotonic()))
            function(*args, **kwargs)


@pytest.fixture
def store(tmp_path):
    store = SqliteStore.open(str(tmp_path / "var"), task.Clock(), threaded=False)
    yield store
    store.close()


@pytest.fixture
def reactor():
    return ThreadReactor()


@pytest.fixture
def threaded(tmp_path, reactor):
    store = SqliteStore.open(str(tmp_path / "var"), reactor)
    yield store
    reactor.run_until(store.close())


def reopen(store) -> SqliteStore:
    fired(store.close())
    return SqliteStore.open(str(store.path.rsplit("/", 1)[0]), task.Clock(), threaded=False)


class TestRoundTrip:
    def test_message_by_number_and_by_message_id(self, store):
        """A stored message comes back whole by its number and by its message_id."""
        fired(store.write([AddMessage(message(1, message_id="9f1c-uuid-like"))]))
        assert fired(store.message(1)) == message(1, message_id="9f1c-uuid-like")
        assert fired(store.message("9f1c-uuid-like")) == message(1, message_id="9f1c-uuid-like")

    def test_message_id_within_an_account(self, store):
        """Restricted to an account, a message_id of another account is not found."""
        fired(store.write([AddMessage(message(1, message_id="42"))]))
        assert fired(store.message("42", account="smppclient1")).number == 1
        assert fired(store.message("42", account="other")) is None
        assert fired(store.message(1, account="other")) is None

    def test_reused_message_id_finds_the_newest(self, store):
        """A message_id given twice finds the later message."""
        fired(store.write([AddMessage(message(1, message_id="7")), AddMessage(message(2, message_id="7"))]))
        assert fired(store.message("7")).number == 2

    def test_unknown_message(self, store):
        """Neither an unknown number nor an unknown message_id is an error."""
        assert fired(store.message(99)) is None
        assert fired(store.message("99")) is None

    def test_change_keeps_the_body_unless_given(self, store):
        """ChangeMessage replaces the mutable fields; body None keeps the stored body."""
        fired(store.write([AddMessage(message(1))]))
        fired(store.write([ChangeMessage(1, state=1, attempts=1, due_at=NOW + 30, done_at=None, error=0x44)]))
        assert fired(store.message(1)) == message(1, attempts=1, due_at=NOW + 30, error=0x44)
        fired(store.write([ChangeMessage(1, 2, 2, NOW + 30, NOW + 31, 0, body=b"new")]))
        assert fired(store.message(1)) == message(1, state=2, attempts=2, due_at=NOW + 30, done_at=NOW + 31, body=b"new")

    def test_body_bytes_are_kept_as_they_are(self, store):
        """Bodies are opaque: every byte value, invalid UTF-8 and empty bodies round-trip."""
        fired(store.write([AddMessage(message(1, body=bytes(range(256)))), AddMessage(message(2, body=b""))]))
        assert fired(store.message(1)).body == bytes(range(256))
        assert fired(store.message(2)).body == b""

    def test_events_in_the_order_written(self, store):
        """A message's trace comes back in write order, only its own hops."""
        hops = ["received", "stored", "routed", "queued at tower", "attempt 1", "handset outcome"]
        fired(store.write([AddMessage(message(1)), AddMessage(message(2))]))
        for i, hop in enumerate(hops):
            fired(store.write([AddEvent(TraceEvent(1, NOW - i, hop, f"detail {i}")), AddEvent(TraceEvent(2, NOW, "other"))]))
        assert fired(store.events(1)) == [TraceEvent(1, NOW - i, hop, f"detail {i}") for i, hop in enumerate(hops)]
        assert fired(store.events(3)) == []

    def test_an_event_keeps_its_pdu_byte_for_byte(self, store):
        """A hop may carry a PDU (the receipt as sent); any bytes come back as written, beside hops without one."""
        fired(store.write([AddMessage(message(1))]))
        kept = TraceEvent(1, NOW, "receipt queued", "DELIVERED", bytes(range(256)))
        fired(store.write([AddEvent(TraceEvent(1, NOW, "delivered")), AddEvent(kept)]))
        assert fired(store.events(1)) == [TraceEvent(1, NOW, "delivered"), kept]

    def test_outbox_added_and_removed(self, store):
        """Outbox entries stay until removed; removing one already gone is no error."""
        entries = [OutboxEntry(i, "smppclient1", NOW, b"\x00deliver_sm %d" % i) for i in (1, 2, 3)]
        fired(store.write([AddOutbox(entry) for entry in entries]))
        fired(store.write([RemoveOutbox(2), RemoveOutbox(2), RemoveOutbox(77)]))
        assert store.recover().outbox == [entries[0], entries[2]]

    def test_order_within_each_table_holds_in_a_group(self, threaded, reactor):
        """Writes grouped in one commit keep their order: an outbox entry removed and added
        again stays, and events across writes keep the order of the calls."""
        writes = [
            threaded.write([AddOutbox(OutboxEntry(1, "a", NOW, b"first")), AddEvent(TraceEvent(1, NOW, "one"))]),
            threaded.write([RemoveOutbox(1), AddEvent(TraceEvent(1, NOW, "two"))]),
            threaded.write([AddEvent(TraceEvent(1, NOW, "three")), AddOutbox(OutboxEntry(1, "a", NOW, b"again"))]),
        ]
        reactor.run_until(*writes)
        events = threaded.events(1)
        reactor.run_until(events)
        assert [event.hop for event in fired(events)] == ["one", "two", "three"]
        assert threaded.recover().outbox == [OutboxEntry(1, "a", NOW, b"again")]

    def test_operations_apply_in_order(self, store):
        """Within one write, a message added can be changed, then changed again."""
        fired(store.write([
            AddMessage(message(1)),
            ChangeMessage(1, 1, 1, NOW + 10, None, 0),
            AddEvent(TraceEvent(1, NOW, "attempt 1")),
            ChangeMessage(1, 2, 2, NOW + 10, NOW + 11, 0),
        ]))  # fmt: skip
        assert fired(store.message(1)).state == 2


class TestAtomicity:
    def test_duplicate_number_leaves_nothing_of_the_write(self, store):
        """A write that fails halfway (a number already stored) leaves none of its operations."""
        fired(store.write([AddMessage(message(1))]))
        failing = store.write([
            AddMessage(message(2)),
            AddEvent(TraceEvent(2, NOW, "stored")),
            AddOutbox(OutboxEntry(1, "smppclient1", NOW, b"receipt")),
            AddMessage(message(1, message_id="again")),
        ])  # fmt: skip
        with pytest.raises(sqlite3.IntegrityError):
            fired(failing)
        assert fired(store.message(2)) is None
        assert fired(store.events(2)) == []
        assert fired(store.message(1)).message_id == message(1).message_id
        assert store.recover().outbox == []

    def test_changing_a_missing_message_fails_the_write(self, store):
        """ChangeMessage of a number not held fails, naming it, and undoes its write."""
        with pytest.raises(MissingMessage, match="5"):
            fired(store.write([AddMessage(message(1)), ChangeMessage(5, 2, 1, NOW, NOW, 0)]))
        assert fired(store.message(1)) is None

    def test_not_an_operation(self, store):
        """Something that is not an operation fails the write with TypeError."""
        with pytest.raises(TypeError):
            fired(store.write([AddMessage(message(1)), "DELETE FROM messages"]))
        assert fired(store.message(1)) is None

    def test_a_bad_write_in_a_group_fails_alone(self, threaded, reactor):
        """Writes committed in the same group as a bad one still commit; only it fails."""
        writes = [threaded.write([AddMessage(message(n)), AddEvent(TraceEvent(n, NOW, "stored"))]) for n in range(2, 50)]
        bad = threaded.write([AddMessage(message(60)), AddMessage(message(2))])
        more = [threaded.write([AddMessage(message(n))]) for n in range(61, 70)]
        reactor.run_until(*writes, bad, *more)
        assert [fired(write) for write in writes + more] == [None] * 57
        with pytest.raises(sqlite3.IntegrityError):
            fired(bad)
        numbers = [m.number for m in threaded.recover().pending]
        assert numbers == list(range(2, 50)) + list(range(61, 70))


class TestRecovery:
    def test_pending_outbox_and_last_numbers_after_reopening(self, store):
        """After reopening the file: non-final messages by number, the outbox by id, the
        highest number and outbox id."""
        fired(store.write([AddMessage(message(3)), AddMessage(message(1, state=6)), AddMessage(message(2))]))
        fired(store.write([AddMessage(finished(4, NOW)), AddMessage(message(5, state=8, done_at=NOW))]))
        fired(store.write([ChangeMessage(2, 5, 3, NOW, NOW, 0x0B)]))
        fired(store.write([AddOutbox(OutboxEntry(9, "a", NOW, b"9")), AddOutbox(OutboxEntry(4, "b", NOW, b"4"))]))
        recovered = reopen(store).recover()
        assert [m.number for m in recovered.pending] == [1, 3]
        assert recovered.pending[0] == message(1, state=6)
        assert [e.id for e in recovered.outbox] == [4, 9]
        assert (recovered.last_number, recovered.last_outbox_id) == (5, 9)

    def test_last_numbers_survive_deletion(self, store):
        """Numbering never goes back: purged messages and removed entries still count."""
        fired(store.write([AddMessage(finished(7, NOW)), AddOutbox(OutboxEntry(3, "a", NOW + 5, b""))]))
        fired(store.write([RemoveOutbox(3)]))
        assert fired(store.purge(NOW + 1)) == 1
        recovered = reopen(store).recover()
        assert (recovered.pending, recovered.outbox) == ([], [])
        assert (recovered.last_number, recovered.last_outbox_id) == (7, 3)

    def test_empty_store(self, store):
        """A new store recovers nothing, numbering from 0."""
        recovered = store.recover()
        assert (recovered.pending, recovered.outbox, recovered.last_number, recovered.last_outbox_id) == ([], [], 0, 0)

    def test_newer_schema_is_refused(self, store):
        """A file from a newer release is not opened (and not touched)."""
        fired(store.close())
        with sqlite3.connect(store.path) as connection:
            connection.execute(f"PRAGMA user_version = {sqlite_store.SCHEMA_VERSION + 1}")
        with pytest.raises(RuntimeError, match="schema"):
            SqliteStore.open(store.path.rsplit("/", 1)[0], task.Clock())

    def test_schema_1_file_is_migrated(self, tmp_path):
        """A file from the release that kept one row per hop opens with its traces whole,
        in order, and new hops follow them."""
        with sqlite3.connect(tmp_path / sqlite_store.FILE_NAME) as old:
            old.executescript(SCHEMA_1)
            old.executemany("INSERT INTO events (number, at, hop, detail) VALUES (?, ?, ?, ?)",
                            [(1, NOW, "received", "from a"), (2, NOW, "received", ""), (1, NOW + 0.125, "stored", "")])  # fmt: skip
        store = SqliteStore.open(str(tmp_path), task.Clock(), threaded=False)
        fired(store.write([AddEvent(TraceEvent(1, NOW + 1, "routed", "to B"))]))
        assert fired(store.events(1)) == [
            TraceEvent(1, NOW, "received", "from a"),
            TraceEvent(1, NOW + 0.125, "stored"),
            TraceEvent(1, NOW + 1, "routed", "to B"),
        ]
        assert fired(store.events(2)) == [TraceEvent(2, NOW, "received")]
        fired(store.close())
        with sqlite3.connect(store.path) as connection:
            assert connection.execute("PRAGMA user_version").fetchone()[0] == sqlite_store.SCHEMA_VERSION

    def test_file_is_wal(self, tmp_path):
        """The file is created in WAL mode, in a directory made on demand."""
        store = SqliteStore.open(str(tmp_path / "a" / "b"), task.Clock(), sync="normal", threaded=False)
        fired(store.close())
        assert (tmp_path / "a" / "b" / "messages.sqlite3").exists()
        with sqlite3.connect(store.path) as connection:
            assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"

    def test_unknown_sync_mode(self, tmp_path):
        """sync is "full" or "normal"; anything else is refused at open."""
        with pytest.raises(ValueError, match="full, normal"):
            SqliteStore.open(str(tmp_path), task.Clock(), sync="off")


class TestGroupCommit:
    def test_a_thousand_writes_share_few_commits(self, threaded, reactor):
        """1,000 writes queued in one reactor turn commit in far fewer transactions."""
        writes = [threaded.write([AddMessage(message(n)), AddEvent(TraceEvent(n, NOW, "stored"))]) for n in range(1, 1001)]
        reactor.run_until(*writes)
        assert [fired(write) for write in writes] == [None] * 1000
        assert threaded.writes_committed == 1000
        assert threaded.commits <= 100
        assert len(threaded.recover().pending) == 1000

    def test_deferreds_fire_in_call_order(self, threaded, reactor):
        """Deferreds fire in the order of the write() calls, across groups."""
        order = []
        writes = []
        for n in range(1, 301):
            writes.append(threaded.write([AddMessage(message(n))]).addCallback(lambda _, n=n: order.append(n)))
            if n % 50 == 0:
                time.sleep(0.002)  # let the writer take a group before the rest arrive
        reactor.run_until(*writes)
        assert order == list(range(1, 301))
        assert threaded.commits > 1

    def test_nothing_fires_off_the_reactor_thread(self, threaded, reactor):
        """A committed write's Deferred waits for the reactor thread to run it."""
        write = threaded.write([AddMessage(message(1))])
        function, args, kwargs = reactor.calls.get(timeout=5)
        assert not write.called
        function(*args, **kwargs)
        assert fired(write) is None

    def test_the_writer_survives_a_failed_write(self, threaded, reactor):
        """After a write fails, later writes still commit."""
        first = threaded.write([AddMessage(message(1))])
        reactor.run_until(first)
        bad = threaded.write([AddMessage(message(1))])
        reactor.run_until(bad)
        with pytest.raises(sqlite3.IntegrityError):
            fired(bad)
        later = threaded.write([AddMessage(message(2))])
        reactor.run_until(later)
        assert fired(later) is None

    def test_reads_on_the_reader_thread(self, threaded, reactor):
        """Reads answer through the reactor thread and see committed writes."""
        reactor.run_until(threaded.write([AddMessage(message(1)), AddEvent(TraceEvent(1, NOW, "stored"))]))
        found, events, page = threaded.message(1), threaded.events(1), threaded.find()
        reactor.run_until(found, events, page)
        assert (fired(found), fired(events), fired(page)) == (message(1), [TraceEvent(1, NOW, "stored")], [message(1)])

    def test_close_commits_what_is_queued(self, threaded, reactor):
        """close() commits the writes queued before it; writes after it fail."""
        writes = [threaded.write([AddMessage(message(n))]) for n in range(1, 101)]
        closed = threaded.close()
        with pytest.raises(StoreClosed):
            fired(threaded.write([AddMessage(message(101))]))
        reactor.run_until(closed, *writes)
        assert len(reopen(threaded).recover().pending) == 100

    def test_unthreaded_commits_each_write(self, store):
        """Without threads a write is committed before write() returns."""
        write = store.write([AddMessage(message(1))])
        assert write.called and store.commits == 1
        with sqlite3.connect(store.path) as other:
            assert other.execute("SELECT count(*) FROM messages").fetchone()[0] == 1


class TestFind:
    @pytest.fixture
    def filled(self, store):
        fired(store.write([
            AddMessage(message(n, destination=f"86138{n % 3}", account=f"acct{n % 2}", state=2 if n % 5 == 0 else 1))
            for n in range(1, 31)
        ]))  # fmt: skip
        return store

    def numbers(self, deferred):
        return [m.number for m in fired(deferred)]

    def test_newest_first(self, filled):
        """Without filters, the newest messages first, at most `limit`."""
        assert self.numbers(filled.find(limit=4)) == [30, 29, 28, 27]

    def test_each_filter(self, filled):
        """Destination, account and state each narrow the list."""
        assert self.numbers(filled.find(destination="861380", limit=4)) == [30, 27, 24, 21]
        assert self.numbers(filled.find(account="acct1", limit=3)) == [29, 27, 25]
        assert self.numbers(filled.find(state=2)) == [30, 25, 20, 15, 10, 5]

    def test_filters_together(self, filled):
        """Given together, every filter applies."""
        assert self.numbers(filled.find(destination="861380", account="acct0", state=2)) == [30]
        assert self.numbers(filled.find(destination="861381", account="acct1", state=1)) == [19, 13, 7, 1]

    def test_paging(self, filled):
        """Each page continues below the last number of the one before; the end is empty."""
        pages, before = [], None
        while page := self.numbers(filled.find(account="acct0", before=before, limit=4)):
            pages.append(page)
            before = page[-1]
        assert pages == [[30, 28, 26, 24], [22, 20, 18, 16], [14, 12, 10, 8], [6, 4, 2]]

    def test_queries_use_indexes(self, filled):
        """Every filtered query searches the index that narrows it most; none scans a table."""
        expected = [
            (lambda: filled.find(destination="861380", before=10), "messages_by_destination"),
            (lambda: filled.find(account="acct0"), "messages_by_account"),
            (lambda: filled.find(state=2, before=20), "messages_by_state"),
            (lambda: filled.find(destination="861381", state=1), "messages_by_destination"),
            (lambda: filled.find(account="acct1", state=1), "messages_by_account"),
            (lambda: filled.find(before=20), "INTEGER PRIMARY KEY"),
            (lambda: filled.message("0000001e", account="acct0"), "messages_by_message_id"),
            (lambda: filled.message(30), "INTEGER PRIMARY KEY"),
            (lambda: filled.events(30), "events_by_number"),
            (lambda: filled.purge(NOW), "messages_finished"),
        ]
        with sqlite3.connect(filled.path) as other:
            for query, index in expected:
                statements = []
                filled._reader.set_trace_callback(statements.append)  # the store's own SQL as it ran
                fired(query())
                filled._reader.set_trace_callback(None)
                plan = " ".join(row[-1] for statement in statements if statement.startswith("SELECT")
                                for row in other.execute("EXPLAIN QUERY PLAN " + statement))  # fmt: skip
                assert "SCAN" not in plan and index in plan, (statements, plan)


class TestWriteCost:
    def test_writes_build_no_temporary_btrees(self, store):
        """Writing a message or changing it opens no ephemeral table: a partial index tested
        with `state IN (...)` made SQLite build one for every row, a quarter of the writer's
        instructions."""
        fired(store.write([AddMessage(message(1))]))
        for kind, operation in [(AddMessage, AddMessage(message(2))), (ChangeMessage, ChangeMessage(1, 2, 1, NOW, NOW, 0))]:
            statement, parameters = sqlite_store._STATEMENTS[kind]
            program = store._writer.execute("EXPLAIN " + statement, parameters(operation)).fetchall()
            assert "OpenEphemeral" not in {row[1] for row in program}, kind.__name__


class TestPolicyRecords:
    def test_opt_outs_survive_reopening_and_opt_in_removes_them(self, store):
        fired(store.write([OptOut("10690001", "8613800138000", NOW), OptOut("10690001", "8613900139000", NOW + 1)]))
        fired(store.write([OptOut("10690001", "8613800138000", NOW + 5)]))  # again: the first time stays
        fired(store.write([OptIn("10690001", "8613900139000"), OptIn("10690001", "8610000000000")]))
        assert reopen(store).recover().opt_outs == [OptOut("10690001", "8613800138000", NOW)]

    def test_spending_adds_up_per_account_and_outlives_purges(self, store):
        fired(store.write([AddMessage(finished(1, NOW - 10, segments=2, charge=100_000)), Spend("a", 100_000)]))
        fired(store.write([Spend("a", 50_000), Spend("b", 1)]))
        assert fired(store.purge(NOW)) == 1
        assert reopen(store).recover().spent == {"a": 150_000, "b": 1}

    def test_charge_is_set_by_the_final_change(self, store):
        fired(store.write([AddMessage(message(1, segments=3))]))
        fired(store.write([ChangeMessage(1, 2, 1, NOW, NOW, 0, charge=150_000)]))
        assert (fired(store.message(1)).segments, fired(store.message(1)).charge) == (3, 150_000)

    def test_finished_messages_page_in_the_order_they_finished(self, store):
        """Paging follows done_at: a message that finishes after the reader passed its
        number still comes on a later page (billing reconciliation misses nothing)."""
        fired(store.write([AddMessage(finished(n, NOW + n) if n % 2 else message(n, account="b")) for n in range(1, 8)]))
        first = fired(store.finished(limit=2))
        assert [m.number for m in first] == [1, 3]
        fired(store.write([ChangeMessage(2, 2, 1, NOW + 9, NOW + 9, 0)]))  # number 2 finishes late
        after = (first[-1].done_at, first[-1].number)
        assert [m.number for m in fired(store.finished(after=after))] == [5, 7, 2]
        assert fired(store.finished(account="b", after=(NOW + 9, 2))) == []


class TestPurge:
    def test_deletes_finished_messages_and_their_events(self, store):
        """Final messages done before the time go with their trace; the rest stay."""
        fired(store.write([
            AddMessage(finished(1, NOW - 100)),
            AddMessage(message(2, state=5, done_at=NOW - 100)),
            AddMessage(finished(3, NOW + 100)),
            AddMessage(message(4)),
            AddMessage(message(5, state=6, done_at=NOW - 100)),  # ACCEPTED: pending here
            *[AddEvent(TraceEvent(n, NOW, "stored")) for n in range(1, 6)],
        ]))  # fmt: skip
        assert fired(store.purge(NOW)) == 2
        assert [m.number for m in fired(store.find())] == [5, 4, 3]
        assert fired(store.events(1)) == [] and fired(store.events(2)) == []
        assert fired(store.events(3)) == [TraceEvent(3, NOW, "stored")]

    def test_deletes_old_outbox_entries(self, store):
        """Outbox entries created before the time are dropped, later ones kept."""
        fired(store.write([AddOutbox(OutboxEntry(1, "a", NOW - 1, b"")), AddOutbox(OutboxEntry(2, "a", NOW + 1, b""))]))
        assert fired(store.purge(NOW)) == 0
        assert [e.id for e in store.recover().outbox] == [2]

    def test_in_chunks(self, store, monkeypatch):
        """A purge larger than one chunk deletes everything over several transactions."""
        monkeypatch.setattr(sqlite_store, "PURGE_CHUNK", 3)
        fired(store.write([AddMessage(finished(n, NOW - 1)) for n in range(1, 11)] + [AddMessage(message(11))]))
        assert fired(store.purge(NOW)) == 10
        assert [m.number for m in fired(store.find())] == [11]

    def test_in_chunks_beside_writes(self, threaded, reactor, monkeypatch):
        """On the writer thread, a chunked purge and writes queued with it all complete."""
        monkeypatch.setattr(sqlite_store, "PURGE_CHUNK", 3)
        reactor.run_until(threaded.write([AddMessage(finished(n, NOW - 1)) for n in range(1, 11)]))
        purge = threaded.purge(NOW)
        writes = [threaded.write([AddMessage(message(n))]) for n in range(11, 21)]
        reactor.run_until(purge, *writes)
        assert fired(purge) == 10
        assert len(threaded.recover().pending) == 10

    def test_close_finishes_a_chunked_purge(self, threaded, reactor, monkeypatch):
        """close() during a purge that takes several chunks lets the purge finish first."""
        monkeypatch.setattr(sqlite_store, "PURGE_CHUNK", 2)
        reactor.run_until(threaded.write([AddMessage(finished(n, NOW - 1)) for n in range(1, 12)]))
        purge = threaded.purge(NOW)
        closed = threaded.close()
        reactor.run_until(purge, closed)
        assert fired(purge) == 11
        reopened = reopen(threaded)
        assert (fired(reopened.find()), reopened.recover().last_number) == ([], 11)


CHILD = """
import os, sys
from twisted.internet import reactor
from smsc.sqlite_store import SqliteStore
from smsc.store import AddEvent, AddMessage, StoredMessage, TraceEvent

store = SqliteStore.open(sys.argv[1], reactor, sync=sys.argv[2])
numbers = iter(range(1, 10_000_000))

def send():
    number = next(numbers)
    message = StoredMessage(number, str(number), "a", "1", "2", 1, 0.0, 0.0, 0.0, body=b"x" * 100)
    write = store.write([AddMessage(message), AddEvent(TraceEvent(number, 0.0, "stored"))])
    write.addCallback(committed, number)

def committed(_, number):
    print(number, flush=True)
    send()

reactor.callLater(20, os._exit, 3)  # never outlive a parent that stopped reading
for _ in range(20):
    reactor.callWhenRunning(send)
reactor.run()
"""


class TestCrash:
    @pytest.mark.parametrize("sync", ["full", "normal"])
    def test_every_acknowledged_write_survives_sigkill(self, tmp_path, sync):
        """A process killed mid-stream loses no write whose Deferred had fired."""
        child = subprocess.Popen([sys.executable, "-c", CHILD, str(tmp_path), sync],
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)  # fmt: skip
        try:
            lines = [child.stdout.readline() for _ in range(300)]
            assert lines[-1], child.stderr.read()
        finally:
            child.send_signal(signal.SIGKILL)
            rest, _ = child.communicate(timeout=5)
        assert child.returncode == -signal.SIGKILL
        acknowledged = [int(line) for line in ("".join(lines) + rest).split("\n")[:-1]]
        store = SqliteStore.open(str(tmp_path), task.Clock(), threaded=False)
        recovered = store.recover()
        assert set(acknowledged) <= {m.number for m in recovered.pending}
        assert recovered.last_number >= max(acknowledged)
        store.close()


# The schema of the first release (user_version 1), to prove the migration from it.
SCHEMA_1 = """
CREATE TABLE messages (number INTEGER PRIMARY KEY AUTOINCREMENT, message_id TEXT NOT NULL, account TEXT NOT NULL,
    source TEXT NOT NULL, destination TEXT NOT NULL, state INTEGER NOT NULL, submitted_at REAL NOT NULL,
    due_at REAL NOT NULL, expires_at REAL NOT NULL, attempts INTEGER NOT NULL, done_at REAL,
    error INTEGER NOT NULL, body BLOB NOT NULL);
CREATE INDEX messages_by_message_id ON messages (message_id);
CREATE INDEX messages_by_destination ON messages (destination, number);
CREATE INDEX messages_by_account ON messages (account, number);
CREATE INDEX messages_by_state ON messages (state, number);
CREATE INDEX messages_pending ON messages (number) WHERE state NOT IN (2, 3, 4, 5, 8);
CREATE INDEX messages_finished ON messages (done_at) WHERE state IN (2, 3, 4, 5, 8);
CREATE TABLE events (id INTEGER PRIMARY KEY, number INTEGER NOT NULL, at REAL NOT NULL, hop TEXT NOT NULL,
    detail TEXT NOT NULL);
CREATE INDEX events_by_number ON events (number);
CREATE TABLE outbox (id INTEGER PRIMARY KEY AUTOINCREMENT, account TEXT NOT NULL, created_at REAL NOT NULL,
    pdu BLOB NOT NULL);
CREATE INDEX outbox_by_created_at ON outbox (created_at);
PRAGMA user_version = 1;
"""
