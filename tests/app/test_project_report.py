"""Issue 14 item 3: one project gives one report, exported as the window does (its export job
body, :func:`app.shell.export_controller.prepare_job`) or by ``python -m app report --project``.

Every file of the two folders is compared: text files line by line with the generation time
masked, the workbook cell by cell (openpyxl values), the manifest without its time and the
hashes of the files that carry one."""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path

import pytest

from app.cli import main as cli_main
from app.shell.export_controller import prepare_job
from core.jobs import CancelToken
from core.pipeline import ValueBasis, run_analysis
from core.policy.profile_io import bundled_profiles
from core.project import Project, save_project
from core.rebalance.holdings import demo_holdings
from core.rebalance.plan import RebalanceMethod
from core.rebalance.settings import TradeSettings
from core.report.inputs import load_project_dataset
from core.report.package import write_report_package
from core.report.publish import publish
from core.stress.scenarios import Scenario, ScenarioKind
from core.universe import default_universe

TIME = re.compile(r"\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2})?(\+00:00| UTC)?")
TIMESTAMPED = {"investment_committee_report.xlsx", "investment_memo.md"}


@pytest.fixture(scope="module")
def project() -> Project:
    universe = default_universe()
    bear = Scenario(
        name="Committee bear case",
        kind=ScenarioKind.CUSTOM,
        shocks={
            t: (-0.2 if universe.asset_class_of(t) == "Equity" else 0.01) for t in universe.tickers
        },
    )
    profile = bundled_profiles()["Long-Term Endowment Growth"]
    base = Project(profile=profile, universe=universe)
    return dataclasses.replace(
        base,
        holdings=demo_holdings(universe),
        custom_scenarios=(bear,),
        settings=dataclasses.replace(base.settings, portfolio_value=25e6),
        trade_settings=TradeSettings(
            method=RebalanceMethod.TO_BAND_EDGE,
            cost_bps=8.0,
            min_trade_value=5_000.0,
            cash_buffer=0.02,
            contribution=50_000.0,
        ),
    )


def window_export(project: Project, out: Path) -> None:
    """What File > Export report does without the charts: the export job on the result on
    screen (computed with the project's own settings, as the window runs it), then publish."""
    dataset = load_project_dataset(project)
    on_screen = run_analysis(project.profile, dataset, project.universe, project.settings)
    bundle = prepare_job(
        project, dataset, [on_screen], progress=lambda f, m: None, cancel=CancelToken()
    )
    publish(out, lambda stage: write_report_package(bundle, stage))


def files(folder: Path) -> set[str]:
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}


def workbook_values(path: Path) -> dict[str, list[tuple]]:
    from openpyxl import load_workbook

    book = load_workbook(path)
    return {
        ws.title: [
            tuple(TIME.sub("<time>", v) if isinstance(v, str) else v for v in row)
            for row in ws.iter_rows(values_only=True)
        ]
        for ws in book.worksheets
    }


def assert_same_report(first: Path, second: Path) -> None:
    assert files(first) == files(second)
    for name in sorted(files(first)):
        a, b = first / name, second / name
        if name.endswith(".xlsx"):
            assert workbook_values(a) == workbook_values(b), name
        elif name == "run_manifest.json":
            ma, mb = (json.loads(p.read_text()) for p in (a, b))
            for manifest in (ma, mb):
                manifest.pop("created_utc")
                for stamped in TIMESTAMPED:
                    manifest["files"][stamped].pop("sha256")
                    manifest["files"][stamped].pop("bytes")
            assert ma == mb
        elif name in TIMESTAMPED:
            assert TIME.sub("<time>", a.read_text()) == TIME.sub("<time>", b.read_text()), name
        else:
            assert a.read_bytes() == b.read_bytes(), name


def test_the_cli_reproduces_the_windows_export_of_a_project(project, tmp_path):
    path = save_project(project, tmp_path / "committee.ipsproj")
    window_out, cli_out = tmp_path / "window", tmp_path / "cli"
    window_export(project, window_out)
    assert cli_main(["report", "--out", str(cli_out), "--project", str(path), "--no-charts"]) == 0
    assert_same_report(window_out, cli_out)

    names = files(cli_out)
    assert "rebalancing_trades.csv" in names
    stress = (cli_out / "stress_test_results.csv").read_text()
    assert "Committee bear case" in stress  # the project's custom scenario reached the report
    memo = (cli_out / "investment_memo.md").read_text()
    value = project.holdings.total_value
    assert f"${value:,.0f}, the account value of the loaded holdings" in memo


def test_flags_override_the_project(project, tmp_path):
    """``--method/--cost-bps/--min-trade/--cash-buffer/--contribution`` give the report of the
    project with those settings (compared with the window path on the edited project)."""
    path = save_project(project, tmp_path / "committee.ipsproj")
    cli_out, window_out = tmp_path / "cli", tmp_path / "window"
    flags = ["--method", "to-target", "--cost-bps", "2.5", "--min-trade", "0"]
    flags += ["--cash-buffer", "1%", "--contribution", "-20000"]
    assert (
        cli_main(["report", "--out", str(cli_out), "--project", str(path), "--no-charts", *flags])
        == 0
    )
    edited = dataclasses.replace(
        project,
        trade_settings=TradeSettings(
            method=RebalanceMethod.TO_TARGET,
            cost_bps=2.5,
            min_trade_value=0.0,
            cash_buffer=0.01,
            contribution=-20_000.0,
        ),
    )
    window_export(edited, window_out)
    assert_same_report(window_out, cli_out)


def test_without_holdings_the_users_portfolio_value_is_used(project, tmp_path):
    path = save_project(dataclasses.replace(project, holdings=None), tmp_path / "p.ipsproj")
    out = tmp_path / "out"
    args = ["report", "--out", str(out), "--project", str(path), "--no-charts"]
    assert cli_main([*args, "--portfolio-value", "3000000"]) == 0
    memo = (out / "investment_memo.md").read_text()
    assert "$3,000,000, the portfolio value set by the user" in memo
    assert ValueBasis.USER.value == "portfolio value set by the user"
    assert "rebalancing_trades.csv" not in files(out)


def test_a_bad_flag_value_says_what_to_change(project, tmp_path, capsys):
    path = save_project(project, tmp_path / "p.ipsproj")
    args = ["report", "--out", str(tmp_path / "o"), "--project", str(path), "--no-charts"]
    assert cli_main([*args, "--cash-buffer", "80"]) == 2
    assert "Cash buffer 80.00% is outside 0%..50%" in capsys.readouterr().err
    assert cli_main([*args, "--portfolio-value", "-1"]) == 2
    assert "must be a positive amount" in capsys.readouterr().err
