"""The decision log: append-only, hash-chained, tamper-evident, and matched to the report."""

from __future__ import annotations

import dataclasses
import hashlib
import json

import openpyxl
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from report_fixtures import dataset  # noqa: I001 - the tests/core fixture module

from core.branches.policy import MAIN, create_branch
from core.decision.fingerprint import code_revision, project_fingerprint
from core.decision.log import (
    GENESIS,
    PORTFOLIO_ITEM,
    DecisionDraft,
    DecisionLog,
    DecisionLogError,
    DecisionLogTampered,
    Override,
)
from core.outlook.request import OutlookRequest
from core.pipeline import run_analysis
from core.policy.profile_io import bundled_profiles
from core.project import Project, ProjectFileError, load_project, save_project
from core.rebalance import demo_holdings
from core.report.inputs import export_project_report
from core.universe import default_universe


def _project() -> Project:
    universe = default_universe()
    return Project(
        profile=bundled_profiles()["Balanced Growth"],
        universe=universe,
        holdings=demo_holdings(universe),
        outlook=OutlookRequest(paths=0),
    )


def _draft(**changes) -> DecisionDraft:
    base = DecisionDraft(
        branch=MAIN,
        portfolio="Mean-Variance Utility",
        recommended="Mean-Variance Utility",
        approved_by="Investment Committee (J. Doe, chair)",
        approved_at="2026-12-03",
        vote="5-1-0",
        note="Approved as recommended.",
    )
    return dataclasses.replace(base, **changes)


def _log(n: int = 2) -> DecisionLog:
    fingerprint = project_fingerprint(_project(), dataset())
    log = DecisionLog()
    for k in range(n):
        log = log.append(
            _draft(note=f"entry {k + 1}"), fingerprint, recorded_utc="2026-12-03T10:00:00+00:00"
        )
    return log


def test_entries_chain_by_sha256_of_their_canonical_json():
    log = _log(2)
    first, second = log.entries
    body = first.to_dict()
    del body["entry_sha256"]
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert first.entry_sha256 == hashlib.sha256(text.encode()).hexdigest()
    assert first.previous_sha256 == GENESIS
    assert second.previous_sha256 == first.entry_sha256
    assert (first.sequence, second.sequence) == (1, 2)


def test_the_log_refuses_rewriting_an_entry():
    log = _log(2)
    edited = dataclasses.replace(
        log.entries[0], draft=dataclasses.replace(log.entries[0].draft, note="rewritten")
    )
    with pytest.raises(DecisionLogTampered, match="entry 1 .* was changed"):
        DecisionLog((edited, log.entries[1]))
    with pytest.raises(DecisionLogTampered, match="out of place"):
        DecisionLog((log.entries[1],))
    with pytest.raises(TypeError):
        log.entries[0] = edited  # type: ignore[index]
    shorter = DecisionLog(log.entries[:1])
    with pytest.raises(DecisionLogError, match="append-only"):
        shorter.require_extends(log)
    longer = log.append(_draft(corrects=1, note="vote was 4-2-0"), log.entries[0].fingerprint)
    longer.require_extends(log)
    assert longer.corrections_of(1) == (longer.entries[2],)
    assert longer.entries[:2] == log.entries  # the corrected entry is unchanged


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"approved_by": "  "}, "Enter the approver"),
        ({"approved_at": "yesterday"}, "not a date"),
        ({"portfolio": "Risk Parity"}, "reason for the override"),
        ({"corrects": 9}, "Entry 9 does not exist"),
        (
            {"overrides": (Override("Equity", "60%", "65%", " "),)},
            "reason for the override of Equity",
        ),
    ],
)
def test_a_decision_that_is_not_complete_is_refused(changes, message):
    with pytest.raises(DecisionLogError, match=message):
        _log(1).append(_draft(**changes), _log(1).entries[0].fingerprint)


def test_an_override_with_its_reason_is_recorded():
    override = Override(PORTFOLIO_ITEM, "Mean-Variance Utility", "Risk Parity", "lower turnover")
    log = _log(0).append(
        _draft(portfolio="Risk Parity", overrides=(override,)), _log(1).entries[0].fingerprint
    )
    assert log.entries[0].draft.overrides == (override,)


def test_a_tampered_log_is_reported_when_the_project_is_opened(tmp_path):
    project = dataclasses.replace(_project(), decisions=_log(2))
    path = save_project(project, tmp_path / "p.ipsproj")
    assert load_project(path).decisions == project.decisions
    document = json.loads(path.read_text())
    document["decisions"][0]["vote"] = "6-0-0"
    path.write_text(json.dumps(document))
    with pytest.raises(ProjectFileError, match="entry 1 .*changed after it was recorded"):
        load_project(path)
    document = json.loads(save_project(project, path).read_text())
    del document["decisions"][0]
    path.write_text(json.dumps(document))
    with pytest.raises(ProjectFileError, match="out of place"):
        load_project(path)


def test_the_code_revision_is_stated():
    revision = code_revision()
    assert revision.startswith(("git ", "package "))


@pytest.mark.slow
def test_the_decision_hashes_match_the_exported_manifest(tmp_path):
    data = dataset()
    project = create_branch(_project(), "More equity")
    result = run_analysis(project.profile, data, project.universe)
    log = DecisionLog().append(
        _draft(portfolio=result.recommended_name, recommended=result.recommended_name),
        project_fingerprint(project, data),
    )
    project = dataclasses.replace(project, decisions=log)
    out = tmp_path / "report"
    export_project_report(project, data, out, branches=True, outlook=OutlookRequest(paths=0))
    manifest = json.loads((out / "run_manifest.json").read_text())
    entry = log.entries[0].fingerprint
    assert manifest["fingerprint"] == entry.to_dict()
    # Recomputed from the manifest's own record of what the report was made from:
    made = manifest["made_from"]
    canonical = json.dumps(
        made["profiles"]["Balanced Growth"], sort_keys=True, separators=(",", ":")
    )
    assert entry.profile_sha256 == hashlib.sha256(canonical.encode()).hexdigest()
    assert entry.data_sha256 == manifest["inputs"]["returns_sha256"]
    held = {t: s for t, s in made["account"]["positions"].items() if s > 0}
    account = {
        "positions": held,
        "prices": {t: made["account"]["prices"][t] for t in held},
        "cash": made["account"]["cash"],
    }
    text = json.dumps(account, sort_keys=True, separators=(",", ":"))
    assert entry.holdings_sha256 == hashlib.sha256(text.encode()).hexdigest()
    assert manifest["fingerprint"]["code_revision"] == code_revision()
    workbook = openpyxl.load_workbook(out / "investment_committee_report.xlsx")
    assert "Policy Comparison" in workbook.sheetnames
    sheet = workbook["Decision Log"]
    header = [c.value for c in sheet[1]]
    row = dict(zip(header, [c.value for c in sheet[2]], strict=True))
    assert row["matches_this_report"] == "yes"
    assert row["entry_sha256"] == log.entries[0].entry_sha256
    assert row["approved_by"] == "Investment Committee (J. Doe, chair)"
    memo = (out / "investment_memo.md").read_text()
    assert "## Appendix: decision log" in memo
    assert "## Policy comparison (what-if branches)" in memo


_JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-3, 3)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.sampled_from(["", "x", "Main", "5-1-0", "2026-12-04"]),
    lambda children: (
        st.lists(children, max_size=2) | st.dictionaries(st.just("k"), children, max_size=1)
    ),
    max_leaves=4,
)


def _leaves(obj, prefix=()):
    if isinstance(obj, dict):
        for key, value in obj.items():
            yield (*prefix, key)
            yield from _leaves(value, (*prefix, key))
    elif isinstance(obj, list):
        for index, value in enumerate(obj):
            yield (*prefix, index)
            yield from _leaves(value, (*prefix, index))


_STORED = [*_log(2).append(
    _draft(portfolio="Risk Parity", overrides=(Override(PORTFOLIO_ITEM, "Mean-Variance Utility",
    "Risk Parity", "turnover"),), corrects=1), _log(1).entries[0].fingerprint,
).to_list()]  # fmt: skip


@settings(max_examples=200, deadline=None)
@given(data=st.data())
def test_any_change_to_a_stored_entry_is_detected(data):
    stored = json.loads(json.dumps(_STORED))
    place = data.draw(st.sampled_from(list(_leaves(stored))), label="place")
    parent = stored
    for key in place[:-1]:
        parent = parent[key]
    old = parent[place[-1]]
    if isinstance(parent, dict) and data.draw(st.booleans(), label="delete"):
        del parent[place[-1]]
    else:
        new = data.draw(_JSON, label="value")
        assume(json.dumps(new) != json.dumps(old))
        parent[place[-1]] = new
    with pytest.raises(DecisionLogError):
        DecisionLog.from_list(stored)
    assert DecisionLog.from_list(_STORED).to_list() == _STORED
