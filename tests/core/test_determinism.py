"""The same inputs give the same analysis on every machine.

The default analysis runs in fresh interpreters with different BLAS set-ups (thread counts and,
with OpenBLAS on x86-64, a different CPU kernel): every candidate's weights agree to 1e-10 and
the recommendation is the same. This caught the synthetic generator taking an eigenvector basis
(``V sqrt(D)``) as its covariance root: two OpenBLAS kernels on one machine returned different
bases, the default data differed by up to 0.4% a month and the recommendation changed.

And the default recommendation is not decided on a knife-edge: no candidate passes or fails its
drawdown tolerance by less than 0.01 pp, far above any rounding difference (1e-12).
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = """
import json, sys
from core.pipeline import load_default_dataset, run_analysis
from core.policy.profile_io import bundled_profiles

data = load_default_dataset()
out = {"returns": data.returns.to_numpy().tolist()}
for name, profile in sorted(bundled_profiles().items()):
    result = run_analysis(profile, data)
    out[name] = {
        "recommended": result.recommended_name,
        "weights": {c.name: c.weights.tolist() for c in result.candidates},
    }
json.dump(out, sys.stdout)
"""


def _blas_is_openblas() -> bool:
    try:
        from threadpoolctl import threadpool_info
    except ImportError:  # scikit-learn (test extra) brings threadpoolctl; be safe anyway
        return False
    return any(info.get("internal_api") == "openblas" for info in threadpool_info())


def _environments() -> list[dict[str, str]]:
    envs = [
        {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"},
        {"OPENBLAS_NUM_THREADS": "2", "OMP_NUM_THREADS": "2", "MKL_NUM_THREADS": "2"},
    ]
    if _blas_is_openblas() and platform.machine().lower() in {"x86_64", "amd64"}:
        # Prescott is OpenBLAS's oldest x86-64 kernel: it runs on every x86-64 processor.
        envs.append({"OPENBLAS_CORETYPE": "Prescott", "OPENBLAS_NUM_THREADS": "1"})
    return envs


def _run(extra: dict[str, str]) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENBLAS_", "OMP_", "MKL_"))}
    env.update(extra)
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


@pytest.mark.slow
def test_default_analysis_is_the_same_under_every_blas_setup():
    runs = [(env, _run(env)) for env in _environments()]
    (first_env, first), others = runs[0], runs[1:]
    assert len(first) > 2  # the returns and at least two profiles
    for env, other in others:
        np.testing.assert_allclose(
            np.array(other["returns"]), np.array(first["returns"]), rtol=0, atol=1e-14
        )
        for profile, result in first.items():
            if profile == "returns":
                continue
            assert other[profile]["recommended"] == result["recommended"], (profile, env)
            assert other[profile]["weights"].keys() == result["weights"].keys()
            for name, weights in result["weights"].items():
                np.testing.assert_allclose(
                    other[profile]["weights"][name],
                    weights,
                    rtol=0,
                    atol=1e-10,
                    err_msg=f"{profile} / {name}: {env} against {first_env}",
                )


def test_default_recommendation_is_not_on_a_drawdown_knife_edge():
    from core.pipeline import load_default_dataset, run_analysis
    from core.policy.profile_io import bundled_profiles

    data = load_default_dataset()
    for name, profile in bundled_profiles().items():
        result = run_analysis(profile, data)
        for cand in result.candidates:
            rows = [r for r in cand.validation.rows if r.rule.startswith("Drawdown tolerance")]
            assert len(rows) == 1, (name, cand.name)
            if cand.name == "IPS Optimum":
                # compliant by construction: its drawdown may sit AT the tolerance (when the rule
                # binds) but never beyond it, so rounding cannot flip its verdict; on the bundled
                # data it does not bind, so the 0.01 pp guard below applies to it as well.
                assert rows[0].slack >= 0, (name, rows[0].slack)
            assert abs(rows[0].slack) > 1e-4, (
                f"{name} / {cand.name}: the historical drawdown is within 0.01 pp of the "
                f"tolerance ({rows[0].actual:.4%}); the bundled data must not decide the "
                "recommendation on a knife-edge: change the data seed or the profile."
            )
