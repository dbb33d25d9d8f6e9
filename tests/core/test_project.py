"""Project files: round trip, atomic save, and a loader that refuses damage with a message."""

from __future__ import annotations

import dataclasses
import json
import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.data.dataset import DataMode
from core.optimize.estimation import CovarianceEstimator
from core.pipeline import AnalysisSettings
from core.policy.profile_io import bundled_profiles
from core.project import (
    Project,
    ProjectFileError,
    autosave_path,
    load_project,
    project_from_dict,
    project_to_dict,
    save_project,
)
from core.rebalance.holdings import demo_holdings
from core.rebalance.plan import RebalanceMethod
from core.rebalance.settings import TradeSettings
from core.stress.scenarios import Scenario, ScenarioKind
from core.universe import default_universe


@pytest.fixture(scope="module")
def project():
    scenario = Scenario(
        name="Committee bear case",
        kind=ScenarioKind.CUSTOM,
        shocks={t: -0.1 for t in default_universe().tickers},
    )
    return Project(
        profile=bundled_profiles()["Long-Term Endowment Growth"],
        universe=default_universe(),
        holdings=demo_holdings(),
        custom_scenarios=(scenario,),
        settings=AnalysisSettings(covariance=CovarianceEstimator.SAMPLE, portfolio_value=25e6),
        data_mode=DataMode.IMPORTED,
        import_path="/data/returns.csv",
        trade_settings=TradeSettings(
            method=RebalanceMethod.TO_BAND_EDGE,
            cost_bps=7.5,
            min_trade_value=25_000.0,
            cash_buffer=0.02,
            contribution=-150_000.0,
        ),
    )


def test_round_trip(tmp_path, project):
    path = save_project(project, tmp_path / "a.ipsproj")
    assert load_project(path) == project
    document = json.loads(path.read_text())
    assert document["schema_version"] == 3
    assert document["trade_settings"] == {
        "method": "to_band_edge",
        "cost_bps": 7.5,
        "min_trade_value": 25_000.0,
        "cash_buffer": 0.02,
        "contribution": -150_000.0,
    }
    assert document["settings"]["portfolio_value"] == 25e6


def test_a_schema_1_file_still_opens_with_the_default_trade_settings(tmp_path, project):
    document = project_to_dict(project)
    del document["trade_settings"]
    document["schema_version"] = 1
    path = tmp_path / "old.ipsproj"
    path.write_text(json.dumps(document))
    loaded = load_project(path)
    assert loaded.trade_settings == TradeSettings()
    assert loaded.trade_settings.cost_bps == 5.0  # what the window used before schema 2
    assert dataclasses.replace(loaded, trade_settings=project.trade_settings) == project
    document["schema_version"] = 2  # a schema-2 file must have the section
    with pytest.raises(ProjectFileError, match="'trade_settings' section is missing"):
        project_from_dict(document, where="new.ipsproj")


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("method", "to_moon", "use one of to_target, to_band_edge"),
        ("cost_bps", -1, "outside 0..500 bps"),
        ("cash_buffer", 2, "enter it as a fraction of the account value"),
        ("min_trade_value", float("inf"), "enter a finite number"),
        ("contribution", "lots", "enter a finite number"),
        ("slippage", 1, "Unknown trade setting"),
    ],
)
def test_bad_trade_settings_are_refused_with_a_message(project, key, value, message):
    document = project_to_dict(project)
    document["trade_settings"][key] = value
    with pytest.raises(ProjectFileError, match=message) as info:
        project_from_dict(document, where="edited.ipsproj")
    assert str(info.value).startswith("edited.ipsproj: ")


def test_save_is_atomic(tmp_path, project, monkeypatch):
    path = save_project(project, tmp_path / "a.ipsproj")
    before = path.read_bytes()

    def fail(*_args):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("core.jsonio.os.replace", fail)
    with pytest.raises(OSError):
        save_project(Project(bundled_profiles()["Balanced Growth"], default_universe()), path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["a.ipsproj"]


@pytest.fixture
def umask_027():
    old = os.umask(0o027)
    yield
    os.umask(old)


def test_a_new_project_and_its_autosave_follow_the_umask(tmp_path, project, umask_027):
    """Issue 15 #11: mkstemp made every project and autosave 0600 whatever the umask."""
    path = save_project(project, tmp_path / "new.ipsproj")
    (tmp_path / "autosave").mkdir()
    autosave = save_project(project, autosave_path(path, tmp_path / "autosave"))
    assert path.stat().st_mode & 0o777 == 0o640
    assert autosave.stat().st_mode & 0o777 == 0o640


@pytest.mark.parametrize("mode", [0o644, 0o664, 0o600])
def test_saving_over_a_project_keeps_its_mode(tmp_path, project, umask_027, mode):
    path = tmp_path / "shared.ipsproj"
    path.write_text("{}")
    os.chmod(path, mode)
    save_project(project, path)
    assert path.stat().st_mode & 0o777 == mode
    assert load_project(path).profile == project.profile


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "the file is empty"),
        (b'{"schema_version": 1, "profile": {', "looks truncated"),
        (b"\x80\x04\x95pickle", "not a text (UTF-8 JSON) file"),
        (b"[1, 2]", "must hold a JSON object"),
        (b'{"schema_version": 7}', "newer version"),
        (
            b'{"schema_version": "one"}',
            "'schema_version' is missing or not a positive whole number",
        ),
        (b'{"schema_version": 1}', "the 'universe' section is missing"),
    ],
)
def test_damaged_files_are_named(tmp_path, content, message):
    path = tmp_path / "bad.ipsproj"
    path.write_bytes(content)
    with pytest.raises(ProjectFileError) as info:
        load_project(path)
    assert message in str(info.value) and str(info.value).startswith("bad.ipsproj")


def test_hand_edited_values_are_refused(tmp_path, project):
    data = project_to_dict(project)
    data["holdings"]["positions"]["SPY"] = -5
    with pytest.raises(ProjectFileError, match="SPY: -5.0 shares"):
        project_from_dict(data, where="edited.ipsproj")
    data = project_to_dict(project)
    data["settings"]["covariance"] = "CRYSTAL_BALL"
    with pytest.raises(ProjectFileError, match="use one of SAMPLE, LEDOIT_WOLF"):
        project_from_dict(data)
    data = project_to_dict(project)
    data["profile"]["asset_bounds"]["ZZZ"] = {"max": 0.1}
    with pytest.raises(ProjectFileError, match="ZZZ"):
        project_from_dict(data)
    data = project_to_dict(project)
    data["settings"]["portfolio_value"] = float("nan")
    with pytest.raises(ProjectFileError, match="portfolio_value"):
        project_from_dict(data)
    path = tmp_path / "nan.ipsproj"
    path.write_text(json.dumps(project_to_dict(project)).replace('"cash": ', '"cash": NaN, "x": '))
    with pytest.raises(ProjectFileError, match="NaN"):
        load_project(path)


def test_autosave_path_is_beside_nothing_the_user_owns(tmp_path):
    first = autosave_path(tmp_path / "a" / "fund.ipsproj", tmp_path / "auto")
    second = autosave_path(tmp_path / "b" / "fund.ipsproj", tmp_path / "auto")
    assert first.parent == tmp_path / "auto" and first.name.startswith("fund-")
    assert first.name.endswith(".autosave.ipsproj")
    assert first != second  # same name, different folders: separate autosaves
    assert autosave_path(tmp_path / "a" / "fund.ipsproj", tmp_path / "auto") == first
    assert autosave_path(None, tmp_path).name == "untitled.autosave.ipsproj"


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-10, 10)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(value=json_values)
def test_random_documents_never_crash_the_loader(value):
    with pytest.raises(ProjectFileError):
        project_from_dict(value)


def _paths(obj, prefix=()):
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield prefix + (k,)
            yield from _paths(v, prefix + (k,))
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            yield prefix + (i,)
            yield from _paths(v, prefix + (i,))


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_mutated_project_files_load_or_fail_with_a_message(data, project):
    doc = project_to_dict(project)
    paths = list(_paths(doc))
    where = data.draw(st.sampled_from(paths))
    replacement = data.draw(json_values)
    target = doc
    for key in where[:-1]:
        target = target[key]
    target[where[-1]] = replacement
    try:
        loaded = project_from_dict(json.loads(json.dumps(doc)))
    except ProjectFileError as exc:
        assert str(exc)
    else:
        assert isinstance(loaded, Project)


@settings(max_examples=100, deadline=None)
@given(cut=st.integers(0, 4000))
def test_truncated_files_fail_with_a_message(tmp_path_factory, cut):
    project = Project(bundled_profiles()["Balanced Growth"], default_universe(), demo_holdings())
    text = json.dumps(project_to_dict(project), indent=2)
    path = tmp_path_factory.mktemp("trunc") / "t.ipsproj"
    path.write_text(text[: min(cut, len(text) - 1)])
    with pytest.raises(ProjectFileError):
        load_project(path)
