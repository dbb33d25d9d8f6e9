"""The book's output files, published atomically (:func:`core.report.publish.publish`).

* ``book_exceptions.xlsx``: *Exceptions* (every rule or band broken, accounts worst first, with
  the margin; continued on *Exceptions 2*, ... past Excel's row limit), *Summary* (counts per
  profile and a native bar chart), *Skipped* (every bad cell of the accounts left out).
* ``book_trades.csv`` (account x ticker), ``book_orders.csv`` (net shares per ETF across the
  book), ``book_accounts.csv`` (per account: value, compliance, breaches, turnover, cost).
* ``run_manifest.json``: the book's SHA-256, the data, the profiles and their recommended
  portfolios, the engine, and every file's hash, written last.

Files are staged and moved into place only when all were written: a failure or a stopped run
leaves the folder as it was.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from core.book.check import BOOK_OPTIMALITY_GAP, ProfileTargets, gap_statement
from core.book.model import AccountResult, Book
from core.book.tables import (
    accounts_table,
    exceptions_table,
    orders_table,
    problems_table,
    summary_table,
    trades_table,
)

FILES = ("book_exceptions.xlsx", "book_trades.csv", "book_orders.csv", "book_accounts.csv")
MAX_SHEET_ROWS = 1_048_575
"""Exception rows per sheet (Excel's 1,048,576 rows less the header); a longer list continues
on sheets "Exceptions 2", "Exceptions 3", ... in the same worst-first order."""


def _write_workbook(
    path: Path, exceptions: pd.DataFrame, summary: pd.DataFrame, problems: pd.DataFrame
) -> None:
    from openpyxl import Workbook
    from openpyxl.chart import BarChart, Reference
    from openpyxl.styles import Font

    workbook = Workbook()
    rows = MAX_SHEET_ROWS
    parts = [exceptions.iloc[i : i + rows] for i in range(0, max(len(exceptions), 1), rows)]
    sheets = [
        ("Exceptions" if n == 0 else f"Exceptions {n + 1}", part) for n, part in enumerate(parts)
    ]
    sheets += [("Summary", summary), ("Skipped", problems)]
    for index, (title, frame) in enumerate(sheets):
        sheet = workbook.active if index == 0 else workbook.create_sheet()
        assert sheet is not None
        sheet.title = title
        sheet.append(list(frame.columns))
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in frame.itertuples(index=False):
            sheet.append(
                [
                    None
                    if isinstance(v, float) and v != v
                    else (v.item() if hasattr(v, "item") else v)
                    for v in row
                ]
            )
        for number, name in enumerate(frame.columns, start=1):
            if name in ("value", "margin", "account_worst_margin") and title.startswith(
                "Exceptions"
            ):
                for (cell,) in sheet.iter_rows(min_row=2, min_col=number, max_col=number):
                    cell.number_format = "0.00%"
        sheet.freeze_panes = "A2"
    summary_sheet = workbook["Summary"]
    chart = BarChart()
    chart.type = "col"
    chart.title = "Accounts by profile"
    chart.y_axis.title = "accounts"
    last = len(summary) + 1
    for column in ("in_ips", "outside_ips", "outside_bands"):
        number = list(summary.columns).index(column) + 1
        chart.add_data(
            Reference(summary_sheet, min_col=number, min_row=1, max_row=last), titles_from_data=True
        )
    chart.set_categories(Reference(summary_sheet, min_col=1, min_row=2, max_row=last))
    chart.width, chart.height = 18, 9
    summary_sheet.cell(row=last + 2, column=1, value=f"Trades: {gap_statement()}.")
    summary_sheet.cell(row=last + 3, column=1, value="Educational software, not investment advice.")
    summary_sheet.add_chart(chart, f"A{last + 5}")
    workbook.save(path)


def write_book_files(
    folder: Path,
    book: Book,
    results: Sequence[AccountResult],
    targets: Mapping[str, ProfileTargets],
    *,
    run: Mapping[str, Any],
    created_utc: str | None = None,
) -> list[Path]:
    """Write every output file into ``folder`` (a staging folder; see :func:`publish_book`)."""
    from core.report.manifest import package_versions, sha256_file
    from core.report.publish import MANIFEST_NAME

    trades = trades_table(results)
    _write_workbook(
        folder / "book_exceptions.xlsx",
        exceptions_table(results),
        summary_table(results, book),
        problems_table(book),
    )
    trades.to_csv(folder / "book_trades.csv", index=False)
    orders_table(trades).to_csv(folder / "book_orders.csv", index=False)
    accounts_table(results, book).to_csv(folder / "book_accounts.csv", index=False)
    manifest = {
        "schema_version": 1,
        "kind": "book",
        "created_utc": created_utc
        or dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "book": {"source": Path(book.source).name, "sha256": book.sha256},
        "accounts": {
            "checked": len(results),
            "skipped": len(book.skipped),
            "failed": sum(1 for r in results if r.error),
            "outside_ips": sum(1 for r in results if not r.in_ips),
            "outside_bands": sum(1 for r in results if not r.in_bands),
        },
        "profiles": {
            key: {"profile": t.profile.name, "recommended": t.recommended}
            for key, t in targets.items()
        },
        "run": dict(run),
        "trades": {
            "optimality_gap": gap_statement(),
            "absolute_gap_fraction": BOOK_OPTIMALITY_GAP,
        },
        "packages": package_versions((*_PACKAGES,)),
        "files": {
            name: {"sha256": sha256_file(folder / name), "bytes": (folder / name).stat().st_size}
            for name in FILES
        },
    }
    (folder / MANIFEST_NAME).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return [folder / name for name in (*FILES, MANIFEST_NAME)]


_PACKAGES = ("numpy", "pandas", "scipy", "openpyxl", "dask", "distributed")


def publish_book(
    out_dir: str | Path,
    book: Book,
    results: Sequence[AccountResult],
    targets: Mapping[str, ProfileTargets],
    *,
    run: Mapping[str, Any],
    created_utc: str | None = None,
) -> list[Path]:
    """Write the files into a staging folder and move them into ``out_dir`` all at once
    (:func:`core.report.publish.publish`); returns the published paths."""
    from core.report.publish import publish

    return publish(
        out_dir,
        lambda stage: write_book_files(
            stage, book, results, targets, run=run, created_utc=created_utc
        ),
    )
