"""Job / JobRunner: results, errors, supersession, cancellation and progress throttling."""

from __future__ import annotations

import threading

from app.kit.workers import Job, JobRunner
from core.errors import PolicyError


def double(x, *, progress, cancel):
    progress(0.5, "half")
    return 2 * x


def test_result_and_order_of_signals(qtbot):
    runner = JobRunner()
    job = Job("t", double, 21)
    seen = []
    for name in ("started", "result", "finished"):
        getattr(job.signals, name).connect(lambda *a, name=name: seen.append(name))
    with qtbot.waitSignal(job.signals.finished, timeout=5_000):
        with qtbot.waitSignal(job.signals.result, timeout=5_000) as blocker:
            runner.start(job)
    assert blocker.args == [42]
    assert seen == ["started", "result", "finished"]
    assert not runner.is_running("t")


def test_core_error_becomes_its_message(qtbot):
    def fail(*, progress, cancel):
        raise PolicyError("Equity minimum 80% is above its maximum 70%: lower the minimum.")

    runner = JobRunner()
    job = Job("t", fail)
    with qtbot.waitSignal(job.signals.error, timeout=5_000) as blocker:
        runner.start(job)
    assert blocker.args == ["Equity minimum 80% is above its maximum 70%: lower the minimum."]
    qtbot.waitUntil(lambda: not runner.is_running("t"))


def test_unexpected_error_names_its_type(qtbot):
    def fail(*, progress, cancel):
        raise ValueError("boom")

    runner = JobRunner()
    job = Job("t", fail)
    with qtbot.waitSignal(job.signals.error, timeout=5_000) as blocker:
        runner.start(job)
    assert blocker.args == ["ValueError: boom"]
    qtbot.waitUntil(lambda: not runner.is_running("t"))


def test_new_job_of_same_kind_supersedes_the_previous(qtbot):
    release = threading.Event()

    def slow(*, progress, cancel):
        release.wait(5)
        return "first"

    runner = JobRunner()
    first = Job("analysis", slow)
    second = Job("analysis", lambda *, progress, cancel: "second")
    first_results = []
    first.signals.result.connect(first_results.append)
    runner.start(first)
    with qtbot.waitSignal(first.signals.cancelled, timeout=5_000):
        with qtbot.waitSignal(second.signals.result, timeout=5_000) as blocker:
            runner.start(second)
            release.set()
    assert blocker.args == ["second"]
    assert first_results == []  # the superseded result is never delivered
    assert first.token.cancelled
    qtbot.waitUntil(lambda: not runner.is_running("analysis"))


def test_cooperative_cancel(qtbot):
    started = threading.Event()

    def loop(*, progress, cancel):
        started.set()
        while True:
            cancel.raise_if_cancelled()
            threading.Event().wait(0.005)

    runner = JobRunner()
    job = Job("t", loop)
    runner.start(job)
    assert started.wait(5)
    with qtbot.waitSignal(job.signals.cancelled, timeout=5_000):
        runner.cancel_all()
    qtbot.waitUntil(lambda: not runner.is_running("t"))


def test_progress_is_throttled_and_ends_at_one(qtbot):
    def chatty(*, progress, cancel):
        for i in range(2001):
            progress(i / 2000, f"step {i}")
        return None

    runner = JobRunner()
    job = Job("t", chatty)
    fractions = []
    job.signals.progress.connect(lambda f, m: fractions.append(f))
    with qtbot.waitSignal(job.signals.finished, timeout=5_000):
        runner.start(job)
    assert 1 <= len(fractions) < 100
    assert fractions[-1] == 1.0


def test_connect_wires_only_the_slots_given(qtbot):
    runner = JobRunner()
    seen = []
    job = runner.start(Job("c", double, 4))
    returned = job.connect(
        result=lambda value: seen.append(("result", value)),
        finished=lambda: seen.append(("finished",)),
    )
    assert returned is job
    qtbot.waitUntil(lambda: ("finished",) in seen, timeout=5_000)
    assert seen == [("result", 8), ("finished",)]
