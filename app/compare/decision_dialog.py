"""Committee > Decision log...: record a decision, and read the log (read-only).

The form names the branch and the portfolio approved (the recommended one preselected), who
approved and when, the vote and a note; choosing a portfolio other than the recommended one
asks for the reason of the override; a correction names the entry it corrects. The hashes
(IPS profile, data, holdings, code revision) are added by the tab when the entry is recorded.
Entries are never edited or removed: the list is read-only, and a refused entry is explained
in the dialog, never half-recorded.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping

from PySide6.QtCore import Qt, Slot
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.kit.dataframe_model import ColumnSpec, DataFrameModel
from app.kit.theme import text_colour
from app.kit.views import group_box, read_only_table, resize_within_screen
from core.decision.fingerprint import RunFingerprint
from core.decision.log import (
    PORTFOLIO_ITEM,
    DecisionDraft,
    DecisionLog,
    DecisionLogError,
    Override,
)
from core.decision.report import decision_frame

Choices = Mapping[str, tuple[str, tuple[str, ...]]]
"""Branch name -> (recommended portfolio, every portfolio of its analysis)."""
SHOWN = (
    ("sequence", "#"),
    ("approved_at", "Approved"),
    ("approved_by", "By"),
    ("branch", "Branch"),
    ("portfolio", "Portfolio"),
    ("overrides", "Overrides"),
    ("vote", "Vote"),
    ("note", "Note"),
    ("corrects", "Corrects"),
    ("corrected_by", "Corrected by"),
    ("matches_this_report", "Matches the policy on screen"),
    ("entry_sha256", "Entry hash"),
)


class DecisionLogDialog(QDialog):
    """The form and the read-only list of the module docstring.

    ``record(draft)`` records an entry and returns the new log, or raises
    :class:`~core.decision.log.DecisionLogError` with the reason it was refused.
    """

    def __init__(
        self,
        log: DecisionLog,
        choices: Choices,
        record: Callable[[DecisionDraft], DecisionLog],
        fingerprint: RunFingerprint | None,
        parent: QWidget | None = None,
        *,
        branch: str | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("decision_log_dialog")
        self.setWindowTitle("Decision log")
        self._log, self._choices, self._record = log, dict(choices), record
        self._fingerprint = fingerprint

        self.branch_combo = QComboBox(objectName="decision_branch")
        self.branch_combo.addItems(list(self._choices))
        self.portfolio_combo = QComboBox(objectName="decision_portfolio")
        self.recommended_label = QLabel(objectName="decision_recommended")
        self.approved_by = QLineEdit(objectName="decision_approved_by")
        self.approved_by.setPlaceholderText("e.g. Investment Committee (J. Doe, chair)")
        self.approved_at = QLineEdit(dt.date.today().isoformat(), objectName="decision_date")
        self.approved_at.setToolTip("YYYY-MM-DD, optionally THH:MM")
        self.vote = QLineEdit(objectName="decision_vote")
        self.vote.setPlaceholderText("e.g. 5 for, 1 against, 0 abstaining")
        self.reason = QLineEdit(objectName="decision_override_reason")
        self.reason.setPlaceholderText(
            "required when the approved portfolio is not the recommended one"
        )
        self.note = QPlainTextEdit(objectName="decision_note")
        self.note.setFixedHeight(54)
        self.corrects = QComboBox(objectName="decision_corrects")
        self.message = QLabel(objectName="decision_message")
        self.message.setWordWrap(True)
        self.record_button = QPushButton("Record decision", objectName="decision_record")
        self.record_button.setToolTip(
            "Append this decision to the log with the hashes of the policy, data, holdings and "
            "code. A recorded entry cannot be changed: record a correction instead."
        )
        if not self._choices:
            self.record_button.setEnabled(False)
            self.message.setText(
                "Run an analysis (and Compare, for other branches) before recording a decision."
            )

        form_box = QWidget()
        form = QFormLayout(form_box)
        form.addRow("Branch", self.branch_combo)
        form.addRow("Approved portfolio", self.portfolio_combo)
        form.addRow("", self.recommended_label)
        form.addRow("Override reason", self.reason)
        form.addRow("Approved by", self.approved_by)
        form.addRow("Approved on", self.approved_at)
        form.addRow("Vote", self.vote)
        form.addRow("Note", self.note)
        form.addRow("Corrects entry", self.corrects)
        form.addRow("", self.record_button)
        form.addRow("", self.message)

        self.model = DataFrameModel(parent=self)
        self.table = read_only_table("decision_log_table", self.model)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        self.table.verticalHeader().hide()
        form.setVerticalSpacing(4)
        layout = QVBoxLayout(self)
        layout.addWidget(group_box("Record a decision", form_box, stretch_last=False))
        layout.addWidget(
            group_box("Recorded decisions (append-only, read-only)", self.table), stretch=1
        )
        layout.addWidget(buttons)
        resize_within_screen(self, 1100, 680)

        self.branch_combo.currentIndexChanged.connect(self._on_branch_combo_changed)
        self.portfolio_combo.currentIndexChanged.connect(self._on_portfolio_combo_changed)
        self.record_button.clicked.connect(self._on_record_button_clicked)
        if branch is not None and branch in self._choices:
            self.branch_combo.setCurrentText(branch)
        self._on_branch_combo_changed()
        self._show_log()

    @property
    def log(self) -> DecisionLog:
        return self._log

    def _show_log(self) -> None:
        frame = decision_frame(self._log, self._fingerprint)
        if frame.empty:
            frame = frame.reindex(columns=[key for key, _ in SHOWN])
        specs = [ColumnSpec(key, title) for key, title in SHOWN]
        self.model.set_frame(frame, specs)
        self.table.resizeColumnsToContents()
        for column in range(self.model.columnCount()):
            self.table.setColumnWidth(column, min(self.table.columnWidth(column), 260))
        self.corrects.clear()
        self.corrects.addItem("— (a new decision)", None)
        for entry in self._log.entries:
            d = entry.draft
            self.corrects.addItem(f"{entry.sequence}: {d.approved_at}, {d.branch}", entry.sequence)

    @Slot()
    def _on_branch_combo_changed(self) -> None:
        recommended, portfolios = self._choices.get(self.branch_combo.currentText(), ("", ()))
        self.portfolio_combo.blockSignals(True)
        self.portfolio_combo.clear()
        self.portfolio_combo.addItems(list(portfolios))
        if recommended:
            self.portfolio_combo.setCurrentText(recommended)
        self.portfolio_combo.blockSignals(False)
        self._on_portfolio_combo_changed()

    @Slot()
    def _on_portfolio_combo_changed(self) -> None:
        recommended, _ = self._choices.get(self.branch_combo.currentText(), ("", ()))
        override = bool(recommended) and self.portfolio_combo.currentText() != recommended
        self.reason.setEnabled(override)
        self.recommended_label.setText(
            f"Recommended by the analysis: {recommended}"
            + (" (this approval overrides it: give the reason)" if override else "")
        )

    def draft(self) -> DecisionDraft:
        """The decision the form describes (checked when recorded)."""
        branch = self.branch_combo.currentText()
        recommended, _ = self._choices.get(branch, ("", ()))
        portfolio = self.portfolio_combo.currentText()
        overrides = ()
        if portfolio != recommended:
            overrides = (Override(PORTFOLIO_ITEM, recommended, portfolio, self.reason.text()),)
        return DecisionDraft(
            branch=branch,
            portfolio=portfolio,
            recommended=recommended,
            approved_by=self.approved_by.text(),
            approved_at=self.approved_at.text(),
            vote=self.vote.text().strip(),
            note=self.note.toPlainText().strip(),
            overrides=overrides,
            corrects=self.corrects.currentData(),
        )

    @Slot()
    def _on_record_button_clicked(self) -> None:
        try:
            self._log = self._record(self.draft())
        except DecisionLogError as exc:
            self._say(f"Not recorded: {exc}", "error")
            return
        entry = self._log.entries[-1]
        self._say(
            f"Recorded entry {entry.sequence} (hash {entry.entry_sha256[:12]}…). Save the "
            "project to keep it.",
            "ok",
        )
        self.note.clear()
        self.reason.clear()
        self._show_log()

    def _say(self, text: str, kind: str) -> None:
        self.message.setText(text)
        self.message.setStyleSheet(f"color: {text_colour(kind)};")
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
