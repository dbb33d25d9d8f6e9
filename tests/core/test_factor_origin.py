"""Factors named for what they are: Fama-French only when the Data Library's factors are
attached; synthetic and universe proxies with their ETF legs."""

from __future__ import annotations

import dataclasses

from core.analytics.factors import (
    FactorOrigin,
    dataset_factor_origin,
    factor_legs,
    factor_table,
)
from core.data.french import attach_factors
from core.pipeline import load_default_dataset


def test_origin_of_each_kind_of_dataset():
    synthetic = load_default_dataset()
    assert dataset_factor_origin(synthetic) is FactorOrigin.SYNTHETIC
    assert dataset_factor_origin(dataclasses.replace(synthetic, factors=None)) is None
    # The same numbers attached through the French route are labelled as research factors.
    french = attach_factors(dataclasses.replace(synthetic, factors=None), synthetic.factors)
    assert dataset_factor_origin(french) is FactorOrigin.FAMA_FRENCH


def test_sources_state_the_construction():
    data = load_default_dataset()
    synthetic = factor_table(
        data.returns, data.risk_free, data.factors, origin=FactorOrigin.SYNTHETIC
    )
    assert synthetic.sources["HML"].endswith("calibrated to the ETF spread SPY - QQQ")
    assert synthetic.sources["SMB"].endswith("calibrated to the ETF spread IWM - SPY")
    assert synthetic.origin(["MKT_RF", "SMB", "HML"]) is FactorOrigin.SYNTHETIC
    research = factor_table(
        data.returns, data.risk_free, data.factors, origin=FactorOrigin.FAMA_FRENCH
    )
    assert research.sources["HML"].startswith("Fama-French research factor")
    proxies = factor_table(data.returns, data.risk_free, None, cash_ticker="SGOV")
    assert proxies.sources["DOLLAR"] == "ETF-spread proxy SPY - EFA from the universe's returns"
    assert proxies.origin(["MKT_RF", "TERM"]) is FactorOrigin.ETF_PROXY


def test_factor_legs():
    assert factor_legs("HML", FactorOrigin.SYNTHETIC) == ("SPY", "QQQ")
    assert factor_legs("MKT_RF", FactorOrigin.SYNTHETIC) == ("SPY", "cash")
    assert factor_legs("TERM", FactorOrigin.ETF_PROXY) == ("TLT", "cash")
    assert factor_legs("RMW", FactorOrigin.SYNTHETIC) is None
    assert factor_legs("HML", FactorOrigin.FAMA_FRENCH) is None
