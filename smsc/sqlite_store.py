"""The embedded durable store: one SQLite file in WAL mode, written with group commit by one
dedicated thread.

Every `write()` goes on a queue. The writer thread blocks for the first, takes whatever else
is already waiting (up to MAX_BATCH writes), applies them all in one transaction and commits
once, so one fsync serves a whole window of submits; then it fires their Deferreds on the
reactor thread, in call order. Reads use a second connection on a reader thread: WAL lets
them run beside the writer, and no SQL runs on the reactor thread (except `recover()`, which
is synchronous by contract and runs once, at start-up).

Durability, chosen with `sync`:

- "full" (PRAGMA synchronous=FULL): the WAL is fsynced at every commit. An acknowledged
  message survives a power cut or a kernel panic. Costs one fsync per group.
- "normal" (PRAGMA synchronous=NORMAL): fsync only at checkpoints. An acknowledged message
  survives a killed or crashed SMSC (the commit is in the OS's cache), but a power cut can
  lose the last commits; the file itself stays consistent either way.

`threaded=False` runs the very same code inline on the caller's thread, one commit per
write: for virtual-time tests and deterministic scenario runs on a `task.Clock`.
"""

import itertools
import json
import operator
import os
import queue
import sqlite3
import threading
from collections.abc import Sequence

import attrs
from twisted.internet import defer

from smsc.store import (
    FINAL_STATES,
    AddEvent,
    AddMessage,
    AddOutbox,
    ChangeMessage,
    MissingMessage,
    Operation,
    OptIn,
    OptOut,
    OutboxEntry,
    Recovered,
    RemoveOutbox,
    Spend,
    StoreClosed,
    StoredMessage,
    TraceEvent,
)

FILE_NAME = "messages.sqlite3"
SCHEMA_VERSION = 3  # PRAGMA user_version; a later version migrates from the one it finds
MAX_BATCH = 4096  # writes in one transaction: bounds the latency one commit adds to the next
PURGE_CHUNK = 2000  # messages deleted per transaction, so a big purge does not stall submits
SYNC_MODES = {"full": "FULL", "normal": "NORMAL"}

_FINAL = ", ".join(str(state) for state in sorted(FINAL_STATES))

# Opt-outs and what accounts spent: small tables that retention never touches.
_SCHEMA_3_TABLES = """
CREATE TABLE opt_outs (
    sender TEXT NOT NULL,
    number TEXT NOT NULL,
    at REAL NOT NULL,
    PRIMARY KEY (sender, number)
) WITHOUT ROWID;
CREATE TABLE spent (
    account TEXT PRIMARY KEY,
    micros INTEGER NOT NULL
) WITHOUT ROWID;
"""

# AUTOINCREMENT keeps the highest number ever stored in sqlite_sequence, even after a purge
# deleted it, so recovery never hands out a used number again. The two partial indexes hold
# only the rows recovery and retention look for: pending messages, finished ones by time.
# A row of `events` holds the hops one commit added to one message's trace (a JSON list of
# [milliseconds, hop, detail], and the PDU kept with a hop as a fourth item, in Latin-1):
# a delivered message takes three rows instead of nine.
SCHEMA = """
CREATE TABLE messages (
    number INTEGER PRIMARY KEY AUTOINCREMENT,
    message_id TEXT NOT NULL,
    account TEXT NOT NULL,
    source TEXT NOT NULL,
    destination TEXT NOT NULL,
    state INTEGER NOT NULL,
    submitted_at REAL NOT NULL,
    due_at REAL NOT NULL,
    expires_at REAL NOT NULL,
    attempts INTEGER NOT NULL,
    done_at REAL,
    error INTEGER NOT NULL,
    body BLOB NOT NULL,
    segments INTEGER NOT NULL DEFAULT 1,
    charge INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX messages_by_message_id ON messages (message_id);
CREATE INDEX messages_by_destination ON messages (destination, number);
CREATE INDEX messages_by_account ON messages (account, number);
CREATE INDEX messages_by_state ON messages (state, number);
CREATE INDEX messages_pending ON messages (number) WHERE done_at IS NULL;
CREATE INDEX messages_finished ON messages (done_at) WHERE done_at IS NOT NULL;
CREATE TABLE events (
    id INTEGER PRIMARY KEY,
    number INTEGER NOT NULL,
    hops TEXT NOT NULL
);
CREATE INDEX events_by_number ON events (number);
CREATE TABLE outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    account TEXT NOT NULL,
    created_at REAL NOT NULL,
    pdu BLOB NOT NULL
);
CREATE INDEX outbox_by_created_at ON outbox (created_at);
CREATE INDEX outbox_by_account ON outbox (account, id);
""" + _SCHEMA_3_TABLES

_COLUMNS = ("number, message_id, account, source, destination, state, submitted_at, due_at, "
            "expires_at, attempts, done_at, error, body, segments, charge")  # fmt: skip

# Each operation: its statement and its parameters. Consecutive operations of one kind go
# to SQLite in one executemany.
_STATEMENTS = {
    AddMessage: (
        f"INSERT INTO messages ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        lambda op, row=operator.attrgetter(*_COLUMNS.split(", ")): row(op.message),
    ),
    ChangeMessage: (
        "UPDATE messages SET state = ?, attempts = ?, due_at = ?, done_at = ?, error = ?,"
        " body = coalesce(?, body), expires_at = coalesce(?, expires_at), charge = coalesce(?, charge),"
        " segments = coalesce(?, segments) WHERE number = ?",
        lambda op: (op.state, op.attempts, op.due_at, op.done_at, op.error, op.body, op.expires_at, op.charge,
                    op.segments, op.number),
    ),
    AddEvent: ("INSERT INTO events (number, hops) VALUES (?, ?)", None),  # rows made by _packed_events
    AddOutbox: (
        "INSERT INTO outbox (id, account, created_at, pdu) VALUES (?, ?, ?, ?)",
        lambda op: (op.entry.id, op.entry.account, op.entry.created_at, op.entry.pdu),
    ),
    RemoveOutbox: ("DELETE FROM outbox WHERE id = ?", lambda op: (op.id,)),
    # A second opt-out keeps the first one's time.
    OptOut: ("INSERT OR IGNORE INTO opt_outs (sender, number, at) VALUES (?, ?, ?)", lambda op: (op.sender, op.number, op.at)),
    OptIn: ("DELETE FROM opt_outs WHERE sender = ? AND number = ?", lambda op: (op.sender, op.number)),
    Spend: (
        "INSERT INTO spent (account, micros) VALUES (?, ?) ON CONFLICT (account) DO UPDATE SET micros = micros + excluded.micros",
        lambda op: (op.account, op.micros),
    ),
}

_TABLE = {AddMessage: 0, ChangeMessage: 0, AddEvent: 1, AddOutbox: 2, RemoveOutbox: 2, OptOut: 3, OptIn: 3, Spend: 4}


@attrs.define
class _Write:
    operations: tuple
    done: defer.Deferred


@attrs.define
class _Purge:
    finished_before: float
    done: defer.Deferred
    deleted: int = 0  # by the chunks already committed


@attrs.define
class _Stop:
    done: defer.Deferred


class SqliteStore:
    """The `smsc.store.Store` on SQLite. `commits` and `writes_committed` count the
    transactions and the write() calls they carried, for tests and benchmarks."""

    def __init__(self, path: str, reactor, writer: sqlite3.Connection, reader: sqlite3.Connection, threaded: bool):
        self.path = path
        self.commits = 0
        self.writes_committed = 0
        self._reactor = reactor
        self._writer = writer
        self._reader = reader
        self._threaded = threaded
        self._closed = False
        if threaded:
            self._writes = queue.SimpleQueue()
            self._reads = queue.SimpleQueue()
            threading.Thread(target=self._write_loop, name="store-writer", daemon=True).start()
            threading.Thread(target=self._read_loop, name="store-reader", daemon=True).start()

    @classmethod
    def open(cls, directory: str, reactor, sync: str = "full", threaded: bool = True) -> "SqliteStore":
        """The store in `directory` (created if missing), its schema created if new."""
        if sync not in SYNC_MODES:
            raise ValueError(f"sync must be one of {', '.join(SYNC_MODES)}, got {sync!r}")
        os.makedirs(directory, exist_ok=True)
        path = os.path.join(directory, FILE_NAME)
        writer = _connect(path)
        writer.execute("PRAGMA journal_mode = WAL")
        writer.execute(f"PRAGMA synchronous = {SYNC_MODES[sync]}")
        _migrate(writer, path)
        reader = _connect(path) if threaded else writer
        return cls(path, reactor, writer, reader, threaded)

    # Writes

    def write(self, operations: Sequence[Operation]) -> defer.Deferred:
        if self._closed:
            return defer.fail(StoreClosed("write() after close()"))
        item = _Write(tuple(operations), defer.Deferred())
        if self._threaded:
            self._writes.put(item)
        else:
            _fire(self._commit([item]))
        return item.done

    def purge(self, finished_before: float) -> defer.Deferred:
        if self._closed:
            return defer.fail(StoreClosed("purge() after close()"))
        item = _Purge(finished_before, defer.Deferred())
        if self._threaded:
            self._writes.put(item)
        else:
            while not item.done.called:
                _fire(self._purge_chunk(item))
        return item.done

    def close(self) -> defer.Deferred:
        if self._closed:
            return defer.succeed(None)
        self._closed = True
        if not self._threaded:
            self._writer.close()
            return defer.succeed(None)
        stopped = [defer.Deferred(), defer.Deferred()]
        self._writes.put(_Stop(stopped[0]))
        self._reads.put(_Stop(stopped[1]))
        return defer.gatherResults(stopped).addCallback(lambda _: None)

    def _write_loop(self) -> None:
        while True:
            batch = [self._writes.get()]
            while len(batch) < MAX_BATCH:
                try:
                    batch.append(self._writes.get_nowait())
                except queue.Empty:
                    break
            at = 0
            while at < len(batch):
                writes = list(itertools.takewhile(lambda item: isinstance(item, _Write), batch[at:]))
                if writes:
                    self._reactor.callFromThread(_fire, self._commit(writes))
                    at += len(writes)
                    continue
                item, at = batch[at], at + 1
                if isinstance(item, _Stop):
                    self._stop(item, batch[at:])
                    return
                outcome = self._purge_chunk(item)
                if outcome:
                    self._reactor.callFromThread(_fire, outcome)
                else:  # more to delete: after the writes queued meanwhile
                    self._writes.put(item)

    def _stop(self, stop: _Stop, rest: list) -> None:
        """Close, after finishing the purges still taking turns with writes: they may sit
        behind the stop (close() refuses writes, so nothing else can)."""
        while True:
            try:
                rest.append(self._writes.get_nowait())
            except queue.Empty:
                break
        for item in rest:
            outcome = []
            while not outcome:
                outcome = self._purge_chunk(item)
            self._reactor.callFromThread(_fire, outcome)
        self._writer.close()
        self._reactor.callFromThread(stop.done.callback, None)

    def _commit(self, writes: list[_Write]) -> list:
        """Commit the writes in one transaction; (deferred, error or None) for each."""
        connection = self._writer
        try:
            connection.execute("BEGIN")
            try:
                _apply(connection, [operation for write in writes for operation in write.operations])
                errors = [None] * len(writes)
            except Exception:
                # Some write is bad. Start again with a savepoint around each one, so the
                # bad ones fail alone and the rest still share one commit.
                connection.execute("ROLLBACK")
                connection.execute("BEGIN")
                errors = [_apply_alone(connection, write.operations) for write in writes]
            connection.execute("COMMIT")
        except Exception as error:  # the commit itself failed: disk full, I/O error
            _roll_back(connection)
            return [(write.done, error) for write in writes]
        self.commits += 1
        self.writes_committed += errors.count(None)
        return [(write.done, error) for write, error in zip(writes, errors)]

    def _purge_chunk(self, item: _Purge) -> list:
        """Delete up to PURGE_CHUNK finished messages in one transaction; the outcome to fire
        when none are left, [] when another chunk should follow."""
        connection = self._writer
        try:
            connection.execute("BEGIN")
            numbers = connection.execute(
                f"SELECT number FROM messages INDEXED BY messages_finished"
                f" WHERE done_at IS NOT NULL AND done_at < ? AND state IN ({_FINAL}) LIMIT ?",
                (item.finished_before, PURGE_CHUNK),
            ).fetchall()
            connection.executemany("DELETE FROM events WHERE number = ?", numbers)
            connection.executemany("DELETE FROM messages WHERE number = ?", numbers)
            connection.execute("DELETE FROM outbox WHERE created_at < ?", (item.finished_before,))
            connection.execute("COMMIT")
        except Exception as error:
            _roll_back(connection)
            return [(item.done, error)]
        item.deleted += len(numbers)
        if len(numbers) == PURGE_CHUNK:
            return []
        return [(item.done, None, item.deleted)]

    # Reads

    def recover(self) -> Recovered:
        # A connection of its own: the reader thread may already be serving queries.
        connection = _connect(self.path)
        try:
            pending = connection.execute(
                f"SELECT {_COLUMNS} FROM messages WHERE done_at IS NULL AND state NOT IN ({_FINAL}) ORDER BY number"
            ).fetchall()
            outbox = connection.execute("SELECT id, account, created_at, pdu FROM outbox ORDER BY id").fetchall()
            last = dict(connection.execute("SELECT name, seq FROM sqlite_sequence").fetchall())
            opt_outs = connection.execute("SELECT sender, number, at FROM opt_outs ORDER BY at").fetchall()
            spent = dict(connection.execute("SELECT account, micros FROM spent").fetchall())
        finally:
            connection.close()
        return Recovered(
            [StoredMessage(*row) for row in pending],
            [OutboxEntry(*row) for row in outbox],
            last.get("messages", 0),
            last.get("outbox", 0),
            [OptOut(*row) for row in opt_outs],
            spent,
        )

    def message(self, key: int | str, account: str | None = None) -> defer.Deferred:
        where, parameters = ["message_id = ?" if isinstance(key, str) else "number = ?"], [key]
        if account is not None:
            where.append("account = ?")
            parameters.append(account)
        # A message_id may come back (a carrier personality reusing ids): the newest wins.
        query = f"SELECT {_COLUMNS} FROM messages WHERE {' AND '.join(where)} ORDER BY number DESC LIMIT 1"
        return self._read(_messages, query, parameters).addCallback(lambda found: found[0] if found else None)

    def events(self, number: int) -> defer.Deferred:
        query = "SELECT hops FROM events WHERE number = ? ORDER BY id"
        return self._read(lambda rows: _events(number, rows), query, [number])

    def outbox(self, account: str, after: int, limit: int) -> defer.Deferred:
        query = "SELECT id, account, created_at, pdu FROM outbox WHERE account = ? AND id > ? ORDER BY id LIMIT ?"
        return self._read(lambda rows: [OutboxEntry(*row) for row in rows], query, [account, after, limit])

    def finished(self, account: str | None = None, after: tuple[float, int] = (0.0, 0), limit: int = 1000) -> defer.Deferred:
        return self._read(_messages, *_finished_query(account, after, limit))

    def find(
        self,
        destination: str | None = None,
        account: str | None = None,
        state: int | None = None,
        before: int | None = None,
        limit: int = 50,
    ) -> defer.Deferred:
        where, parameters = [], []
        for column, value in [("destination", destination), ("account", account), ("state", state)]:
            if value is not None:
                # The first filter given picks the index, in this order of selectivity; a
                # "+" keeps SQLite (which has no statistics) from preferring the others',
                # above all the few-valued state.
                where.append(f"{'+' if where else ''}{column} = ?")
                parameters.append(value)
        if before is not None:
            where.append("number < ?")
            parameters.append(before)
        query = f"SELECT {_COLUMNS} FROM messages {_where(where)} ORDER BY number DESC LIMIT ?"
        return self._read(_messages, query, [*parameters, limit])

    def _read(self, function, query: str, parameters: list) -> defer.Deferred:
        if self._closed:
            return defer.fail(StoreClosed("read after close()"))
        done = defer.Deferred()
        if self._threaded:
            self._reads.put((function, query, parameters, done))
        else:
            _fire([_run_read(self._reader, function, query, parameters, done)])
        return done

    def _read_loop(self) -> None:
        while True:
            item = self._reads.get()
            if isinstance(item, _Stop):
                self._reader.close()
                self._reactor.callFromThread(item.done.callback, None)
                return
            function, query, parameters, done = item
            self._reactor.callFromThread(_fire, [_run_read(self._reader, function, query, parameters, done)])


def _finished_query(account: str | None, after: tuple[float, int], limit: int) -> tuple[str, list]:
    """In the order messages finished: a page never misses one that finished late."""
    done_at, number = after
    where = ["done_at IS NOT NULL", f"state IN ({_FINAL})", "(done_at > ? OR (done_at = ? AND number > ?))"]
    parameters = [done_at, done_at, number]
    if account is not None:
        where.append("account = ?")
        parameters.append(account)
    return f"SELECT {_COLUMNS} FROM messages {_where(where)} ORDER BY done_at, number LIMIT ?", [*parameters, limit]


def read_finished(directory: str, account: str | None = None, page: int = 5000):
    """The finished messages in a data folder, oldest first, read page by page from a
    read-only connection (a running SMSC may be writing beside it). LookupError when the
    folder holds no store."""
    path = os.path.join(directory, FILE_NAME)
    if not os.path.exists(path):
        raise LookupError(f"no message store in {directory} ({FILE_NAME} missing): is --data the folder smsc serve used?")
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        version = connection.execute("PRAGMA user_version").fetchone()[0]
        if version != SCHEMA_VERSION:
            raise LookupError(f"the store in {directory} has schema {version}, this smsc reads {SCHEMA_VERSION}: "
                              f"start `smsc serve --data {directory}` once to bring it up to date")  # fmt: skip
        after = (0.0, 0)
        while True:
            rows = connection.execute(*_finished_query(account, after, page)).fetchall()
            messages = _messages(rows)
            yield from messages
            if len(rows) < page:
                return
            after = (messages[-1].done_at, messages[-1].number)
    finally:
        connection.close()


def _where(conditions: list[str]) -> str:
    return f"WHERE {' AND '.join(conditions)}" if conditions else ""


def _connect(path: str) -> sqlite3.Connection:
    # isolation_level=None: we write BEGIN and COMMIT ourselves, so one transaction is
    # exactly one group. Each connection stays on one thread at a time, never two.
    return sqlite3.connect(path, isolation_level=None, check_same_thread=False)


def _migrate(connection: sqlite3.Connection, path: str) -> None:
    version = connection.execute("PRAGMA user_version").fetchone()[0]
    if version > SCHEMA_VERSION:
        raise RuntimeError(f"{path} has store schema {version}; this SMSC knows up to {SCHEMA_VERSION}")
    if version == 0:
        connection.execute("BEGIN")
        for statement in SCHEMA.split(";"):
            if statement.strip():
                connection.execute(statement)
        connection.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        connection.execute("COMMIT")
        return
    # Added within schema 1: files made before it get the index on opening.
    connection.execute("CREATE INDEX IF NOT EXISTS outbox_by_account ON outbox (account, id)")
    if version == 1:
        _one_row_per_hop_to_packed(connection)
    if version <= 2:
        _add_policy_tables(connection)


def _one_row_per_hop_to_packed(connection: sqlite3.Connection) -> None:
    """Schema 1 kept one row per hop; 2 packs them. Old rows become one-hop rows, ids kept."""
    connection.execute("BEGIN")
    connection.execute("ALTER TABLE events RENAME TO events_v1")
    connection.execute("DROP INDEX events_by_number")
    connection.execute("CREATE TABLE events (id INTEGER PRIMARY KEY, number INTEGER NOT NULL, hops TEXT NOT NULL)")
    connection.execute("CREATE INDEX events_by_number ON events (number)")
    rows = connection.execute("SELECT id, number, at, hop, detail FROM events_v1")
    connection.executemany(
        "INSERT INTO events (id, number, hops) VALUES (?, ?, ?)",
        ((id, number, json.dumps([[round(at * 1000), hop, detail]])) for id, number, at, hop, detail in rows),
    )
    connection.execute("DROP TABLE events_v1")
    connection.execute("PRAGMA user_version = 2")
    connection.execute("COMMIT")


def _add_policy_tables(connection: sqlite3.Connection) -> None:
    """Schema 3 adds billing (segments and charge of each message, spent per account) and
    opt-outs; messages stored before it count one segment and cost nothing. Its partial
    indexes test done_at: a `state IN (...)` there made SQLite build a temporary b-tree for
    every row written."""
    connection.execute("BEGIN")
    connection.execute("DROP INDEX messages_pending")
    connection.execute("DROP INDEX messages_finished")
    connection.execute("CREATE INDEX messages_pending ON messages (number) WHERE done_at IS NULL")
    connection.execute("CREATE INDEX messages_finished ON messages (done_at) WHERE done_at IS NOT NULL")
    connection.execute("ALTER TABLE messages ADD COLUMN segments INTEGER NOT NULL DEFAULT 1")
    connection.execute("ALTER TABLE messages ADD COLUMN charge INTEGER NOT NULL DEFAULT 0")
    for statement in _SCHEMA_3_TABLES.split(";"):
        if statement.strip():
            connection.execute(statement)
    connection.execute("PRAGMA user_version = 3")
    connection.execute("COMMIT")


def _apply(connection: sqlite3.Connection, operations: Sequence[Operation]) -> None:
    # The tables share no keys (no foreign keys, no triggers), so only the order within each
    # table matters. A stable sort by table keeps it and turns a group's alternating
    # AddMessage, AddEvent, AddMessage... into one executemany per kind.
    try:
        operations = sorted(operations, key=lambda operation: _TABLE[type(operation)])
    except KeyError as error:
        raise TypeError(f"not a store operation: {error.args[0].__name__}") from None
    for kind, run in itertools.groupby(operations, type):
        statement, parameters = _STATEMENTS[kind]
        rows = _packed_events(run) if kind is AddEvent else [parameters(operation) for operation in run]
        changed = connection.executemany(statement, rows).rowcount
        if kind is ChangeMessage and changed != len(rows):
            numbers = [row[-1] for row in rows]
            missing = [n for n in numbers if not connection.execute("SELECT 1 FROM messages WHERE number = ?", (n,)).fetchone()]
            raise MissingMessage(f"no message numbered {', '.join(map(str, missing))}")


def _packed_events(operations) -> list[tuple[int, str]]:
    """One row per message: its hops, in the order written."""
    hops = {}
    for operation in operations:
        event = operation.event
        # whole milliseconds: writing an int is cheap, a float's shortest repr is not
        hop = (round(event.at * 1000), event.hop, event.detail)
        hops.setdefault(event.number, []).append((*hop, event.pdu.decode("latin-1")) if event.pdu else hop)
    return [(number, json.dumps(its)) for number, its in hops.items()]


def _apply_alone(connection: sqlite3.Connection, operations: Sequence[Operation]) -> Exception | None:
    connection.execute("SAVEPOINT one_write")
    try:
        _apply(connection, operations)
    except Exception as error:
        connection.execute("ROLLBACK TO one_write")
        connection.execute("RELEASE one_write")
        return error
    connection.execute("RELEASE one_write")
    return None


def _roll_back(connection: sqlite3.Connection) -> None:
    # SQLite may already have rolled back by itself (SQLITE_FULL, SQLITE_IOERR do).
    if connection.in_transaction:
        connection.execute("ROLLBACK")


def _run_read(connection, function, query, parameters, done):
    try:
        return (done, None, function(connection.execute(query, parameters).fetchall()))
    except Exception as error:
        return (done, error)


def _messages(rows) -> list[StoredMessage]:
    return [StoredMessage(*row) for row in rows]


def _events(number: int, rows) -> list[TraceEvent]:
    return [TraceEvent(number, at / 1000, hop, detail, pdu[0].encode("latin-1") if pdu else b"")
            for (hops,) in rows for at, hop, detail, *pdu in json.loads(hops)]  # fmt: skip


def _fire(outcomes: list) -> None:
    """On the reactor thread: (deferred, error) or (deferred, None, result), in order."""
    for done, error, *result in outcomes:
        if error is None:
            done.callback(result[0] if result else None)
        else:
            done.errback(error)
