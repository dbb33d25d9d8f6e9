"""The repair panel of the IPS tab: a policy that cannot be met, its conflict and one button per fix.

The panel shows an :class:`~core.policy.repair.InfeasibilityDiagnosis` of a *base* profile: the
current profile when it is infeasible (a loaded file, an opened project), or the profile a
refused edit would have made. Each option's button emits ``relaxation_chosen(profile, text)``
with ``apply_relaxation(base, option)``: the tab applies it as one undoable edit (for a refused
edit, the edit and the fix together) and re-optimizes. The panel holds no finance: the words
and numbers are the diagnosis's.
"""

from __future__ import annotations

from html import escape

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import QGroupBox, QLabel, QPushButton, QVBoxLayout, QWidget

from core.errors import PolicyError
from core.policy.profile import IPSProfile
from core.policy.repair import InfeasibilityDiagnosis, Relaxation, apply_relaxation


class RepairPanel(QGroupBox):
    """Hidden while the policy can be met (module docstring)."""

    relaxation_chosen = Signal(object, str)
    """(the repaired profile, the undo text)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("The policy cannot be met", parent)
        self.setObjectName("repair_panel")
        self.message = QLabel()
        self.message.setObjectName("repair_message")
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self._layout = QVBoxLayout(self)
        self._layout.addWidget(self.message)
        self.buttons: list[QPushButton] = []
        self._options: list[tuple[IPSProfile, str]] = []
        self.hide()

    def show_conflict(
        self, base: IPSProfile, diagnosis: InfeasibilityDiagnosis, edit: str | None = None
    ) -> None:
        """Show the conflict of ``base`` and a button per option; ``edit`` names a refused edit
        (its fixes then apply the edit too)."""
        self.clear()
        rules = "".join(f"<li>{escape(r.described)}</li>" for r in diagnosis.conflict)
        head = (
            f"<b>{escape(edit)}</b> was not made: with it, no fully invested, long-only "
            "portfolio meets these rules together:"
            if edit
            else "No fully invested, long-only portfolio meets these rules together:"
        )
        fixes = (
            "Make the edit with one of these changes (one undoable step; Optimize runs after):"
            if edit
            else "Apply one of these changes (one undoable step; Optimize runs after):"
        )
        self.message.setText(
            f"{head}<ul style='margin-top:2px; margin-bottom:2px;'>{rules}</ul>{fixes}"
            f"<br><small>Smallest changes by a weighted elastic LP ({escape(diagnosis.weights_text)}); "
            "new limits rounded outward to 0.01 pp.</small>"
        )
        for option in diagnosis.options:
            self._add_option(base, option, edit)
        if not self._options:
            self.message.setText(
                self.message.text() + "<br>No single change restores the policy: edit the limits."
            )
        self.show()

    def _add_option(self, base: IPSProfile, option: Relaxation, edit: str | None) -> None:
        try:
            fixed = apply_relaxation(base, option)
        except PolicyError:
            return  # a rule the profile cannot hold: not offered
        label = option.button_text + (" (smallest total change)" if option.joint else "")
        button = QPushButton(label)
        button.setObjectName(f"repair_option_{len(self.buttons)}")
        button.setToolTip(
            f"{option.text[0].upper()}{option.text[1:]}: weighted change "
            f"{option.weighted_change * 100:.4g} pp."
        )
        text = f"Relax policy: {option.text}" + (f" (with {edit})" if edit else "")
        self._options.append((fixed, text))
        index = len(self.buttons)
        button.clicked.connect(lambda _=False, i=index: self._on_option_clicked(i))
        self._layout.addWidget(button)
        self.buttons.append(button)

    def clear(self) -> None:
        """Hide the panel and drop its buttons."""
        for button in self.buttons:
            self._layout.removeWidget(button)
            button.deleteLater()
        self.buttons, self._options = [], []
        self.hide()

    @Slot()
    def _on_option_clicked(self, index: int) -> None:
        if 0 <= index < len(self._options):
            profile, text = self._options[index]
            self.relaxation_chosen.emit(profile, text)
