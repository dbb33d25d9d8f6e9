"""Cyclic garbage collection happens on the GUI thread only (app.kit.collector)."""

from __future__ import annotations

import gc
import threading

from app.kit import collector
from app.kit.collector import GuiThreadCollector


def test_the_suite_and_the_app_collect_on_the_gui_thread_only(qtbot):
    assert collector.installed() and not gc.isenabled()


def test_a_collection_is_due_when_a_threshold_is_passed_and_runs_here(qtbot):
    guard = GuiThreadCollector()
    for _ in range(gc.get_threshold()[0] + 10):  # make cycles: generation 0 passes its threshold
        a: list = []
        a.append(a)
    assert gc.get_count()[0] >= gc.get_threshold()[0]
    found = guard.check()
    assert found >= 1 and guard.collections == 1
    assert gc.get_count()[0] < gc.get_threshold()[0]


def test_a_worker_thread_never_collects(qtbot):
    guard = GuiThreadCollector()
    errors = []

    def work() -> None:
        try:
            guard.check()
        except RuntimeError as exc:
            errors.append(str(exc))

    thread = threading.Thread(target=work)
    thread.start()
    thread.join()
    assert errors == ["the garbage collector must run on the GUI thread"]


def test_automatic_collection_stays_off_while_workers_allocate(qtbot):
    before = gc.get_stats()[0]["collections"]
    done = threading.Event()

    def allocate() -> None:
        for _ in range(20 * gc.get_threshold()[0]):
            a: list = []
            a.append(a)
        done.set()

    thread = threading.Thread(target=allocate)
    thread.start()
    thread.join()
    assert done.is_set()
    assert gc.get_stats()[0]["collections"] == before  # nothing collected in the worker
    assert not gc.isenabled()
