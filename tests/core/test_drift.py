"""Drift by ETF and asset class against absolute, relative and class bands, checked by hand."""

from __future__ import annotations

import pandas as pd
import pytest

from core.errors import DataError, PolicyError
from core.pipeline import load_default_dataset, run_analysis
from core.policy.profile import DriftBands
from core.policy.profile_io import bundled_profiles
from core.rebalance import CASH_LABEL, Holdings, demo_holdings, drift_report, effective_band
from core.universe import default_universe

CLASSES = {"A": "Equity", "B": "Fixed Income", "C": "Fixed Income", "D": "Alternatives"}
TARGETS = pd.Series({"A": 0.5, "B": 0.3, "C": 0.2})


def _account(a: float, b: float, c: float, d: float = 0.0, cash: float = 0.0) -> Holdings:
    """Shares at price 1, so shares are currency amounts and, on a total of 1,000, weights x 1,000."""
    return Holdings({"A": a, "B": b, "C": c, "D": d}, dict.fromkeys("ABCD", 1.0), cash)


def test_etf_drift_and_the_strict_band_rule_by_hand():
    # weights A 56%, B 25%, C 15%, cash 4%
    report = drift_report(
        _account(560, 250, 150, cash=40), TARGETS, DriftBands(0.05, 0.25, 0.05), CLASSES
    )
    a, b, c = report.etf("A"), report.etf("B"), report.etf("C")
    assert (a.drift, b.drift, c.drift) == pytest.approx((0.06, -0.05, -0.05))
    assert a.absolute_breach and not a.relative_breach  # 6 pp > 5 pp; 6/50 = 12% < 25%
    assert not b.absolute_breach and not b.relative_breach  # exactly on the 5 pp edge: inside
    assert not c.absolute_breach and not c.relative_breach  # 5/20 = 25%: on the relative edge
    assert c.relative_drift == pytest.approx(-0.25)
    assert report.breaches == ("A",)
    assert report.cash_weight == pytest.approx(0.04)


def test_relative_band_catches_a_small_target():
    # C at 14% against 20%: 6 pp, and 30% of its target
    report = drift_report(_account(560, 300, 140), TARGETS, DriftBands(0.10, 0.25), CLASSES)
    assert report.breaches == ("C",)
    assert report.etf("C").relative_breach and not report.etf("C").absolute_breach
    assert report.etf("C").effective_band == pytest.approx(0.05)


def test_holding_an_etf_without_target_is_always_a_breach():
    report = drift_report(_account(500, 300, 190, d=10), TARGETS, DriftBands(0.05), CLASSES)
    d = report.etf("D")
    assert d.target_weight == 0 and d.current_weight == pytest.approx(0.01)
    assert d.off_target and d.breach and d.relative_drift is None
    assert [e.ticker for e in report.etfs] == ["A", "B", "C", "D"]


def test_class_drift_counts_cash_in_the_cash_class_and_adds_up_to_one():
    report = drift_report(
        _account(560, 250, 150, cash=40), TARGETS, DriftBands(0.05, None, 0.05), CLASSES
    )
    equity, bonds, cash = (report.asset_class(n) for n in ("Equity", "Fixed Income", "Cash"))
    assert (equity.current_weight, equity.target_weight) == pytest.approx((0.56, 0.5))
    assert (bonds.current_weight, bonds.target_weight, bonds.drift) == pytest.approx(
        (0.40, 0.5, -0.10)
    )
    assert cash.current_weight == pytest.approx(0.04) and cash.target_weight == 0
    assert report.class_breaches == ("Equity", "Fixed Income")  # 6 pp and 10 pp beyond 5 pp
    assert sum(c.current_weight for c in report.classes) == pytest.approx(1.0, abs=1e-12)
    assert list(report.classes_frame()["asset_class"]) == [
        "Equity",
        "Fixed Income",
        "Alternatives",
        "Cash",
    ]


def test_no_class_band_means_no_class_breach():
    report = drift_report(_account(900, 50, 50), TARGETS, DriftBands(0.5), CLASSES)
    assert report.class_breaches == () and not report.any_breach


def test_effective_band_is_the_tighter_of_absolute_and_relative():
    assert effective_band(0.40, DriftBands(0.05, 0.25)) == pytest.approx(0.05)
    assert effective_band(0.10, DriftBands(0.05, 0.25)) == pytest.approx(0.025)
    assert effective_band(0.0, DriftBands(0.05, 0.25)) == 0.0
    assert effective_band(0.10, DriftBands(0.05)) == 0.05
    assert effective_band(0.0, DriftBands(0.05)) == 0.0  # an excluded ETF has no free zone


def test_frame_has_one_row_per_etf_with_flags():
    frame = drift_report(
        _account(560, 250, 150, cash=40), TARGETS, DriftBands(0.05), CLASSES
    ).to_frame()
    assert list(frame["ticker"]) == ["A", "B", "C", "D"]
    assert frame["drift_breach_flag"].tolist() == [True, False, False, False]
    assert CASH_LABEL not in set(frame["ticker"])


@pytest.mark.parametrize(
    ("targets", "words"),
    [
        (pd.Series({"A": 0.5, "B": 0.3}), "add up to 80"),
        (pd.Series({"A": 1.2, "B": -0.2}), "0 or more"),
        (pd.Series(dtype=float), "no target"),
    ],
)
def test_bad_targets_are_refused(targets, words):
    with pytest.raises(PolicyError, match=words):
        drift_report(_account(1, 1, 1), targets, DriftBands(), CLASSES)


def test_an_etf_without_asset_class_is_refused():
    with pytest.raises(DataError, match="No asset class for D"):
        drift_report(
            _account(1, 1, 1, d=1),
            TARGETS,
            DriftBands(),
            {"A": "Equity", "B": "Equity", "C": "Equity"},
        )


# -- the demo account against the real Balanced Growth recommendation ---------------------------
@pytest.fixture(scope="module")
def balanced_growth():
    return run_analysis(bundled_profiles()["Balanced Growth"], load_default_dataset())


def test_demo_account_breaches_spy_agg_and_hyg_and_no_class(balanced_growth):
    result = balanced_growth
    report = drift_report(
        demo_holdings(result.universe),
        result.recommended.weights,
        result.profile.drift_bands,
        result.universe,
    )
    assert {"SPY", "AGG", "HYG"} <= set(report.breaches)
    assert report.etf("SPY").drift == pytest.approx(0.060, abs=0.01)
    assert report.etf("AGG").drift == pytest.approx(-0.055, abs=0.01)
    assert report.etf("HYG").drift == pytest.approx(0.055, abs=0.01)
    assert report.class_breaches == ()
    assert [c.asset_class for c in report.classes] == list(default_universe().asset_classes)


def test_rebalance_targets_zero_only_solver_round_off():
    from core.rebalance import rebalance_targets

    weights = pd.Series({"SPY": 0.6, "AGG": 0.4 - 3e-17, "VNQ": 3e-17, "GLD": -2e-12, "SHY": 2e-9})
    targets = rebalance_targets(weights)
    assert targets.to_dict() == {
        "SPY": 0.6,
        "AGG": 0.4 - 3e-17,
        "VNQ": 0.0,
        "GLD": 0.0,
        "SHY": 2e-9,
    }
