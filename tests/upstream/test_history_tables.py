"""History and bisect without builds: ranges from real git, verdicts over runs, git's answers
for each scenario status, and the tables' shape."""

from __future__ import annotations

from pathlib import Path

from imagetest.history import report as historyreport
from imagetest.history.bisect import SKIP, terms
from imagetest.history.grid import Cell, RefRow, expand_refs, proven, verdict
from imagetest.model.results import Status
from tests.gitrepo import git, make_repo


def test_a_range_is_oldest_first_and_a_list_is_kept(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo")
    first = git(repo, "rev-parse", "v1")
    second = git(repo, "rev-parse", "main")
    assert expand_refs(repo, "v1..main", first_parent=False) == [second]
    assert expand_refs(repo, f"{first}..{second}", first_parent=True) == [second]
    assert expand_refs(repo, "v1, main ,", first_parent=False) == ["v1", "main"]


def test_runs_that_disagree_are_flaky() -> None:
    assert verdict([Cell(Status.FAILED), Cell(Status.FAILED)]) == Status.FAILED
    assert verdict([Cell(Status.FAILED), Cell(Status.PASSED)]) == "flaky"


def row(ref: str, status: str, runs: int = 3, note: str = "") -> RefRow:
    found = RefRow(ref, commit=ref * 10, build="built", subject=f"subject | of {ref}")
    found.cells["s"] = [Cell(status, note) for _ in range(runs)]
    return found


def test_a_fix_is_proven_only_when_every_run_fails_before_and_passes_after() -> None:
    assert proven(row("p", Status.FAILED), row("f", Status.PASSED), "s")
    assert not proven(row("p", Status.PASSED), row("f", Status.PASSED), "s")
    flaky = row("p", Status.FAILED)
    flaky.cells["s"][1] = Cell(Status.PASSED)
    assert not proven(flaky, row("f", Status.PASSED), "s")


def test_git_gets_old_new_or_skip_in_both_directions() -> None:
    hunt, fix = terms(False), terms(True)
    assert (hunt.answer(Status.PASSED), hunt.answer(Status.FAILED)) == (0, 1)
    assert (fix.answer(Status.FAILED), fix.answer(Status.PASSED)) == (0, 1)
    assert hunt.answer(Status.KNOWN_FAILURE) == SKIP and fix.answer("not-run") == SKIP


def test_tables_escape_pipes_and_name_the_first_failing_check(tmp_path: Path) -> None:
    rows = [row("a", Status.PASSED, 1), row("b", Status.FAILED, 1, "Job 8: expected one row")]
    broken = RefRow("c", build="failed", build_error="pip download failed: x")
    rows.append(broken)
    paths = historyreport.write_all(rows, tmp_path, "t")
    text = paths["markdown"].read_text()
    assert "subject \\| of a" in text and "Job 8: expected one row" in text
    assert "failed 0 s: pip download failed: x" in text
    page = paths["html"].read_text()
    assert page.count("<tr>") == 4 and "#ffcdd2" in page
    assert '"build_error": "pip download failed: x"' in paths["json"].read_text()


def test_the_jobs_of_a_fanned_out_grid_combine_into_one_table(tmp_path: Path) -> None:
    early, late = row("a", Status.PASSED, 1), row("b", Status.FAILED, 1, "x")
    early.date, late.date = "2026-01-01", "2026-02-01"
    historyreport.write_all([late], tmp_path / "job-1", "one")
    historyreport.write_all([early], tmp_path / "job-2", "two")
    assert historyreport.main(["--out", str(tmp_path / "all"), str(tmp_path)]) == 0
    combined = historyreport.read_rows(tmp_path / "all" / "history.json")
    assert [r.ref for r in combined] == ["a", "b"]
    assert combined[1].cells["s"][0].note == "x"
    assert historyreport.main(["--out", str(tmp_path / "none"), str(tmp_path / "job-9")]) == 2
