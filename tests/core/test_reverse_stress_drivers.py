"""Reverse stress on the stress drivers (core.outlook.reverse_stress, core.stress.driver_moves):
the driver history recovered exactly from returns built from known moves, the closed-form move
against scipy.optimize, the loss exactly on the tolerance, the convexity loss by hand."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from core.errors import DataError
from core.outlook.reverse_stress import describe, format_move, reverse_stress
from core.stress.driver_moves import (
    driver_covariance,
    exposure_matrix,
    exposure_row,
    implied_driver_moves,
)
from core.stress.drivers import Driver, DriverExposure

EXPOSURES = {
    "SPY": DriverExposure("SPY", equity_beta=1.0),
    "EFA": DriverExposure("EFA", equity_beta=0.9, dollar_beta=-0.8),
    "TLT": DriverExposure("TLT", duration=16.5, convexity=350.0),
    "SHY": DriverExposure("SHY", duration=1.9, convexity=4.5),
    "HYG": DriverExposure(
        "HYG", duration=3.5, convexity=15.0, spread_duration=3.3, hy_credit_share=1.0
    ),
}
TICKERS = list(EXPOSURES)


def _moves(months: int = 240, seed: int = 4) -> pd.DataFrame:
    """Driver moves (equity, rates bp, HY bp, dollar) with a known correlation."""
    rng = np.random.default_rng(seed)
    cov = np.array(
        [
            [0.0020, 0.05, -0.6, -0.0002],
            [0.05, 625.0, -80.0, 0.02],
            [-0.6, -80.0, 8100.0, 0.05],
            [-0.0002, 0.02, 0.05, 0.0006],
        ]
    )
    draws = rng.multivariate_normal(np.zeros(4), cov, size=months)
    return pd.DataFrame(
        draws,
        index=pd.date_range("2005-01-31", periods=months, freq="ME"),
        columns=[Driver.EQUITY, Driver.RATES, Driver.HY_SPREAD, Driver.DOLLAR],
    )


def test_exposure_row_is_the_linear_part_of_the_scenario_formula():
    row = exposure_row(EXPOSURES["HYG"])
    assert row[Driver.RATES] == pytest.approx(-3.5e-4)  # -D per bp
    assert row[Driver.HY_SPREAD] == pytest.approx(-3.3e-4)  # -SD * share per bp
    assert row[Driver.IG_SPREAD] == 0 and row[Driver.EQUITY] == 0


def test_driver_moves_are_recovered_from_returns_built_from_them():
    b = exposure_matrix(TICKERS, EXPOSURES)
    assert list(b.columns) == [Driver.EQUITY, Driver.RATES, Driver.HY_SPREAD, Driver.DOLLAR]
    moves = _moves()
    # returns made by hand from the moves, one ETF at a time: r = beta * equity - D * dy ...
    returns = pd.DataFrame(index=moves.index)
    returns["SPY"] = moves[Driver.EQUITY]
    returns["EFA"] = 0.9 * moves[Driver.EQUITY] - 0.8 * moves[Driver.DOLLAR]
    returns["TLT"] = -16.5 * moves[Driver.RATES] / 1e4
    returns["SHY"] = -1.9 * moves[Driver.RATES] / 1e4
    returns["HYG"] = -3.5 * moves[Driver.RATES] / 1e4 - 3.3 * moves[Driver.HY_SPREAD] / 1e4
    found = implied_driver_moves(returns, b)
    np.testing.assert_allclose(found.to_numpy(), moves.to_numpy(), atol=1e-9)
    np.testing.assert_allclose(
        driver_covariance(found).to_numpy(), moves.cov().to_numpy() * 12, rtol=1e-9
    )


def test_drivers_that_no_etf_separates_are_refused():
    twins = {
        "A": DriverExposure("A", equity_beta=1.0, commodity_beta=1.0),
        "B": DriverExposure("B", equity_beta=2.0, commodity_beta=2.0),
    }
    b = exposure_matrix(["A", "B"], twins)
    returns = pd.DataFrame({"A": [0.01, 0.02], "B": [0.02, 0.04]})
    with pytest.raises(DataError, match="cannot tell"):
        implied_driver_moves(returns, b)


def _case():
    b = exposure_matrix(TICKERS, EXPOSURES)
    covariance = _moves().cov() * 12
    covariance.index = covariance.columns = b.columns
    weights = pd.Series({"SPY": 0.45, "EFA": 0.15, "TLT": 0.15, "SHY": 0.05, "HYG": 0.2})
    history = pd.DataFrame(
        np.random.default_rng(1).normal(0.005, 0.03, (60, 5)),
        index=pd.date_range("2015-01-31", periods=60, freq="ME"),
        columns=TICKERS,
    )
    return b, covariance, weights, history


def test_the_move_lands_on_the_tolerance_and_is_the_minimum_distance_point():
    from scipy.optimize import minimize

    b, covariance, weights, history = _case()
    answer = reverse_stress("Mix", weights, b, covariance, 0.2, history, driver_exposures=EXPOSURES)
    move = answer.drivers["move"].to_numpy()
    exposure = b.to_numpy().T @ weights[TICKERS].to_numpy()  # b = B'w
    assert -(exposure @ move) == pytest.approx(0.2, abs=1e-12)
    assert answer.loss == pytest.approx(0.2, abs=1e-12)
    assert answer.return_of(weights) == pytest.approx(-0.2, abs=1e-12)
    # a second route: scipy minimises the Mahalanobis distance on the constraint, scaled so the
    # basis-point drivers and the return drivers are of one size for the solver
    s = covariance.to_numpy()
    scale = np.sqrt(np.diag(s))
    inverse = np.linalg.inv(s / np.outer(scale, scale))
    found = minimize(
        lambda z: z @ inverse @ z,
        x0=np.full(len(scale), -0.5),
        constraints=[{"type": "eq", "fun": lambda z: exposure @ (z * scale) + 0.2}],
        method="SLSQP",
        options={"ftol": 1e-15, "maxiter": 1000},
    )
    assert found.success
    np.testing.assert_allclose(move / scale, found.x, atol=1e-5)
    assert answer.distance == pytest.approx(math.sqrt(found.fun), rel=1e-5)
    np.testing.assert_allclose(answer.drivers["standard_deviations"], move / scale)
    assert answer.one_in_years > 1


def test_loss_with_convexity_by_hand_for_a_treasury_portfolio():
    b, covariance, _, history = _case()
    weights = pd.Series({"TLT": 1.0})
    answer = reverse_stress(
        "Long bonds", weights, b, covariance, 0.1, history, driver_exposures=EXPOSURES
    )
    dy = answer.drivers.loc[Driver.RATES, "move"] / 1e4
    assert -(-16.5 * dy) == pytest.approx(0.1)  # linear: the tolerance
    assert answer.loss_with_convexity == pytest.approx(16.5 * dy - 0.5 * 350.0 * dy**2)
    assert answer.loss_with_convexity < answer.loss  # convexity cushions a rise in yields
    assert format_move(Driver.RATES, dy * 1e4) == f"{dy * 1e4:+.0f}bp"


def test_sentence_names_the_largest_move_and_the_basis():
    b, covariance, weights, history = _case()
    answer = reverse_stress("Mix", weights, b, covariance, 0.2, history)
    largest = answer.drivers["standard_deviations"].abs().idxmax()
    text = describe(answer)
    assert format_move(largest, answer.drivers.loc[largest, "move"]) in text
    assert "stress drivers" in text and f"{answer.distance:.2f}" in text
