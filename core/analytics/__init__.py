"""Pure analytics on monthly returns: performance and risk metrics, risk contributions.

Nothing here imports Qt. Inputs are monthly simple returns in decimals (0.01 = 1%).
"""
