"""Qt table models: a generic DataFrame model and the IPS constraints model."""

from __future__ import annotations

from app.models.constraints_model import ConstraintsModel
from app.models.dataframe_model import ColumnSpec, DataFrameModel

__all__ = ["ColumnSpec", "ConstraintsModel", "DataFrameModel"]
