"""The Compare tab: what-if branches of the policy, compared side by side.

Left, the branches of the project (:mod:`core.branches.policy`): *New branch* duplicates the
policy being edited (IPS profile and analysis settings) and switches to it, *Edit* switches the
IPS and Allocation tabs to another branch, *Rename*, *Delete*, and *Promote to main* copies a
branch into the main policy. Each is one undo step (Edit > Undo). Right, *Compare* runs every
branch and the current holdings through the analysis pipeline in a worker
(:func:`core.branches.compare.compare_policies`) and shows the table: the best value of a row
in bold on green, failed rules in red, rows that differ highlighted (*Only rows that differ*
hides the others). *Record decision...* opens the decision log (also Committee > Decision log).

The tab owns the project's ``branches`` and ``decisions`` fields.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Slot
from PySide6.QtWidgets import (
    QCheckBox,
    QInputDialog,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QProgressBar,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from app.compare.jobs import COMPARE_JOB, comparison_job
from app.compare.model import ComparisonModel
from app.kit.context import StudioContext
from app.kit.feature import FeatureTab
from app.kit.theme import text_colour
from app.kit.undo import ReplaceValueCommand
from app.kit.views import button_row, group_box, hint_label, push_button, read_only_table
from app.kit.workers import Job, JobRunner
from core.branches import policy as branches
from core.branches.compare import HOLDINGS
from core.branches.policy import MAIN, BranchError, BranchSet
from core.branches.table import PolicyComparison
from core.decision.fingerprint import RunFingerprint, project_fingerprint
from core.decision.log import DecisionDraft, DecisionLog
from core.pipeline import AnalysisResult, AnalysisSettings
from core.policy.profile import IPSProfile
from core.project import Project

SETTING_FIELDS = (
    "covariance",
    "expected_returns",
    "covariance_half_life",
    "portfolio_value",
    "var_level",
)
"""The :class:`AnalysisSettings` fields a branch carries (the value basis follows the account)."""


class CompareTab(FeatureTab):
    """The tab of the module docstring."""

    SHOWS_RESULTS = True

    def __init__(self, context: StudioContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._context = context
        self.runner = JobRunner(self)
        self._branches = BranchSet()
        self._decisions = DecisionLog()
        self._result: AnalysisResult | None = None
        self._stale = False
        self._dialog: QWidget | None = None

        self.branch_list = QListWidget(objectName="branch_list")
        self.branch_list.setMinimumWidth(220)
        self.new_button = push_button(
            "branch_new", "New branch…", "Duplicate the policy being edited (IPS and estimators)"
        )
        self.edit_button = push_button(
            "branch_edit", "Edit", "Show the selected branch in the IPS and Allocation tabs"
        )
        self.rename_button = push_button("branch_rename", "Rename…", "Rename the selected branch")
        self.delete_button = push_button("branch_delete", "Delete", "Delete the selected branch")
        self.promote_button = push_button(
            "branch_promote",
            "Promote to main",
            "Make the selected branch's policy the main policy (undoable)",
        )
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(
            group_box(
                "Policy branches",
                hint_label(
                    "A branch is a named copy of the policy (IPS and estimators). Edit one in the "
                    "IPS and Allocation tabs, then Compare."
                ),
                self.branch_list,
                stretch_last=True,
            )
        )
        left_layout.addLayout(button_row(self.new_button, self.edit_button))
        left_layout.addLayout(button_row(self.rename_button, self.delete_button))
        left_layout.addLayout(button_row(self.promote_button))

        self.compare_button = push_button(
            "compare_run", "Compare", "Analyse every branch and the current holdings (background)"
        )
        self.cancel_button = push_button("compare_cancel", "Cancel", "Stop the comparison")
        self.cancel_button.setEnabled(False)
        self.only_differences = QCheckBox("Only rows that differ", objectName="compare_differs")
        self.record_button = push_button(
            "compare_record", "Record decision…", "Open the committee's decision log"
        )
        self.progress = QProgressBar(objectName="compare_progress")
        self.progress.setRange(0, 100)
        self.progress.setMaximumWidth(200)
        self.progress.hide()
        self.status_label = QLabel(objectName="compare_status")
        self.status_label.setWordWrap(True)
        self.model = ComparisonModel(self)
        self.table = read_only_table("comparison_table", self.model)
        self.table.horizontalHeader().setStretchLastSection(False)
        controls = button_row(
            self.compare_button,
            self.cancel_button,
            self.progress,
            self.only_differences,
            self.record_button,
        )
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.addLayout(controls)
        right_layout.addWidget(self.status_label)
        right_layout.addWidget(self.table, 1)

        splitter = QSplitter(Qt.Orientation.Horizontal, objectName="compare_splitter")
        splitter.addWidget(left)
        splitter.addWidget(right)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([250, 1000])
        layout = QVBoxLayout(self)
        layout.addWidget(splitter)

        self.new_button.clicked.connect(self._on_new_button_clicked)
        self.edit_button.clicked.connect(self._on_edit_button_clicked)
        self.rename_button.clicked.connect(self._on_rename_button_clicked)
        self.delete_button.clicked.connect(self._on_delete_button_clicked)
        self.promote_button.clicked.connect(self._on_promote_button_clicked)
        self.compare_button.clicked.connect(self.compare)
        self.cancel_button.clicked.connect(self._on_cancel_button_clicked)
        self.only_differences.toggled.connect(self.model.set_only_differences)
        self.record_button.clicked.connect(self.open_decision_dialog)
        self.branch_list.itemSelectionChanged.connect(self._update_buttons)
        self.branch_list.itemDoubleClicked.connect(self._on_edit_button_clicked)
        self._show_branches()
        self._say("Compare runs every branch and the current holdings through the analysis.")

    # -- FeatureTab ------------------------------------------------------------------------------
    def project_fields(self) -> dict[str, Any]:
        return {"branches": self._branches, "decisions": self._decisions}

    def restore_project(self, project: Project) -> None:
        self._branches = project.branches
        self._decisions = project.decisions
        self.model.set_comparison(None)
        self._show_branches()

    def show_result(self, result: AnalysisResult) -> None:
        self._result = result

    def set_profile(self, profile: IPSProfile) -> None:
        self._mark_stale()

    def show_settings(self, settings: AnalysisSettings) -> None:
        self._mark_stale()

    # -- state -----------------------------------------------------------------------------------
    @property
    def branch_set(self) -> BranchSet:
        return self._branches

    @property
    def decisions(self) -> DecisionLog:
        return self._decisions

    @property
    def comparison(self) -> PolicyComparison | None:
        return self.model.comparison

    def project(self) -> Project:
        if self._context.project is None:
            raise RuntimeError("the window has not connected its project")
        return self._context.project()

    def selected_branch(self) -> str | None:
        item = self.branch_list.currentItem()
        return item.data(Qt.ItemDataRole.UserRole) if item is not None else None

    def _show_branches(self) -> None:
        selected = self.selected_branch()
        self.branch_list.clear()
        for name in self._branches.names:
            marks = []
            if name == MAIN:
                marks.append("main policy")
            if name == self._branches.active:
                marks.append("editing")
            item = QListWidgetItem(f"{name}  ({', '.join(marks)})" if marks else name)
            item.setData(Qt.ItemDataRole.UserRole, name)
            if name == self._branches.active:
                font = item.font()
                font.setBold(True)
                item.setFont(font)
            self.branch_list.addItem(item)
            if name == (selected or self._branches.active):
                self.branch_list.setCurrentItem(item)
        self._update_buttons()

    @Slot()
    def _update_buttons(self) -> None:
        name = self.selected_branch()
        not_main = name is not None and name != MAIN
        self.edit_button.setEnabled(name is not None and name != self._branches.active)
        self.rename_button.setEnabled(not_main)
        self.delete_button.setEnabled(not_main and name != self._branches.active)
        self.promote_button.setEnabled(not_main)

    def _set_branches(self, value: BranchSet) -> None:
        self._branches = value
        self._show_branches()
        self._mark_stale()

    def _request_settings(self, settings: AnalysisSettings) -> None:
        self.settings_requested.emit({f: getattr(settings, f) for f in SETTING_FIELDS})

    def _mark_stale(self) -> None:
        if self.model.comparison is not None and not self._stale:
            self._stale = True
            self._say("The policies changed since this comparison: Compare again.", "warn")

    def _say(self, text: str, kind: str = "muted") -> None:
        self.status_label.setText(text)
        self.status_label.setStyleSheet(f"color: {text_colour(kind)};")

    # -- branch operations (each one undo step) --------------------------------------------------
    def _apply(self, change: Any, text: str, *args: str) -> bool:
        before = self.project()
        try:
            after: Project = change(before, *args)
        except BranchError as exc:
            self.status_message.emit(str(exc))
            return False
        stack = self._context.undo_stack
        stack.beginMacro(text)
        stack.push(ReplaceValueCommand(self._set_branches, before.branches, after.branches, text))
        if after.profile != before.profile:
            self.profile_requested.emit(after.profile, text)
        if after.settings != before.settings:
            stack.push(
                ReplaceValueCommand(self._request_settings, before.settings, after.settings, text)
            )
        stack.endMacro()
        self.status_message.emit(f"{text}.")
        return True

    def create_branch(self, name: str, *, edit: bool = True) -> bool:
        """Duplicate the policy being edited as ``name`` and (``edit``) switch to it."""

        def change(project: Project, new: str) -> Project:
            made = branches.create_branch(project, new)
            return branches.switch_branch(made, new.strip()) if edit else made

        return self._apply(change, f"New branch '{name.strip()}'", name)

    def switch_to(self, name: str) -> bool:
        return self._apply(branches.switch_branch, f"Edit branch '{name}'", name)

    def rename(self, old: str, new: str) -> bool:
        return self._apply(branches.rename_branch, f"Rename branch '{old}'", old, new)

    def delete(self, name: str) -> bool:
        return self._apply(branches.delete_branch, f"Delete branch '{name}'", name)

    def promote(self, name: str) -> bool:
        return self._apply(branches.promote_branch, f"Promote '{name}' to the main policy", name)

    @Slot()
    def _on_new_button_clicked(self) -> None:
        name, ok = QInputDialog.getText(
            self, "New branch", "Name of the new branch (a copy of the policy being edited):"
        )
        if ok:
            self.create_branch(name)

    @Slot()
    def _on_edit_button_clicked(self) -> None:
        name = self.selected_branch()
        if name is not None and name != self._branches.active:
            self.switch_to(name)

    @Slot()
    def _on_rename_button_clicked(self) -> None:
        old = self.selected_branch()
        if old is None:
            return
        new, ok = QInputDialog.getText(self, "Rename branch", f"New name of '{old}':", text=old)
        if ok and new.strip() != old:
            self.rename(old, new)

    @Slot()
    def _on_delete_button_clicked(self) -> None:
        name = self.selected_branch()
        if name is not None:
            self.delete(name)

    @Slot()
    def _on_promote_button_clicked(self) -> None:
        name = self.selected_branch()
        if name is not None:
            self.promote(name)

    # -- comparison ------------------------------------------------------------------------------
    @Slot()
    def compare(self) -> Job | None:
        """Start the comparison in the worker (a running one is superseded)."""
        if self._result is None:
            self._say("Run an analysis first: the comparison uses its data set.", "warn")
            return None
        job = self.runner.start(
            Job(COMPARE_JOB, comparison_job, self.project(), self._result.dataset)
        )
        job.connect(
            started=self._on_job_started,
            progress=self._on_job_progress,
            result=self._on_job_result,
            error=self._on_job_error,
            cancelled=self._on_job_cancelled,
            finished=self._on_job_finished,
        )
        return job

    @Slot()
    def _on_cancel_button_clicked(self) -> None:
        self.runner.cancel(COMPARE_JOB)

    @Slot()
    def _on_job_started(self) -> None:
        self.compare_button.setEnabled(False)
        self.cancel_button.setEnabled(True)
        self.progress.setValue(0)
        self.progress.show()

    @Slot(float, str)
    def _on_job_progress(self, fraction: float, message: str) -> None:
        self.progress.setValue(int(fraction * 100))
        self._say(message)

    @Slot(object)
    def _on_job_result(self, comparison: PolicyComparison) -> None:
        self._stale = False
        self.model.set_comparison(comparison)
        self.table.resizeColumnsToContents()
        self.table.setColumnWidth(1, min(self.table.columnWidth(1), 280))
        notes = " ".join(comparison.notes)
        self._say(
            "Each column is a branch's IPS Recommended Portfolio"
            + (" beside the current holdings" if HOLDINGS in comparison.columns else "")
            + ". Best value per row in bold on green; failed rules in red; highlighted items "
            "differ. " + notes
        )

    @Slot(str)
    def _on_job_error(self, message: str) -> None:
        self._say(f"Comparison failed: {message}", "error")

    @Slot()
    def _on_job_cancelled(self) -> None:
        self._say("Comparison cancelled.", "warn")

    @Slot()
    def _on_job_finished(self) -> None:
        if self.runner.is_running(COMPARE_JOB):
            return  # a newer comparison runs
        self.compare_button.setEnabled(True)
        self.cancel_button.setEnabled(False)
        self.progress.hide()

    # -- decisions -------------------------------------------------------------------------------
    def decision_choices(self) -> dict[str, tuple[str, tuple[str, ...]]]:
        """Branch -> (recommended portfolio, every portfolio) from the comparison on screen and
        the analysis of the policy being edited."""
        out: dict[str, tuple[str, tuple[str, ...]]] = {}
        comparison = self.model.comparison
        if comparison is not None and not self._stale:
            for title, result in zip(comparison.columns, comparison.analyses, strict=True):
                if title != HOLDINGS:
                    out[title] = (result.recommended_name, tuple(c.name for c in result.candidates))
        result = self._result
        if result is not None and result.profile == self.project().profile:
            name = self._branches.active
            out[name] = (result.recommended_name, tuple(c.name for c in result.candidates))
        return out

    def fingerprint(self, branch_name: str | None = None) -> RunFingerprint | None:
        """The fingerprint of a branch's policy (default: the one edited) on the data on screen
        with the account valued as the report values it; None before any analysis."""
        if self._result is None:
            return None
        project = self.project()
        profile = branches.branch(project, branch_name).profile if branch_name else None
        return project_fingerprint(project, self._result.dataset, profile)

    def record_decision(self, draft: DecisionDraft) -> DecisionLog:
        """Append ``draft`` with its branch's fingerprint; raises DecisionLogError if refused."""
        from core.decision.log import DecisionLogError

        fingerprint = self.fingerprint(draft.branch)
        if fingerprint is None:
            raise DecisionLogError("Run an analysis first: a decision records its data.")
        log = self._decisions.append(draft, fingerprint)
        log.require_extends(self._decisions)
        self._decisions = log
        self.project_modified.emit()
        return log

    @Slot()
    def open_decision_dialog(self) -> Any:
        """Show the decision log dialog (window-modal; the open one if there is one)."""
        from app.compare.decision_dialog import DecisionLogDialog

        if self._dialog is not None:  # one log dialog at a time
            self._dialog.raise_()
            return self._dialog
        dialog = DecisionLogDialog(
            self._decisions,
            self.decision_choices(),
            self.record_decision,
            self.fingerprint(),
            self.window(),
            branch=self._branches.active,
        )
        # Window-modal, and closed when the tab retires: an entry is recorded into the project on
        # screen, never into one a rebuilt workspace has replaced.
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self._dialog = dialog
        dialog.destroyed.connect(self._on_dialog_destroyed)
        dialog.show()
        return dialog

    @Slot()
    def _on_dialog_destroyed(self) -> None:
        self._dialog = None

    def retire(self) -> JobRunner | None:
        if self._dialog is not None:
            self._dialog.close()
        return super().retire()
