"""The CLI prints data as inert text, and prints many issues fast.

Data are hostile: rich markup (``[/x]`` crashed ``validate`` with a MarkupError), OSC-8 links and
ESC sequences must reach the terminal as visible escapes, never be interpreted. 100,000 issues
took 80 s to print through rich's per-cell table layout; issues are now printed as a grouped
summary (tests/test_validate_summary.py), plain lines, the same in a terminal and a log.
"""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pytest
import rich.table
from minimal_trial import minimal_trial, write_trial
from rich.console import Console
from typer.testing import CliRunner

import osteo_stats.cli as cli
from osteo_stats.load.issues import ValidationIssue

runner = CliRunner()
OSC8 = "\x1b]8;;http://evil.example\x1b\\click\x1b]8;;\x1b\\"


def _invoke(*args: str):
    return runner.invoke(cli.app, list(args), catch_exceptions=False)


def test_markup_in_a_site_id_is_printed_as_text(tmp_path: Path) -> None:
    tables = minimal_trial()
    tables["ADSL"]["SITEID"] = ["[/x]", "[bold red]B[/]", "[link=http://evil.example]C"]
    result = _invoke("validate", str(write_trial(tables, tmp_path)))
    assert result.exit_code == 0, result.output
    for site in ("[/x]", "[bold red]B[/]", "[link=http://evil.example]C"):
        assert site in result.stdout


def test_escape_sequences_in_values_are_shown_escaped(tmp_path: Path) -> None:
    tables = minimal_trial()
    tables["ADSL"].loc[0, "SEX"] = "[bold]M\x1b[2J" + OSC8
    result = _invoke("validate", str(write_trial(tables, tmp_path)))
    assert result.exit_code == 1
    assert "\x1b" not in result.stderr
    assert "[bold]M\\x1b[2J\\x1b]8;;http://evil.example\\x1b\\click" in result.stderr


def _issues(n: int, value: str = "7") -> list[ValidationIssue]:
    return [
        ValidationIssue("ADAE", k, f"PROMIS-{k:03d}", "AETOXGR", value, "is outside 1-5", "fix it")
        for k in range(1, n + 1)
    ]


def _terminal(monkeypatch: pytest.MonkeyPatch) -> io.StringIO:
    out = io.StringIO()
    monkeypatch.setattr(cli, "err_console", Console(file=out, force_terminal=True, width=400))
    return out


def test_terminal_summary_shows_hostile_values_escaped(monkeypatch: pytest.MonkeyPatch) -> None:
    out = _terminal(monkeypatch)
    hostile = "[red]x[/red] " + OSC8 + " \u202etxt"
    cli._print_issues(_issues(2, value=hostile), title="[/x] title")
    text = out.getvalue()
    assert "[red]x[/red]" in text and "[/x] title" in text
    assert "\\x1b]8;;http://evil.example" in text and "\\u202etxt" in text
    assert "]8;;" not in text.replace("\\x1b]8;;", "")  # no live OSC-8 link
    assert "\u202e" not in text
    assert "Totals: 2 errors, 0 warnings; 2 patients affected." in text


def test_many_issues_print_as_a_few_lines(monkeypatch: pytest.MonkeyPatch) -> None:
    """5,000 issues of one rule: one group line; rich.Table is never built."""
    out = _terminal(monkeypatch)

    def no_table(*args, **kwargs):
        raise AssertionError("rich Table built for 5,000 issues")

    monkeypatch.setattr(cli, "Table", no_table)
    monkeypatch.setattr(rich.table, "Table", no_table)
    cli._print_issues(_issues(5000), title="data validation failed")
    assert out.getvalue().splitlines() == [
        "data validation failed",
        "Issues by dataset, column and rule:",
        "ADAE: AETOXGR = 7 is outside 1-5. 5,000 issues, 5,000 patients (PROMIS-001, PROMIS-002, "
        "PROMIS-003 and 4,997 more). Hint: fix it",
        "Totals: 5,000 errors, 0 warnings; 5,000 patients affected.",
    ]


def test_not_a_terminal_prints_the_same_plain_lines(monkeypatch: pytest.MonkeyPatch) -> None:
    out = io.StringIO()
    monkeypatch.setattr(cli, "err_console", Console(file=out, width=80))
    issues = _issues(1, value="a\tb\nc")
    issues.append(ValidationIssue("DIR", None, None, None, "/data", "does not exist", "", "error"))
    cli._print_issues(issues, title="t")
    assert out.getvalue().splitlines() == [
        "t",
        "Issues by dataset, column and rule:",
        'ADAE row 1 (USUBJID PROMIS-001): AETOXGR = "a\tb\\nc" is outside 1-5. Hint: fix it',
        'DIR: "/data" does not exist.',
        "Totals: 2 errors, 0 warnings; 1 patient affected.",
    ]


def test_cli_validation_failure_in_a_log_prints_the_message(tmp_path: Path) -> None:
    tables = minimal_trial()
    tables["ADAE"].loc[1, "AETOXGR"] = "7"
    result = _invoke("validate", str(write_trial(tables, tmp_path)))
    assert result.exit_code == 1
    assert (
        "ADAE row 2 (USUBJID PROMIS-001): AETOXGR = 7 is outside 1-5. Hint: AETOXGR must lie "
        "between 1 and 5; correct the value from the source record"
    ) in result.stderr.splitlines()


def test_data_dir_with_markup_in_its_name(tmp_path: Path) -> None:
    data = tmp_path / "[/x]"
    shutil.copytree(write_trial(minimal_trial(), tmp_path / "src"), data)
    result = _invoke("validate", str(data))
    assert result.exit_code == 0, result.output
    assert f"{data}: valid" in result.stdout
