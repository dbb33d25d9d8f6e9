"""IPS Allocation Studio analytics core.

Pure Python (numpy, pandas, scipy, daqp). Nothing in this package imports Qt: the
desktop shell in ``app`` adapts it. Educational software, not investment advice.
"""

from __future__ import annotations

__version__ = "0.1.0"

DISCLAIMER = (
    "Educational software: results are illustrations of an institutional workflow, "
    "not investment advice, a recommendation to buy or sell any security, or production "
    "investment-management software."
)
