"""The scenario model: validation messages, percent parsing, JSON round trip, atomic save."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.errors import DataError
from core.stress.scenarios import (
    Scenario,
    ScenarioError,
    ScenarioKind,
    check_tickers,
    load_scenarios,
    parse_shock,
    save_scenarios,
    scenario_from_dict,
    scenario_to_dict,
    scenarios_from_dict,
)
from core.universe import default_universe

TICKERS = default_universe().tickers


def make(**shocks: object) -> Scenario:
    return Scenario(name="My Crash", kind=ScenarioKind.CUSTOM, shocks=shocks)  # type: ignore[arg-type]


def test_scenario_errors_are_data_errors():
    assert issubclass(ScenarioError, DataError)


def test_a_shock_below_minus_100_percent_is_refused_naming_scenario_ticker_and_value():
    with pytest.raises(ScenarioError) as info:
        make(SPY=-1.2)
    message = str(info.value)
    assert (
        "My Crash" in message and "SPY" in message and "-120.00%" in message and "-100%" in message
    )


def test_a_total_loss_is_allowed():
    assert make(SPY=-1.0).shocks == {"SPY": -1.0}


@pytest.mark.parametrize(
    "value", ["abc", "", None, True, float("nan"), float("inf"), [0.1], "12%%"]
)
def test_non_numbers_are_refused_with_the_value_in_the_message(value):
    with pytest.raises(ScenarioError) as info:
        make(QQQ=value)
    assert "My Crash" in str(info.value) and "QQQ" in str(info.value)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("-25%", -0.25),
        ("-0.25", -0.25),
        (" \u221212.5 % ", -0.125),
        ("0", 0.0),
        ("7%", 0.07),
        (3, 3.0),
    ],
)
def test_parse_shock_reads_decimals_and_percents(text, expected):
    assert parse_shock(text) == pytest.approx(expected, abs=1e-15)


def test_a_bare_minus_25_is_read_as_a_decimal_and_refused():
    # "-25" without a percent sign would be -2500%: refused instead of guessed
    with pytest.raises(ScenarioError, match="below -100%"):
        parse_shock("-25", scenario="S", ticker="SPY")


def test_unknown_ticker_is_refused_naming_it_and_its_value():
    scenario = make(SPY=-0.2, XYZ=-0.3)
    with pytest.raises(ScenarioError) as info:
        check_tickers(scenario, TICKERS)
    assert "My Crash" in str(info.value) and "XYZ (-30.00%)" in str(info.value)


def test_tickers_are_normalised_and_duplicates_refused():
    assert make(spy=-0.1).tickers == ("SPY",)
    with pytest.raises(ScenarioError, match="twice"):
        Scenario("S", ScenarioKind.CUSTOM, {"SPY": -0.1, " spy ": -0.2})


def test_name_and_shocks_are_required():
    with pytest.raises(ScenarioError, match="name"):
        Scenario("  ", ScenarioKind.CUSTOM, {"SPY": -0.1})
    with pytest.raises(ScenarioError, match="no shocks"):
        Scenario("S", ScenarioKind.CUSTOM, {})
    with pytest.raises(ScenarioError, match="kind"):
        Scenario("S", "custom", {"SPY": -0.1})  # type: ignore[arg-type]


def test_a_note_for_a_ticker_without_a_shock_is_refused():
    with pytest.raises(ScenarioError, match="notes for AGG"):
        Scenario("S", ScenarioKind.CUSTOM, {"SPY": -0.1}, notes={"AGG": "typo"})


def test_note_spells_out_the_proxy():
    s = Scenario(
        "S",
        ScenarioKind.HISTORICAL,
        {"SGOV": 0.02},
        notes={"SGOV": "T-bills"},
        proxies={"SGOV": "BIL"},
    )
    assert s.note("SGOV") == "T-bills (proxy: BIL)"


def test_the_file_format_round_trips(tmp_path):
    scenarios = (
        Scenario(
            "Crash",
            ScenarioKind.CUSTOM,
            {"SPY": -0.3, "AGG": 0.02},
            description="d",
            notes={"SPY": "committee view"},
            source="us",
        ),
        Scenario(
            "Replay",
            ScenarioKind.HISTORICAL,
            {"SGOV": 0.01},
            proxies={"SGOV": "BIL"},
            period="2020",
        ),
    )
    path = tmp_path / "custom.json"
    save_scenarios(scenarios, path)
    assert load_scenarios(path, tickers=TICKERS) == scenarios
    assert json.loads(path.read_text())["schema_version"] == 1


def test_loading_accepts_bare_numbers_and_percent_strings():
    data = {"scenarios": [{"name": "X", "shocks": {"SPY": -0.2, "AGG": "-3%"}}]}
    (scenario,) = scenarios_from_dict(data, tickers=TICKERS)
    assert scenario.kind is ScenarioKind.CUSTOM and scenario.shocks == {"SPY": -0.2, "AGG": -0.03}


def test_loading_refuses_bad_input_with_the_file_name(tmp_path):
    path = tmp_path / "bad.json"
    path.write_text('{"scenarios": [{"name": "X", "shocks": {"SPY": "lots"}}]}')
    with pytest.raises(ScenarioError, match="bad.json.*'X'.*SPY.*'lots'"):
        load_scenarios(path)
    path.write_text('{"scenarios": [{"name": "X", "shocks": {"ZZZ": -0.1}}]}')
    with pytest.raises(ScenarioError, match="ZZZ"):
        load_scenarios(path, tickers=TICKERS)
    path.write_text("{not json")
    with pytest.raises(ScenarioError, match="not valid JSON"):
        load_scenarios(path)
    with pytest.raises(ScenarioError, match="does not exist"):
        load_scenarios(tmp_path / "missing.json")
    with pytest.raises(ScenarioError, match="kind"):
        scenario_from_dict({"name": "X", "kind": "imaginary", "shocks": {"SPY": 0.1}})


def test_duplicate_names_are_refused():
    data = {
        "scenarios": [
            {"name": "X", "shocks": {"SPY": -0.2}},
            {"name": "x", "shocks": {"SPY": -0.1}},
        ]
    }
    with pytest.raises(ScenarioError, match="Two scenarios"):
        scenarios_from_dict(data)


def test_a_failed_save_leaves_the_old_file_and_no_temporary(tmp_path, monkeypatch):
    path = tmp_path / "custom.json"
    save_scenarios([make(SPY=-0.1)], path)
    before = path.read_text()

    def boom(*_args: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr("core.jsonio.os.replace", boom)
    with pytest.raises(OSError):
        save_scenarios([make(SPY=-0.5)], path)
    assert path.read_text() == before
    assert [p.name for p in tmp_path.iterdir()] == ["custom.json"]


shock_values = st.floats(min_value=-1.0, max_value=5.0, allow_nan=False)


@given(
    st.dictionaries(st.sampled_from(TICKERS), shock_values, min_size=1),
    st.text(min_size=1).filter(lambda s: s.strip()),
)
def test_any_valid_scenario_survives_the_dict_round_trip(shocks, name):
    scenario = Scenario(name, ScenarioKind.CUSTOM, shocks)
    assert (
        scenario_from_dict(json.loads(json.dumps(scenario_to_dict(scenario))), tickers=TICKERS)
        == scenario
    )


@given(st.floats(max_value=-1.0, exclude_max=True, allow_infinity=False, allow_nan=False))
def test_any_shock_below_minus_one_is_refused(value):
    with pytest.raises(ScenarioError):
        make(SPY=value)
