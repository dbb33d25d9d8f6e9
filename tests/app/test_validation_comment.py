"""The policy-validation table's Comment column is on screen beside the figures, one line,
elided, with the whole comment in its tooltip (issue 15, #17: it was cut mid-phrase past the
table's right edge)."""

from __future__ import annotations

from PySide6.QtCore import Qt


def test_the_comment_column_is_in_view_with_its_full_text_in_the_tooltip(qtbot, window):
    tab = window.tab_widgets["allocation"]
    window.resize(1366, 768)
    window.tabs.setCurrentWidget(tab)
    qtbot.waitUntil(lambda: not tab.deferred.pending(), timeout=10_000)
    qtbot.wait(50)  # the header lays its stretched section out
    table, model = tab.validation_table, tab.validation_model
    header = table.horizontalHeader()
    comment = model.column_of("comment")
    assert header.isSectionHidden(model.column_of("category"))
    assert comment == header.count() - 1  # the last column: it takes the room left
    right = header.sectionViewportPosition(comment) + header.sectionSize(comment)
    # Wholly in view at 1366x768 (no horizontal scrolling to find it, its ellipsis visible),
    # at least 80 px wide.
    assert header.sectionSize(comment) >= 80
    assert right <= table.viewport().width()
    assert header.length() <= table.viewport().width()  # nothing to scroll to
    rows = tab.result.recommended.validation.rows
    shown = {
        model.data(model.index(r, comment), Qt.ItemDataRole.ToolTipRole)
        for r in range(model.rowCount())
    }
    assert shown == {row.comment for row in rows}
