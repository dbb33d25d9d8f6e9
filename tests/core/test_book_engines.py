"""The book on Dask: a LocalCluster and a localhost scheduler with two workers (started and
stopped here) give the same files as the plain in-process run; post-trade compliance holds
for every account of hypothesis-generated books."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bench.make_book import make_book

ROOT = Path(__file__).resolve().parents[2]
CSV_FILES = ("book_trades.csv", "book_orders.csv", "book_accounts.csv")


def _run_cli(args: list[str], timeout: float = 300) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "app", "book", *args, "--quiet"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def _same_outputs(a: Path, b: Path) -> None:
    for name in CSV_FILES:
        assert (a / name).read_bytes() == (b / name).read_bytes(), name
    for sheet in ("Exceptions", "Summary", "Skipped"):
        left = pd.read_excel(a / "book_exceptions.xlsx", sheet_name=sheet)
        right = pd.read_excel(b / "book_exceptions.xlsx", sheet_name=sheet)
        pd.testing.assert_frame_equal(left, right)
    import json

    one, two = (json.loads((d / "run_manifest.json").read_text()) for d in (a, b))
    assert one["book"] == two["book"] and one["accounts"] == two["accounts"]


@pytest.fixture(scope="module")
def small_book(tmp_path_factory):
    return make_book(tmp_path_factory.mktemp("book") / "small", 12, seed=11, drift=0.1)


@pytest.fixture(scope="module")
def in_process(small_book, tmp_path_factory):
    out = tmp_path_factory.mktemp("in_process")
    done = _run_cli([str(small_book), "--out", str(out), "--in-process"])
    assert done.returncode == 0, done.stderr
    return out


@pytest.mark.slow
def test_local_cluster_gives_the_in_process_files(small_book, in_process, tmp_path):
    done = _run_cli([str(small_book), "--out", str(tmp_path), "--workers", "2"])
    assert done.returncode == 0, done.stderr
    assert "LocalCluster (2 worker processes)" in done.stderr
    _same_outputs(in_process, tmp_path)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.slow
def test_a_localhost_scheduler_and_two_workers_give_the_same_files(
    small_book, in_process, tmp_path
):
    dask = shutil.which("dask", path=str(Path(sys.executable).parent)) or shutil.which("dask")
    assert dask is not None, "the dask command comes with dask[distributed]"
    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    started: list[subprocess.Popen[bytes]] = []
    try:
        started.append(
            subprocess.Popen(
                [dask, "scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard"],
                cwd=ROOT,
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        )
        for _ in range(2):
            started.append(
                subprocess.Popen(
                    [
                        dask,
                        "worker",
                        address,
                        "--nworkers",
                        "1",
                        "--nthreads",
                        "1",
                        "--no-dashboard",
                    ],
                    cwd=ROOT,
                    env=env,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
            )
        from distributed import Client

        with Client(address, timeout=60) as client:
            client.wait_for_workers(2, timeout=120)
        done = _run_cli([str(small_book), "--out", str(tmp_path), "--scheduler", address])
        assert done.returncode == 0, done.stderr
        assert "(2 workers)" in done.stderr
        _same_outputs(in_process, tmp_path)
    finally:
        for process in reversed(started):
            process.terminate()
        for process in reversed(started):
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=20)


def test_book_help_prints_its_usage(capsys):
    from app.cli import main

    with pytest.raises(SystemExit) as stop:
        main(["book", "--help"])
    assert stop.value.code == 0
    assert "python -m app book" in capsys.readouterr().out


def test_an_unreachable_scheduler_is_an_error_naming_the_address(small_book, tmp_path):
    done = _run_cli(
        [
            str(small_book),
            "--out",
            str(tmp_path / "o"),
            "--scheduler",
            f"tcp://127.0.0.1:{_free_port()}",
        ],
        timeout=180,
    )
    assert done.returncode == 1 and "No Dask scheduler answers" in done.stderr
    assert not (tmp_path / "o").exists()


@pytest.fixture(scope="module")
def profile_targets_all():
    from core.book.check import profile_targets
    from core.pipeline import load_default_dataset
    from core.policy.profile_io import bundled_profiles
    from core.universe import default_universe

    dataset, universe = load_default_dataset(), default_universe()
    return {
        n: profile_targets(n, p, dataset, universe) for n, p in bundled_profiles().items()
    }, dataset


@pytest.mark.slow
@settings(
    max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(seed=st.integers(0, 10_000), drift=st.floats(0.0, 0.6), accounts=st.integers(1, 3))
def test_post_trade_compliance_holds_for_every_account(
    profile_targets_all, tmp_path_factory, seed, drift, accounts
):
    from core.book.engine import run_book
    from core.book.loader import load_book
    from core.universe import default_universe

    targets, dataset = profile_targets_all
    folder = make_book(
        tmp_path_factory.mktemp("h"), accounts, seed=seed, drift=drift, varied_settings=False
    )
    book = load_book(folder, universe=default_universe(), prices=dataset.prices)
    assert not book.skipped
    results = run_book(book.accounts, {k: targets[k] for k in book.profiles})
    for account, result in zip(book.accounts, results, strict=True):
        assert not result.error, result.error
        assert result.post_trade_in_ips or result.limits_relaxed
        # by hand: post-trade weights from shares, prices and cash; the single-ETF cap and
        # long-only hold, and cash never goes negative
        h, profile = account.holdings, targets[account.profile].profile
        shares = {t: h.positions.get(t, 0.0) for t in h.prices}
        for trade in result.trades:
            shares[trade.ticker] += trade.shares
        values = np.array([shares[t] * h.prices[t] for t in shares])
        total = values.sum() + result.cash_after
        assert result.cash_after >= -1e-9 and (values >= -1e-9).all()
        if not result.limits_relaxed:
            assert values.max() / total <= profile.max_single_weight + 1e-6


@pytest.mark.slow
def test_ctrl_c_stops_the_book_and_writes_nothing(tmp_path):
    import signal

    book = make_book(tmp_path / "book", 100, seed=8)
    out = tmp_path / "out"
    process = subprocess.Popen(
        [sys.executable, "-m", "app", "book", str(book), "--out", str(out), "--in-process"],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stderr is not None
        first = process.stderr.readline()  # "100 accounts on in-process": the pass has begun
        assert "accounts on in-process" in first
        process.send_signal(signal.SIGINT)
        _, err = process.communicate(timeout=120)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=20)
    assert process.returncode == 130, err
    assert "nothing was written" in err
    assert not out.exists() or not any(out.iterdir())


def test_the_progress_bar_by_hand():
    import io

    from app.book_cli import ProgressBar
    from core.book.engine import BookProgress

    assert ProgressBar.line(BookProgress(5_000, 3, 10_000)) == (
        "[############------------]  50% 5,000 of 10,000 accounts done, 3 failed, 5,000 remaining"
    )
    assert ProgressBar.line(BookProgress(0, 0, 7)).startswith("[" + "-" * 24 + "]   0% ")
    assert ProgressBar.line(BookProgress(7, 0, 7)).startswith("[" + "#" * 24 + "] 100% ")
    log = io.StringIO()  # not a terminal: a line per tenth of the book, and the last
    bar = ProgressBar(log)
    for done in range(0, 101, 5):
        bar(BookProgress(done, 0, 100))
    bar.close()
    lines = log.getvalue().splitlines()
    assert len(lines) == 11 and "\r" not in log.getvalue()
    assert lines[0].startswith("[" + "-" * 24 + "]   0%")
    assert lines[-1].endswith("100 of 100 accounts done, 0 failed, 0 remaining")

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    screen = Terminal()  # a terminal: redrawn in place after every chunk, ended by close()
    bar = ProgressBar(screen)
    for done in (0, 50, 100):
        bar(BookProgress(done, 1, 100))
    bar.close()
    assert screen.getvalue().count("\r") == 3 and screen.getvalue().endswith("remaining\n")
    quiet = io.StringIO()
    bar = ProgressBar(quiet, quiet=True)
    bar(BookProgress(1, 0, 2))
    bar.close()
    assert quiet.getvalue() == ""
