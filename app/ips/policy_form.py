"""The IPS tab's policy form: the profile's qualitative fields, editable.

Objective and return-objective text, risk tolerance, time horizon, liquidity need and the basis
of the numeric return objective (nominal, or inflation + x% with the inflation assumption of the
limits table) are edited here; the name, benchmark, optimizer inputs and notes are shown. An
edit does not change the profile itself: it emits ``edit_requested(profile, text)`` with the
changed profile and the undo text, and the tab pushes it as ONE undo command through the
constraints model (so it is undoable, marks the project modified and reaches every tab like a
limit edit). :meth:`show_profile` puts a profile on screen without emitting anything (an undo, a switch).
The horizon sets the length of the Outlook's simulation.
"""

from __future__ import annotations

from enum import Enum

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QLabel,
    QLayout,
    QLineEdit,
    QWidget,
)

from app.kit import formatting as fmt
from core.policy.profile import IPSProfile, LiquidityNeed, ReturnBasis, RiskTolerance

BASIS_TEXT = {
    ReturnBasis.NOMINAL: "Nominal",
    ReturnBasis.INFLATION_PLUS: "Inflation + x%",
}


def _label(object_name: str) -> QLabel:
    label = QLabel()
    label.setObjectName(object_name)
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


def _combo(object_name: str, items: list[tuple[str, Enum]], tip: str) -> QComboBox:
    combo = QComboBox()
    combo.setObjectName(object_name)
    for text, value in items:
        combo.addItem(text, value.value)  # Qt keeps the str of a str-enum: keep its value
    combo.setToolTip(tip)
    return combo


class PolicyForm(QGroupBox):
    """The "Investment Policy Statement" box (module docstring)."""

    edit_requested = Signal(object, str)
    """``(changed profile, undo text)``: the user changed a field."""

    def __init__(self, picker: QLayout, parent: QWidget | None = None) -> None:
        super().__init__("Investment Policy Statement", parent)
        self._profile: IPSProfile | None = None
        self.name_label = _label("ips_name")
        self.objective_edit = QLineEdit()
        self.objective_edit.setObjectName("ips_objective_edit")
        self.objective_edit.setToolTip("The policy's objective in words (press Enter to apply).")
        self.return_text_edit = QLineEdit()
        self.return_text_edit.setObjectName("ips_return_objective_edit")
        self.return_text_edit.setToolTip(
            "The return objective in words; its number is the 'Return objective' row of the "
            "limits table."
        )
        self.basis_combo = _combo(
            "ips_return_basis_combo",
            [(text, basis) for basis, text in BASIS_TEXT.items()],
            "Nominal: the return objective row is the nominal return a year. Inflation + x%: it "
            "is x, the return above the inflation assumption (also a row of the table), "
            "compounded: (1 + inflation)(1 + x) - 1.",
        )
        self.return_target_label = _label("ips_return_target")
        self.risk_combo = _combo(
            "ips_risk_tolerance_combo",
            [(r.value.title(), r) for r in RiskTolerance],
            "The committee's stated willingness to bear risk.",
        )
        self.horizon_spin = QDoubleSpinBox()
        self.horizon_spin.setObjectName("ips_horizon_spin")
        self.horizon_spin.setRange(1.0, 100.0)
        self.horizon_spin.setDecimals(1)
        self.horizon_spin.setSuffix(" years")
        self.horizon_spin.setKeyboardTracking(False)  # one edit per value, not per keystroke
        self.horizon_spin.setToolTip(
            "The policy's time horizon: the length of the Outlook's simulation."
        )
        self.liquidity_combo = _combo(
            "ips_liquidity_need_combo",
            [(n.value.title(), n) for n in LiquidityNeed],
            "How much of the assets the policy may need to turn into cash at short notice.",
        )
        self.benchmark_label = _label("ips_benchmark")
        self.preferences_label = _label("ips_preferences")
        self.notes_label = _label("ips_notes")

        form = QFormLayout(self)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.DontWrapRows)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        form.addRow("Profile:", picker)
        for title, widget in (
            ("Name:", self.name_label),
            ("Objective:", self.objective_edit),
            ("Return objective:", self.return_text_edit),
            ("Objective basis:", self.basis_combo),
            ("Objective tested:", self.return_target_label),
            ("Risk tolerance:", self.risk_combo),
            ("Time horizon:", self.horizon_spin),
            ("Liquidity need:", self.liquidity_combo),
            ("Benchmark:", self.benchmark_label),
            ("Optimizer inputs:", self.preferences_label),
            ("Notes:", self.notes_label),
        ):
            form.addRow(title, widget)

        self.objective_edit.editingFinished.connect(self._on_objective_edit_finished)
        self.return_text_edit.editingFinished.connect(self._on_return_text_edit_finished)
        self.basis_combo.currentIndexChanged.connect(self._on_basis_combo_changed)
        self.risk_combo.currentIndexChanged.connect(self._on_risk_combo_changed)
        self.horizon_spin.valueChanged.connect(self._on_horizon_spin_changed)
        self.liquidity_combo.currentIndexChanged.connect(self._on_liquidity_combo_changed)

    # -- display -----------------------------------------------------------------------------
    def show_profile(self, profile: IPSProfile) -> None:
        """Put ``profile`` on screen; emits nothing."""
        self._profile = profile
        editors = (
            self.objective_edit,
            self.return_text_edit,
            self.basis_combo,
            self.risk_combo,
            self.horizon_spin,
            self.liquidity_combo,
        )
        for widget in editors:
            widget.blockSignals(True)
        try:
            self.name_label.setText(profile.name)
            self.objective_edit.setText(profile.objective)
            self.objective_edit.setCursorPosition(0)
            self.return_text_edit.setText(profile.return_objective)
            self.return_text_edit.setCursorPosition(0)
            self.basis_combo.setCurrentIndex(self.basis_combo.findData(profile.return_basis.value))
            self.risk_combo.setCurrentIndex(self.risk_combo.findData(profile.risk_tolerance.value))
            self.horizon_spin.setValue(profile.horizon_years)
            self.liquidity_combo.setCurrentIndex(
                self.liquidity_combo.findData(profile.liquidity_need.value)
            )
        finally:
            for widget in editors:
                widget.blockSignals(False)
        self.return_target_label.setText(profile.describe_return_target())
        self.benchmark_label.setText(profile.benchmark_label)
        self.preferences_label.setText(
            f"risk aversion {profile.risk_aversion:g}, concentration penalty "
            f"{profile.concentration_penalty:g}; "
            + ("anchor weights defined" if profile.anchor_weights else "no anchor weights")
        )
        self.notes_label.setText(profile.notes or fmt.MISSING)

    # -- edits -------------------------------------------------------------------------------
    def _request(self, text: str, **changes: object) -> None:
        if self._profile is None:
            return
        if all(getattr(self._profile, k) == v for k, v in changes.items()):
            return
        self.edit_requested.emit(self._profile.with_changes(**changes), text)

    @Slot()
    def _on_objective_edit_finished(self) -> None:
        self._request("Edit the objective", objective=self.objective_edit.text().strip())

    @Slot()
    def _on_return_text_edit_finished(self) -> None:
        self._request(
            "Edit the return objective", return_objective=self.return_text_edit.text().strip()
        )

    @Slot(int)
    def _on_basis_combo_changed(self, _index: int) -> None:
        basis = ReturnBasis(self.basis_combo.currentData())
        self._request(f"Set the objective basis to {BASIS_TEXT[basis]}", return_basis=basis)

    @Slot(int)
    def _on_risk_combo_changed(self, _index: int) -> None:
        risk = RiskTolerance(self.risk_combo.currentData())
        self._request(f"Set risk tolerance to {risk.value}", risk_tolerance=risk)

    @Slot(float)
    def _on_horizon_spin_changed(self, value: float) -> None:
        self._request(f"Set the horizon to {value:g} years", horizon_years=float(value))

    @Slot(int)
    def _on_liquidity_combo_changed(self, _index: int) -> None:
        need = LiquidityNeed(self.liquidity_combo.currentData())
        self._request(f"Set liquidity need to {need.value}", liquidity_need=need)
