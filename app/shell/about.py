"""Help > About: version, data sources, the current data and the disclaimer (HTML for QMessageBox)."""

from __future__ import annotations

from html import escape

from app import APP_NAME, DISCLAIMER
from core import __version__
from core.data.dataset import ReturnsDataset

DATA_SOURCES = (
    (
        "SYNTHETIC",
        "a deterministic fat-tailed factor-model generator (fixed seed), calibrated to real "
        "2008-2024 ETF volatilities and correlations; offline and reproducible.",
    ),
    (
        "MARKET",
        "Yahoo Finance adjusted closes through the yfinance library, downloaded only on "
        "Data > Refresh market data and cached locally; all or nothing, never filled.",
    ),
    ("IMPORTED", "your own CSV of monthly returns or prices (Data > Import returns file…)."),
)


def about_html(dataset: ReturnsDataset | None, log_path: str | None = None) -> str:
    """The About box text; ``dataset`` is the data in use (None while the first one loads)."""
    sources = "".join(f"<li><b>{mode}</b>: {escape(text)}</li>" for mode, text in DATA_SOURCES)
    if dataset is None:
        current = "Data in use: loading…"
    else:
        prov = dataset.provenance
        fetched = f", fetched {escape(prov.fetched_at)}" if prov.fetched_at else ""
        current = (
            f"Data in use: <b>{prov.mode.value}</b> — {escape(prov.source)}, {prov.months} "
            f"months {prov.start} to {prov.end}{fetched}."
        )
    log_line = f"<p>Log file: {escape(log_path)}</p>" if log_path else ""
    return (
        f"<h3>{APP_NAME} {__version__}</h3>"
        "<p>Turns an Investment Policy Statement into a constrained multi-asset ETF allocation "
        "and explains it: candidates, policy checks, risk, stress tests and rebalancing.</p>"
        f"<p><b>Data sources</b></p><ul>{sources}</ul><p>{current}</p>"
        "<p>Optimization: DAQP quadratic programs; Qt for Python (PySide6) and pyqtgraph for the "
        f"interface.</p>{log_line}<p><b>{escape(DISCLAIMER)}</b></p>"
    )
