"""Kenneth French's Fama-French 5-factor monthly returns: parse, fetch, cache, attach.

The Data Library file ``F-F_Research_Data_5_Factors_2x3_CSV.zip`` holds one CSV with a few
text lines, then a monthly block ``YYYYMM,Mkt-RF,SMB,HML,RMW,CMA,RF`` in **percent**, then an
annual block. :func:`parse_french_csv` reads the monthly block only and returns decimals with
the core's column names (``MKT_RF, SMB, HML, RMW, CMA, RF``), indexed by calendar month-end.

Live use downloads the zip on explicit request (:func:`fetch_french_factors`) and keeps the
CSV text in a cache file beside the price cache; offline use reads a CSV in the same format
(:func:`load_french_file`). Attaching is all-or-nothing: the factors must cover every month
of the returns, or nothing is attached and :class:`DataError` says which months are missing.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import json
import re
import zipfile
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd

from core.data.dataset import ReturnsDataset
from core.errors import DataError
from core.jobs import CancelToken
from core.jsonio import write_json_atomic, write_text_atomic

FRENCH_URL = "https://mba.tuck.dartmouth.edu/pages/faculty/ken.french/ftp/F-F_Research_Data_5_Factors_2x3_CSV.zip"
SOURCE = "Kenneth R. French Data Library, Fama/French 5 Factors (2x3), monthly"
COLUMNS = {"Mkt-RF": "MKT_RF", "SMB": "SMB", "HML": "HML", "RMW": "RMW", "CMA": "CMA", "RF": "RF"}
CACHE_NAME = "french_5_factors.csv"
_MONTH_ROW = re.compile(r"^\s*(\d{6})\s*,")

Downloader = Callable[[str], bytes]


def parse_french_csv(text: str, *, source: str = "French factors file") -> pd.DataFrame:
    """Monthly factor returns (decimal) from the Data Library CSV text; see module docstring.

    Raises :class:`DataError` naming the line when the header is missing, a value is not a
    number, or a month repeats.
    """
    lines = text.splitlines()
    header_at = next(
        (i for i, line in enumerate(lines) if line.replace(" ", "").startswith(",Mkt-RF")), None
    )
    if header_at is None:
        raise DataError(
            f"{source}: no ',Mkt-RF,SMB,HML,RMW,CMA,RF' header line; is it the 5-factor file?"
        )
    header = [h.strip() for h in lines[header_at].split(",")[1:]]
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        raise DataError(f"{source}: the header lacks {', '.join(missing)}.")
    rows: dict[pd.Timestamp, list[float]] = {}
    for number, line in enumerate(lines[header_at + 1 :], start=header_at + 2):
        match = _MONTH_ROW.match(line)
        if not match:
            if rows:  # the monthly block ended (blank line before the annual block)
                break
            continue
        cells = [c.strip() for c in line.split(",")]
        stamp = pd.Timestamp(
            year=int(cells[0][:4]), month=int(cells[0][4:]), day=1
        ) + pd.offsets.MonthEnd(0)
        if stamp in rows:
            raise DataError(f"{source}, line {number}: month {cells[0]} appears twice.")
        try:
            values = [float(cells[1 + header.index(c)]) / 100.0 for c in COLUMNS]
        except (ValueError, IndexError):
            raise DataError(
                f"{source}, line {number}: every factor value must be a number ({line.strip()!r})."
            ) from None
        if any(v <= -1 or v != v for v in values):
            raise DataError(
                f"{source}, line {number}: a factor return of -100% or less, or not a number."
            )
        rows[stamp] = values
    if not rows:
        raise DataError(f"{source}: no monthly rows (YYYYMM, ...) after the header.")
    frame = pd.DataFrame.from_dict(
        rows, orient="index", columns=list(COLUMNS.values())
    ).sort_index()
    frame.index.name = "date"
    return frame


def load_french_file(path: str | Path) -> pd.DataFrame:
    """Read a French-format CSV (or the zip that holds it) from disk; offline."""
    file = Path(path)
    try:
        raw = file.read_bytes()
    except OSError as exc:
        raise DataError(f"Factor file {file} cannot be read: {exc.strerror or exc}.") from None
    return parse_french_csv(_csv_text(raw, file.name), source=file.name)


def _csv_text(raw: bytes, name: str) -> str:
    if raw[:2] == b"PK":
        try:
            with zipfile.ZipFile(io.BytesIO(raw)) as archive:
                members = [m for m in archive.namelist() if m.lower().endswith(".csv")]
                if len(members) != 1:
                    raise DataError(
                        f"{name}: expected one CSV inside the zip, found {len(members)}."
                    )
                raw = archive.read(members[0])
        except zipfile.BadZipFile:
            raise DataError(f"{name}: a damaged zip file.") from None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def default_cache_dir() -> Path:
    """:func:`core.resources.user_data_root` (honours ``$IPS_STUDIO_USER_DIR``)."""
    from core.resources import user_data_root

    return user_data_root()


def _download(url: str) -> bytes:
    import urllib.request

    with urllib.request.urlopen(url, timeout=30) as response:  # noqa: S310 (fixed https URL)
        return response.read()


def fetch_french_factors(
    *,
    downloader: Downloader | None = None,
    cache_dir: str | Path | None = None,
    cancel: CancelToken | None = None,
) -> pd.DataFrame:
    """Download the 5-factor file (network; explicit user action only), cache it, return it.

    A failed download or a file that does not parse raises :class:`DataError` and leaves the
    previous cache untouched.
    """
    get = downloader or _download
    try:
        raw = get(FRENCH_URL)
    except DataError:
        raise
    except Exception as exc:  # network errors come in many types; all mean the same here
        raise DataError(
            f"The Fama-French factors could not be downloaded ({exc}); the cached copy, if any, "
            "is unchanged. Check the connection or import the CSV from a file."
        ) from None
    if cancel is not None:
        cancel.raise_if_cancelled()
    text = _csv_text(raw, "downloaded factor file")
    frame = parse_french_csv(text, source="downloaded factor file")
    folder = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / CACHE_NAME
    write_text_atomic(text, target)
    write_json_atomic(
        {
            "source": SOURCE,
            "url": FRENCH_URL,
            "sha256": hashlib.sha256(text.encode()).hexdigest(),
            "fetched_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "first_month": f"{frame.index[0]:%Y-%m}",
            "last_month": f"{frame.index[-1]:%Y-%m}",
        },
        folder / (CACHE_NAME + ".json"),
    )
    return frame


def load_cached_french_factors(cache_dir: str | Path | None = None) -> tuple[pd.DataFrame, dict]:
    """The cached factors and their metadata; :class:`DataError` when nothing is cached."""
    folder = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    target = folder / CACHE_NAME
    if not target.is_file():
        raise DataError("No Fama-French factors are cached: download them first or import a CSV.")
    meta_file = folder / (CACHE_NAME + ".json")
    meta = json.loads(meta_file.read_text(encoding="utf-8")) if meta_file.is_file() else {}
    return parse_french_csv(target.read_text(encoding="utf-8"), source=str(target)), meta


def attach_factors(
    dataset: ReturnsDataset, factors: pd.DataFrame, *, source: str = SOURCE
) -> ReturnsDataset:
    """A copy of ``dataset`` whose ``factors`` are ``factors`` on the returns' months, or DataError."""
    missing = dataset.returns.index.difference(factors.index)
    if len(missing):
        shown = ", ".join(f"{d:%Y-%m}" for d in missing[:6]) + (" ..." if len(missing) > 6 else "")
        raise DataError(
            f"The factors do not cover {len(missing)} month(s) of the returns ({shown}); factors cover "
            f"{factors.index[0]:%Y-%m} to {factors.index[-1]:%Y-%m}. Nothing was attached: use a sample "
            "inside that range or rely on the universe's own proxy factors."
        )
    aligned = factors.loc[dataset.returns.index].copy()
    provenance = dataclasses.replace(
        dataset.provenance,
        notes=(
            *dataset.provenance.notes,
            f"Equity factors: {source}, {len(aligned)} months, decimal.",
        ),
    )
    return dataclasses.replace(dataset, factors=aligned, provenance=provenance)
