"""PNG chart export: the seven files, their size and content, profile suffixes, the report CLI."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QEventLoop
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QApplication

from app.cli import main as cli_main
from app.shell.chart_export import (
    CHART_NAMES,
    EXPORT_SIZE,
    OUTLOOK_FAN,
    ChartExportError,
    chart_steps,
    profile_suffix,
    write_charts,
)
from core.analytics.risk_report import build_risk_report
from core.pipeline import load_default_dataset, run_analysis
from core.policy.profile_io import bundled_profiles
from core.stress.engine import stress_analysis

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def analyses():
    dataset = load_default_dataset()
    profiles = bundled_profiles()
    results = [
        run_analysis(profiles[name], dataset)
        for name in ("Balanced Growth", "Capital Preservation")
    ]
    return results, [build_risk_report(r) for r in results], [stress_analysis(r) for r in results]


def pixels(path: Path) -> np.ndarray:
    image = QImage(str(path)).convertToFormat(QImage.Format.Format_RGB32)
    assert not image.isNull(), path
    raw = np.frombuffer(image.constBits(), dtype=np.uint8).reshape(
        image.height(), image.bytesPerLine() // 4, 4
    )
    return raw[:, : image.width(), :3].copy()  # a copy: the QImage's buffer dies with it


@pytest.mark.slow
def test_write_charts_renders_the_seven_readable_pngs(qapp, analyses, tmp_path):
    results, risks, stresses = analyses
    paths = write_charts(results[:1], risks[:1], stresses[:1], tmp_path / "charts")
    assert [p.name for p in paths] == [f"{name}.png" for name in CHART_NAMES]
    assert {p.name for p in (tmp_path / "charts").iterdir()} == {f"{n}.png" for n in CHART_NAMES}
    for path in paths:
        assert path.stat().st_size > 20_000, path.name
        image = QImage(str(path))
        assert image.width() >= 1200 and image.height() >= 700, path.name
        assert (image.width(), image.height()) == EXPORT_SIZE
        rgb = pixels(path).astype(float)
        assert rgb.std() > 8, f"{path.name} is nearly one colour"
        colours = np.unique(rgb.reshape(-1, 3).astype(np.uint8), axis=0)
        assert len(colours) > 16, f"{path.name} has only {len(colours)} colours"
        white = (rgb > 245).all(axis=2).mean()
        assert 0.4 < white < 0.995, (
            f"{path.name}: {white:.1%} white (background white, some drawing)"
        )
        assert (rgb[0, 0] > 245).all(), f"{path.name}: the background is not white"


def test_each_figure_is_deleted_when_rendered_or_abandoned_with_no_event_loop(qapp, analyses):
    """No export figure outlives its step, even where no event loop runs (the headless report,
    this test): a figure left for ``deleteLater`` waits for a loop that never comes, and dies
    at interpreter exit after the QApplication (a crash)."""
    from pyqtgraph import GraphicsView

    def figures() -> list:
        return [w for w in QApplication.topLevelWidgets() if isinstance(w, GraphicsView)]

    results, risks, stresses = analyses
    assert QApplication.instance().thread().loopLevel() == 0
    steps = chart_steps(results[:1], risks[:1], stresses[:1])
    images = 0
    for step in steps:
        if step is None:
            assert len(figures()) == 1  # the one being drawn
            QApplication.processEvents(QEventLoop.ProcessEventsFlag.ExcludeUserInputEvents)
            continue
        assert figures() == []
        images += 1
        if images == 2:
            break
    assert next(steps) is None and len(figures()) == 1
    steps.close()  # the export abandoned halfway through a figure (cancel, error, window closed)
    assert figures() == []


@pytest.mark.slow
def test_every_further_profile_gets_suffixed_charts(qapp, analyses, tmp_path):
    results, risks, stresses = analyses
    paths = write_charts(results, risks, stresses, tmp_path)
    names = {p.name for p in paths}
    assert len(paths) == 2 * len(CHART_NAMES)
    assert "stress_test_results.png" in names
    assert "stress_test_results__capital_preservation.png" in names
    assert profile_suffix("Long-Term Endowment Growth") == "__long_term_endowment_growth"


def test_mismatched_inputs_are_refused(qapp, analyses, tmp_path):
    results, risks, stresses = analyses
    with pytest.raises(ChartExportError, match="one risk report and one stress result"):
        write_charts(results, risks[:1], stresses, tmp_path)


@pytest.mark.slow
def test_report_command_writes_the_charts_and_no_charts_skips_them(tmp_path, capsys):
    out = tmp_path / "report"
    assert cli_main(["report", "--out", str(out)]) == 0
    # the report runs the Outlook by default: its fan chart comes with the others
    assert {p.name for p in (out / "charts").glob("*.png")} == {
        f"{n}.png" for n in (*CHART_NAMES, OUTLOOK_FAN)
    }
    bare = tmp_path / "bare"
    assert cli_main(["report", "--out", str(bare), "--no-charts"]) == 0
    assert not (bare / "charts").exists() or not any((bare / "charts").iterdir())
    assert "Wrote" in capsys.readouterr().out


def test_chart_export_and_cli_import_no_qt():
    code = (
        "import sys\nimport app.cli, app.shell.chart_export\n"
        "qt = sorted(m for m in sys.modules if m.startswith(('PySide6', 'shiboken6', 'pyqtgraph')))\n"
        "assert not qt, qt\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr


@pytest.mark.slow
def test_headless_report_process_exits_cleanly(tmp_path):
    """The report renders charts offscreen in a fresh process and exits with status 0 (a Qt
    object left to interpreter exit, or PySide6's None refcount bug, would abort it)."""
    done = subprocess.run(
        [sys.executable, "-m", "app", "report", "--out", str(tmp_path / "r")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env={k: v for k, v in __import__("os").environ.items() if k != "QT_QPA_PLATFORM"},
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert len(list((tmp_path / "r" / "charts").glob("*.png"))) == len(CHART_NAMES) + 1


@pytest.mark.slow
def test_a_rebalancing_plan_adds_the_policy_drift_chart(qapp, analyses, tmp_path):
    from core.rebalance import demo_holdings
    from core.report.package import plan_for

    results, risks, stresses = analyses
    plan = plan_for(results[0], demo_holdings())
    paths = write_charts(
        results[:1], risks[:1], stresses[:1], tmp_path, plans={results[0].profile.name: plan}
    )
    drift = tmp_path / "policy_drift.png"
    assert drift in paths and drift.stat().st_size > 20_000
    rgb = pixels(drift).astype(float)
    # Breaches are drawn red: some strongly red pixels exist when the plan's drift has breaches.
    assert any(e.breach for e in plan.drift.etfs)
    red = (rgb[:, :, 0] > 180) & (rgb[:, :, 1] < 110) & (rgb[:, :, 2] < 110)
    assert red.mean() > 0.001


@pytest.mark.slow
def test_an_outlook_adds_the_fan_chart_and_the_memo_shows_it(qapp, analyses, tmp_path):
    """Issue 17: the Outlook's fan chart is exported and placed in the memo's stress section."""
    from app.kit.chart_kit import PORTFOLIO_COLOR
    from core.outlook.analysis import analysis_outlook
    from core.outlook.simulation import SimulationSettings
    from core.report.memo import build_memo

    results, risks, stresses = analyses
    outlook = analysis_outlook(results[0], SimulationSettings(paths=300, horizon_years=10, seed=2))
    paths = write_charts(results[:1], risks[:1], stresses[:1], tmp_path, outlooks=[outlook])
    fan = tmp_path / "outlook_fan_chart.png"
    assert fan in paths and fan.stat().st_size > 20_000
    rgb = pixels(fan).astype(float)
    # the percentile bands are drawn in the portfolio colour (tinted): many pixels near its hue
    colour = QImage(1, 1, QImage.Format.Format_RGB32)
    colour.fill(PORTFOLIO_COLOR)
    # pixels() returns the bytes of Format_RGB32 as stored, blue first on little-endian
    target = np.array(colour.pixelColor(0, 0).getRgb()[:3][::-1], dtype=float)
    assert (np.abs(rgb - target).sum(axis=2) < 60).mean() > 0.002
    memo = build_memo(
        results[:1],
        risks[:1],
        stresses[:1],
        charts=["charts/outlook_fan_chart.png"],
        outlooks=[outlook],
    )
    stress_part = memo[memo.index("## 9. Stress") : memo.index("## 10.")]
    assert "![outlook fan chart](charts/outlook_fan_chart.png)" in stress_part
