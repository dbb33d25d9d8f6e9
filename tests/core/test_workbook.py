"""The committee workbook read back with openpyxl: sheets equal their CSVs, text stays text,
charts sit on the named sheets, conditional formatting exists, and the Executive Summary's
notes follow the results (a failing profile gives REVIEW with the failing rule)."""

from __future__ import annotations

import math

import numpy as np
import openpyxl
import pandas as pd
import pytest
from report_fixtures import (
    INJECTED_NAME,
    charts_by_sheet,
    failing_bundle,
    passing_bundle,
    sheet_frame,
    write,
)

from core.report.insights import binding_constraints
from core.report.sanitize import ESCAPE, is_formula_like, sanitize_frame
from core.report.sheet_data import CSV_SHEETS
from core.report.workbook import WORKBOOK_NAME


@pytest.fixture(scope="module")
def passing(tmp_path_factory):
    folder = write(passing_bundle(), tmp_path_factory.mktemp("passing"))
    return folder, openpyxl.load_workbook(folder / WORKBOOK_NAME)


@pytest.fixture(scope="module")
def failing(tmp_path_factory):
    folder = write(failing_bundle(), tmp_path_factory.mktemp("failing"))
    return folder, openpyxl.load_workbook(folder / WORKBOOK_NAME)


def _unescape(value: object) -> object:
    if isinstance(value, str) and value.startswith(ESCAPE) and is_formula_like(value[1:]):
        return value[1:]
    return value


def assert_sheet_equals_csv(sheet: pd.DataFrame, csv: pd.DataFrame, label: str) -> None:
    assert list(sheet.columns) == list(csv.columns), label
    assert len(sheet) == len(csv), label
    for column in csv.columns:
        left, right = sheet[column], csv[column]
        if (
            pd.api.types.is_bool_dtype(right)
            or right.dropna().isin([True, False]).all()
            and right.notna().any()
        ):
            assert [None if v is None else bool(v) for v in left] == [
                None if pd.isna(v) else bool(v) for v in right
            ], (label, column)
        elif pd.api.types.is_numeric_dtype(right):
            values = pd.to_numeric(left, errors="raise").astype(float).to_numpy()
            np.testing.assert_allclose(
                values,
                right.to_numpy(dtype=float),
                rtol=1e-9,
                atol=1e-12,
                equal_nan=True,
                err_msg=f"{label}: {column}",
            )
        else:
            shown = [
                ""
                if v is None or (isinstance(v, float) and math.isnan(v))
                else (v.strftime("%Y-%m-%d") if hasattr(v, "strftime") else str(v))
                for v in left
            ]
            expected = [
                "" if (isinstance(v, float) and math.isnan(v)) else str(_unescape(v)) for v in right
            ]
            assert shown == expected, (label, column)


def test_every_tabulated_sheet_holds_the_numbers_of_its_csv(passing):
    folder, wb = passing
    compared = []
    for csv_name, sheet_name in CSV_SHEETS.items():
        if not (folder / csv_name).exists():
            continue
        csv = pd.read_csv(folder / csv_name)
        assert_sheet_equals_csv(sheet_frame(wb[sheet_name]), csv, sheet_name)
        compared.append(sheet_name)
    assert {
        "Recommended Allocation",
        "Risk Metrics",
        "Constraint Validation",
        "Risk Contribution",
        "Stress Tests",
        "Efficient Frontier",
        "Rolling Risk",
        "Drift and Rebalancing",
    } <= set(compared)


def test_both_profiles_are_stacked_and_the_first_is_summarized(passing):
    _, wb = passing
    allocation = sheet_frame(wb["Recommended Allocation"])
    assert list(dict.fromkeys(allocation.profile_name)) == [
        "Balanced Growth",
        "Capital Preservation",
    ]
    assert wb["Executive Summary"]["A1"].value == "Investment Committee Report: Balanced Growth"
    assert "SYNTHETIC" in wb["Executive Summary"]["A2"].value


def test_sheet_order_and_topics(passing):
    _, wb = passing
    assert wb.sheetnames[0] == "Executive Summary"
    for name in (
        "IPS Profile",
        "Candidate Comparison",
        "Equity Sleeve Factors",
        "Drift and Rebalancing",
        "ETF Rationale",
        "Methodology",
        "Data Provenance",
    ):
        assert name in wb.sheetnames
    assert wb.sheetnames[-2:] == ["Methodology", "Data Provenance"]


def test_formula_like_text_is_stored_as_text_never_as_a_formula(failing):
    folder, wb = failing
    found = 0
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (ws.title, cell.coordinate, cell.value)
                if cell.value == INJECTED_NAME:
                    found += 1
                    assert cell.data_type == "s" and cell.quotePrefix
    assert found > 10
    notes = [
        c.value
        for row in wb["IPS Profile"].iter_rows()
        for c in row
        if c.value == "@SUM(A1:A9) +1 -1"
    ]
    assert notes
    csv = pd.read_csv(folder / "recommended_allocation.csv")
    assert set(csv.profile_name) == {ESCAPE + INJECTED_NAME}
    raw = (folder / "constraints_validation.csv").read_text()
    assert ",'= 100.00%," in raw  # the "= 100.00%" limit text is escaped too
    assert not any(line.split(",")[0].startswith(("=", "+", "-", "@")) for line in raw.splitlines())


def test_sanitizer_leaves_numbers_and_plain_text_alone():
    frame = pd.DataFrame(
        {"text": ["=1+1", "+A1", "-x", "@f", "plain", None], "number": [-1.0, 2, 3, 4, 5, 6]}
    )
    out = sanitize_frame(frame)
    assert out.text.tolist()[:5] == ["'=1+1", "'+A1", "'-x", "'@f", "plain"]
    assert pd.isna(out.text.iloc[5])
    assert out.number.tolist() == frame.number.tolist()


def test_native_charts_sit_on_the_named_sheets(passing):
    folder, _ = passing
    charts = charts_by_sheet(folder / WORKBOOK_NAME)
    assert sorted(charts["Executive Summary"]) == ["barChart", "lineChart"]
    assert charts["Recommended Allocation"] == ["barChart"]
    assert charts["Risk Contribution"] == ["barChart"]
    assert charts["Stress Summary"] == ["barChart"]
    assert charts["Cumulative Performance"] == ["lineChart"]
    assert charts["Efficient Frontier"] == ["scatterChart"]


def _rules(ws):
    return [
        (str(cf.sqref), rule.type, rule.operator, list(rule.formula or []))
        for cf in ws.conditional_formatting
        for rule in cf.rules
    ]


def test_conditional_fills_for_fail_breaches_and_negative_returns(passing, failing):
    _, wb = passing
    validation = _rules(wb["Constraint Validation"])
    assert any(op == "equal" and formula == ['"FAIL"'] for _, _, op, formula in validation)
    stress = _rules(wb["Stress Summary"])
    assert any(op == "lessThan" and formula == ["0"] for _, _, op, formula in stress)
    assert any(
        kind == "expression" and formula[0].endswith("=TRUE") for _, kind, _, formula in stress
    )
    drift = _rules(wb["Drift and Rebalancing"])
    assert any(kind == "expression" and "=TRUE" in formula[0] for _, kind, _, formula in drift)
    candidates = _rules(wb["Candidate Comparison"])
    assert any(
        kind == "expression" and formula[0].endswith("=FALSE") for _, kind, _, formula in candidates
    )
    # the failing profile's validation table really holds FAIL cells for the rule to colour
    _, bad = failing
    assert "FAIL" in set(sheet_frame(bad["Constraint Validation"]).pass_fail)


def test_formats_panes_filters_and_widths(passing):
    _, wb = passing
    ws = wb["Recommended Allocation"]
    header = [c.value for c in ws[1]]
    weight = ws.cell(row=2, column=header.index("weight") + 1)
    assert weight.number_format == "0.00%"
    assert ws.freeze_panes == "A2" and ws.auto_filter.ref.startswith("A1:")
    risk = wb["Risk Metrics"]
    header = [c.value for c in risk[1]]
    assert risk.cell(row=2, column=header.index("var_95_dollar") + 1).number_format.startswith(
        "$#,##0"
    )
    assert risk.cell(row=2, column=header.index("sharpe_ratio") + 1).number_format == "0.00"
    for letter, dim in ws.column_dimensions.items():
        assert 8 <= dim.width <= 50, letter
    assert wb["Executive Summary"]["B11"].number_format.startswith("$#,##0") or any(
        c.number_format.startswith("$#,##0")
        for row in wb["Executive Summary"].iter_rows(max_row=12)
        for c in row
    )


def _notes(ws) -> dict[str, tuple[str, str]]:
    out, inside = {}, False
    for row in ws.iter_rows(values_only=True):
        if row[0] == "Status" and row[1] == "Topic":
            inside = True
            continue
        if inside and row[0] in ("PASS", "REVIEW", "INFO"):
            out[row[1]] = (row[0], row[2])
        elif inside and row[0] is None and out:
            break
    return out


def test_executive_summary_notes_follow_the_results(passing, failing):
    _, good = passing
    notes = _notes(good["Executive Summary"])
    assert notes["IPS compliance"][0] == "PASS"
    bundle = passing_bundle()
    risk, stress = bundle.risk_reports[0], bundle.stress_results[0]
    assert notes["Risk concentration"] == (
        "REVIEW" if risk.concentration.concentrated else "PASS",
        risk.summary,
    )
    assert stress.worst.name in notes["Stress tests"][1]
    assert f"{stress.worst.portfolio_return:.2%}" in notes["Stress tests"][1]
    # The headroom is measured from the deepest path drawdown (what the tolerance is tested
    # against), found here by hand over the outcomes, not from the worst start-to-end return.
    deepest = min(stress.outcomes, key=lambda o: o.path_drawdown)
    assert stress.deepest is deepest
    if not stress.breaches:
        headroom = (stress.drawdown_tolerance + deepest.path_drawdown) * 100
        assert f"{deepest.path_drawdown:.2%}" in notes["Stress tests"][1]
        assert f"{headroom:.2f} pp of headroom" in notes["Stress tests"][1]
    assert "Rebalancing" in notes and "SYNTHETIC" in notes["Data"][1]

    _, bad = failing
    notes = _notes(bad["Executive Summary"])
    status, text = notes["IPS compliance"]
    assert status == "REVIEW" and "FAIL" in text and "Drawdown tolerance" in text
    assert notes["Selection"][0] == "REVIEW" and "NOT policy compliant" in notes["Selection"][1]
    values = [
        c.value for row in bad["Executive Summary"].iter_rows(max_row=12) for c in row if c.value
    ]
    assert any("DOES NOT pass every policy rule" in str(v) for v in values)


def test_kpi_boxes_show_the_computed_figures(passing):
    _, wb = passing
    ws = wb["Executive Summary"]
    cells = {
        str(c.value): ws.cell(row=c.row + 1, column=c.column).value
        for row in ws.iter_rows()
        for c in row
        if isinstance(c.value, str)
    }
    rec = passing_bundle().results[0].recommended
    assert cells["Annualized return (CAGR)"] == pytest.approx(rec.metrics.annualized_return)
    assert cells["Maximum drawdown"] == pytest.approx(rec.metrics.max_drawdown)
    assert cells["Rebalancing cost (estimated)"] == pytest.approx(
        passing_bundle().plans["Balanced Growth"].total_cost
    )


def test_etf_rationale_names_the_binding_limits_from_the_weights(passing):
    _, wb = passing
    result = passing_bundle().results[0]
    rationale = sheet_frame(wb["ETF Rationale"])
    rows = rationale[rationale.profile_name == "Balanced Growth"].set_index("ticker")
    # independent check: validation rows at their limit (|slack| <= 0.01 pp) among ETF and class rules
    at_limit = {
        r.rule
        for r in result.recommended.validation.rows
        if r.category in ("ETF", "Asset class") and abs(r.slack) <= 1e-4
    }
    found = {b.name for b in binding_constraints(result)}
    assert found == at_limit and found
    for b in binding_constraints(result):
        for ticker in b.tickers:
            assert b.text in (rows.loc[ticker, "binding_constraints"] or "")
    spy = rows.loc["SPY"]
    if "SPY minimum" in found:
        assert "policy minimum" in spy.rationale
    not_held = [t for t, w in result.recommended.weights.items() if w <= 1e-6]
    for ticker in not_held:
        assert rows.loc[ticker, "rationale"].startswith("Not held")


def test_the_methodology_sheet_states_the_estimators_and_why_they_are_the_default(passing):
    from core.optimize.estimation import DEFAULT_ESTIMATORS_REASON
    from core.pipeline import AnalysisSettings

    _, wb = passing
    rows = [tuple(c.value for c in row[:3]) for row in wb["Methodology"].iter_rows()]
    estimation = {item: text for section, item, text in rows if section == "Estimation"}
    assert (
        "Expected returns: Bayes-Stein shrinkage (weight on target 0."
        in estimation["Balanced Growth"]
    )
    assert "covariance: Ledoit-Wolf shrinkage" in estimation["Balanced Growth"]
    assert estimation["Default"] == DEFAULT_ESTIMATORS_REASON
    defaults = AnalysisSettings()
    assert defaults.expected_returns.value in DEFAULT_ESTIMATORS_REASON
    assert defaults.covariance.value in DEFAULT_ESTIMATORS_REASON
