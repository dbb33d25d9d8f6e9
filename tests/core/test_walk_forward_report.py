"""The walk-forward in the report: walk_forward_results.csv, the Out-of-Sample sheets, the memo's
out-of-sample section and alpha, each against the WalkForwardResult they come from (the alpha
against a plain least-squares fit)."""

from __future__ import annotations

import numpy as np
import openpyxl
import pandas as pd
import pytest
from report_fixtures import passing_bundle, sheet_frame, write

from core.analytics.factors import FactorModel, FactorOrigin, regress_on_factors
from core.backtest.settings import RECOMMENDATION_RULE
from core.report.memo import MEMO_NAME
from core.report.memo_sections import regression_sentence
from core.report.walk_forward_tables import (
    WALK_FORWARD_CSV,
    WALK_FORWARD_PERIODS_SHEET,
    WALK_FORWARD_SHEET,
    out_of_sample_alpha,
)
from core.report.workbook import WORKBOOK_NAME


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    return write(passing_bundle(), tmp_path_factory.mktemp("walk_forward"))


def test_csv_has_one_row_per_rule_and_period_of_every_profile(written):
    bundle = passing_bundle()
    csv = pd.read_csv(written / WALK_FORWARD_CSV)
    expected = pd.concat([w.periods_frame() for w in bundle.walk_forwards], ignore_index=True)
    assert len(bundle.walk_forwards) == 2
    assert len(csv) == sum(len(w.rules) * w.decisions for w in bundle.walk_forwards)
    assert list(csv.columns) == ["data_mode", *expected.columns]
    np.testing.assert_allclose(csv["period_return_net"], expected["period_return_net"], rtol=1e-9)
    assert list(csv["rule"]) == list(expected["rule"])
    assert set(csv["data_mode"]) == {"SYNTHETIC"}


def test_out_of_sample_sheet_holds_the_summary_and_a_chart(written):
    bundle = passing_bundle()
    wb = openpyxl.load_workbook(written / WORKBOOK_NAME)
    assert {WALK_FORWARD_SHEET, WALK_FORWARD_PERIODS_SHEET} <= set(wb.sheetnames)
    sheet = sheet_frame(wb[WALK_FORWARD_SHEET])
    expected = pd.concat([w.summary_frame() for w in bundle.walk_forwards], ignore_index=True)
    assert list(sheet.columns) == list(expected.columns)
    for column in ("in_sample_annualized_return", "oos_annualized_return", "oos_turnover"):
        np.testing.assert_allclose(
            sheet[column].astype(float), expected[column], rtol=1e-9, err_msg=column
        )
    assert wb[WALK_FORWARD_SHEET]._charts, "the out-of-sample growth chart"
    periods = sheet_frame(wb[WALK_FORWARD_PERIODS_SHEET])
    assert len(periods) == len(pd.read_csv(written / WALK_FORWARD_CSV))


def test_memo_reports_in_and_out_of_sample_side_by_side(written):
    bundle = passing_bundle()
    memo = (written / MEMO_NAME).read_text(encoding="utf-8")
    walk = bundle.walk_forwards[0]
    assert "### Out-of-sample evidence (walk-forward)" in memo
    rec = walk.rule(RECOMMENDATION_RULE)
    row = next(line for line in memo.splitlines() if line.startswith(f"| {RECOMMENDATION_RULE} |"))
    assert (
        f"{rec.in_sample.annualized_return:.2%} / {rec.out_of_sample.annualized_return:.2%}" in row
    )
    assert f"{rec.out_of_sample.turnover:.2%}" in row
    assert "there is no out-of-sample or walk-forward test" not in memo
    assert "Out of sample (the walk-forward's selection rule" in memo


def test_out_of_sample_alpha_matches_least_squares_on_the_out_of_sample_months():
    bundle = passing_bundle()
    result, walk = bundle.results[0], bundle.walk_forwards[0]
    reg = out_of_sample_alpha(result, walk)
    assert reg is not None
    oos = walk.rule(RECOMMENDATION_RULE).returns
    factors = result.dataset.factors.loc[oos.index, list(reg.terms[1:])]
    y = oos - result.dataset.factors.loc[oos.index, "RF"]
    x = np.column_stack([np.ones(len(oos)), factors.to_numpy()])
    coef, *_ = np.linalg.lstsq(x, y.to_numpy(), rcond=None)
    assert reg.observations == len(oos) == walk.rules[0].out_of_sample.months
    np.testing.assert_allclose(reg.coefficients, coef, rtol=1e-8, atol=1e-12)
    assert reg.origin is FactorOrigin.SYNTHETIC


def test_a_large_in_sample_t_statistic_is_still_no_significance_claim():
    rng = np.random.default_rng(1)
    index = pd.date_range("2010-01-31", periods=120, freq="ME")
    market = pd.DataFrame({"MKT_RF": rng.normal(0.006, 0.04, 120)}, index=index)
    y = pd.Series(0.01 + 0.9 * market["MKT_RF"] + rng.normal(0, 0.002, 120), index=index)
    reg = regress_on_factors(y, market, scope="Portfolio", model=FactorModel.MARKET_ONLY)
    assert reg.t_stats[0] > 10
    text = regression_sentence(reg, "Portfolio")
    assert "no significance is claimed" in text and "different from zero" not in text
    out = regression_sentence(reg, "Portfolio", in_sample=False)
    assert "no significance is claimed" not in out and f"(t {reg.t_stats[0]:.2f})" in out
