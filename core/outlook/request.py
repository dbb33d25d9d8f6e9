"""What a project (and so its report) asks of the Outlook: paths, horizon, block length, seed.

Kept apart from :mod:`core.outlook.analysis` so :mod:`core.project` can hold one without
importing the pipeline. ``horizon_years`` None means each profile's own IPS horizon; ``paths``
0 means no Outlook (the report then writes no Outlook files).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from core.errors import PolicyError
from core.outlook.simulation import (
    DEFAULT_BLOCK_LENGTH,
    DEFAULT_PATHS,
    DEFAULT_SEED,
    ReturnModel,
    SimulationSettings,
)
from core.policy.profile import IPSProfile

KEYS = ("paths", "horizon_years", "block_length", "seed", "model")


@dataclass(frozen=True)
class OutlookRequest:
    """Simulation settings of a project or a report (module docstring)."""

    paths: int = DEFAULT_PATHS
    horizon_years: float | None = None
    block_length: float = DEFAULT_BLOCK_LENGTH
    seed: int = DEFAULT_SEED
    model: ReturnModel = ReturnModel.BOOTSTRAP

    def __post_init__(self) -> None:
        if self.paths < 0:
            raise PolicyError(f"Outlook paths is {self.paths}; use 0 (no Outlook) or more.")

    @property
    def enabled(self) -> bool:
        return self.paths > 0

    def settings_for(self, profile: IPSProfile) -> SimulationSettings:
        """The simulation settings for ``profile`` (its horizon unless one is set here)."""
        return SimulationSettings(
            paths=self.paths,
            horizon_years=self.horizon_years
            if self.horizon_years is not None
            else profile.horizon_years,
            block_length=self.block_length,
            seed=self.seed,
            model=self.model,
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "paths": self.paths,
            "horizon_years": self.horizon_years,
            "block_length": self.block_length,
            "seed": self.seed,
            "model": self.model.value,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> OutlookRequest:
        """From the project file form; absent keys take the defaults; :class:`PolicyError`
        names a bad one."""
        if not isinstance(data, Mapping):
            raise PolicyError("Outlook settings must be a JSON object.")
        unknown = sorted(str(k) for k in data if k not in KEYS)
        if unknown:
            raise PolicyError(
                f"Unknown Outlook setting(s) {', '.join(unknown)}; use {', '.join(KEYS)}."
            )
        defaults = cls()

        def number(key: str, default: float | None, whole: bool, low: float, high: float) -> Any:
            value = data.get(key, default)
            if value is None and key == "horizon_years":
                return None
            if (
                isinstance(value, bool)
                or not isinstance(value, (int, float))
                or not math.isfinite(value)
                or (whole and value != int(value))
                or not low <= value <= high
            ):
                raise PolicyError(
                    f"Outlook setting '{key}' is {value!r}; use a {'whole ' if whole else ''}"
                    f"number from {low:g} to {high:g}."
                )
            return int(value) if whole else float(value)

        raw_model = data.get("model", ReturnModel.BOOTSTRAP.value)
        try:
            model = ReturnModel(raw_model)
        except ValueError:
            choices = ", ".join(m.value for m in ReturnModel)
            raise PolicyError(f"Outlook setting 'model' is {raw_model!r}; use {choices}.") from None
        return cls(
            model=model,
            paths=number("paths", defaults.paths, True, 0, 1_000_000),
            horizon_years=number("horizon_years", None, False, 1 / 12, 100),
            block_length=number("block_length", defaults.block_length, False, 1, 600),
            seed=number("seed", defaults.seed, True, 0, 2**63 - 1),
        )
