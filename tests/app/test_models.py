"""Table models: formatting ladder, coercion, undoable constraint edits, model tester."""

from __future__ import annotations

import pandas as pd
import pytest
from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import QUndoStack

from app.ips.constraints_model import MAXIMUM, MINIMUM, ConstraintsModel
from app.kit import formatting as fmt
from app.kit.dataframe_model import ColumnSpec, DataFrameModel
from core.policy.profile_io import bundled_profiles
from core.universe import default_universe

DISPLAY, EDIT = Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("15", 0.15),
        ("15%", 0.15),
        (" 15.5 % ", 0.155),
        (15, 0.15),
        (0.15, 0.0015),
        ("0", 0.0),
        ("100%", 1.0),
    ],
)
def test_parse_percent_reads_percent_units(typed, expected):
    assert fmt.parse_percent(typed) == pytest.approx(expected)


@pytest.mark.parametrize("typed", ["abc", "15%%", "-5", "101", "nan", True, "", None])
def test_parse_percent_refuses_bad_input(typed):
    with pytest.raises(ValueError):
        fmt.parse_percent(typed)


def test_parse_percent_blank_allowed_when_optional():
    assert fmt.parse_percent("  ", optional=True) is None


def test_format_value_kinds():
    assert fmt.format_value(0.1234, fmt.PERCENT) == "12.3%"
    assert fmt.format_value(-1e-13, fmt.PERCENT) == "0.0%"
    assert fmt.format_value(0.4213, fmt.RATIO) == "0.42"
    assert fmt.format_value(-4_088_560.2, fmt.CURRENCY) == "-$4,088,560"
    assert fmt.format_value(180.0, fmt.COUNT) == "180"
    assert fmt.format_value(float("nan"), fmt.RATIO) == fmt.MISSING


@pytest.fixture
def frame_model():
    frame = pd.DataFrame(
        {"weight": [0.1234, 0.5], "sharpe": [0.41, float("nan")], "status": ["PASS", "FAIL"]},
        index=["SPY", "AGG"],
    )
    specs = [
        ColumnSpec("weight", "Weight", fmt.PERCENT, editable=True, coerce=fmt.parse_percent),
        ColumnSpec("sharpe", "Sharpe", fmt.RATIO),
        ColumnSpec("status", "Status", fmt.STATUS),
    ]
    return DataFrameModel(frame, specs)


def test_dataframe_model_passes_model_tester(qtmodeltester, frame_model):
    qtmodeltester.check(frame_model)


def test_dataframe_model_role_ladder(frame_model):
    cell = frame_model.index(0, 0)
    assert frame_model.data(cell, DISPLAY) == "12.3%"
    assert frame_model.data(cell, EDIT) == pytest.approx(12.34)
    assert "12.34%" in frame_model.data(cell, Qt.ItemDataRole.ToolTipRole)
    assert frame_model.data(cell, Qt.ItemDataRole.TextAlignmentRole) & Qt.AlignmentFlag.AlignRight
    assert frame_model.data(frame_model.index(1, 1), DISPLAY) == fmt.MISSING
    assert frame_model.headerData(0, Qt.Orientation.Vertical) == "SPY"
    assert frame_model.flags(QModelIndex()) == Qt.ItemFlag.NoItemFlags
    assert not frame_model.flags(frame_model.index(0, 1)) & Qt.ItemFlag.ItemIsEditable


def test_dataframe_model_pass_fail_colours(frame_model):
    passed, failed = frame_model.index(0, 2), frame_model.index(1, 2)
    background = Qt.ItemDataRole.BackgroundRole
    assert (
        frame_model.data(passed, background).color().green()
        > frame_model.data(passed, background).color().red()
    )
    assert (
        frame_model.data(failed, background).color().red()
        > frame_model.data(failed, background).color().green()
    )


def test_dataframe_model_set_data_coerces_or_refuses(qtbot, frame_model):
    cell = frame_model.index(0, 0)
    with qtbot.waitSignal(frame_model.edit_rejected, timeout=1_000):
        assert not frame_model.setData(cell, "twelve")
    assert frame_model.data(cell, DISPLAY) == "12.3%"
    with qtbot.waitSignal(frame_model.dataChanged, timeout=1_000):
        assert frame_model.setData(cell, "20%")
    assert frame_model.frame().loc["SPY", "weight"] == pytest.approx(0.20)
    assert not frame_model.setData(frame_model.index(0, 1), "1.0")  # read-only column


def test_dataframe_model_remembered_answers_follow_edits_and_new_frames(frame_model):
    """data() remembers each cell's answer per role (paint asks for ~8 roles per cell each time);
    an edit and a new frame must never show a remembered, outdated answer."""
    cell = frame_model.index(0, 0)
    roles = (DISPLAY, EDIT, Qt.ItemDataRole.ToolTipRole, Qt.ItemDataRole.BackgroundRole)
    before = [frame_model.data(cell, role) for role in roles]
    assert [frame_model.data(cell, role) for role in roles] == before  # asked twice, same answers
    assert frame_model.setData(cell, "20%")
    assert frame_model.data(cell, DISPLAY) == "20.0%" and frame_model.data(
        cell, EDIT
    ) == pytest.approx(20.0)
    frame = pd.DataFrame({"weight": [0.3], "sharpe": [1.5], "status": ["FAIL"]}, index=["QQQ"])
    frame_model.set_frame(frame, list(frame_model._specs), highlight_key="sharpe")
    assert frame_model.data(cell, DISPLAY) == "30.0%"
    assert frame_model.data(frame_model.index(0, 2), DISPLAY) == "FAIL"
    assert frame_model.data(frame_model.index(1, 0), DISPLAY) is None  # no second row any more
    from app.kit import theme

    for row in range(frame_model.rowCount()):  # every remembered answer equals a fresh one
        for column in range(frame_model.columnCount()):
            for role in roles:
                if role == Qt.ItemDataRole.BackgroundRole:  # colours: the one style hook
                    style = frame_model.cell_style(row, column)
                    fresh = None if style is None else theme.cell_brushes(style)[1]
                else:
                    fresh = frame_model.cell_data(row, column, role)
                assert frame_model.data(frame_model.index(row, column), role) == fresh


@pytest.fixture
def constraints():
    stack = QUndoStack()
    profile = bundled_profiles()["Balanced Growth"]
    model = ConstraintsModel(profile, default_universe(), stack)
    return model, stack


def test_constraints_model_passes_model_tester(qtmodeltester, constraints):
    qtmodeltester.check(constraints[0])


def test_constraints_model_shows_profile_limits(constraints):
    model, _ = constraints
    equity = model.row_of("Asset class", "Equity")
    assert model.data(model.index(equity, MINIMUM), DISPLAY) == "45.0%"
    assert model.data(model.index(equity, MINIMUM), EDIT) == pytest.approx(45.0)
    assert model.data(model.index(model.row_of("ETF", "GLD"), MAXIMUM), DISPLAY) == "7.5%"
    vol = model.row_of("Limit", "max_volatility")
    assert model.data(model.index(vol, MAXIMUM), DISPLAY) == "13.0%"
    assert not model.flags(model.index(vol, MINIMUM)) & Qt.ItemFlag.ItemIsEditable
    assert "15%" in model.data(model.index(equity, MINIMUM), Qt.ItemDataRole.ToolTipRole)


def test_constraint_edit_is_one_undoable_command(qtbot, constraints):
    model, stack = constraints
    cell = model.index(model.row_of("Asset class", "Equity"), MINIMUM)
    with qtbot.waitSignal(model.profile_changed, timeout=1_000) as blocker:
        assert model.setData(cell, "55%")
    assert blocker.args[0].class_ranges["Equity"].minimum == pytest.approx(0.55)
    assert stack.count() == 1
    assert model.data(cell, DISPLAY) == "55.0%"
    stack.undo()
    assert model.profile.class_ranges["Equity"].minimum == pytest.approx(0.45)
    assert model.data(cell, DISPLAY) == "45.0%"
    stack.redo()
    assert model.profile.class_ranges["Equity"].minimum == pytest.approx(0.55)


@pytest.mark.parametrize(
    ("section", "key", "column", "typed", "words"),
    [
        ("Asset class", "Equity", MINIMUM, "80", "above its maximum"),
        ("Asset class", "Equity", MINIMUM, "lots", "not a percentage"),
        ("Asset class", "Cash", MAXIMUM, "", "needs a value"),
        ("ETF", "GLD", MINIMUM, "10", "above its cap"),
        ("Limit", "max_volatility", MAXIMUM, "0", "must be"),
    ],
)
def test_invalid_constraint_edit_is_refused_with_a_message(
    qtbot, constraints, section, key, column, typed, words
):
    model, stack = constraints
    cell = model.index(model.row_of(section, key), column)
    before = model.data(cell, DISPLAY)
    with qtbot.waitSignal(model.edit_rejected, timeout=1_000) as blocker:
        assert not model.setData(cell, typed)
    assert words in blocker.args[0]
    assert model.data(cell, DISPLAY) == before
    assert stack.count() == 0


def test_blank_etf_cap_removes_it(constraints):
    model, stack = constraints
    cell = model.index(model.row_of("ETF", "HYG"), MAXIMUM)
    assert model.setData(cell, "")
    assert "HYG" not in model.profile.asset_caps
    assert model.data(cell, DISPLAY) == fmt.MISSING
    stack.undo()
    assert model.profile.asset_caps["HYG"] == pytest.approx(0.10)


def test_switching_profile_is_undoable(constraints):
    model, stack = constraints
    other = bundled_profiles()["Capital Preservation"]
    model.replace_profile(other)
    assert model.profile == other
    stack.undo()
    assert model.profile.name == "Balanced Growth"


def test_outlook_policy_numbers_are_editable_rows(qtbot, constraints):
    """Issue 17: the return objective, the spending rule (percent of assets) and the liquidity
    reserve are edited in the IPS table, one undo step each; blanks remove the optional ones."""
    from core.policy.profile import SpendingKind

    model, stack = constraints
    objective = model.index(model.row_of("Outlook", "target_return"), MAXIMUM)
    spending = model.index(model.row_of("Outlook", "spending_percent"), MAXIMUM)
    reserve = model.index(model.row_of("Outlook", "liquidity_reserve"), MAXIMUM)
    assert model.data(objective, DISPLAY) == "6.0%"
    assert model.setData(spending, "5%")
    assert model.profile.spending.kind is SpendingKind.PERCENT_OF_ASSETS
    assert model.profile.spending.value == pytest.approx(0.05)
    assert model.setData(objective, "7.5")
    assert model.profile.target_return == pytest.approx(0.075)
    assert model.setData(reserve, "10%")
    assert model.profile.liquidity_reserve == pytest.approx(0.10)
    assert model.setData(spending, "")
    assert model.profile.spending.kind is SpendingKind.NONE
    assert stack.count() == 4
    stack.undo()
    assert model.profile.spending.value == pytest.approx(0.05)
    with qtbot.waitSignal(model.edit_rejected, timeout=1_000):
        assert not model.setData(reserve, "")
