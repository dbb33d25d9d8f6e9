"""The IPS tab: pick a bundled profile, edit its policy (:mod:`app.ips.policy_form`) and its
limits (:mod:`app.ips.constraints_model`)."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFileDialog,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.ips.constraints_model import LABEL, MAXIMUM, MINIMUM, SECTION, ConstraintsModel
from app.ips.policy_form import PolicyForm
from app.kit import formatting as fmt
from app.kit.context import StudioContext
from app.kit.delegates import PercentDelegate
from app.kit.feature import FeatureTab
from app.kit.views import refusal_bar
from core.errors import PolicyError
from core.policy.profile import IPSProfile

EDIT_HINT = (
    "Double-click a Minimum or Maximum cell to change a limit. Type percentages: "
    "<b>15</b> or <b>15%</b> both mean 15%. Leave an ETF cap or group limit blank to remove it. "
    "Every change can be undone (Ctrl+Z). Press <b>Optimize</b> (Ctrl+R) to recompute."
)
WORKFLOW = (
    "<ol style='margin-left: -20px;'>"
    "<li>Pick a bundled profile above, or edit its limits in the table.</li>"
    "<li>Press <b>Optimize</b> (Ctrl+R): the engine builds several candidate portfolios "
    "(policy anchor, minimum volatility, maximum Sharpe, ...) that all respect the limits.</li>"
    "<li>The <b>Allocation</b> tab compares them side by side, marks the "
    "<b>IPS Recommended</b> portfolio, states the selection rule and checks every policy rule.</li>"
    "</ol><p>Weights are decimal fractions of portfolio value shown as percentages. Volatility "
    "is annualized; drawdown is the peak-to-trough loss on the monthly sample.</p>"
)


OWN_SUFFIXES = (" (project)", " (edited)", " (file)")
"""Combo entries that hold a profile of the user's own, next to the bundled ones."""


class IPSTab(FeatureTab):
    """Profile picker, policy summary form and the editable constraints table."""

    profile_changed = Signal(object)

    def __init__(self, context: StudioContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        # Combo entries by key (the item text): the bundled profiles by name, plus profiles of
        # their own: a project's edited copy ("NAME (project)"), a session's edits left behind by
        # a switch ("NAME (edited)"), a loaded file. Switching never discards an edited profile.
        self._profiles = context.profiles
        self._current_key = context.default_profile
        profile = context.profiles[context.default_profile]

        self.profile_combo = QComboBox()
        self.profile_combo.setObjectName("profile_combo")
        self.profile_combo.addItems(list(context.profiles))
        self.profile_combo.setCurrentText(context.default_profile)
        # A long profile name is elided in the box, never widening the window.
        self.profile_combo.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.profile_combo.setMinimumContentsLength(24)
        self.profile_combo.setToolTip(
            "Bundled IPS profiles and your own (a project's, an edited one, a loaded file). "
            "Switching is undoable (Ctrl+Z) and keeps your edits as an item of their own."
        )

        self.load_button = QPushButton("Load profile…")
        self.load_button.setObjectName("load_profile_button")
        self.load_button.setToolTip(
            "Open an IPS profile JSON file (the bundled profiles are never changed)."
        )
        self.save_button = QPushButton("Save profile as…")
        self.save_button.setObjectName("save_profile_button")
        self.save_button.setToolTip("Write the profile, with your edits, to a JSON file.")
        picker = QHBoxLayout()
        picker.addWidget(self.profile_combo, 1)
        picker.addWidget(self.load_button)
        picker.addWidget(self.save_button)
        self.policy_form = PolicyForm(picker)
        policy_box = self.policy_form
        workflow = QLabel(WORKFLOW)
        workflow.setObjectName("workflow_help")
        workflow.setWordWrap(True)
        workflow_box = QGroupBox("How it works")
        QVBoxLayout(workflow_box).addWidget(workflow)
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(policy_box)
        left_layout.addWidget(workflow_box)
        left_layout.addStretch(1)

        self.constraints_model = ConstraintsModel(
            profile, context.universe, context.undo_stack, self
        )
        self.constraints_table = QTableView()
        self.constraints_table.setObjectName("constraints_table")
        self.constraints_table.setModel(self.constraints_model)
        self._delegate = PercentDelegate(self.constraints_table)
        for column in (MINIMUM, MAXIMUM):
            self.constraints_table.setItemDelegateForColumn(column, self._delegate)
        self.constraints_table.setAlternatingRowColors(True)
        self.constraints_table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.constraints_table.setEditTriggers(
            QAbstractItemView.EditTrigger.DoubleClicked
            | QAbstractItemView.EditTrigger.EditKeyPressed
            | QAbstractItemView.EditTrigger.AnyKeyPressed
        )
        self.constraints_table.verticalHeader().hide()
        self.constraints_table.verticalHeader().setDefaultSectionSize(24)
        header = self.constraints_table.horizontalHeader()
        header.setSectionResizeMode(LABEL, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(SECTION, QHeaderView.ResizeMode.ResizeToContents)
        for column in (MINIMUM, MAXIMUM):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Fixed)
            header.resizeSection(column, 110)
        hint = QLabel(EDIT_HINT)
        hint.setObjectName("constraints_hint")
        hint.setWordWrap(True)
        hint.setToolTip(fmt.PERCENT_INPUT_HELP)
        limits_box = QGroupBox("Policy limits")
        limits_layout = QVBoxLayout(limits_box)
        limits_layout.addWidget(hint)
        self.refusal_label = refusal_bar(self.constraints_model, "constraints_refusal")
        limits_layout.addWidget(self.refusal_label)
        limits_layout.addWidget(self.constraints_table)

        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(left)
        splitter.addWidget(limits_box)
        splitter.setStretchFactor(0, 2)
        splitter.setStretchFactor(1, 3)
        splitter.setSizes([520, 780])
        layout = QHBoxLayout(self.scrolling_page("ips_scroll"))
        layout.addWidget(splitter)

        self._show_profile(profile)
        self.profile_combo.currentIndexChanged.connect(self._on_profile_combo_index_changed)
        self.load_button.clicked.connect(self._on_load_button_clicked)
        self.save_button.clicked.connect(self._on_save_button_clicked)
        self.constraints_model.profile_changed.connect(self._on_constraints_model_profile_changed)
        self.constraints_model.edit_rejected.connect(self._on_constraints_model_edit_rejected)
        self.policy_form.edit_requested.connect(self._on_policy_form_edit_requested)

    def profile(self) -> IPSProfile:
        """The profile as currently edited."""
        return self.constraints_model.profile

    def _show_profile(self, profile: IPSProfile) -> None:
        self.policy_form.show_profile(profile)
        key = next((k for k, p in self._profiles.items() if p == profile), None)
        if key is not None and key != self.profile_combo.currentText():  # e.g. an undone switch
            self._current_key = key
            self.profile_combo.blockSignals(True)
            self.profile_combo.setCurrentText(key)
            self.profile_combo.blockSignals(False)

    def _add_entry(self, key: str, profile: IPSProfile) -> None:
        self._profiles[key] = profile
        if self.profile_combo.findText(key) < 0:
            self.profile_combo.blockSignals(True)
            self.profile_combo.addItem(key)
            self.profile_combo.blockSignals(False)

    @Slot(int)
    def _on_profile_combo_index_changed(self, index: int) -> None:
        key = self.profile_combo.itemText(index)
        if key not in self._profiles:
            return
        current, left = self.profile(), self._current_key
        if self._profiles.get(left) != current and not any(
            p == current for p in self._profiles.values()
        ):
            # Edits of the entry being left stay an entry of their own, never overwritten by a
            # bundled profile of the same name.
            own = left if left.endswith(OWN_SUFFIXES) else f"{current.name} (edited)"
            self._add_entry(own, current)
        self._current_key = key
        self.constraints_model.replace_profile(self._profiles[key])

    def load_profile_file(self, path: str) -> bool:
        """Load a profile file and make it current (undoable); a bad file leaves everything as it was."""
        from core.policy.profile_io import load_profile

        try:
            profile = load_profile(path)
            profile.check_universe(self.constraints_model.universe)
        except PolicyError as exc:
            self.status_message.emit(f"Profile not loaded: {exc}")
            return False
        key = profile.name
        if key in self._profiles and self._profiles[key] != profile:
            key = f"{profile.name} (file)"  # never replaces a bundled profile of that name
        self._add_entry(key, profile)
        self._current_key = key
        self.constraints_model.replace_profile(profile)
        self.status_message.emit(f"Loaded profile '{profile.name}' from {path}.")
        return True

    def save_profile_file(self, path: str) -> bool:
        """Write the current profile to ``path`` atomically; report the outcome in the status bar."""
        from core.policy.profile_io import save_profile

        try:
            save_profile(self.profile(), path)
        except OSError as exc:
            self.status_message.emit(f"Profile not saved to {path}: {exc.strerror or exc}.")
            return False
        self.status_message.emit(f"Saved profile '{self.profile().name}' to {path}.")
        return True

    @Slot()
    def _on_load_button_clicked(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Load IPS profile", "", "IPS profile (*.json)")
        if path:
            self.load_profile_file(path)

    @Slot()
    def _on_save_button_clicked(self) -> None:
        path, _ = QFileDialog.getSaveFileName(
            self, "Save IPS profile", f"{self.profile().name}.json", "IPS profile (*.json)"
        )
        if path:
            self.save_profile_file(path)

    @Slot(object)
    def _on_constraints_model_profile_changed(self, profile: IPSProfile) -> None:
        self._show_profile(profile)
        self.profile_changed.emit(profile)

    @Slot(object, str)
    def _on_policy_form_edit_requested(self, profile: IPSProfile, text: str) -> None:
        # one undo command, as a limit edit; a refused change puts the form back
        if not self.constraints_model.replace_state(profile, text):
            self.policy_form.show_profile(self.profile())

    @Slot(str)
    def _on_constraints_model_edit_rejected(self, message: str) -> None:
        self.status_message.emit(message)
