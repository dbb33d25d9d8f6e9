"""Damaged user files (issue 15 #16): every refusal names the file, the place and what to change,
in the words of the file, never Python's; a UTF-8 file with a byte-order mark loads; a failed
export names the report path that failed."""

from __future__ import annotations

import codecs
import errno
import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.errors import IPSStudioError
from core.policy.profile_io import bundled_profiles, load_profile, profile_to_dict
from core.project import Project, load_project, project_to_dict
from core.rebalance.holdings import demo_holdings, load_holdings_file
from core.report.publish import PublishError, publish
from core.stress.scenarios import Scenario, ScenarioKind, load_scenarios, scenarios_to_dict
from core.universe import default_universe, load_universe

PYTHON_WORDING = (
    "str'",
    "NoneType",
    "sequence element",
    "indices must be",
    "object has no attribute",
    "'int'",
    "'float'",
    "'list'",
    "'dict'",
    "'bool'",
    "not iterable",
    "not subscriptable",
    "unhashable",
    "could not convert",
    "invalid literal",
    "argument must be",
    "expected str instance",
    "Traceback",
    "Error:",
)

UNIVERSE = default_universe()


def assert_plain(message: str, file_name: str) -> None:
    """The message names the file and uses no Python wording."""
    assert message.startswith(file_name), message
    leaked = [w for w in PYTHON_WORDING if w in message]
    assert not leaked, f"{leaked} in {message!r}"


def _documents() -> dict[str, tuple[str, dict, object]]:
    scenario = Scenario(
        "Committee bear case",
        ScenarioKind.CUSTOM,
        {t: -0.1 for t in UNIVERSE.tickers},
        notes={"SPY": "a round number"},
    )
    project = Project(
        bundled_profiles()["Balanced Growth"],
        UNIVERSE,
        demo_holdings(),
        custom_scenarios=(scenario,),
    )
    return {
        "project": ("fund.ipsproj", project_to_dict(project), load_project),
        "profile": ("my_profile.json", profile_to_dict(project.profile), load_profile),
        "scenarios": (
            "my_scenarios.json",
            scenarios_to_dict([scenario]),
            lambda path: load_scenarios(path, tickers=UNIVERSE.tickers),
        ),
    }


DOCUMENTS = _documents()

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-3, 3)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.sampled_from(["", "x", "SPY", "-20%", "1e400", "NaN"]),
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(
            st.sampled_from(["", "a", "SPY", "value", "min", "max"]), children, max_size=3
        )
    ),
    max_leaves=8,
)


def _places(obj, prefix=()):
    if isinstance(obj, dict):
        for key, value in obj.items():
            yield (*prefix, key)
            yield from _places(value, (*prefix, key))
    elif isinstance(obj, list):
        for index, value in enumerate(obj):
            yield (*prefix, index)
            yield from _places(value, (*prefix, index))


@settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(kind=st.sampled_from(sorted(DOCUMENTS)), data=st.data())
def test_a_damaged_file_is_refused_in_the_words_of_the_file(tmp_path_factory, kind, data):
    """Replace (or delete) any value anywhere in a valid file: it loads, or the message names
    the file and the place, in plain words."""
    file_name, document, load = DOCUMENTS[kind]
    damaged = json.loads(json.dumps(document))
    place = data.draw(st.sampled_from(list(_places(damaged))), label="place")
    parent = damaged
    for key in place[:-1]:
        parent = parent[key]
    if isinstance(parent, dict) and data.draw(st.booleans(), label="delete"):
        del parent[place[-1]]
    else:
        parent[place[-1]] = data.draw(json_values, label="value")
    path = tmp_path_factory.mktemp(kind) / file_name
    path.write_text(json.dumps(damaged), encoding="utf-8")
    try:
        load(path)
    except IPSStudioError as exc:
        message = str(exc)
        assert_plain(message, file_name)
        # the place: a key on the way to the damage ("anchor_weights" or "anchor weights")
        # by its key or in words: "max_volatility" reads "maximum volatility target",
        # "drift_bands.asset_class" "asset-class drift band"
        words = message.replace("_", " ").replace("-", " ").lower()
        named = [
            word.rstrip("s")
            for key in place
            if isinstance(key, str)
            for word in key.replace("_", " ").replace("-", " ").lower().split()
            if len(word) > 3 or key == word.upper()  # "max" says little; a ticker says all
        ]
        assert any(word in words for word in named) or "section" in words, message


@pytest.mark.parametrize(
    ("kind", "damage", "words"),
    [
        ("project", ("universe", "assets", 0), "'assets[0]' must be an object"),
        ("project", ("universe", "assets"), "'assets' must be a list"),
        ("project", ("holdings", "positions"), "'holdings.positions' must be an object"),
        ("project", ("holdings", "cost_basis", "SPY"), "'holdings.cost_basis.SPY' is"),
        ("project", ("universe", "asset_classes"), "'asset_classes' must be a list of names"),
        ("profile", ("groups",), "'groups' must be a list of groups"),
        ("scenarios", ("scenarios", 0, "name"), "'name' is"),
    ],
)
def test_the_messages_the_issue_quoted_now_say_what_to_change(tmp_path, kind, damage, words):
    """Before: "string indices must be integers, not 'str'", "dictionary update sequence
    element #0 has length 1; 2 is required", "'int' object is not iterable"."""
    file_name, document, load = DOCUMENTS[kind]
    damaged = json.loads(json.dumps(document))
    parent = damaged
    for key in damage[:-1]:
        parent = parent[key]
    parent[damage[-1]] = ["x"] if damage[-1] != "asset_classes" else 7
    if damage == ("universe", "assets"):
        parent[damage[-1]] = "SPY"
    if damage[-1] == "groups":
        parent[damage[-1]] = 3
    path = tmp_path / file_name
    path.write_text(json.dumps(damaged), encoding="utf-8")
    with pytest.raises(IPSStudioError) as info:
        load(path)
    assert_plain(str(info.value), file_name)
    assert words in str(info.value)


holdings_cells = st.sampled_from(
    ["", "SPY", "agg", "CASH", "1", "-1", "1,000", "1e400", "nan", "10%", "$5", "(3)", "x", '"']
)


@settings(max_examples=150, deadline=None)
@given(
    header=st.lists(
        st.sampled_from(["ticker", "shares", "price", "cash", "cost", "x"]), max_size=5
    ),
    rows=st.lists(st.lists(holdings_cells, max_size=5), max_size=5),
    bom=st.booleans(),
)
def test_a_damaged_holdings_file_is_refused_naming_the_file_and_row(
    tmp_path_factory, header, rows, bom
):
    text = "\n".join(",".join(row) for row in [header, *rows]) + "\n"
    path = tmp_path_factory.mktemp("holdings") / "account.csv"
    path.write_bytes((codecs.BOM_UTF8 if bom else b"") + text.encode("utf-8"))
    try:
        load_holdings_file(path, UNIVERSE, prices={"SPY": 500.0})
    except IPSStudioError as exc:
        assert_plain(str(exc), "account.csv")
        assert "Row " in str(exc) or "no table" in str(exc)


# -- a byte-order mark, as Notepad writes "UTF-8" ------------------------------------------------
def _with_bom(path: Path, text: str) -> Path:
    path.write_bytes(codecs.BOM_UTF8 + text.encode("utf-8"))
    return path


@pytest.mark.parametrize("kind", sorted(DOCUMENTS))
def test_a_json_file_with_a_byte_order_mark_loads(tmp_path, kind):
    file_name, document, load = DOCUMENTS[kind]
    loaded = load(_with_bom(tmp_path / file_name, json.dumps(document, indent=2)))
    assert loaded


def test_a_universe_file_with_a_byte_order_mark_loads(tmp_path):
    path = _with_bom(tmp_path / "universe.json", json.dumps(UNIVERSE.to_dict()))
    assert load_universe(path) == UNIVERSE


def test_a_holdings_csv_with_a_byte_order_mark_loads(tmp_path):
    path = _with_bom(tmp_path / "account.csv", "ticker,shares,price\nSPY,10,500\n")
    assert load_holdings_file(path, UNIVERSE).positions == {"SPY": 10.0}


# -- a full disk during the export -------------------------------------------------------------
def test_a_full_disk_names_the_report_file_not_the_private_stage(tmp_path):
    out = tmp_path / "committee"

    def disk_full(stage: Path) -> None:
        (stage / "a.csv").write_text("a")
        raise OSError(errno.ENOSPC, "No space left on device", str(stage / "charts" / "c.png"))

    with pytest.raises(PublishError) as info:
        publish(out, disk_full)
    message = str(info.value)
    assert str(out / "charts" / "c.png") in message
    assert ".ips-stage-" not in message
    assert "No space left on device" in message and "free some space" in message
    assert "previous report is unchanged" in message


def test_a_full_disk_without_a_file_name_names_the_export_folder(tmp_path):
    out = tmp_path / "committee"

    def disk_full(stage: Path) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")  # a failed flush names no file

    with pytest.raises(PublishError) as info:
        publish(out, disk_full)
    assert f"{out}: No space left on device" in str(info.value)


def test_a_full_disk_while_the_workbook_is_written_names_the_workbook(tmp_path, monkeypatch):
    """The real writer path: the package writes into the stage, the message names the report."""
    from report_fixtures import passing_bundle  # noqa: I001 - the tests/core fixture module

    import core.report.package as package
    from core.report.package import write_report_package

    def disk_full(results, risk_reports, stress_results, path, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device", str(path))

    monkeypatch.setattr(package, "write_workbook", disk_full)
    out = tmp_path / "committee"
    bundle = passing_bundle()
    with pytest.raises(PublishError) as info:
        publish(out, lambda stage: write_report_package(bundle, stage))
    assert str(out / "investment_committee_report.xlsx") in str(info.value)
    assert ".ips-stage-" not in str(info.value)
