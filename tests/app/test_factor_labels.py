"""The Risk tab's factor axis names a proxy for what it is, never as the research factor."""

from __future__ import annotations

from app.risk.charts import factor_label
from core.analytics.factors import FactorOrigin


def test_proxy_factors_are_labelled_with_their_legs():
    assert factor_label("HML", FactorOrigin.SYNTHETIC) == "HML = SPY - QQQ"
    assert factor_label("SMB", FactorOrigin.ETF_PROXY) == "SMB"  # no universe proxy for SMB
    assert factor_label("TERM", FactorOrigin.ETF_PROXY) == "TERM = TLT - cash"
    assert factor_label("RMW", FactorOrigin.SYNTHETIC) == "RMW (synthetic)"
    assert factor_label("HML", FactorOrigin.FAMA_FRENCH) == "Value (HML)"
