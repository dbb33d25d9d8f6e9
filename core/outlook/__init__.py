"""Forward-looking answers for an IPS: will the policy meet its objectives over its horizon?

Modules, one job each:

* :mod:`core.outlook.bootstrap`: stationary block bootstrap indices (Politis and Romano, 1994).
* :mod:`core.outlook.simulation`: wealth paths of fixed-weight portfolios, rebalanced monthly,
  with the IPS's cash flows.
* :mod:`core.outlook.answers`: the committee's questions answered from those paths.
* :mod:`core.outlook.reverse_stress`: the most plausible shock that breaches the drawdown
  tolerance.

Conventions (every module): monthly simple decimal returns; wealth starts at 1 (a fraction of
the starting assets); a year is 12 months; annualized returns are geometric,
``(1 + total) ** (12 / months) - 1``, nominal.
"""
