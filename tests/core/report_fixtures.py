"""Shared, expensive report fixtures for the workbook, memo and publish tests (computed once)."""

from __future__ import annotations

import functools
import re
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import pandas as pd

from core.backtest.settings import WalkForwardSettings
from core.pipeline import load_default_dataset, run_analysis
from core.policy.profile_io import bundled_profiles
from core.report.package import ReportBundle, plan_for, prepare_report, write_report_package

INJECTED_NAME = '=HYPERLINK("http://example.invalid","click")'
GENERATED = "2026-01-01 00:00 UTC"


@functools.cache
def dataset():
    return load_default_dataset()


@functools.cache
def passing_bundle() -> ReportBundle:
    """Balanced Growth (selected) and Capital Preservation, with the demo account's plan."""
    from core.rebalance import demo_holdings

    profiles = bundled_profiles()
    results = [
        run_analysis(profiles[name], dataset())
        for name in ("Balanced Growth", "Capital Preservation")
    ]
    plan = plan_for(results[0], demo_holdings(results[0].universe))
    return prepare_report(results, rebalance=plan, walk_forward=WalkForwardSettings())


@functools.cache
def failing_bundle() -> ReportBundle:
    """Balanced Growth edited so that no candidate passes (drawdown tolerance 10%), with a
    formula-like name and notes."""
    profile = bundled_profiles()["Balanced Growth"].with_changes(
        name=INJECTED_NAME, max_drawdown=0.10, notes="@SUM(A1:A9) +1 -1"
    )
    return prepare_report([run_analysis(profile, dataset())])


def write(bundle: ReportBundle, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    write_report_package(bundle, folder, generated=GENERATED)
    return folder


def sheet_frame(ws, header_row: int = 1) -> pd.DataFrame:
    """The table starting at ``header_row`` of a sheet, up to the first empty row."""
    rows = []
    header = [c.value for c in ws[header_row]]
    while header and header[-1] is None:
        header.pop()
    for row in ws.iter_rows(min_row=header_row + 1, max_col=len(header), values_only=True):
        if all(v is None for v in row):
            break
        rows.append(row)
    return pd.DataFrame(rows, columns=header)


def charts_by_sheet(path: Path) -> dict[str, list[str]]:
    """``{sheet name: [chart kinds]}`` read from the xlsx package (openpyxl does not load charts)."""
    ns = {
        "m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
        "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
        "rel": "http://schemas.openxmlformats.org/package/2006/relationships",
    }

    def rels(z: zipfile.ZipFile, part: str) -> dict[str, str]:
        folder, name = part.rsplit("/", 1)
        rel_part = f"{folder}/_rels/{name}.rels"
        if rel_part not in z.namelist():
            return {}
        root = ET.fromstring(z.read(rel_part))
        out = {}
        for rel in root.findall("rel:Relationship", ns):
            target = rel.get("Target")
            out[rel.get("Id")] = (
                target.lstrip("/")
                if target.startswith("/")
                else str(Path(folder, target)).replace("\\", "/")
            )
        return out

    def normal(p: str) -> str:
        parts: list[str] = []
        for piece in p.split("/"):
            if piece == "..":
                parts.pop()
            elif piece and piece != ".":
                parts.append(piece)
        return "/".join(parts)

    out: dict[str, list[str]] = {}
    with zipfile.ZipFile(path) as z:
        book = ET.fromstring(z.read("xl/workbook.xml"))
        book_rels = rels(z, "xl/workbook.xml")
        for sheet in book.find("m:sheets", ns):
            part = normal(book_rels[sheet.get(f"{{{ns['r']}}}id")])
            kinds: list[str] = []
            for target in rels(z, part).values():
                target = normal(target)
                if "drawings/" not in target:
                    continue
                for chart in rels(z, target).values():
                    xml = z.read(normal(chart)).decode("utf-8")
                    kinds += re.findall(r"<(?:c:)?(barChart|lineChart|scatterChart|pieChart)>", xml)
            out[sheet.get("name")] = kinds
    return out
