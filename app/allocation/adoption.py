"""The committee's adoption of the resampled portfolio, as undoable project state (issue 15, #15).

Resample only adds the Resampled Frontier beside the optimizer's pick. *Adopt resampled portfolio
as recommendation* records a :class:`core.adoption.AdoptedPortfolio` through the window's undo
stack (one :class:`~app.kit.undo.ReplaceValueCommand`, so the project is marked modified and
Ctrl+Z returns to the optimizer's pick); *Use the optimizer's pick* removes it the same way. The
record is a project field (saved and restored with the project) and every analysis applies it
(:func:`core.adoption.with_adoption`, which refuses one made for other inputs and says why).
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoStack
from PySide6.QtWidgets import QLabel

from app.kit.undo import ReplaceValueCommand
from core.adoption import ADOPTED_NAME, AdoptedPortfolio, adoption_problem
from core.pipeline import AnalysisResult


class Adoption(QObject):
    """The adopted resampled portfolio of the project on screen (None: the optimizer's pick)."""

    changed = Signal(object)
    """The adoption changed by an edit, an undo or a redo (AdoptedPortfolio or None)."""

    def __init__(self, undo_stack: QUndoStack | None, parent: Any = None) -> None:
        super().__init__(parent)
        self._undo_stack = undo_stack
        self._adopted: AdoptedPortfolio | None = None

    @property
    def adopted(self) -> AdoptedPortfolio | None:
        return self._adopted

    def restore(self, adopted: AdoptedPortfolio | None) -> None:
        """A project's saved adoption (no undo entry, no signal: the analysis applies it)."""
        self._adopted = adopted

    def adopt(self, adopted: AdoptedPortfolio) -> None:
        """Make ``adopted`` the recommendation: one undoable edit."""
        self._push(adopted, "Adopt the resampled portfolio as the recommendation")

    def drop(self) -> None:
        """Return to the optimizer's pick: one undoable edit."""
        if self._adopted is not None:
            self._push(None, "Use the optimizer's pick as the recommendation")

    def _push(self, adopted: AdoptedPortfolio | None, text: str) -> None:
        command = ReplaceValueCommand(self._apply, self._adopted, adopted, text)
        if self._undo_stack is None:
            command.redo()
        else:
            self._undo_stack.push(command)  # push() runs redo()

    def _apply(self, adopted: AdoptedPortfolio | None) -> None:
        self._adopted = adopted
        self.changed.emit(adopted)


ADOPTED_STYLE = "background: #d6e4f7; color: #123d73; border: 1px solid #5b8fd4; padding: 4px;"
"""The banner of an applied adoption: a decision on record, not a warning (explicit colours,
readable on light and dark palettes)."""


def show_adoption(label: QLabel, adopted: AdoptedPortfolio | None, result: AnalysisResult) -> None:
    """Say on ``label`` whether the recommendation is the adopted resampled portfolio, or that an
    adoption is not applied and why; hide it when there is no adoption."""
    from app.kit.views import WARNING_STYLE

    if result.adoption is not None:
        applied = result.adoption
        label.setStyleSheet(ADOPTED_STYLE)
        label.setText(
            f"The committee adopted the {ADOPTED_NAME} portfolio as its recommendation "
            f"({applied.record.settings_text}). Undo (Ctrl+Z) or \u201cUse the optimizer's "
            f"pick\u201d returns to {applied.optimizer_pick}."
        )
        label.show()
    elif adopted is not None:
        problem = adoption_problem(adopted, result) or "its weights break the IPS now"
        label.setStyleSheet(WARNING_STYLE)
        label.setText(
            f"The resampled portfolio the committee adopted is NOT applied: {problem}. The "
            f"recommendation is the optimizer's pick, {result.recommended_name}."
        )
        label.show()
    else:
        label.hide()
