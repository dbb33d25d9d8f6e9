"""The IPS tab's clause panel: every clause of the policy, where it is used and its margin.

The table lists the clauses (:func:`core.policy.clauses.policy_clauses`: id and wording); for the
selected one the detail below says where it is used (:func:`core.policy.clause_usage.clause_uses`:
optimizer constraint, validation rule, drift band, stress tolerance, Outlook, memo) and its
current margin: the recommended portfolio's validation slack in the last analysis (percentage
points; negative when breached), marked as stale when the policy changed since. *Edit
wording…* asks for the committee's own wording (``{min}``, ``{max}``, ``{value}`` stand for the
clause's current limits) and emits ``wording_requested(clause id, text)``; the tab applies it
as one undoable edit.
"""

from __future__ import annotations

from html import escape

import pandas as pd
from PySide6.QtCore import QItemSelection, Qt, Signal, Slot
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QPushButton,
    QScrollArea,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.kit import formatting as fmt
from app.kit.dataframe_model import ColumnSpec, DataFrameModel
from core.pipeline import AnalysisResult
from core.policy.clause_usage import clause_margins, clause_uses
from core.policy.clauses import PLACEHOLDERS, policy_clauses
from core.policy.profile import IPSProfile
from core.universe import Universe

SPECS = [
    ColumnSpec("id", "Clause", fmt.TEXT),
    ColumnSpec("wording", "Wording", fmt.TEXT),
    ColumnSpec("margin", "Margin (last run)", fmt.TEXT),
]


def _pp(margin: float) -> str:
    """``0.0268 -> "+2.68 pp"``; a round-off negative zero shows as +0.00."""
    value = margin * 100
    return f"{0.0 if abs(value) < 0.005 else value:+.2f} pp"


class ClausePanel(QWidget):
    """Clauses table and the selected clause's uses and margin (module docstring)."""

    wording_requested = Signal(str, str)

    def __init__(self, universe: Universe, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("clause_panel")
        self._universe = universe
        self._profile: IPSProfile | None = None
        self._ids: list[str] = []
        self._result: AnalysisResult | None = None
        self.model = DataFrameModel(parent=self)
        self.table = QTableView()
        self.table.setObjectName("clause_table")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().hide()
        self.table.setWordWrap(False)
        self.table.setMinimumHeight(120)
        self.detail = QLabel()
        self.detail.setObjectName("clause_detail")
        self.detail.setWordWrap(True)
        self.detail.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.detail.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.edit_button = QPushButton("Edit wording…")
        self.edit_button.setObjectName("clause_wording_button")
        self.edit_button.setToolTip(
            "Write the committee's own wording of the selected clause ({min}, {max} and {value} "
            "stand for its current limits; blank restores the generated wording). Undoable."
        )
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.edit_button)
        # The detail scrolls inside its own area: a long list of uses never overlaps the table.
        detail_area = QScrollArea()
        detail_area.setObjectName("clause_detail_area")
        detail_area.setWidgetResizable(True)
        detail_area.setFrameShape(QFrame.Shape.NoFrame)
        detail_area.setWidget(self.detail)
        detail_area.setMinimumHeight(64)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        # The clauses are what the eye looks for; the detail of one clause is a few lines.
        layout.addWidget(self.table, 4)
        layout.addWidget(detail_area, 1)
        layout.addLayout(buttons)

        self.table.selectionModel().selectionChanged.connect(self._on_table_selection_changed)
        self.edit_button.clicked.connect(self._on_edit_button_clicked)

    # -- inputs ----------------------------------------------------------------------------------
    def set_profile(self, profile: IPSProfile) -> None:
        """Show ``profile``'s clauses, keeping the selected clause id selected."""
        selected = self.selected_id()
        self._profile = profile
        self._uses = clause_uses(profile, self._universe)
        self._refresh(selected)

    def set_result(self, result: AnalysisResult) -> None:
        self._result = result
        self._refresh(self.selected_id())

    # -- state -----------------------------------------------------------------------------------
    def selected_id(self) -> str | None:
        rows = self.table.selectionModel().selectedRows()
        if not rows or not self._ids:
            return None
        return self._ids[self.model.frame_row(rows[0].row())]

    def select(self, clause_id: str) -> bool:
        row = self.model.row_of(clause_id)
        if row < 0:
            return False
        self.table.selectRow(row)
        return True

    def _margins(self) -> dict[str, str]:
        if self._result is None or self._profile is None:
            return {}
        out = {}
        for cid, row in clause_margins(self._result).items():
            text = _pp(row.margin)
            out[cid] = text if row.passed else f"{text} FAIL"
        return out

    def _refresh(self, selected: str | None) -> None:
        if self._profile is None:
            return
        margins = self._margins()
        clauses = policy_clauses(self._profile)
        self._ids = [c.id for c in clauses]
        frame = pd.DataFrame(
            {
                "id": [c.id for c in clauses],
                "wording": [c.wording for c in clauses],
                "margin": [margins.get(c.id, "") for c in clauses],
            },
            index=[c.id for c in clauses],
        )
        self.model.set_frame(frame, SPECS)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        if not (selected and self.select(selected)):
            self._show_detail(None)

    def detail_text(self, clause_id: str) -> str:
        """The detail of one clause as rich text (also what the label shows)."""
        assert self._profile is not None
        clause = next(c for c in policy_clauses(self._profile) if c.id == clause_id)
        uses = self._uses.get(clause_id, ())
        items = "".join(
            f"<li><b>{escape(u.place.value)}</b>: {escape(u.detail)}</li>" for u in uses
        )
        margin = self._margin_sentence(clause_id)
        own = " (the committee's wording)" if clause.custom_wording else ""
        return (
            f"<b>{escape(clause.id)} {escape(clause.title)}</b>{own}<br>{escape(clause.wording)}"
            f"<br><b>Used in:</b><ul style='margin-top:0px; margin-bottom:0px;'>"
            f"{items or '<li>nothing computed uses it</li>'}</ul>{margin}"
        )

    def _margin_sentence(self, clause_id: str) -> str:
        if self._result is None:
            return "<b>Current margin:</b> run Optimize to measure it."
        row = clause_margins(self._result).get(clause_id)
        if row is None:
            return "<b>Current margin:</b> not a limit on the portfolio's weights or risk."
        stale = (
            " (from the last analysis; the policy has changed since: Optimize to update)"
            if self._profile is not None and self._result.profile != self._profile
            else ""
        )
        verdict = "PASS" if row.passed else "FAIL"
        return (
            f"<b>Current margin:</b> {_pp(row.margin)}, {verdict}, "
            f"{escape(self._result.recommended_name)}: {escape(row.comment)}{escape(stale)}."
        )

    def _show_detail(self, clause_id: str | None) -> None:
        self.edit_button.setEnabled(clause_id is not None)
        if clause_id is None:
            self.detail.setText("Select a clause to see where it is used and its current margin.")
            return
        self.detail.setText(self.detail_text(clause_id))

    @Slot(QItemSelection, QItemSelection)
    def _on_table_selection_changed(self, *_: object) -> None:
        self._show_detail(self.selected_id())

    @Slot()
    def _on_edit_button_clicked(self) -> None:
        cid = self.selected_id()
        if cid is None or self._profile is None:
            return
        clause = next(c for c in policy_clauses(self._profile) if c.id == cid)
        current = self._profile.clause_wording.get(cid, clause.wording)
        text, ok = QInputDialog.getText(
            self,
            f"Wording of clause {cid}",
            "Wording (" + ", ".join("{" + p + "}" for p in PLACEHOLDERS) + " stand for the "
            "current limits; blank: the generated wording):",
            text=current,
        )
        if ok:
            self.wording_requested.emit(cid, text)
