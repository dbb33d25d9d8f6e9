"""The exponentially weighted covariance: by hand with loops, against numpy's weighted covariance
and pandas' ``ewm``, and wired through the inputs, the project file and the CLI."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pandas as pd
import pytest

from core.errors import DataError
from core.optimize.estimation import (
    DEFAULT_HALF_LIFE_MONTHS,
    CovarianceEstimator,
    ReturnEstimator,
    estimate_inputs,
    exponential_covariance,
    sample_covariance,
)

X = np.array(
    [
        [0.02, -0.01],
        [-0.03, 0.01],
        [0.01, 0.00],
        [0.04, -0.02],
        [-0.01, 0.03],
    ]
)


def hand_ewma(rows: list[list[float]], half_life: float) -> list[list[float]]:
    """Weights 2^-(age / half-life), latest age 0, normalized; weighted mean; reliability-weights
    correction 1 / (1 - sum w^2). Plain loops."""
    t, n = len(rows), len(rows[0])
    raw = [0.5 ** ((t - 1 - k) / half_life) for k in range(t)]
    total = sum(raw)
    w = [r / total for r in raw]
    mean = [sum(w[k] * rows[k][i] for k in range(t)) for i in range(n)]
    correction = 1.0 - sum(v * v for v in w)
    return [
        [
            sum(w[k] * (rows[k][i] - mean[i]) * (rows[k][j] - mean[j]) for k in range(t))
            / correction
            for j in range(n)
        ]
        for i in range(n)
    ]


def test_a_two_month_half_life_by_hand():
    # weights 2^-2, 2^-1.5, 2^-1, 2^-0.5, 1 (oldest first), then normalized
    expected = hand_ewma(X.tolist(), 2.0)
    assert exponential_covariance(X, 2.0) == pytest.approx(np.array(expected), abs=1e-15)
    # the latest month weighs twice the month two months before it
    raw = [0.5 ** ((4 - k) / 2.0) for k in range(5)]
    assert raw[4] / raw[2] == pytest.approx(2.0)


def test_second_and_third_routes_numpy_aweights_and_pandas_ewm():
    w = 0.5 ** (np.arange(4, -1, -1) / 3.0)
    assert exponential_covariance(X, 3.0) == pytest.approx(
        np.cov(X, rowvar=False, aweights=w), abs=1e-15
    )
    frame = pd.DataFrame(X, columns=["a", "b"])
    last = frame.ewm(halflife=3.0).cov().loc[len(X) - 1].to_numpy()
    assert exponential_covariance(X, 3.0) == pytest.approx(last, abs=1e-15)


def test_a_very_long_half_life_is_the_sample_covariance_and_a_bad_one_is_refused():
    assert exponential_covariance(X, 1e12) == pytest.approx(sample_covariance(X), abs=1e-12)
    for bad in (0.0, -3.0, math.nan, math.inf):
        with pytest.raises(DataError, match="half-life"):
            exponential_covariance(X, bad)


def test_estimate_inputs_annualizes_it_and_states_the_half_life():
    rng = np.random.default_rng(7)
    returns = pd.DataFrame(rng.normal(0.005, 0.03, size=(60, 3)), columns=["A", "B", "C"])
    inputs = estimate_inputs(returns, covariance=CovarianceEstimator.EXPONENTIAL, half_life=24.0)
    assert inputs.covariance == pytest.approx(
        np.array(hand_ewma(returns.to_numpy().tolist(), 24.0)) * 12, abs=1e-14
    )
    assert inputs.half_life == 24.0
    assert "Exponentially weighted (half-life 24 months)" in inputs.describe()
    default = estimate_inputs(returns, covariance=CovarianceEstimator.EXPONENTIAL)
    assert default.half_life == DEFAULT_HALF_LIFE_MONTHS == 36.0


def test_the_project_file_keeps_the_estimators_and_the_half_life(tmp_path):
    from core.pipeline import AnalysisSettings
    from core.policy.profile_io import bundled_profiles
    from core.project import Project, load_project, save_project
    from core.universe import default_universe

    profile = next(iter(bundled_profiles().values()))
    settings = AnalysisSettings(
        covariance=CovarianceEstimator.EXPONENTIAL,
        expected_returns=ReturnEstimator.BAYES_STEIN,
        covariance_half_life=18.0,
    )
    project = Project(profile=profile, universe=default_universe(), settings=settings)
    path = tmp_path / "p.ipsproj"
    save_project(project, path)
    assert load_project(path).settings == settings
    # a file written before the half-life existed opens with the default
    import json

    document = json.loads(path.read_text())
    del document["settings"]["covariance_half_life"]
    path.write_text(json.dumps(document))
    assert load_project(path).settings == dataclasses.replace(
        settings, covariance_half_life=DEFAULT_HALF_LIFE_MONTHS
    )


def test_the_cli_flags_choose_the_estimators():
    from app.cli import build_parser, build_project

    args = build_parser().parse_args(
        [
            "--out",
            "x",
            "--returns-estimator",
            "bayes-stein",
            "--covariance",
            "exponential",
            "--covariance-half-life",
            "24",
            "--portfolio-value",
            "5000000",
        ]
    )
    project, _ = build_project(args)
    assert project.settings.expected_returns is ReturnEstimator.BAYES_STEIN
    assert project.settings.covariance is CovarianceEstimator.EXPONENTIAL
    assert project.settings.covariance_half_life == 24.0
    assert project.settings.portfolio_value == 5_000_000
    for flag, word, member in (
        ("--returns-estimator", "equilibrium", ReturnEstimator.EQUILIBRIUM),
        ("--returns-estimator", "historical-mean", ReturnEstimator.HISTORICAL_MEAN),
        ("--covariance", "sample", CovarianceEstimator.SAMPLE),
        ("--covariance", "ledoit-wolf", CovarianceEstimator.LEDOIT_WOLF),
    ):
        chosen, _ = build_project(build_parser().parse_args(["--out", "x", flag, word]))
        field = "expected_returns" if flag == "--returns-estimator" else "covariance"
        assert getattr(chosen.settings, field) is member
