"""Call detail records as CSV: the documented header, ISO 8601 UTC times, fixed-decimal amounts,
and a file any CSV reader gets back field for field."""

import csv
import datetime
import io

from hypothesis import given
from hypothesis import strategies as st

from pdu.status import MessageState
from smsc import cdr
from smsc.cdr import COLUMNS, CdrRow, write_csv
from smsc.store import StoredMessage

EIGHT = 1795334400.0  # 2026-11-22 08:00:00 UTC


def row(**fields) -> CdrRow:
    values = dict(message_id="0000002a", account="smppclient1", source="10690001",
                  destination="8613800138000", submitted_at=EIGHT + 0.123, done_at=EIGHT + 4.5,
                  state="DELIVERED", error=0, segments=2, amount=0.1)  # fmt: skip
    return CdrRow(**{**values, **fields})


def read(rows) -> tuple[int, list[dict]]:
    out = io.StringIO(newline="")
    count = write_csv(rows, out)
    return count, list(csv.DictReader(io.StringIO(out.getvalue(), newline="")))


class TestWriteCsv:
    def test_the_header_is_the_documented_columns(self):
        """The header names the columns the module docstring lists, in its order."""
        out = io.StringIO(newline="")
        assert write_csv([], out) == 0
        assert out.getvalue() == ",".join(COLUMNS) + "\r\n"
        documented = [line.split()[0] for line in cdr.__doc__.splitlines() if line.startswith("    ") and line[4] != " "]
        assert tuple(documented) == COLUMNS

    def test_a_row_reads_back_field_for_field(self):
        """Times in ISO 8601 UTC to the millisecond, the amount with six decimals."""
        count, lines = read([row()])
        assert count == 1
        assert lines == [
            {
                "message_id": "0000002a", "account": "smppclient1", "source": "10690001",
                "destination": "8613800138000", "submitted_at": "2026-11-22T08:00:00.123Z",
                "done_at": "2026-11-22T08:00:04.500Z", "state": "DELIVERED", "error": "0",
                "segments": "2", "amount": "0.100000",
            }
        ]  # fmt: skip

    def test_a_pending_message_has_no_done_time(self):
        """done_at is empty until the message reaches a final state."""
        _, lines = read([row(done_at=None, state="ENROUTE", amount=0.0)])
        assert (lines[0]["done_at"], lines[0]["amount"]) == ("", "0.000000")

    def test_fields_that_need_quoting_survive(self):
        """An alphanumeric sender with a comma, a quote or a line break comes back intact."""
        _, lines = read([row(source='Shop, "Best"\nDeals')])
        assert lines[0]["source"] == 'Shop, "Best"\nDeals'

    def test_rows_stream_from_a_generator(self):
        """write_csv takes any iterable and counts what it wrote."""
        count, lines = read(row(message_id=f"{number:08x}") for number in range(1000))
        assert count == 1000
        assert [line["message_id"] for line in lines[:2]] == ["00000000", "00000001"]

    @given(
        st.text(),
        st.floats(0, 4102444800, allow_nan=False),
        st.one_of(st.none(), st.floats(0, 4102444800, allow_nan=False)),
        st.integers(0, 255),
        st.integers(1, 255),
        st.decimals(0, 10_000, places=6).map(float),
    )
    def test_round_trip(self, account, submitted_at, done_at, error, segments, amount):
        """Every field comes back: text as written, times to the millisecond, amounts exact to
        the micro-unit."""
        original = row(account=account, submitted_at=submitted_at, done_at=done_at, error=error,
                       segments=segments, amount=amount)  # fmt: skip
        _, [line] = read([original])
        assert line["account"] == account
        assert abs(parse(line["submitted_at"]) - submitted_at) < 0.001
        assert (line["done_at"] == "") == (done_at is None)
        if done_at is not None:
            assert abs(parse(line["done_at"]) - done_at) < 0.001
        assert (int(line["error"]), int(line["segments"]), float(line["amount"])) == (error, segments, amount)


def parse(moment: str) -> float:
    return datetime.datetime.fromisoformat(moment).timestamp()


class TestFromStored:
    def test_a_stored_message_with_its_charge(self):
        """A stored message becomes a record with its state by name and its charge."""
        stored = StoredMessage(42, "0000002a", "smppclient1", "10690001", "8613800138000",
                               MessageState.DELIVERED, EIGHT, EIGHT, EIGHT + 86400,
                               attempts=1, done_at=EIGHT + 4.5, segments=2, charge=100_000)  # fmt: skip
        assert CdrRow.from_stored(stored) == row(submitted_at=EIGHT)

    def test_a_failed_message_costs_nothing(self):
        """A failure is refunded: its record shows the error and no amount."""
        stored = StoredMessage(43, "0000002b", "smppclient1", "10690001", "8613800138000",
                               MessageState.UNDELIVERABLE, EIGHT, EIGHT, EIGHT + 86400,
                               done_at=EIGHT + 9, error=27)  # fmt: skip
        record = CdrRow.from_stored(stored)
        assert (record.state, record.error, record.amount) == ("UNDELIVERABLE", 27, 0.0)

    def test_an_unknown_state_keeps_its_number(self):
        """A state number outside SMPP 3.4's list is written as the number."""
        stored = StoredMessage(44, "0000002c", "a", "1", "2", 42, EIGHT, EIGHT, EIGHT)
        assert CdrRow.from_stored(stored).state == "42"
