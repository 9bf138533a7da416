"""The verdict design on synthetic panels with a known truth: lasting and year-to-year parts,
serially correlated and size-dependent noise, estimated (never passed in)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from jeugdzorg.analysis import verdicts as Vd

YEARS = (2019, 2020, 2021, 2022)
#: Transient standard deviation by size group (small municipalities swing more).
SPREAD = {"small": 0.25, "middle": 0.15, "large": 0.08}


def _panel(seed: int, n: int, *, tau: float, rho: float) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Residuals ``u_i + e_it`` with AR(1) ``e`` of spread :data:`SPREAD` by group; the groups; ``u``."""
    rng = np.random.default_rng(seed)
    codes = [f"GM{i:04d}" for i in range(n)]
    groups = pd.Series(rng.choice(list(SPREAD), n, p=[0.4, 0.4, 0.2]), index=codes)
    u = pd.Series(rng.normal(0, tau, n) if tau else np.zeros(n), index=codes)
    sd = groups.map(SPREAD).to_numpy()
    e = np.empty((n, len(YEARS)))
    e[:, 0] = rng.normal(size=n)
    for t in range(1, len(YEARS)):
        e[:, t] = rho * e[:, t - 1] + np.sqrt(1 - rho ** 2) * rng.normal(size=n)
    values = u.to_numpy()[:, None] + sd[:, None] * e
    index = pd.MultiIndex.from_product([codes, YEARS], names=["gm_code", "year"])
    return pd.Series(values.ravel(), index=index), groups, u


def test_the_decomposition_recovers_a_known_lasting_and_transient_split():
    residuals, groups, u = _panel(1, 3_000, tau=0.20, rho=0.3)
    result = Vd.lasting_gaps(residuals, groups)
    assert result.rho_estimated and result.rho == pytest.approx(0.3, abs=0.1)
    assert result.tau2 == pytest.approx(0.04, rel=0.15)
    for group, sd in SPREAD.items():
        assert result.sigma2[group] == pytest.approx(sd ** 2, rel=0.15), group
    # Shrinkage makes the gaps closer to the truth than the raw means.
    table = result.table
    assert ((table["gap"] - u) ** 2).mean() < ((table["mean_gap"] - u) ** 2).mean()
    # The interval of the lasting gap covers the truth about as often as it says.
    covered = ((table["gap_lower"] <= u) & (u <= table["gap_upper"])).mean()
    assert covered == pytest.approx(Vd.LEVEL, abs=0.03)


@pytest.mark.parametrize("rho", [0.0, 0.5])
def test_under_the_null_the_false_verdict_rate_is_at_most_nominal(rho):
    """No lasting gaps at all: with serially correlated, size-dependent noise and every component
    estimated, the rule calls at most 5% of municipalities above or below (and in fact almost none),
    while the old per-year rule (outside the year's 95% range) calls about 5% every year."""
    false, old, units = 0, 0, 0
    for seed in range(20):
        residuals, groups, _ = _panel(100 + seed, 340, tau=0.0, rho=rho)
        result = Vd.lasting_gaps(residuals, groups)
        false += int(result.table["verdict"].isin(["above", "below"]).sum())
        last = residuals.xs(YEARS[-1], level="year")
        sd = groups.map(SPREAD)
        old += int((last.abs() > 1.96 * sd).sum())
        units += len(groups)
    assert false / units <= 0.05
    assert old / units == pytest.approx(0.05, abs=0.015)


def test_real_lasting_gaps_are_found_and_small_ones_are_not_called():
    """A tenth of the municipalities 40% above their benchmark for good are found; gaps below the
    material size are never called, however sure."""
    residuals, groups, _ = _panel(7, 340, tau=0.05, rho=0.2)
    codes = groups.index
    lasting = pd.Series(0.0, index=codes)
    lasting[codes[:34]] = np.log(1.4)
    shifted = residuals + lasting.reindex(residuals.index.get_level_values("gm_code")).to_numpy()
    result = Vd.lasting_gaps(shifted, groups)
    large = groups[codes[:34]] != "small"
    assert (result.table.loc[codes[:34][large.to_numpy()], "verdict"] == "above").mean() > 0.8
    called = result.table[result.table["verdict"].isin(["above", "below"])]
    assert (called["gap_pct"].abs() >= 100 * Vd.MATERIAL_GAP).all()


def test_benjamini_hochberg_controls_the_false_discoveries():
    rng = np.random.default_rng(3)
    p = pd.Series(np.concatenate([rng.uniform(size=900), rng.uniform(0, 1e-4, size=100)]))
    found = Vd.benjamini_hochberg(p, 0.05)
    false = found.iloc[:900].sum()
    assert found.iloc[900:].all() and false / max(found.sum(), 1) <= 0.05 + 0.03


def test_agreement_counts_what_changed():
    a = pd.Series({"x": "above", "y": "within", "z": "below", "w": None})
    b = pd.Series({"x": "above", "y": "below", "z": "within", "w": "above"})
    got = Vd.agreement(a, b)
    assert got["n"] == 3 and got["changed"] == 2 and got["kept"] == 0.5
