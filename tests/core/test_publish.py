"""Atomic publication: a failure while writing or while moving files in leaves the previous
report byte-identical with no stage folder left; the manifest hashes every file."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import pytest
from report_fixtures import passing_bundle

import core.report.package as package
import core.report.publish as publish_module
from core.report.package import write_report_package
from core.report.publish import (
    MANIFEST_NAME,
    PublishError,
    listed_files,
    publish,
    unlisted_files,
)


def snapshot(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def leftovers(folder: Path) -> list[str]:
    return [p.name for p in folder.iterdir() if p.name.startswith(".ips-")]


@pytest.fixture
def previous(tmp_path):
    """A folder holding a previous report (three files, one in a subfolder) and a user's own file."""
    out = tmp_path / "report"

    def old(stage: Path) -> None:
        (stage / "a.csv").write_text("old a\n")
        (stage / "investment_committee_report.xlsx").write_bytes(b"old workbook")
        (stage / "charts").mkdir()
        (stage / "charts" / "c.png").write_bytes(b"old chart")

    publish(out, old)
    (out / "notes_of_the_user.txt").write_text("keep me")
    return out


def new_report(stage: Path) -> None:
    (stage / "a.csv").write_text("new a\n")
    (stage / "b.csv").write_text("new b\n")
    (stage / "investment_committee_report.xlsx").write_bytes(b"new workbook")
    (stage / "charts").mkdir()
    (stage / "charts" / "c.png").write_bytes(b"new chart")
    (stage / MANIFEST_NAME).write_text("{}")


def test_success_replaces_the_files_and_keeps_the_users_own(previous):
    published = publish(previous, new_report)
    assert (previous / "a.csv").read_text() == "new a\n"
    assert (previous / "charts" / "c.png").read_bytes() == b"new chart"
    assert (previous / "notes_of_the_user.txt").read_text() == "keep me"
    assert published[-1].name == MANIFEST_NAME  # the manifest goes in last
    assert not leftovers(previous)


def test_failure_while_writing_leaves_the_previous_report_byte_identical(previous):
    before = snapshot(previous)

    def fails_midway(stage: Path) -> None:
        (stage / "a.csv").write_text("half written")
        raise OSError(28, "No space left on device", str(stage / "b.csv"))

    with pytest.raises(PublishError, match="No space left on device.*previous report is unchanged"):
        publish(previous, fails_midway)
    assert snapshot(previous) == before
    assert not leftovers(previous)


def test_failure_while_moving_files_in_is_rolled_back(previous, monkeypatch):
    before = snapshot(previous)
    real_replace = os.replace
    calls = {"n": 0}

    def flaky_replace(src, dst):
        calls["n"] += 1
        moving_in = (
            ".ips-stage-" in str(src) and Path(dst) == previous / "investment_committee_report.xlsx"
        )
        if moving_in:  # e.g. the workbook is open in Excel
            raise PermissionError(13, "Permission denied", str(dst))
        return real_replace(src, dst)

    monkeypatch.setattr(publish_module.os, "replace", flaky_replace)
    with pytest.raises(PublishError, match="Permission denied.*close it and export again"):
        publish(previous, new_report)
    assert calls["n"] > 7  # a.csv, b.csv and the chart went in first, then the undo ran
    assert snapshot(previous) == before
    assert not (previous / "b.csv").exists()
    assert not leftovers(previous)


def test_a_folder_that_cannot_be_written_gives_a_message(tmp_path, monkeypatch):
    def denied(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(publish_module.tempfile, "mkdtemp", denied)
    with pytest.raises(
        PublishError, match="Cannot write to .*Permission denied.*Choose another folder"
    ):
        publish(tmp_path / "out", new_report)


def test_an_analysis_error_propagates_and_leaves_no_stage(previous):
    before = snapshot(previous)

    def broken(stage: Path) -> None:
        (stage / "a.csv").write_text("x")
        raise ValueError("bug")

    with pytest.raises(ValueError, match="bug"):
        publish(previous, broken)
    assert snapshot(previous) == before and not leftovers(previous)


@pytest.mark.slow
def test_the_whole_package_is_atomic_when_the_workbook_fails(tmp_path, monkeypatch):
    bundle = passing_bundle()
    out = tmp_path / "report"
    publish(out, lambda stage: write_report_package(bundle, stage))
    before = snapshot(out)

    def workbook_locked(*args, **kwargs):
        raise PermissionError(13, "Permission denied", "investment_committee_report.xlsx")

    monkeypatch.setattr(package, "write_workbook", workbook_locked)
    with pytest.raises(PublishError, match="investment_committee_report.xlsx"):
        publish(out, lambda stage: write_report_package(bundle, stage))
    assert snapshot(out) == before
    assert not leftovers(out)


@pytest.mark.slow
def test_manifest_hashes_every_file_and_records_the_inputs(tmp_path):
    bundle = passing_bundle()
    out = tmp_path / "report"
    publish(out, lambda stage: write_report_package(bundle, stage))
    manifest = json.loads((out / MANIFEST_NAME).read_text())
    files = snapshot(out)
    files.pop(MANIFEST_NAME)
    assert {k: v["sha256"] for k, v in manifest["files"].items()} == files
    for expected in (
        "investment_committee_report.xlsx",
        "investment_memo.md",
        "rebalancing_trades.csv",
        "recommended_allocation.csv",
        "stress_test_results.csv",
        "data_provenance.json",
    ):
        assert expected in files
    prov = bundle.results[0].dataset.provenance
    assert manifest["data_mode"] == "SYNTHETIC"
    assert manifest["inputs"]["returns_sha256"] == prov.returns_sha256
    assert manifest["recommended"] == {r.profile.name: r.recommended_name for r in bundle.results}
    assert {"python", "numpy", "pandas", "openpyxl"} <= set(manifest["packages"])
    assert manifest["schema_version"] == 1 and manifest["created_utc"]


@pytest.mark.slow
def test_headless_report_without_charts_never_loads_qt(tmp_path):
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[2]
    out = tmp_path / "report"
    code = (
        "import sys\n"
        "from app.cli import main\n"
        f"assert main(['report', '--out', {str(out)!r}, '--no-charts', '--holdings', 'demo']) == 0\n"
        "print('QT:' + ','.join(sorted(m for m in sys.modules if m.startswith(('PySide6', 'pyqtgraph')))))\n"
    )
    run = subprocess.run(
        [sys.executable, "-c", code], cwd=root, capture_output=True, text=True, check=True
    )
    assert run.stdout.strip().splitlines()[-1] == "QT:"
    names = {p.name for p in out.iterdir()}
    assert {
        "investment_committee_report.xlsx",
        "investment_memo.md",
        "run_manifest.json",
        "rebalancing_trades.csv",
    } <= names
    assert "investment_memo.pdf" not in names and "charts" not in names
    manifest = json.loads((out / MANIFEST_NAME).read_text())
    assert set(manifest["files"]) == names - {MANIFEST_NAME}


def run_writing(files: dict[str, bytes]):
    """A stage writer that writes ``files`` and a manifest listing exactly them (as build_manifest)."""

    def write(stage: Path) -> None:
        for name, data in files.items():
            (stage / name).parent.mkdir(parents=True, exist_ok=True)
            (stage / name).write_bytes(data)
        listing = {name: {"bytes": len(data)} for name, data in files.items()}
        (stage / MANIFEST_NAME).write_text(json.dumps({"files": listing}))

    return write


FIRST_RUN = {
    "a.csv": b"run 1 a",
    "investment_memo.pdf": b"run 1 pdf",
    "rebalancing_trades.csv": b"run 1 trades",
    "charts/c.png": b"run 1 chart",
}
SECOND_RUN = {"a.csv": b"run 2 a", "investment_memo.md": b"run 2 memo"}


@pytest.fixture
def first_run(tmp_path):
    out = tmp_path / "report"
    publish(out, run_writing(FIRST_RUN))
    (out / "notes_of_the_user.txt").write_text("keep me")
    return out


def test_reexport_removes_the_files_of_the_earlier_run_and_keeps_the_users_own(first_run):
    publish(first_run, run_writing(SECOND_RUN))
    files = set(snapshot(first_run))
    assert files == {"a.csv", "investment_memo.md", MANIFEST_NAME, "notes_of_the_user.txt"}
    assert not (first_run / "charts").exists()  # emptied by the removal
    assert (first_run / "notes_of_the_user.txt").read_text() == "keep me"
    manifest = json.loads((first_run / MANIFEST_NAME).read_text())
    assert set(manifest["files"]) == set(SECOND_RUN)  # exactly this run's files
    assert unlisted_files(first_run) == ["notes_of_the_user.txt"]
    assert not leftovers(first_run)


def test_a_failed_reexport_leaves_the_earlier_run_intact_stale_files_included(
    first_run, monkeypatch
):
    before = snapshot(first_run)
    real_replace = os.replace

    def manifest_locked(src, dst):
        if ".ips-stage-" in str(src) and Path(dst).name == MANIFEST_NAME:
            raise PermissionError(13, "Permission denied", str(dst))
        return real_replace(src, dst)

    monkeypatch.setattr(publish_module.os, "replace", manifest_locked)
    with pytest.raises(PublishError, match="previous report is unchanged"):
        publish(first_run, run_writing(SECOND_RUN))
    assert snapshot(first_run) == before  # the old PDF, trades and chart are back
    assert not leftovers(first_run)


def test_files_no_manifest_lists_are_never_removed(tmp_path):
    """A folder written before manifests, a hostile manifest and a folder of the user's own."""
    out = tmp_path / "report"
    out.mkdir()
    (out / "old_report.xlsx").write_bytes(b"no manifest lists me")
    outside = tmp_path / "outside.txt"
    outside.write_text("outside")
    hostile = {"files": {"../outside.txt": {}, str(outside): {}, ".ips-stage-x/y": {}}}
    (out / MANIFEST_NAME).write_text(json.dumps(hostile))
    publish(out, run_writing(SECOND_RUN))
    assert outside.read_text() == "outside"
    assert (out / "old_report.xlsx").read_bytes() == b"no manifest lists me"
    assert unlisted_files(out) == ["old_report.xlsx"]
    (out / MANIFEST_NAME).write_text("{not json")
    assert listed_files(out) == set()  # an unreadable manifest lists nothing, removes nothing


def test_a_folder_named_like_a_report_file_is_never_replaced(first_run):
    """Issue 15 #9: a folder ``investment_memo.pdf/`` with a file inside was deleted."""
    (first_run / "investment_memo.pdf").unlink()
    (first_run / "investment_memo.pdf").mkdir()
    (first_run / "investment_memo.pdf" / "draft.txt").write_text("the user's draft")
    before = snapshot(first_run)
    with pytest.raises(PublishError) as caught:
        publish(first_run, run_writing(FIRST_RUN))
    message = str(caught.value)
    assert str(first_run / "investment_memo.pdf") in message
    assert "is a folder" in message and "Move or rename" in message
    assert "previous report is unchanged" in message
    assert snapshot(first_run) == before  # the draft and every earlier report file
    assert not leftovers(first_run)


def test_a_file_where_the_charts_folder_goes_is_never_replaced(first_run):
    (first_run / "charts" / "c.png").unlink()
    (first_run / "charts").rmdir()
    (first_run / "charts").write_text("a file of the user's named charts")
    before = snapshot(first_run)
    with pytest.raises(PublishError, match=r"charts is a file.*report folder 'charts'"):
        publish(first_run, run_writing(FIRST_RUN))
    assert snapshot(first_run) == before and not leftovers(first_run)


def test_a_link_named_like_a_report_file_is_never_replaced(first_run, tmp_path):
    elsewhere = tmp_path / "elsewhere.pdf"
    elsewhere.write_bytes(b"the user's pdf")
    (first_run / "investment_memo.pdf").unlink()
    (first_run / "investment_memo.pdf").symlink_to(elsewhere)
    with pytest.raises(PublishError, match="investment_memo.pdf is a link"):
        publish(first_run, run_writing(FIRST_RUN))
    assert (first_run / "investment_memo.pdf").is_symlink()
    assert elsewhere.read_bytes() == b"the user's pdf"


def test_a_replaced_report_file_keeps_its_mode_and_a_new_one_follows_the_umask(first_run):
    """Issue 15 #11: publishing never narrows who can read a shared report."""
    os.chmod(first_run / "a.csv", 0o664)
    old_umask = os.umask(0o027)
    try:
        publish(first_run, run_writing({**FIRST_RUN, "new.csv": b"new"}))
    finally:
        os.umask(old_umask)
    assert (first_run / "a.csv").stat().st_mode & 0o777 == 0o664
    assert (first_run / "new.csv").stat().st_mode & 0o777 == 0o640
