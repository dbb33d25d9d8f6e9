"""The Stress tab's input panels: the custom-scenarios editor and the conditional-scenario
builder. Both hand scenarios to core for validation and never open a dialog except in the
Save / Load button handlers."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtGui import QAction, QGuiApplication, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFileDialog,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.kit import formatting as fmt
from app.kit import theme
from app.kit.dataframe_model import ColumnSpec, DataFrameModel
from app.kit.delegates import PercentDelegate
from app.kit.views import button_row, hint_label, push_button, read_only_table, refusal_bar
from app.kit.workers import Job, JobRunner
from app.stress.scenarios_model import NAME, SHOCK_HELP, CustomScenariosModel
from core.errors import IPSStudioError
from core.jobs import CancelToken, ProgressCallback
from core.stress.conditional import ConditionalSpec, conditional_scenario
from core.stress.scenarios import Scenario, ScenarioError, load_scenarios, save_scenarios

FILE_FILTER = "Scenario files (*.json);;All files (*)"
EDITOR_HINT = (
    "Double-click a cell to edit; shocks in percent (-20 or -20%). Paste a block from Excel "
    "with Ctrl+V (a first row 'Name, SPY, AGG, …' adds one scenario per line). Undo: Ctrl+Z."
)


LOAD_JOB = "load_scenarios"


def read_scenarios_job(
    path: str, tickers: tuple[str, ...], *, progress: ProgressCallback, cancel: CancelToken
) -> tuple[Scenario, ...]:
    """Worker body (no Qt): a scenario file read and validated for the universe's tickers."""
    return load_scenarios(path, tickers=tickers, progress=progress, cancel=cancel)


class CustomScenariosPanel(QGroupBox):
    """Table ``custom_scenarios_table`` with Add / Delete / Save… / Load… buttons."""

    status_message = Signal(str)

    def __init__(
        self,
        model: CustomScenariosModel,
        parent: QWidget | None = None,
        *,
        runner: JobRunner | None = None,
    ) -> None:
        super().__init__("Custom scenarios", parent)
        self.model = model
        self.runner = runner if runner is not None else JobRunner(self)
        model.use_job_runner(self.runner)  # large pastes are read on the tab's runner
        self.table = QTableView()
        self.table.setObjectName("custom_scenarios_table")
        self.table.setModel(model)
        self._delegate = PercentDelegate(self.table)
        for column in range(1, model.columnCount()):
            self.table.setItemDelegateForColumn(column, self._delegate)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectItems)
        self.table.setEditTriggers(
            QAbstractItemView.EditTrigger.DoubleClicked
            | QAbstractItemView.EditTrigger.EditKeyPressed
            | QAbstractItemView.EditTrigger.AnyKeyPressed
        )
        self.table.verticalHeader().setDefaultSectionSize(22)
        self.table.horizontalHeader().setDefaultSectionSize(58)
        self.table.setColumnWidth(NAME, 170)
        self.paste_action = QAction("Paste", self.table)
        self.paste_action.setShortcut(QKeySequence.StandardKey.Paste)
        self.paste_action.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        self.paste_action.triggered.connect(self._on_paste_action_triggered)
        self.table.addAction(self.paste_action)

        self.add_button = push_button(
            "add_scenario_button", "Add", "Add a scenario with every shock at 0%"
        )
        self.delete_button = push_button(
            "delete_scenario_button", "Delete", "Delete the selected scenarios"
        )
        self.save_button = push_button(
            "save_scenarios_button", "Save…", "Save the custom scenarios as JSON"
        )
        self.load_button = push_button(
            "load_scenarios_button",
            "Load…",
            "Replace the custom scenarios with those of a JSON file (undoable)",
        )
        buttons = button_row(
            self.add_button, self.delete_button, self.save_button, self.load_button
        )
        hint = hint_label(EDITOR_HINT)
        layout = QVBoxLayout(self)
        layout.addLayout(buttons)
        self.refusal_label = refusal_bar(model, "scenarios_refusal")
        layout.addWidget(self.refusal_label)
        layout.addWidget(self.table, 1)
        layout.addWidget(hint)

        self.add_button.clicked.connect(self._on_add_button_clicked)
        self.delete_button.clicked.connect(self._on_delete_button_clicked)
        self.save_button.clicked.connect(self._on_save_button_clicked)
        self.load_button.clicked.connect(self._on_load_button_clicked)

    @Slot()
    def _on_add_button_clicked(self) -> None:
        if self.model.add_scenario():
            self.table.setCurrentIndex(self.model.index(self.model.rowCount() - 1, NAME))

    @Slot()
    def _on_delete_button_clicked(self) -> None:
        rows = {index.row() for index in self.table.selectionModel().selectedIndexes()}
        if not rows and self.table.currentIndex().isValid():
            rows = {self.table.currentIndex().row()}
        if not self.model.remove_rows_at(rows):
            self.status_message.emit("Select the scenarios to delete first.")

    @Slot()
    def _on_paste_action_triggered(self) -> None:
        current = self.table.currentIndex()
        row, column = (
            (current.row(), current.column())
            if current.isValid()
            else (self.model.rowCount(), NAME)
        )
        self.model.paste(QGuiApplication.clipboard().text(), row, column)

    @Slot()
    def _on_save_button_clicked(self) -> None:
        scenarios = self.model.scenarios()
        if not scenarios:
            self.status_message.emit("There are no custom scenarios to save.")
            return
        path, _ = QFileDialog.getSaveFileName(
            self, "Save custom scenarios", "custom_scenarios.json", FILE_FILTER
        )
        if not path:
            return
        try:
            save_scenarios(scenarios, path)
        except (OSError, IPSStudioError) as exc:
            self.status_message.emit(f"Scenarios not saved: {exc}")
            return
        self.status_message.emit(f"Saved {len(scenarios)} custom scenarios to {path}.")

    @Slot()
    def _on_load_button_clicked(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Load custom scenarios", "", FILE_FILTER)
        if path:
            self.load_file(path)

    def load_file(self, path: str | Path) -> Job:
        """Read ``path`` in a worker (a file may hold thousands of scenarios); replace the
        scenarios with its own as one undoable step, or say why it was refused."""
        self.status_message.emit(f"Reading {Path(path).name}…")
        job = self.runner.start(Job(LOAD_JOB, read_scenarios_job, str(path), self.model.tickers))
        job.connect(
            result=lambda loaded: self._on_loaded(loaded, str(path)),
            error=lambda message: self.status_message.emit(f"Scenarios not loaded: {message}"),
        )
        return job

    def _on_loaded(self, loaded: tuple[Scenario, ...], path: str) -> None:
        if self.model.replace_scenarios(loaded, f"Load scenarios from {Path(path).name}"):
            self.status_message.emit(f"Loaded {len(loaded)} scenarios from {path}.")


class ConditionalPanel(QGroupBox):
    """Shock one or two ETFs; see every other ETF's implied shock; add it as a scenario."""

    scenario_requested = Signal(object)
    status_message = Signal(str)

    def __init__(self, tickers: tuple[str, ...], parent: QWidget | None = None) -> None:
        super().__init__(
            "Conditional scenario (other ETFs move by their covariance-implied expectation)", parent
        )
        self._covariance: pd.DataFrame | None = None
        self._scenario: Scenario | None = None
        self.first_combo, self.first_spin = self._shock_inputs(
            "conditional_first", tickers, "SPY", -20.0
        )
        self.second_combo, self.second_spin = self._shock_inputs(
            "conditional_second", tickers, "AGG", -5.0
        )
        self.second_check = QCheckBox("and")
        self.second_check.setObjectName("conditional_second_check")
        self.name_edit = QLineEdit()
        self.name_edit.setObjectName("conditional_name_edit")
        self.implied_model = DataFrameModel(parent=self)
        self.implied_table = read_only_table("implied_shocks_table", self.implied_model)
        self.implied_table.horizontalHeader().setStretchLastSection(True)
        self.message_label = QLabel()
        self.message_label.setObjectName("conditional_message_label")
        self.message_label.setWordWrap(True)
        self.add_button = QPushButton("Add as custom scenario")
        self.add_button.setObjectName("conditional_add_button")

        grid = QGridLayout()
        grid.addWidget(QLabel("Shock"), 0, 0)
        grid.addWidget(self.first_combo, 0, 1)
        grid.addWidget(self.first_spin, 0, 2)
        grid.addWidget(self.second_check, 1, 0)
        grid.addWidget(self.second_combo, 1, 1)
        grid.addWidget(self.second_spin, 1, 2)
        grid.addWidget(QLabel("Name"), 2, 0)
        grid.addWidget(self.name_edit, 2, 1, 1, 2)
        grid.addWidget(self.add_button, 3, 1, 1, 2)
        grid.setRowStretch(4, 1)
        grid.addWidget(self.message_label, 4, 0, 1, 3, Qt.AlignmentFlag.AlignTop)
        left = QWidget()
        left.setLayout(grid)
        left.setMaximumWidth(300)
        layout = QHBoxLayout(self)
        layout.addWidget(left)
        layout.addWidget(self.implied_table, 1)

        for widget in (self.first_combo, self.second_combo):
            widget.currentIndexChanged.connect(self._on_inputs_changed)
        for spin in (self.first_spin, self.second_spin):
            spin.valueChanged.connect(self._on_inputs_changed)
        self.second_check.toggled.connect(self._on_inputs_changed)
        self.name_edit.textChanged.connect(self._on_inputs_changed)
        self.add_button.clicked.connect(self._on_add_button_clicked)
        self._on_inputs_changed()

    @staticmethod
    def _shock_inputs(
        prefix: str, tickers: tuple[str, ...], ticker: str, value: float
    ) -> tuple[QComboBox, QDoubleSpinBox]:
        combo = QComboBox()
        combo.setObjectName(f"{prefix}_combo")
        combo.addItems(list(tickers))
        combo.setCurrentText(ticker if ticker in tickers else tickers[0])
        spin = QDoubleSpinBox()
        spin.setObjectName(f"{prefix}_shock")
        spin.setRange(-100.0, 300.0)
        spin.setDecimals(1)
        spin.setSingleStep(1.0)
        spin.setSuffix(" %")
        spin.setValue(value)
        spin.setToolTip(SHOCK_HELP)
        return combo, spin

    def set_covariance(self, covariance: pd.DataFrame | None) -> None:
        """The analysis covariance (tickers on both axes) the implied shocks come from."""
        self._covariance = covariance
        self._on_inputs_changed()

    def spec(self) -> ConditionalSpec:
        shocks = {self.first_combo.currentText(): self.first_spin.value() / 100.0}
        if self.second_check.isChecked():
            shocks[self.second_combo.currentText()] = self.second_spin.value() / 100.0
        auto = ", ".join(f"{t} {v:+.1%}" for t, v in shocks.items())
        name = self.name_edit.text().strip() or f"Conditional: {auto}"
        return ConditionalSpec(
            name=name, shocks=shocks, description=f"User-defined conditional scenario ({auto})."
        )

    def scenario(self) -> Scenario | None:
        """The conditional scenario of the current inputs; None when they are refused."""
        return self._scenario

    @Slot()
    def _on_inputs_changed(self, *_args: object) -> None:
        self.second_combo.setEnabled(self.second_check.isChecked())
        self.second_spin.setEnabled(self.second_check.isChecked())
        spec = self.spec()
        self.name_edit.setPlaceholderText(spec.name)
        self._scenario = None
        try:
            if self._covariance is None:
                raise ScenarioError(
                    "Implied shocks need the analysis covariance: run Optimize first."
                )
            if (
                self.second_check.isChecked()
                and self.first_combo.currentText() == self.second_combo.currentText()
            ):
                raise ScenarioError("Pick two different ETFs, or untick the second one.")
            self._scenario = conditional_scenario(spec, self._covariance)
        except ScenarioError as exc:
            self.message_label.setText(
                f"<span style='color: {theme.text_colour('error')};'>{exc}</span>"
            )
            self.implied_model.set_frame(pd.DataFrame({"shock": [], "how": []}))
        else:
            shocked = ", ".join(spec.shocks)
            self.message_label.setText(
                f"Implied shocks given {shocked}: zero-mean conditional expectation "
                "from the analysis covariance."
            )
            tickers = list(self._scenario.shocks)
            frame = pd.DataFrame(
                {
                    "shock": [self._scenario.shocks[t] for t in tickers],
                    "how": [self._scenario.notes.get(t, "") for t in tickers],
                },
                index=tickers,
            )
            self.implied_model.set_frame(
                frame,
                [
                    ColumnSpec("shock", "Implied shock", fmt.PERCENT, decimals=2),
                    ColumnSpec("how", "How (beta x shock)"),
                ],
            )
            self.implied_table.resizeColumnToContents(0)
        self.add_button.setEnabled(self._scenario is not None)

    @Slot()
    def _on_add_button_clicked(self) -> None:
        if self._scenario is not None:
            self.scenario_requested.emit(self._scenario)
