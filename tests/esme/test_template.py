"""Templates for `esme blast --template`: the small syntax, and errors that name both files."""

import pytest

from esme.numbers_file import read_numbers
from esme.template import Template, TemplateError


class TestSyntax:
    def test_plain_names_are_filled(self):
        """{name} takes the row's value; other text is kept as written."""
        template = Template.from_text("Hi {name}, your code is {code}.")
        assert template.render({"name": "Ann", "code": "42"}) == "Hi Ann, your code is 42."
        assert template.variables == ("name", "code")

    def test_doubled_braces_are_literal(self):
        """{{ and }} stand for one brace each, as in str.format."""
        assert Template.from_text("{{x}} {n}}}").render({"n": "1"}) == "{x} 1}"

    def test_names_in_any_script(self):
        """A Chinese CSV header is a usable variable name."""
        assert Template.from_text("{姓名}您好").render({"姓名": "张三"}) == "张三您好"

    @pytest.mark.parametrize("text", ["{a.b}", "{a[0]}", "{a!r}", "{a:>10}", "{}", "{0}", "{a b}"])
    def test_anything_but_a_plain_name_is_refused(self, text):
        """Attribute and index access, conversions, specs and positional fields are errors."""
        with pytest.raises(TemplateError, match="only plain names"):
            Template.from_text(text)

    def test_lone_brace_names_its_line(self):
        """A stray brace is reported at its template line."""
        with pytest.raises(TemplateError) as caught:
            Template.from_text("line one\nline { two", "t.txt")
        assert str(caught.value) == "t.txt, line 2: a lone '{'; write {{ for the character itself"


class TestFile:
    def test_the_trailing_newline_an_editor_adds_is_dropped(self, tmp_path):
        """Only the last newline goes; inner ones are part of the message."""
        path = tmp_path / "t.txt"
        path.write_text("Hello {name}\nbye\n")
        assert Template.from_file(path).render({"name": "A"}) == "Hello A\nbye"

    def test_unreadable_file(self, tmp_path):
        """A missing template names itself."""
        with pytest.raises(TemplateError, match="nope.txt, line 0: cannot read"):
            Template.from_file(tmp_path / "nope.txt")


class TestCheckBeforeSending:
    def numbers(self, tmp_path, content):
        path = tmp_path / "n.csv"
        path.write_text(content)
        return path, read_numbers(path, "CN")

    def test_unknown_variable_names_both_files(self, tmp_path):
        """A variable with no column is refused before any row is looked at."""
        path, numbers = self.numbers(tmp_path, "number,name\n13800138000,Ann\n")
        template = Template.from_text("Hi {name}\nyour {code}", "t.txt")
        with pytest.raises(TemplateError) as caught:
            template.check(numbers.rows, numbers.columns, str(path))
        assert str(caught.value) == f"t.txt, line 2, variable {{code}}: {path} has no such column; its columns are name"

    def test_plain_list_has_no_columns(self, tmp_path):
        """A template with variables cannot be filled from a plain list."""
        path, numbers = self.numbers(tmp_path, "13800138000\n")
        with pytest.raises(TemplateError, match="plain list with no columns"):
            Template.from_text("{name}").check(numbers.rows, numbers.columns, str(path))

    def test_empty_value_names_the_numbers_line(self, tmp_path):
        """A row with a blank value for a used variable stops the run, naming the row's line."""
        path, numbers = self.numbers(tmp_path, "number,name\n13800138000,Ann\n13900139000, \n")
        with pytest.raises(TemplateError) as caught:
            Template.from_text("Hi {name}", "t.txt").check(numbers.rows, numbers.columns, str(path))
        assert str(caught.value) == f"t.txt, line 1, variable {{name}}: empty for this row ({path}, line 3)"

    def test_unused_columns_may_be_empty(self, tmp_path):
        """Only the variables the template uses must have values."""
        path, numbers = self.numbers(tmp_path, "number,name,city\n13800138000,Ann,\n")
        Template.from_text("Hi {name}").check(numbers.rows, numbers.columns, str(path))

    def test_missing_value_in_render(self):
        """Rendering a row without the variable is an error, not an empty string."""
        with pytest.raises(TemplateError, match=r"variable \{x\}: no value for this row \(n.csv, line 7\)"):
            Template.from_text("{x}").render({}, "n.csv", 7)
