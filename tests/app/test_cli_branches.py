"""``python -m app report --project FILE --branches all`` writes the Policy Comparison."""

from __future__ import annotations

import dataclasses

import openpyxl
import pytest

from app.cli import main
from core.branches.policy import MAIN, create_branch, switch_branch
from core.policy.profile_io import bundled_profiles
from core.project import Project, save_project
from core.rebalance import demo_holdings
from core.universe import default_universe


@pytest.fixture
def project_file(tmp_path):
    universe = default_universe()
    project = Project(
        profile=bundled_profiles()["Balanced Growth"],
        universe=universe,
        holdings=demo_holdings(universe),
    )
    project = switch_branch(create_branch(project, "Defensive"), "Defensive")
    project = dataclasses.replace(
        project, profile=project.profile.with_changes(max_volatility=0.08)
    )
    return save_project(switch_branch(project, MAIN), tmp_path / "committee.ipsproj")


@pytest.mark.slow
def test_branches_all_writes_the_policy_comparison_sheet(project_file, tmp_path, capsys):
    out = tmp_path / "out"
    argv = ["report", "--out", str(out), "--project", str(project_file)]
    code = main([*argv, "--branches", "all", "--no-charts", "--paths", "0"])
    assert code == 0, capsys.readouterr().err
    assert "Policy Comparison: written" in capsys.readouterr().out
    sheet = openpyxl.load_workbook(out / "investment_committee_report.xlsx")["Policy Comparison"]
    header = [c.value for c in sheet[1]]
    assert header[3:6] == ["Current holdings", MAIN, "Defensive"]
    items = {sheet.cell(row=r, column=2).value: r for r in range(2, sheet.max_row + 1)}
    vol_row = items["Expected volatility (ex-ante, annual)"]
    values = [sheet.cell(row=vol_row, column=c).value for c in (4, 5, 6)]
    best = sheet.cell(row=vol_row, column=header.index("best") + 1).value
    # The best volatility is the lowest; the 8% cap makes the Defensive branch's no higher.
    lowest = min(range(3), key=lambda k: values[k])
    assert header[3 + lowest] in best.split("; ")
    assert values[2] <= 0.08 + 1e-6
    memo = (out / "investment_memo.md").read_text()
    assert "| | Current holdings | Main | Defensive |" in memo
    assert "The rest of this report describes the branch 'Main'." in memo


def test_an_unknown_branch_is_named(project_file, tmp_path, capsys):
    argv = ["report", "--out", str(tmp_path / "o"), "--project", str(project_file)]
    code = main([*argv, "--branches", "Main,Nope", "--no-charts", "--paths", "0"])
    assert code == 2
    assert "no branch named 'Nope'" in capsys.readouterr().err
