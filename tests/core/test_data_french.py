"""Fama-French factor files: parsing the Data Library format, the cache, all-or-nothing attach."""

from __future__ import annotations

import io
import zipfile

import numpy as np
import pandas as pd
import pytest

from core.analytics.factors import FactorModel, regress_on_factors
from core.data import french
from core.errors import DataError
from core.pipeline import load_default_dataset

HEADER = (
    "This file was created by CMPT_ME_BEME_OP_INV_RETS using the 202609 CRSP database.\n"
    "The 1-month TBill return is from Ibbotson and Associates Inc.\n\n"
    ",Mkt-RF,SMB,HML,RMW,CMA,RF\n"
)


def french_text(index: pd.DatetimeIndex, values: np.ndarray) -> str:
    rows = "".join(
        f"{d:%Y%m},{','.join(f'{v:.4f}' for v in row)}\n"
        for d, row in zip(index, values, strict=True)
    )
    annual = "\n Annual Factors: January-December \n,Mkt-RF,SMB,HML,RMW,CMA,RF\n  2020,   23.66,  13.17, -46.56,  -4.41, -10.50,   0.45\n"
    return HEADER + rows + annual


def test_parse_reads_the_monthly_block_in_percent():
    text = (
        HEADER
        + "202001,  -0.11,  -3.06,  -6.25,  -1.25,  -2.30,   0.13\n202002,  -8.13,   0.93,  -3.80,  -1.66,  -2.44,   0.12\n\n Annual Factors\n,Mkt-RF,SMB,HML,RMW,CMA,RF\n  2020,   23.66,  13.17, -46.56,  -4.41, -10.50,   0.45\n"
    )
    frame = french.parse_french_csv(text)
    assert list(frame.columns) == ["MKT_RF", "SMB", "HML", "RMW", "CMA", "RF"]
    assert list(frame.index) == [pd.Timestamp("2020-01-31"), pd.Timestamp("2020-02-29")]
    assert frame.loc["2020-02-29", "MKT_RF"] == pytest.approx(-0.0813)
    assert frame.loc["2020-01-31", "RF"] == pytest.approx(0.0013)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("Mkt,SMB\n190001,1,2\n", "no ',Mkt-RF,SMB,HML,RMW,CMA,RF' header"),
        (HEADER + "202001, x, 1, 1, 1, 1, 1\n", "line 5: every factor value must be a number"),
        (HEADER + "202001,1,1,1,1,1,1\n202001,1,1,1,1,1,1\n", "line 6: month 202001 appears twice"),
        (HEADER, "no monthly rows"),
    ],
)
def test_bad_factor_files_name_the_line(text, message):
    with pytest.raises(DataError, match=message):
        french.parse_french_csv(text)


def _zip(text: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("F-F_Research_Data_5_Factors_2x3.csv", text)
    return buffer.getvalue()


def test_fetch_caches_and_a_failed_fetch_keeps_the_cache(tmp_path):
    idx = pd.date_range("2010-01-31", periods=24, freq="ME")
    values = np.random.default_rng(1).normal(0, 3, size=(24, 6))
    text = french_text(idx, values)
    calls = []
    frame = french.fetch_french_factors(
        downloader=lambda url: calls.append(url) or _zip(text), cache_dir=tmp_path
    )
    assert calls == [french.FRENCH_URL]
    np.testing.assert_allclose(frame.to_numpy(), np.round(values, 4) / 100)
    cached, meta = french.load_cached_french_factors(tmp_path)
    pd.testing.assert_frame_equal(cached, frame)
    assert meta["first_month"] == "2010-01" and meta["last_month"] == "2011-12"

    def offline(url):
        raise OSError("Network is unreachable")

    with pytest.raises(DataError, match="could not be downloaded .*Network is unreachable"):
        french.fetch_french_factors(downloader=offline, cache_dir=tmp_path)
    pd.testing.assert_frame_equal(french.load_cached_french_factors(tmp_path)[0], frame)
    with pytest.raises(DataError, match="No Fama-French factors are cached"):
        french.load_cached_french_factors(tmp_path / "empty")


def test_attach_is_all_or_nothing_and_feeds_the_regression(tmp_path):
    dataset = load_default_dataset()
    idx = dataset.returns.index
    # Factors built from the data so the answer is known: MKT_RF = SPY - SGOV exactly.
    mkt = (dataset.returns["SPY"] - dataset.returns["SGOV"]).to_numpy()
    rng = np.random.default_rng(2)
    values = (
        np.column_stack(
            [mkt, rng.normal(0, 0.02, (len(idx), 4)), dataset.returns["SGOV"].to_numpy()]
        )
        * 100
    )
    path = tmp_path / "ff.csv"
    path.write_text(french_text(idx, values), encoding="utf-8")
    factors = french.load_french_file(path)
    short = factors.iloc[:-3]
    with pytest.raises(DataError, match="do not cover 3 month"):
        french.attach_factors(dataset, short)
    attached = french.attach_factors(dataset, factors)
    assert attached.factors.index.equals(idx)
    assert any("Kenneth R. French" in note for note in attached.provenance.notes)
    y = dataset.returns["SPY"] - attached.factors["RF"]
    reg = regress_on_factors(
        y,
        attached.factors[["MKT_RF", "SMB", "HML", "RMW", "CMA"]],
        scope="SPY",
        model=FactorModel.EQUITY,
    )
    # SPY - RF on (SPY - SGOV), with RF = SGOV up to the 4-decimal rounding: beta 1, R^2 ~ 1.
    beta = dict(zip(reg.terms, reg.coefficients, strict=True))["MKT_RF"]
    assert beta == pytest.approx(1.0, abs=1e-3)
    assert reg.r_squared > 0.999


def test_report_command_attaches_a_factor_file(tmp_path):
    from app.cli import main as cli_main

    dataset = load_default_dataset()
    idx = dataset.returns.index
    values = np.random.default_rng(3).normal(0, 3, size=(len(idx), 6))
    values[:, 5] = np.abs(values[:, 5]) / 10
    path = tmp_path / "ff.csv"
    path.write_text(french_text(idx, values), encoding="utf-8")
    out = tmp_path / "out"
    assert cli_main(["report", "--out", str(out), "--factors", str(path), "--no-charts"]) == 0
    import json

    notes = json.loads((out / "data_provenance.json").read_text())["data"]["notes"]
    assert any("Kenneth R. French" in note for note in notes)
    bad = tmp_path / "short.csv"
    bad.write_text(french_text(idx[:-1], values[:-1]), encoding="utf-8")
    assert (
        cli_main(["report", "--out", str(tmp_path / "out2"), "--factors", str(bad), "--no-charts"])
        == 2
    )
