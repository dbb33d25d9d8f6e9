"""IPS clauses as data: stable ids, wording, persistence, and every place that names them."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from core.errors import PolicyError
from core.policy.clause_usage import MEMO_SENTENCE_KINDS, UsePlace, clause_uses
from core.policy.clauses import ClauseKind, clause_id, policy_clauses, with_wording
from core.policy.constraints import build_constraints
from core.policy.profile import GroupLimit, Range
from core.policy.profile_io import bundled_profiles, profile_from_dict, profile_to_dict
from core.policy.validation import FRAME_COLUMNS, validate_portfolio
from core.report.ips_document import ips_document
from core.universe import default_universe

U = default_universe()
BG = bundled_profiles()["Balanced Growth"]


def by_id(profile):
    return {c.id: c for c in policy_clauses(profile)}


def test_numbering_is_by_section_in_the_order_the_profile_stores_its_limits():
    ids = {c.key: c.id for c in policy_clauses(BG)}
    # Section 4: the class ranges in the file's order (Equity, Fixed Income, Alternatives, Cash).
    assert [ids[f"class_range:{c}"] for c in BG.class_ranges] == ["4.1", "4.2", "4.3", "4.4"]
    assert ids["volatility"] == "2.1" and ids["drawdown"] == "2.2" and ids["benchmark"] == "3.1"
    assert ids["max_single_weight"] == "5.1" and ids["etf_minimum:SPY"] == "5.2"
    assert ids["etf_cap:HYG"] == "5.5" and ids["drift_absolute"] == "7.1"
    assert by_id(BG)["4.1"].text == "4.1 Equity shall be between 45% and 70% of the portfolio."
    assert by_id(BG)["4.4"].wording == "Cash shall be at most 10% of the portfolio."
    assert by_id(BG)["5.8"].wording == "GLD shall be at most 7.5% of the portfolio."


def test_ids_survive_edits_and_new_limits_never_renumber_old_ones():
    before = {c.key: c.id for c in policy_clauses(BG)}
    edited = BG.with_changes(
        class_ranges={**BG.class_ranges, "Equity": Range(0.50, 0.65)},  # a number changed
        asset_caps={**BG.asset_caps, "QQQ": 0.15},  # a new cap
        groups=(GroupLimit("International", ("EFA", "EEM"), None, 0.25),),  # a new group
    )
    after = {c.key: c.id for c in policy_clauses(edited)}
    for key, cid in before.items():
        assert after[key] == cid
    assert after["etf_cap:QQQ"] == "5.9"  # the next free number of section 5
    assert after["group:International"] == "6.1"
    assert by_id(edited)["4.1"].wording == "Equity shall be between 50% and 65% of the portfolio."
    # A removed cap keeps its number reserved: removing and adding HYG's cap gives it 5.5 again,
    # and a cap added meanwhile does not take 5.5.
    no_hyg = BG.with_changes(asset_caps={t: v for t, v in BG.asset_caps.items() if t != "HYG"})
    assert "5.5" not in by_id(no_hyg)
    no_hyg_new = no_hyg.with_changes(asset_caps={**no_hyg.asset_caps, "DBC": 0.05})
    assert clause_id(no_hyg_new, ClauseKind.ETF_CAP, "DBC") == "5.9"
    back = no_hyg_new.with_changes(asset_caps={**no_hyg_new.asset_caps, "HYG": 0.12})
    assert clause_id(back, ClauseKind.ETF_CAP, "HYG") == "5.5"


def test_ids_and_wording_round_trip_through_the_profile_file():
    edited = with_wording(
        BG.with_changes(asset_caps={**BG.asset_caps, "QQQ": 0.15}),
        "4.1",
        "The committee holds Equity between {min} and {max}.",
    )
    again = profile_from_dict(profile_to_dict(edited))
    assert again == edited
    assert by_id(again)["4.1"].wording == "The committee holds Equity between 45% and 70%."
    assert by_id(again)["4.1"].custom_wording
    moved = again.with_changes(class_ranges={**again.class_ranges, "Equity": Range(0.4, 0.6)})
    assert by_id(moved)["4.1"].wording == "The committee holds Equity between 40% and 60%."
    assert by_id(with_wording(moved, "4.1", ""))["4.1"].wording.startswith("Equity shall be")


def test_bad_clause_data_is_refused_with_a_message():
    data = profile_to_dict(BG)
    data["clauses"]["ids"]["etf_cap:HYG"] = "4.1"
    with pytest.raises(PolicyError, match="clause 4.1 is given to both"):
        profile_from_dict(data)
    with pytest.raises(PolicyError, match="placeholders are"):
        with_wording(BG, "2.1", "Volatility at most {cap}")
    with pytest.raises(PolicyError, match="no clause 9.9"):
        with_wording(BG, "9.9", "x")


def test_constraints_and_validation_rows_name_their_clause():
    cs = build_constraints(BG, U)
    assert {r.label: r.clause for r in cs.rows}["Equity allocation"] == "4.1"
    assert cs.upper_clause[U.index("HYG")] == "5.5"  # its cap is below the single-ETF cap
    assert cs.upper_clause[U.index("QQQ")] == "5.1"  # the single-ETF cap
    assert cs.lower_clause[U.index("SPY")] == "5.2"
    report = validate_portfolio(
        U.vector(BG.anchor_weights), BG, U, ex_ante_volatility=0.1, historical_max_drawdown=-0.2
    )
    frame = report.to_frame()
    assert tuple(frame.columns) == FRAME_COLUMNS
    assert tuple(frame.columns[:1]) == ("clause",)
    rows = frame.set_index("rule")
    assert rows.loc["Equity allocation", "clause"] == "4.1"
    assert rows.loc["Volatility target (ex-ante, annualized)", "clause"] == "2.1"
    assert rows.loc["Fully invested", "clause"] == ""  # structural, from no clause
    # the margin is the distance to the nearest limit: Equity 50% inside 45%..70% -> 5 pp
    assert rows.loc["Equity allocation", "margin"] == pytest.approx(0.05)


def test_every_use_of_a_clause_is_found_where_it_is_named():
    uses = clause_uses(BG, U)
    places = {cid: {u.place for u in items} for cid, items in uses.items()}
    assert places["4.1"] >= {UsePlace.CONSTRAINT, UsePlace.VALIDATION, UsePlace.MEMO}
    assert places["2.2"] >= {UsePlace.VALIDATION, UsePlace.STRESS_TOLERANCE, UsePlace.OUTLOOK}
    assert places["7.1"] == {UsePlace.DRIFT_BAND, UsePlace.MEMO}
    assert places["1.1"] == {UsePlace.OUTLOOK}
    assert UsePlace.CONSTRAINT not in places["2.1"]  # a risk limit is checked, not a constraint


@pytest.mark.slow
def test_the_memo_compliance_csv_and_stress_name_the_clauses(tmp_path):
    from report_fixtures import GENERATED, passing_bundle, write

    bundle = passing_bundle()
    folder = write(bundle, tmp_path / "report")
    validation = pd.read_csv(folder / "constraints_validation.csv", keep_default_na=False)
    assert list(validation.columns[3:6]) == ["clause", "rule", "category"]
    bg = validation[validation["profile_name"] == "Balanced Growth"].set_index("rule")
    assert bg.loc["Equity allocation", "clause"] == "4.1"
    assert bg.loc["HYG cap", "clause"] == "5.5"
    compliance = pd.read_csv(folder / "rebalancing_compliance.csv", keep_default_na=False)
    assert compliance.set_index("rule").loc["SPY minimum", "clause"] == "5.2"
    memo = (folder / "investment_memo.md").read_text()
    for kind in MEMO_SENTENCE_KINDS:
        assert f"(IPS {clause_id(BG, kind)})" in memo
    assert "| Clause | Rule | Limit | Actual | Margin | Result |" in memo
    assert "| 4.1 | Equity allocation |" in memo
    assert bundle.stress_results[0].tolerance_clause == "2.2"
    assert "Drawdown tolerance 25.00% (IPS 2.2)" in memo
    assert "(drift bands, IPS 7.1, 7.2, 7.3)" in memo
    document = (folder / "ips_policy_statement.md").read_text()
    assert document == ips_document([r.profile for r in bundle.results], generated=GENERATED)


def test_the_ips_document_states_every_clause_in_order():
    text = ips_document([BG])
    clauses = policy_clauses(BG)
    positions = [text.index(f"**{c.id}** {c.wording}") for c in clauses]
    assert positions == sorted(positions)
    assert "### 4. Asset allocation" in text and "### 7. Rebalancing" in text
    assert text.startswith("# Investment Policy Statement: Balanced Growth")
    assert np.all(np.diff(positions) > 0)
