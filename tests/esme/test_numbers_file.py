"""Reading `esme blast --numbers FILE`: formats, normalisation, screening and file errors."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from esme.numbers_file import Duplicate, NumbersFileError, Rejected, parse_number, read_numbers


def write(tmp_path, content, name="numbers"):
    path = tmp_path / name
    path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    return path


class TestPlainList:
    def test_one_number_a_line_normalised_to_international_digits(self, tmp_path):
        """National numbers are read in the region; +, 00, spaces and dashes are understood."""
        path = write(tmp_path, "13800138000\n+86 139-0013-9000\n0044 7911 123456\n")
        result = read_numbers(path, "CN")
        assert [(row.number, row.line) for row in result.rows] == [
            ("8613800138000", 1), ("8613900139000", 2), ("447911123456", 3)]  # fmt: skip
        assert result.rows[0].variables == {}
        assert result.columns == ()

    def test_blank_lines_and_comments_are_the_only_lines_ignored(self, tmp_path):
        """A comment (even one with commas) and blank lines are skipped; every other line counts."""
        path = write(tmp_path, "# campaign, list one\n\n13800138000\n  \nhello\n")
        result = read_numbers(path, "CN")
        assert [row.line for row in result.rows] == [3]
        assert result.rejected == (Rejected(5, "number", "hello", "contains 'h'"),)

    def test_invalid_numbers_are_screened_with_the_reason(self, tmp_path):
        """Too short, unknown country codes and unassigned ranges are each explained, in the
        words the SMSC's number screening uses (pdu.numbers)."""
        path = write(tmp_path, "123\n+999 1234 5678\n+86 100 0000 0000\n")
        reasons = [(r.line, r.reason) for r in read_numbers(path, "CN").rejected]
        assert reasons == [
            (1, "not a valid number for CN: too short"),
            (2, "unknown country calling code 999"),
            (3, "not a valid number for CN: the right length, but in no assigned number range"),
        ]

    def test_national_numbers_need_a_region(self, tmp_path):
        """Without --region a national number cannot be placed, and says so."""
        path = write(tmp_path, "13800138000\n+8613800138000\n0044 7911 123456\n")
        result = read_numbers(path, None)
        assert [row.number for row in result.rows] == ["8613800138000", "447911123456"]
        assert "--region" in result.rejected[0].reason

    def test_duplicates_keep_the_first_and_report_the_later_lines(self, tmp_path):
        """The same number written two ways is one recipient; the repeat names both lines."""
        path = write(tmp_path, "13800138000\n13900139000\n+86 138 0013 8000\n")
        result = read_numbers(path, "CN")
        assert [row.line for row in result.rows] == [1, 2]
        assert result.duplicates == (Duplicate(3, 1, "8613800138000"),)

    def test_windows_line_ends_and_bom(self, tmp_path):
        """A UTF-8 BOM and CRLF line ends, as Excel and Notepad write them, are read."""
        path = write(tmp_path, "\ufeff13800138000\r\n13900139000\r\n")
        assert [row.line for row in read_numbers(path, "CN").rows] == [1, 2]

    def test_empty_file(self, tmp_path):
        """An empty file has no recipients, and no error."""
        assert read_numbers(write(tmp_path, ""), "CN").rows == ()


class TestCsv:
    def test_other_columns_become_the_rows_variables(self, tmp_path):
        """The number column is found by name; every other column is a template variable."""
        path = write(tmp_path, "name,Mobile,城市\nAlice,13800138000,北京\n")
        result = read_numbers(path, "CN")
        (row,) = result.rows
        assert (row.number, row.line, dict(row.variables)) == ("8613800138000", 2, {"name": "Alice", "城市": "北京"})
        assert result.columns == ("name", "城市")

    @pytest.mark.parametrize("delimiter", [",", ";", "\t"])
    def test_delimiters(self, tmp_path, delimiter):
        """Comma, semicolon (European Excel) and tab separated files are all read."""
        path = write(tmp_path, f"msisdn{delimiter}code\n13800138000{delimiter}42\n")
        assert dict(read_numbers(path, "CN").rows[0].variables) == {"code": "42"}

    def test_single_column_csv(self, tmp_path):
        """A header naming only the number column is a CSV with no variables."""
        path = write(tmp_path, "phone\n13800138000\n")
        result = read_numbers(path, "CN")
        assert [row.line for row in result.rows] == [2] and result.rejected == ()

    def test_quoted_field_spanning_lines_keeps_line_numbers(self, tmp_path):
        """A quoted newline inside a field does not shift the lines reported for later rows."""
        path = write(tmp_path, 'number,note\n13800138000,"two\nlines"\n12,x\n13900139000,y\n')
        result = read_numbers(path, "CN")
        assert [row.line for row in result.rows] == [2, 5]
        assert result.rows[0].variables["note"] == "two\nlines"
        assert [r.line for r in result.rejected] == [4]

    def test_rows_with_the_wrong_number_of_fields_are_rejected(self, tmp_path):
        """A row with a missing or extra field is reported, not guessed at."""
        path = write(tmp_path, "number,name\n13800138000\n13900139000,Bob,extra\n")
        rejected = read_numbers(path, "CN").rejected
        assert [(r.line, r.field, r.reason) for r in rejected] == [
            (2, "number", "1 fields, the header has 2"),
            (3, "number", "3 fields, the header has 2"),
        ]

    def test_invalid_number_names_its_column(self, tmp_path):
        """A rejected CSV row names the number column as the field at fault."""
        path = write(tmp_path, "name,phone\nAlice,\n")
        assert read_numbers(path, "CN").rejected == (Rejected(2, "phone", "", "empty"),)


class TestFileErrors:
    def test_missing_file(self, tmp_path):
        """An unreadable file names itself."""
        with pytest.raises(NumbersFileError, match="nope.csv: cannot read"):
            read_numbers(tmp_path / "nope.csv", "CN")

    def test_undecodable_bytes_name_the_line(self, tmp_path):
        """A GBK-encoded file is refused at the first bad byte's line and column."""
        path = write(tmp_path, "number,name\n13800138000,".encode() + "张三".encode("gbk") + b"\n")
        with pytest.raises(NumbersFileError) as caught:
            read_numbers(path, "CN")
        assert caught.value.line == 2
        assert str(caught.value).startswith(f"{path}, line 2: not UTF-8: byte 0xD5 at column 13")

    def test_csv_without_a_number_column(self, tmp_path):
        """A header with no number/phone/msisdn/mobile column stops the run at line 1."""
        path = write(tmp_path, "\nname,city\nAlice,Paris\n")
        with pytest.raises(NumbersFileError, match=r", line 2: no number column"):
            read_numbers(path, "CN")

    def test_two_number_columns(self, tmp_path):
        """Two number columns are ambiguous; the second is named."""
        path = write(tmp_path, "phone,mobile\n1,2\n")
        with pytest.raises(NumbersFileError, match=r"line 1, field 'mobile': two number columns"):
            read_numbers(path, "CN")

    def test_repeated_column_name(self, tmp_path):
        """Two columns with one name would make a variable ambiguous."""
        path = write(tmp_path, "number,name,Name\n1,2,3\n")
        with pytest.raises(NumbersFileError, match=r"field 'Name': two columns with this name"):
            read_numbers(path, "CN")


class TestNothingLost:
    @given(st.lists(st.sampled_from(["13800138000", "+8613900139000", "12", "", "x", "# c", "0044 7911 123456"])))
    def test_every_line_is_a_row_a_rejection_a_duplicate_or_ignored(self, lines):
        """Each non-blank, non-comment line is accounted for exactly once."""
        import tempfile
        from pathlib import Path

        with tempfile.TemporaryDirectory() as directory:
            path = Path(directory) / "n.txt"
            path.write_text("\n".join(lines))
            result = read_numbers(path, "CN")
        counted = [row.line for row in result.rows] + [r.line for r in result.rejected] + [d.line for d in result.duplicates]
        expected = [i + 1 for i, line in enumerate(lines) if line.strip() and not line.startswith("#")]
        assert sorted(counted) == expected


def test_a_region_reads_its_own_international_prefix():
    """011 is how a US caller dials abroad; with --region US it is read as such."""
    assert parse_number("011 44 7911 123456", "US") == "447911123456"


def test_parse_number_strips_punctuation():
    """Parentheses and dots in a number are layout, not content."""
    assert parse_number("(010) 6552.9988", "CN") == "861065529988"


class TestCsvRoundTrip:
    @given(st.lists(st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00\r"), min_size=1,
                            max_size=12).filter(str.strip), min_size=1, max_size=20))  # fmt: skip
    def test_any_cell_comes_back_with_its_row_and_line(self, notes):
        """Cells with commas, quotes, newlines or any script are read back as written, each row
        at the line where csv.writer started it."""
        import csv
        import io
        import tempfile
        from pathlib import Path

        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["number", "note"])
        starts = []
        for i, note in enumerate(notes):
            starts.append(out.getvalue().count("\n") + 1)
            writer.writerow([f"+86138{i:08d}", note])
        with tempfile.TemporaryDirectory() as directory:
            path = Path(directory) / "n.csv"
            path.write_text(out.getvalue(), encoding="utf-8")
            result = read_numbers(path, "CN")
        assert result.rejected == () and result.duplicates == ()
        assert [(row.line, row.variables["note"]) for row in result.rows] == list(zip(starts, notes))
