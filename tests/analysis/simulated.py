"""A simulated municipality panel with known need effects and known, size-dependent noise."""

from __future__ import annotations

import numpy as np
import pandas as pd

from jeugdzorg.analysis import need_benchmark as B

#: True coefficients of the simulated need drivers.
TRUTH = {"x1": 0.08, "x2": -0.05}
#: True residual standard deviation (log points) per size class of :mod:`jeugdzorg.analysis.need_benchmark`.
NOISE = dict(zip(B.size_labels(), (0.30, 0.20, 0.15, 0.10)))
LEVELS = {2019: 7.0, 2020: 7.08, 2021: 7.15, 2022: 7.21, 2023: 7.3}


def simulate(seed: int, entities: int = 2000, years: tuple[int, ...] = (2019, 2020, 2021, 2022),
             persistent: float = 0.0) -> pd.DataFrame:
    """``log_cost_per_youth = level_t + 0.08 x1 - 0.05 x2 (+ u_i) + e_it`` with ``e_it`` normal, its
    standard deviation set by the municipality's size class (:data:`NOISE`); ``u_i`` a persistent
    municipal effect with standard deviation ``persistent``.  Columns as the estimation sample has
    them: ``cost_per_youth``, ``log_cost_per_youth``, ``x1``, ``x2``, ``inhabitants``."""
    rng = np.random.default_rng(seed)
    codes = [f"GM{i + 1:04d}" for i in range(entities)]
    inhabitants = np.exp(rng.uniform(np.log(5_000), np.log(400_000), entities))
    labels = B.size_class(pd.Series(inhabitants))
    sd = labels.map(NOISE).to_numpy()
    base1, base2 = rng.normal(10, 3, entities), rng.normal(5, 2, entities)
    effect = rng.normal(scale=persistent, size=entities) if persistent else np.zeros(entities)
    rows = []
    for year in years:
        x1 = base1 + rng.normal(scale=0.5, size=entities)
        x2 = base2 + rng.normal(scale=0.5, size=entities)
        y = LEVELS[year] + TRUTH["x1"] * x1 + TRUTH["x2"] * x2 + effect + rng.normal(size=entities) * sd
        rows.append(pd.DataFrame({"gm_code": codes, "year": year, "x1": x1, "x2": x2,
                                  "inhabitants": inhabitants, "log_cost_per_youth": y}))
    frame = pd.concat(rows).set_index(["gm_code", "year"]).sort_index()
    frame["cost_per_youth"] = np.exp(frame["log_cost_per_youth"])
    return frame
