"""Black-Litterman: He and Litterman's (1999) published tables, a second algebraic form,
Idzorek's (2005) confidence search done numerically, and the 0% / 100% confidence limits."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.optimize import minimize_scalar

from core.errors import DataError
from core.optimize.black_litterman import (
    View,
    ViewKind,
    black_litterman,
    blend,
    check_view,
    equilibrium_returns,
    pick_row,
)

# He, G. and Litterman, R. (1999), "The Intuition Behind Black-Litterman Model Portfolios",
# Goldman Sachs Investment Management Research. Appendix tables, countries in this order:
COUNTRIES = ("AU", "CA", "FR", "DE", "JP", "UK", "US")
HL_CORRELATION = np.array(  # Table 1
    [
        [1.000, 0.488, 0.478, 0.515, 0.439, 0.512, 0.491],
        [0.488, 1.000, 0.664, 0.655, 0.310, 0.608, 0.779],
        [0.478, 0.664, 1.000, 0.861, 0.355, 0.783, 0.668],
        [0.515, 0.655, 0.861, 1.000, 0.354, 0.777, 0.653],
        [0.439, 0.310, 0.355, 0.354, 1.000, 0.405, 0.306],
        [0.512, 0.608, 0.783, 0.777, 0.405, 1.000, 0.652],
        [0.491, 0.779, 0.668, 0.653, 0.306, 0.652, 1.000],
    ]
)
HL_VOLATILITY = np.array([0.160, 0.203, 0.248, 0.271, 0.210, 0.200, 0.187])  # Table 2
HL_WEIGHTS = np.array([0.016, 0.022, 0.052, 0.055, 0.116, 0.124, 0.615])  # Table 2
HL_DELTA, HL_TAU = 2.5, 0.05  # the paper's risk aversion and tau
HL_SIGMA = HL_CORRELATION * np.outer(HL_VOLATILITY, HL_VOLATILITY)
# View 1: Germany outperforms the rest of Europe (France and UK at market-cap weights) by 5%.
HL_P1 = np.array([0.0, 0.0, -0.295, 1.0, 0.0, -0.705, 0.0])
# View 2: Canada outperforms the US by 3%.
HL_P2 = np.array([0.0, 1.0, 0.0, 0.0, 0.0, 0.0, -1.0])


def hl_optimal_weights(mu: np.ndarray, posterior_covariance: np.ndarray) -> np.ndarray:
    """He and Litterman's eq. (13): unconstrained optimum ``(delta Sigma_post)^-1 mu``."""
    return np.linalg.solve(HL_DELTA * posterior_covariance, mu)


def test_equilibrium_returns_reproduce_he_litterman_table_2():
    pi = equilibrium_returns(HL_SIGMA, HL_WEIGHTS, HL_DELTA)
    np.testing.assert_array_equal(np.round(pi * 100, 1), [3.9, 6.9, 8.4, 9.0, 4.3, 6.8, 7.6])


def test_one_view_reproduces_he_litterman_table_4():
    # He and Litterman's Omega = p tau Sigma p' is Idzorek's 50% confidence.
    pi = equilibrium_returns(HL_SIGMA, HL_WEIGHTS, HL_DELTA)
    mu, post_cov, omega = blend(pi, HL_SIGMA, HL_P1[None, :], [0.05], [0.5], tau=HL_TAU)
    assert omega[0] == pytest.approx(HL_TAU * HL_P1 @ HL_SIGMA @ HL_P1, rel=1e-12)
    # Table 4, column "mu" (percent, one decimal) and column "w*".
    np.testing.assert_array_equal(np.round(mu * 100, 1), [4.3, 7.6, 9.3, 11.0, 4.5, 7.0, 8.1])
    w_star = hl_optimal_weights(mu, post_cov)
    np.testing.assert_array_equal(
        np.round(w_star * 100, 1), [1.5, 2.1, -3.9, 35.4, 11.0, -9.5, 58.6]
    )


def test_two_views_reproduce_he_litterman_table_5():
    pi = equilibrium_returns(HL_SIGMA, HL_WEIGHTS, HL_DELTA)
    p = np.vstack([HL_P1, HL_P2])
    mu, post_cov, _ = blend(pi, HL_SIGMA, p, [0.05, 0.03], [0.5, 0.5], tau=HL_TAU)
    # Table 5, columns "mu" and "w*".
    np.testing.assert_array_equal(np.round(mu * 100, 1), [4.4, 8.7, 9.5, 11.2, 4.6, 7.0, 7.5])
    w_star = hl_optimal_weights(mu, post_cov)
    np.testing.assert_array_equal(
        np.round(w_star * 100, 1), [1.5, 41.9, -3.4, 33.6, 11.0, -8.2, 18.8]
    )


def test_update_form_equals_the_precision_form():
    # Black and Litterman's original form: [(tau S)^-1 + P' W^-1 P]^-1 [(tau S)^-1 pi + P' W^-1 Q].
    rng = np.random.default_rng(3)
    a = rng.normal(size=(6, 6))
    sigma = a @ a.T / 20 + 0.01 * np.eye(6)
    pi = rng.normal(0.05, 0.02, 6)
    p = rng.normal(size=(3, 6))
    q = rng.normal(0.02, 0.03, 3)
    conf = np.array([0.2, 0.55, 0.9])
    tau = 0.025
    mu, post_cov, omega = blend(pi, sigma, p, q, conf, tau=tau)
    ts_inv = np.linalg.inv(tau * sigma)
    w_inv = np.diag(1 / omega)
    precision = ts_inv + p.T @ w_inv @ p
    expected = np.linalg.solve(precision, ts_inv @ pi + p.T @ w_inv @ q)
    np.testing.assert_allclose(mu, expected, rtol=1e-10)
    np.testing.assert_allclose(post_cov, sigma + np.linalg.inv(precision), rtol=1e-10)


def test_omega_is_what_idzoreks_numerical_search_finds():
    """Idzorek's step 5-7: find omega_k so that the view-k-only tilt of (delta Sigma)^-1 mu is
    C_k times the 100%-confident tilt, by a scalar search (scipy), not by the closed form."""
    pi = equilibrium_returns(HL_SIGMA, HL_WEIGHTS, HL_DELTA)
    for p_row, q, conf in ((HL_P1, 0.05, 0.25), (HL_P2, 0.03, 0.65)):
        full, _, _ = blend(pi, HL_SIGMA, p_row[None, :], [q], [1.0], tau=HL_TAU)
        w_eq = np.linalg.solve(HL_DELTA * HL_SIGMA, pi)
        w_full = np.linalg.solve(HL_DELTA * HL_SIGMA, full)
        target = w_eq + conf * (w_full - w_eq)

        def miss(log_omega, p_row=p_row, q=q, target=target):
            omega = np.exp(log_omega)
            a = HL_TAU * p_row @ HL_SIGMA @ p_row + omega
            mu = pi + HL_TAU * HL_SIGMA @ p_row * (q - p_row @ pi) / a
            return float(np.sum((np.linalg.solve(HL_DELTA * HL_SIGMA, mu) - target) ** 2))

        found = np.exp(minimize_scalar(miss, bounds=(-20, 5), method="bounded").x)
        _, _, omega = blend(pi, HL_SIGMA, p_row[None, :], [q], [conf], tau=HL_TAU)
        assert omega[0] == pytest.approx(found, rel=1e-4)


def test_full_confidence_meets_the_view_and_zero_confidence_keeps_the_prior():
    tickers = ("SPY", "AGG", "EFA")
    sigma = np.array([[0.0225, 0.001, 0.018], [0.001, 0.0016, 0.0012], [0.018, 0.0012, 0.0289]])
    prior = equilibrium_returns(sigma, np.array([0.6, 0.4, 0.0]), 3.0, risk_free=0.02)
    # Hand check of the prior: rf + 3 * Sigma @ w.
    assert prior[0] == pytest.approx(0.02 + 3 * (0.6 * 0.0225 + 0.4 * 0.001))
    view = View(ViewKind.RELATIVE, ("SPY",), ("AGG",), 0.01, 1.0)
    certain = black_litterman(prior, sigma, [view], tickers)
    assert certain.posterior[0] - certain.posterior[1] == pytest.approx(0.01, abs=1e-14)
    assert certain.implied_confidence == pytest.approx([1.0])
    # One view: the posterior moves along tau Sigma p' only (hand formula for k = 1).
    p = np.array([1.0, -1.0, 0.0])
    step = sigma @ p * (0.01 - p @ prior) / (p @ sigma @ p)
    np.testing.assert_allclose(certain.posterior, prior + step, rtol=1e-12)
    none = black_litterman(prior, sigma, [View(ViewKind.ABSOLUTE, ("EFA",), (), 0.2, 0.0)], tickers)
    np.testing.assert_array_equal(none.posterior, prior)
    assert none.views == () and none.numbers == ()
    # a 0% view is dropped but the others keep their numbers
    both = black_litterman(
        prior,
        sigma,
        [View(ViewKind.ABSOLUTE, ("EFA",), (), 0.2, 0.0), view],
        tickers,
    )
    assert both.numbers == (2,) and both.views == (view,)
    np.testing.assert_allclose(both.posterior, certain.posterior, rtol=1e-14)
    half = black_litterman(
        prior, sigma, [View(ViewKind.RELATIVE, ("SPY",), ("AGG",), 0.01, 0.5)], tickers
    )
    # 50%: omega = p tau Sigma p', so the view moves half-way in view space.
    assert half.posterior_view_returns[0] == pytest.approx((p @ prior + 0.01) / 2, rel=1e-12)
    assert half.implied_confidence == pytest.approx([0.5])
    np.testing.assert_allclose(half.difference, half.posterior - half.prior)


def test_baskets_are_equal_weighted_and_classes_expand():
    tickers = ("SPY", "QQQ", "AGG", "TLT")
    groups = {"US Equity": ("SPY", "QQQ"), "Bonds": ("AGG", "TLT")}
    row = pick_row(View(ViewKind.RELATIVE, ("US Equity",), ("TLT",), 0.02, 0.5), tickers, groups)
    np.testing.assert_array_equal(row, [0.5, 0.5, 0.0, -1.0])
    row = pick_row(View(ViewKind.ABSOLUTE, ("SPY", "AGG"), (), 0.05, 0.5), tickers, groups)
    np.testing.assert_array_equal(row, [0.5, 0.0, 0.5, 0.0])


@pytest.mark.parametrize(
    ("view", "words"),
    [
        (View(ViewKind.ABSOLUTE, ("XYZ",), (), 0.05, 0.5), "XYZ is not an ETF"),
        (View(ViewKind.RELATIVE, ("SPY",), (), 0.05, 0.5), "needs a short side"),
        (View(ViewKind.ABSOLUTE, ("SPY",), ("AGG",), 0.05, 0.5), "no short side"),
        (View(ViewKind.ABSOLUTE, ("SPY",), (), 0.9, 0.5), "outside -50% to 50%"),
        (View(ViewKind.ABSOLUTE, ("SPY",), (), 0.05, 1.5), "from 0% to 100%"),
        (View(ViewKind.RELATIVE, ("SPY",), ("SPY",), 0.05, 0.5), "same ETFs"),
        (View(ViewKind.ABSOLUTE, (), (), 0.05, 0.5), "name the ETF"),
    ],
)
def test_bad_views_are_named(view, words):
    with pytest.raises(DataError, match=words) as info:
        check_view(view, ("SPY", "AGG"), where="View 2")
    assert str(info.value).startswith("View 2")


def test_contradicting_certain_views_are_refused():
    sigma = np.diag([0.04, 0.01])
    prior = np.array([0.06, 0.03])
    views = [
        View(ViewKind.ABSOLUTE, ("SPY",), (), 0.05, 1.0),
        View(ViewKind.ABSOLUTE, ("SPY",), (), 0.07, 1.0),
    ]
    with pytest.raises(DataError, match="lower a confidence"):
        black_litterman(prior, sigma, views, ("SPY", "AGG"))
