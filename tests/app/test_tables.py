"""Tables: one editable value-table model (paste, copy, undo) and read-only tables that sort
and copy a block, with colours readable on light and dark palettes."""

from __future__ import annotations

import pandas as pd
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QGuiApplication, QUndoStack
from PySide6.QtWidgets import QAbstractItemView, QTableView

from app.ips.constraints_model import MAXIMUM, MINIMUM, ConstraintsModel
from app.kit import formatting as fmt
from app.kit import theme
from app.kit.dataframe_model import CLIP_ROLE, ColumnSpec, DataFrameModel
from app.kit.editable_model import EditableTableModel
from app.kit.views import copy_selection, read_only_table, resize_within_screen
from app.rebalancing.holdings_model import HoldingsModel
from app.stress.scenarios_model import CustomScenariosModel
from core.policy.profile_io import bundled_profiles
from core.rebalance import Holdings
from core.universe import default_universe

DISPLAY = Qt.ItemDataRole.DisplayRole
TIMEOUT_MS = 60_000


# -- colours ------------------------------------------------------------------------------------
def _luminance(colour: QColor) -> float:
    """WCAG 2 relative luminance, computed from the sRGB channels by hand."""

    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    return (
        0.2126 * channel(colour.red())
        + 0.7152 * channel(colour.green())
        + 0.0722 * channel(colour.blue())
    )


def contrast(a: QColor, b: QColor) -> float:
    hi, lo = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def test_contrast_formula_by_hand():
    assert contrast(QColor("#000000"), QColor("#ffffff")) == pytest.approx(21.0)
    assert contrast(QColor("#777777"), QColor("#ffffff")) == pytest.approx(4.48, abs=0.01)


@pytest.mark.parametrize("dark", [False, True])
@pytest.mark.parametrize("style", sorted(theme.CELL_STYLES))
def test_every_cell_style_is_readable_on_both_palettes(style, dark, qapp):
    """WCAG AA (4.5:1) between a style's text and its background (the palette's Base colour
    where the style leaves the background alone)."""
    foreground, background = theme.cell_brushes(style, dark)
    base = QColor("#1f1f1f") if dark else QColor("#ffffff")  # the dark palette's Base / white
    fg = foreground.color() if foreground is not None else None
    bg = background.color() if background is not None else base
    assert fg is not None, "a style sets its text colour with its background"
    threshold = 4.5 if style != "blank" else 3.0  # "no limit" placeholders: large-text contrast
    assert contrast(fg, bg) >= threshold, (style, dark, fg.name(), bg.name())


def test_dark_palette_gives_dark_table_colours(qapp):
    before = QGuiApplication.palette()
    try:
        QGuiApplication.setPalette(theme.dark_palette())
        assert theme.table_is_dark()
        model = DataFrameModel(
            pd.DataFrame({"w": [0.5, 0.5]}, index=["Total", "SPY"]),
            [ColumnSpec("w", "Weight", fmt.PERCENT)],
        )
        model.set_frame(model.frame(), model._specs, bold_rows=[0], highlight_key="w")
        background = model.data(model.index(0, 0), Qt.ItemDataRole.BackgroundRole).color()
        foreground = model.data(model.index(0, 0), Qt.ItemDataRole.ForegroundRole).color()
        assert background.lightness() < 128 and contrast(foreground, background) >= 4.5
    finally:
        QGuiApplication.setPalette(before)
    assert not theme.table_is_dark()


# -- sorting and copying read-only tables --------------------------------------------------------
@pytest.fixture
def table(qtbot):
    frame = pd.DataFrame(
        {"weight": [0.25, None, 0.125, 0.5], "status": ["PASS", "FAIL", "PASS", "PASS"]},
        index=["SPY", "AGG", "GLD", "QQQ"],
    )
    model = DataFrameModel(
        frame,
        [ColumnSpec("weight", "Weight", fmt.PERCENT), ColumnSpec("status", "Status", fmt.STATUS)],
    )
    view = read_only_table("test_table", model)
    qtbot.addWidget(view)
    return view, model


def _labels(model: DataFrameModel) -> list[str]:
    return [model.headerData(r, Qt.Orientation.Vertical, DISPLAY) for r in range(model.rowCount())]


def test_a_header_click_sorts_and_a_third_restores_the_order(table, qtmodeltester):
    view, model = table
    assert view.isSortingEnabled() and _labels(model) == ["SPY", "AGG", "GLD", "QQQ"]
    view.setCurrentIndex(model.index(0, 0))  # SPY stays current through the sorts
    view.sortByColumn(0, Qt.SortOrder.AscendingOrder)
    assert _labels(model) == ["GLD", "SPY", "QQQ", "AGG"]  # blank last
    assert model.data(model.index(0, 0), DISPLAY) == "12.5%"
    assert model.frame_row(0) == 2 and model.row_of("QQQ") == 2
    assert _labels(model)[view.currentIndex().row()] == "SPY"
    view.sortByColumn(0, Qt.SortOrder.DescendingOrder)
    assert _labels(model) == ["QQQ", "SPY", "GLD", "AGG"]  # blank last either way
    model.sort(-1)
    assert _labels(model) == ["SPY", "AGG", "GLD", "QQQ"]
    qtmodeltester.check(model)


def test_ctrl_c_copies_the_selected_block_at_full_precision(table, qapp):
    view, model = table
    view.sortByColumn(0, Qt.SortOrder.AscendingOrder)
    view.selectionModel().select(model.index(0, 0), view.selectionModel().SelectionFlag.Select)
    view.selectionModel().select(model.index(1, 1), view.selectionModel().SelectionFlag.Select)
    assert copy_selection(view) == "12.5%\t\r\n\tPASS\r\n"
    assert copy_selection(view, with_headers=True) == (
        "\tWeight\tStatus\r\nGLD\t12.5%\t\r\nSPY\t\tPASS\r\n"
    )
    copy = next(a for a in view.actions() if a.objectName() == "test_table_copy")
    copy.trigger()
    assert QGuiApplication.clipboard().text() == "12.5%\t\r\n\tPASS\r\n"
    assert model.data(model.index(3, 0), CLIP_ROLE) == ""  # the blank AGG weight


def test_every_read_only_table_of_the_window_sorts_and_copies(window):
    read_only = [
        t
        for t in window.findChildren(QTableView)
        if t.editTriggers() == QAbstractItemView.EditTrigger.NoEditTriggers
    ]
    assert len(read_only) >= 10
    for view in read_only:
        names = {a.text() for a in view.actions()}
        assert view.isSortingEnabled(), view.objectName()
        assert {"Copy", "Copy with headers"} <= names, view.objectName()


# -- the editable value-table model --------------------------------------------------------------
def test_the_three_editable_tables_share_one_model():
    for cls in (HoldingsModel, ConstraintsModel, CustomScenariosModel):
        assert issubclass(cls, EditableTableModel)


@pytest.fixture
def constraints(qtbot):
    stack = QUndoStack()
    model = ConstraintsModel(bundled_profiles()["Balanced Growth"], default_universe(), stack)
    return model, stack


def test_a_block_of_limits_pastes_as_one_undo_step(constraints):
    model, stack = constraints
    equity = model.row_of("Asset class", "Equity")
    before = model.profile
    assert model.paste("50\t60%\r\n20\t40\r\n", equity, MINIMUM)
    assert stack.count() == 1
    fixed_income = model.profile.class_ranges[model.data(model.index(equity + 1, 0), DISPLAY)]
    assert model.profile.class_ranges["Equity"].minimum == pytest.approx(0.50)
    assert model.profile.class_ranges["Equity"].maximum == pytest.approx(0.60)
    assert (fixed_income.minimum, fixed_income.maximum) == pytest.approx((0.20, 0.40))
    stack.undo()
    assert model.profile == before


def test_a_limit_paste_that_breaks_the_policy_changes_nothing(qtbot, constraints):
    model, stack = constraints
    equity = model.row_of("Asset class", "Equity")
    with qtbot.waitSignal(model.edit_rejected, timeout=1_000) as refused:
        assert not model.paste("80\t60\r\n", equity, MINIMUM)  # minimum above maximum
    assert "Paste refused" in refused.args[0] and "Equity" in refused.args[0]
    vol = model.row_of("Limit", "max_volatility")
    with qtbot.waitSignal(model.edit_rejected, timeout=1_000) as refused:
        assert not model.paste("5\t12\r\n", vol, MINIMUM)  # a limit with no minimum
    assert "cannot be set" in refused.args[0]
    assert stack.count() == 0


def test_copied_limits_paste_back_unchanged(constraints):
    model, stack = constraints
    indexes = [model.index(r, c) for r in range(4) for c in (MINIMUM, MAXIMUM)]
    text = model.copy_text(indexes)
    assert text.startswith("45%\t")
    before = model.profile
    assert model.paste(text, 0, MINIMUM)
    assert model.profile == before and stack.count() == 0  # nothing changed: no undo step


def test_a_pasted_name_over_the_cell_limit_is_refused(qtbot):
    model = CustomScenariosModel(("SPY", "AGG"))
    model.add_scenario()
    with qtbot.waitSignal(model.edit_rejected, timeout=1_000) as refused:
        assert not model.paste("x" * 131_073, 0, 0)
    assert "at most 1,000" in refused.args[0]
    assert model.scenarios()[0].name == "Custom scenario 1"


@pytest.mark.parametrize(
    ("section", "key", "column", "typed", "words"),
    [
        ("ETF", "SPY", MINIMUM, "35", "lower the SPY minimum (5.2) from 35% to 30%"),
        ("Limit", "max_single_weight", MAXIMUM, "1", "5.1 maximum single-ETF weight 1%"),
        ("Asset class", "Cash", MAXIMUM, "0", "4.4 Cash maximum 0%; 5.4 SGOV minimum 5%"),
    ],
)
def test_an_edit_that_breaks_the_whole_policy_is_refused_when_typed(
    qtbot, constraints, section, key, column, typed, words
):
    """Each of these was accepted when typed and failed only at Optimize (issue 15, #13)."""
    model, stack = constraints
    before = model.profile
    with qtbot.waitSignal(model.edit_rejected, timeout=1_000) as refused:
        assert not model.setData(model.index(model.row_of(section, key), column), typed)
    assert words in refused.args[0] and "not changed" in refused.args[0]
    assert model.profile == before and stack.count() == 0


def test_a_refused_edit_is_shown_over_the_table_until_the_next_change(window):
    tab = window.tab_widgets["ips"]
    model, bar = tab.constraints_model, tab.refusal_label
    assert bar.isHidden()
    cell = model.index(model.row_of("Asset class", "Equity"), MINIMUM)
    assert not model.setData(cell, "lots")
    assert not bar.isHidden() and "is not a percentage" in bar.text()
    assert "Equity" in bar.text()  # the whole message, naming the cell
    assert model.setData(cell, "50")
    assert bar.isHidden()
    for key in ("rebalancing", "stress"):  # the other editable tables have one too
        panel_bars = [
            w.objectName()
            for w in window.tab_widgets[key].findChildren(type(bar))
            if w.objectName().endswith("_refusal")
        ]
        assert panel_bars, key


def test_switching_profiles_never_replaces_an_edited_one(qtbot, window):
    """Issue 15, #10: switching away and back brought the bundled profile back in place of the
    edited one; the edited profile is now an item of its own next to the bundled one."""
    tab = window.tab_widgets["ips"]
    model, combo = tab.constraints_model, tab.profile_combo
    cell = model.index(model.row_of("Asset class", "Equity"), MAXIMUM)
    assert model.setData(cell, "60")
    edited = tab.profile()
    combo.setCurrentText("Capital Preservation")
    assert tab.profile().name == "Capital Preservation"
    assert combo.findText("Balanced Growth (edited)") >= 0
    combo.setCurrentText("Balanced Growth (edited)")
    assert tab.profile() == edited
    assert tab.profile().class_ranges["Equity"].maximum == pytest.approx(0.60)
    combo.setCurrentText("Balanced Growth")
    assert tab.profile().class_ranges["Equity"].maximum == pytest.approx(0.70)  # the bundled one


def test_a_projects_edited_profile_is_its_own_item(qtbot, window):
    from dataclasses import replace

    profile = window.ips_tab.profile()
    ranges = dict(profile.class_ranges)
    ranges["Equity"] = replace(ranges["Equity"], maximum=0.6)
    edited = profile.with_changes(class_ranges=ranges)
    window.install_workspace(window.context.universe, edited)
    combo = window.ips_tab.profile_combo
    assert combo.currentText() == "Balanced Growth (project)"
    assert combo.findText("Balanced Growth") >= 0
    combo.setCurrentText("Balanced Growth")
    combo.setCurrentText("Balanced Growth (project)")
    assert window.ips_tab.profile() == edited


def test_an_implausible_number_of_shares_is_refused_at_entry(window):
    tab = window.tab_widgets["rebalancing"]
    model, before = tab.holdings_model, tab.holdings()
    assert not model.setData(model.index(0, 1), "1e308")
    assert "not a plausible amount" in tab.holdings_panel.refusal_label.text()
    assert "Shares" in tab.holdings_panel.refusal_label.text()  # the cell is named
    assert tab.holdings() == before


def test_failing_policy_rules_are_listed_first(qtbot, window):
    """Issue 15, #17: the validation table showed passing rules first and failing ones below
    the fold. With a 1% drawdown tolerance no candidate passes: the failing rule is row 1."""
    from core.pipeline import run_analysis

    profile = window.ips_tab.profile().with_changes(max_drawdown=0.01)
    result = run_analysis(profile, window.dataset, window.context.universe)
    tab = window.tab_widgets["allocation"]
    tab.show_result(result)
    model = tab.validation_model
    statuses = [
        model.data(model.index(r, model.column_of("pass_fail"))) for r in range(model.rowCount())
    ]
    assert "FAIL" in statuses and "PASS" in statuses
    first_pass = statuses.index("PASS")
    assert all(s == "FAIL" for s in statuses[:first_pass]) and "FAIL" not in statuses[first_pass:]


def test_the_window_fits_a_small_screen_on_every_tab(qtbot, window):
    """Issue 15, #14: the window could not be smaller than 924x821 (1264x821 on Rebalancing);
    a long profile name or note widened it for good. Tabs now scroll inside the window."""
    for index in range(window.tabs.count()):
        window.tabs.setCurrentIndex(index)
        window.resize(1280, 720)
        qtbot.wait(10)
        assert (window.width(), window.height()) == (1280, 720), window.tabs.tabText(index)
        assert window.minimumSizeHint().width() <= 1280
        assert window.minimumSizeHint().height() <= 720
    window.tabs.setCurrentIndex(0)
    profile = window.ips_tab.profile()
    window.ips_tab.constraints_model.replace_profile(
        profile.with_changes(name="Long name " * 30, notes="note " * 1000)
    )
    qtbot.wait(10)
    window.resize(1280, 720)
    assert window.width() == 1280 and window.minimumSizeHint().width() <= 1280


def test_a_decimal_typed_in_a_percent_cell_is_asked_about(qtbot, constraints):
    """Issue 15, #17: typing 0.15 in a percent cell silently meant 0.15%."""
    model, stack = constraints
    cell = model.index(model.row_of("ETF", "GLD"), MAXIMUM)
    with qtbot.waitSignal(model.edit_rejected, timeout=1_000) as asked:
        assert not model.setData(cell, "0.15")
    assert "Type 15 for 15%, or 0.15% if you mean 0.15%" in asked.args[0]
    assert model.setData(cell, "0.15%")  # said explicitly: taken
    assert model.profile.asset_caps["GLD"] == pytest.approx(0.0015)
    assert model.setData(cell, "0.15")  # the cell's own value, Enter pressed again: no question
    assert model.setData(cell, "15") and model.profile.asset_caps["GLD"] == pytest.approx(0.15)


def test_a_decimal_shock_is_asked_about(qtbot):
    model = CustomScenariosModel(("SPY", "AGG"))
    model.add_scenario()
    with qtbot.waitSignal(model.edit_rejected, timeout=1_000) as asked:
        assert not model.setData(model.index(0, 1), "-0.2")
    assert "Type -20 for -20%" in asked.args[0]
    assert model.setData(model.index(0, 1), "-20")
    assert model.scenarios()[0].shocks["SPY"] == pytest.approx(-0.2)


def test_a_ten_thousand_row_scenario_paste_makes_cells_only_when_shown(qtbot):
    """Issue 15, #8: the paste built every cell of every row on the GUI thread; rows are now
    made when a view asks for them (the paste itself is one undo step, validated whole)."""
    tickers = ("SPY", "AGG", "GLD")
    stack = QUndoStack()
    model = CustomScenariosModel(tickers, stack)
    block = ["Name\t" + "\t".join(tickers)]
    block += [f"S{k}\t-5\t1\t2" for k in range(10_000)]
    with qtbot.waitSignal(model.paste_finished, timeout=60_000) as finished:
        assert model.paste("\r\n".join(block), 0, 0)
    assert finished.args == [True]
    assert model.rowCount() == 10_000 and stack.count() == 1
    assert len(model._rows) == 0  # nothing drawn yet: no cell made
    assert model.data(model.index(9_999, 1)) == "-5.0%"
    assert len(model._rows) == 1


def test_cells_are_edited_as_text_the_model_reads(qtbot):
    """One text editor for every editable cell: what is typed reaches the model unchanged (the
    model reads it by core's grammar); the editor starts from the full-precision value."""
    from PySide6.QtWidgets import QStyleOptionViewItem

    from app.kit.delegates import PercentDelegate, TextCellDelegate

    model = CustomScenariosModel(("SPY",))
    model.add_scenario()
    shock = model.index(0, 1)
    percent = PercentDelegate()
    editor = percent.createEditor(None, QStyleOptionViewItem(), shock)
    percent.setEditorData(editor, shock)
    assert editor.text() == "0" and editor.placeholderText() == "e.g. 15 or 15%"
    editor.setText("-12.5%")
    percent.setModelData(editor, model, shock)
    assert model.scenarios()[0].shocks["SPY"] == pytest.approx(-0.125)
    holdings = HoldingsModel(default_universe())
    holdings.set_holdings(Holdings({"SPY": 1234.5}, {"SPY": 600.0}, 0.0))
    text = TextCellDelegate(left=lambda index: index.column() == 0)
    cell = holdings.index(0, 1)
    editor = text.createEditor(None, QStyleOptionViewItem(), cell)
    text.setEditorData(editor, cell)
    assert editor.text() == "1234.5"  # no thousands separator in the editor
    editor.setText("1,300")
    text.setModelData(editor, holdings, cell)
    assert holdings.holdings().positions["SPY"] == 1300.0


def _big_block(tickers, rows, bad_row=None):
    lines = ["Name\t" + "\t".join(tickers)]
    for k in range(rows):
        cell = "oops" if k == bad_row else "-5"
        lines.append(f"S{k}\t{cell}\t" + "\t".join("1" for _ in tickers[1:]))
    return "\r\n".join(lines)


def test_a_large_paste_is_read_in_the_background_while_the_window_runs(qtbot):
    """Issue 15, #8: a paste of thousands of rows is parsed and validated in a worker; the
    event loop keeps turning (a timer fires) and the result is ONE undo step, the same scenarios
    as the synchronous reading of the same rows gives."""
    from PySide6.QtCore import QTimer

    from app.kit.editable_model import BACKGROUND_PASTE_CELLS

    tickers = ("SPY", "AGG", "GLD", "TLT")
    rows = BACKGROUND_PASTE_CELLS // (len(tickers) + 1) + 500
    stack = QUndoStack()
    model = CustomScenariosModel(tickers, stack)
    busy: list[str] = []
    model.paste_busy.connect(busy.append)
    ticks: list[int] = []
    timer = QTimer()
    timer.timeout.connect(lambda: ticks.append(1))
    timer.start(1)
    with qtbot.waitSignal(model.paste_finished, timeout=60_000) as finished:
        assert model.paste(_big_block(tickers, rows), 0, 0)
        assert model.pasting and model.rowCount() == 0  # nothing applied yet
    timer.stop()
    assert finished.args == [True] and ticks, "the event loop ran while the block was read"
    assert busy[0] == f"Reading {rows + 1:,} pasted rows…" and busy[-1] == ""
    assert model.rowCount() == rows and stack.count() == 1
    # The same rows read synchronously (a small model, below the threshold) give equal scenarios.
    small = CustomScenariosModel(tickers)
    assert small.paste(_big_block(tickers, 3), 0, 0)
    assert model.scenarios()[:3] == small.scenarios()
    stack.undo()
    assert model.rowCount() == 0


def test_a_large_paste_with_a_bad_cell_changes_nothing_and_names_the_cell(qtbot):
    from app.kit.editable_model import BACKGROUND_PASTE_CELLS

    tickers = ("SPY", "AGG", "GLD", "TLT")
    rows = BACKGROUND_PASTE_CELLS // (len(tickers) + 1) + 500
    model = CustomScenariosModel(tickers, QUndoStack())
    with qtbot.waitSignal(model.edit_rejected, timeout=60_000) as refused:
        assert model.paste(_big_block(tickers, rows, bad_row=4_321), 0, 0)
    assert "S4321" in refused.args[0] and "nothing changed" in refused.args[0]
    assert model.rowCount() == 0


def test_an_edit_made_while_a_large_paste_is_read_refuses_the_paste(qtbot):
    """The paste was read against the state before the edit: it is refused, never merged."""
    from app.kit.editable_model import BACKGROUND_PASTE_CELLS

    tickers = ("SPY", "AGG", "GLD", "TLT")
    rows = BACKGROUND_PASTE_CELLS // (len(tickers) + 1) + 500
    stack = QUndoStack()
    model = CustomScenariosModel(tickers, stack)
    with qtbot.waitSignal(model.paste_finished, timeout=60_000) as finished:
        assert model.paste(_big_block(tickers, rows), 0, 0)
        model.add_scenario()  # an edit on the GUI thread while the worker reads
        assert not model.paste(_big_block(tickers, rows), 0, 0)  # one background paste at a time
    assert finished.args == [False]
    assert model.rowCount() == 1 and stack.count() == 1  # only the added scenario


def test_windows_are_sized_within_the_screen(qtbot):
    from PySide6.QtWidgets import QWidget

    widget = QWidget()
    qtbot.addWidget(widget)
    room = widget.screen().availableGeometry()
    resize_within_screen(widget, room.width() + 500, room.height() + 500)  # a laptop screen
    assert widget.width() == room.width() - 40 and widget.height() == room.height() - 80
    resize_within_screen(widget, 300, 200)  # room enough: the size asked for
    assert (widget.width(), widget.height()) == (300, 200)
