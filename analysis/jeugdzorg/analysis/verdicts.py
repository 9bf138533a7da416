"""The verdict on one municipality: its lasting gap to the need benchmark, shrunk, with its own interval.

A municipality's residual from the need benchmark in a year (log cost minus the benchmark) is the
sum of a **lasting** part ``u_i`` (policy, supply, purchasing, bookkeeping that stays) and a part
that **changes from year to year** ``e_it`` (a few expensive cases, a late invoice)::

    r_it = u_i + e_it,   u_i ~ (0, tau^2),   e_it ~ (0, sigma_g^2),   corr(e_is, e_it) = rho^|s - t|

with ``sigma_g`` the transient spread of the municipality's size group ``g`` (small municipalities
swing more) and ``rho`` a first-order (AR(1)) correlation of the transient part between years.
The components are estimated by the method of moments from the residuals of the municipalities in
the benchmark's fit (Goldstein & Spiegelhalter 1996; Spiegelhalter 2005: allow for real
between-unit variation before calling anyone an outlier):

* ``sigma_g^2`` from the spread of each municipality's years around its own mean, whose expectation
  is ``sigma_g^2 (T - 1'R1 / T)`` for ``T`` years with correlation matrix ``R``;
* ``tau^2`` from the spread of the municipal means, whose expectation is
  ``tau^2 + sigma_g^2 1'R1 / T^2``;
* ``rho`` (unless given) by matching the lag-one autocorrelation of the within-municipality
  deviations to its expectation under the model (the mean removes part of it; with four years that
  bias is large and is undone exactly, not ignored).

The lasting gap is the empirical-Bayes (shrunken) mean ``B_i rbar_i`` with
``B_i = tau^2 / (tau^2 + v_i)`` and ``v_i = sigma_g^2 1'R1 / T^2``; its interval is
``B_i rbar_i +- z sqrt(B_i v_i)``.  **Verdict**: "above" or "below" only when

1. that interval excludes zero,
2. the test of ``u_i = 0`` (``rbar_i / sqrt(v_i)``) survives the Benjamini-Hochberg false-discovery
   rate :data:`FDR` over every municipality assessed (multiplicity over about 340 units), and
3. the shrunken gap is at least :data:`MATERIAL_GAP` (a tenth of the benchmark) -- smaller gaps are
   within what the scope of the cost figures alone moves (the accounts book about a fifth more than
   CBS, with a spread of a tenth between municipalities) and not a finance officer's concern.

Otherwise "within".  Assumptions, stated in the book: the lasting part does not change within the
window; the transient part is stationary AR(1) with a spread that depends on size only; the need
benchmark is right on average (its residuals are centred on zero in every year).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import optimize, stats

#: Level of the lasting gap's interval.
LEVEL = 0.95
#: The false-discovery rate of the Benjamini-Hochberg step over every municipality assessed.
FDR = 0.05
#: The smallest lasting gap (as a share of the benchmark) that gets a verdict.
MATERIAL_GAP = 0.10
#: The AR(1) correlations the sensitivity check shows beside the estimated one.
RHO_SENSITIVITY: tuple[float, ...] = (0.0, 0.3, 0.6)
#: Verdict words.
VERDICTS = ("above", "below", "within")


def correlation_sums(years: Sequence[int], rho: float) -> tuple[float, float]:
    """``(1'R1, T)`` of the AR(1) correlation matrix ``R`` over ``years`` (gaps in the years allowed)."""
    y = np.asarray(years, dtype=float)
    corr = rho ** np.abs(y[:, None] - y[None, :]) if rho else np.eye(len(y))
    return float(corr.sum()), float(len(y))


def _demeaned_moments(years: Sequence[int], rho: float) -> tuple[float, float]:
    """Expected ``sum (d_t)^2`` and ``sum d_t d_{t-1}`` (consecutive years) of the deviations from the
    mean, per unit of transient variance, under AR(1) correlation ``rho``."""
    y = np.asarray(years, dtype=float)
    n = len(y)
    corr = rho ** np.abs(y[:, None] - y[None, :]) if rho else np.eye(n)
    centre = np.eye(n) - np.full((n, n), 1 / n)
    cov = centre @ corr @ centre
    lag = np.array([[1.0 if (j == i - 1 and y[i] - y[j] == 1) else 0.0 for j in range(n)] for i in range(n)])
    return float(np.trace(cov)), float(np.sum(lag * cov))


def _positions_by_code(codes: pd.Series) -> list[np.ndarray]:
    """The row positions of each GM code, codes in sorted order, rows in their order: the groups of
    ``groupby`` without a pandas object per group (the verdicts are computed thousands of times in
    the robustness checks, and per-group Series were most of their time)."""
    indices = codes.groupby(codes.to_numpy()).indices
    return [indices[code] for code in sorted(indices)]


def estimate_rho(residuals: pd.Series, groups: pd.Series) -> float:
    """The AR(1) correlation of the transient part by the method of moments (see the module).

    ``residuals`` indexed by ``(gm_code, year)``; ``groups`` maps a GM code to its size group.  Each
    municipality's deviations are divided by its group's spread (so every group counts alike); the
    observed ratio of lag-one products to squares is matched to its expectation over the
    municipalities' own year patterns.  Clipped to ``[-0.5, 0.95]``.
    """
    frame = residuals.rename("r").reset_index()
    frame["group"] = frame["gm_code"].map(groups)
    spread = frame.groupby("group")["r"].std()
    frame["z"] = frame["r"] / frame["group"].map(spread)
    frame = frame.dropna(subset=["z"])
    observed_sq = observed_lag = 0.0
    patterns: dict[tuple[int, ...], int] = {}
    z_all, year_all = frame["z"].to_numpy(), frame["year"].to_numpy()
    for positions in _positions_by_code(frame["gm_code"]):
        if len(positions) < 3:
            continue
        positions = positions[np.argsort(year_all[positions])]
        z, y = z_all[positions], year_all[positions]
        d = z - z.mean()
        observed_sq += float(d @ d)
        observed_lag += float(sum(d[i] * d[i - 1] for i in range(1, len(d)) if y[i] - y[i - 1] == 1))
        key = tuple(int(v) for v in y)
        patterns[key] = patterns.get(key, 0) + 1
    if not patterns or observed_sq == 0:
        return 0.0
    ratio = observed_lag / observed_sq

    def gap(rho: float) -> float:
        sq = lag = 0.0
        for years, count in patterns.items():
            s, l = _demeaned_moments(years, rho)
            sq, lag = sq + count * s, lag + count * l
        return lag / sq - ratio

    low, high = -0.5, 0.95
    if gap(low) > 0:
        return low
    if gap(high) < 0:
        return high
    return float(optimize.brentq(gap, low, high))


def benjamini_hochberg(p: pd.Series, rate: float = FDR) -> pd.Series:
    """True where ``p`` is a discovery of the Benjamini-Hochberg step-up procedure at ``rate``."""
    values = p.dropna().sort_values()
    m = len(values)
    if m == 0:
        return pd.Series(False, index=p.index)
    below = values.to_numpy() <= rate * np.arange(1, m + 1) / m
    cut = np.nonzero(below)[0].max() + 1 if below.any() else 0
    out = pd.Series(False, index=p.index)
    out[values.index[:cut]] = True
    return out


@dataclass
class LastingGaps:
    """The lasting gap of every municipality to its need benchmark, and the verdicts on it.

    Attributes
    ----------
    table
        Indexed by GM code: ``years`` (the cost years used, ``-``-joined), ``n_years``, ``group``
        (size group of the transient spread), ``mean_gap`` (mean residual, log), ``shrinkage``
        (``B_i``), ``gap`` (shrunken lasting gap, log), ``gap_sd``, ``gap_lower``/``gap_upper``
        (its :data:`LEVEL` interval, log), ``gap_pct``, ``lower_pct``, ``upper_pct`` (the same as %
        of the benchmark), ``z`` and ``p`` (test of no lasting gap), ``discovery`` (Benjamini-
        Hochberg), ``material`` (``|gap_pct|`` at least :data:`MATERIAL_GAP`), ``verdict``.
    tau2
        Variance of the lasting part (log units squared).
    sigma2
        Per size group, variance of the year-to-year part.
    rho
        The AR(1) correlation used; ``rho_estimated`` whether it was estimated from the data.
    year_sets
        GM code -> the years its gap used.
    """

    table: pd.DataFrame
    tau2: float
    sigma2: pd.Series
    rho: float
    rho_estimated: bool
    year_sets: dict[str, tuple[int, ...]]

    @property
    def lasting_share(self) -> float:
        """Share of the residual variance that is lasting, ``tau^2 / (tau^2 + sigma^2)``, with
        ``sigma^2`` the mean transient variance over the municipalities assessed."""
        transient = float(self.table["group"].map(self.sigma2).mean())
        return self.tau2 / (self.tau2 + transient) if self.tau2 + transient > 0 else float("nan")

    def counts(self) -> pd.Series:
        return self.table["verdict"].value_counts().reindex(list(VERDICTS), fill_value=0)

    def chance_verdicts(self, *, draws: int = 50, seed: int = 0) -> float:
        """How many above/below verdicts chance alone gives: the mean count over ``draws`` synthetic
        panels with no lasting gap (``tau^2 = 0``) and this fit's transient spread, correlation and
        year patterns, each put through the whole estimation and verdict rule again."""
        rng = np.random.default_rng(seed)
        groups = self.table["group"]
        factors = {}
        for years in set(self.year_sets.values()):
            y = np.asarray(years, dtype=float)
            corr = self.rho ** np.abs(y[:, None] - y[None, :]) if self.rho else np.eye(len(y))
            factors[years] = np.linalg.cholesky(corr + 1e-12 * np.eye(len(y)))
        index = pd.MultiIndex.from_tuples([(c, y) for c, ys in self.year_sets.items() for y in ys],
                                          names=["gm_code", "year"])
        sd = np.sqrt(groups.map(self.sigma2).reindex(index.get_level_values("gm_code")).to_numpy())
        total = 0
        for _ in range(draws):
            draw = np.concatenate([factors[ys] @ rng.normal(size=len(ys)) for ys in self.year_sets.values()])
            sim = lasting_gaps(pd.Series(sd * draw, index=index), groups,
                               rho=None if self.rho_estimated else self.rho)
            total += int(sim.table["verdict"].isin(["above", "below"]).sum())
        return total / draws


def year_label(years: Sequence[int]) -> str:
    """``2019-2022`` for consecutive years, else the years ``-``-joined (``2019-2022`` never hides a gap)."""
    ys = sorted(int(y) for y in years)
    if len(ys) > 1 and ys == list(range(ys[0], ys[-1] + 1)):
        return f"{ys[0]}-{ys[-1]}"
    return "-".join(str(y) for y in ys)


def lasting_gaps(residuals: pd.Series, groups: pd.Series, *, rho: float | None = None,
                 fit: Sequence[str] | None = None, level: float = LEVEL, rate: float = FDR,
                 material: float = MATERIAL_GAP) -> LastingGaps:
    """Decompose ``residuals`` into lasting and year-to-year parts and give each municipality its verdict.

    Parameters
    ----------
    residuals
        Log residuals from the need benchmark, indexed by ``(gm_code, year)``: only the years each
        municipality's gap is to use.
    groups
        GM code -> size group of its transient spread.
    rho
        AR(1) correlation of the transient part; ``None`` estimates it (:func:`estimate_rho`).
    fit
        GM codes whose residuals estimate the variance components (default: all): the municipalities
        of the benchmark's fit.
    level, rate, material
        Interval level, false-discovery rate and material size of the verdict rule.

    Returns
    -------
    LastingGaps
    """
    residuals = residuals.dropna()
    codes = residuals.index.get_level_values("gm_code")
    in_fit = residuals[codes.isin(list(fit))] if fit is not None else residuals
    estimated = rho is None
    if estimated:
        rho = estimate_rho(in_fit, groups)
    per = residuals.groupby(level="gm_code")
    codes_sorted = sorted(per.indices)
    positions = [per.indices[code] for code in codes_sorted]
    values, year_of = residuals.to_numpy(), residuals.index.get_level_values("year").to_numpy()
    years = pd.Series([tuple(int(y) for y in year_of[p]) for p in positions],
                      index=pd.Index(codes_sorted, name="gm_code"), dtype=object)
    sums = {code: correlation_sums(ys, rho) for code, ys in years.items()}
    one_r_one = pd.Series({c: s[0] for c, s in sums.items()})
    n = pd.Series({c: s[1] for c, s in sums.items()})
    mean = per.mean()
    within_ss = pd.Series([float(((values[p] - values[p].mean()) ** 2).sum()) for p in positions], index=years.index)
    group = pd.Series(years.index.map(groups), index=years.index)

    fitted = years.index.isin(list(in_fit.index.get_level_values("gm_code").unique())) & (n >= 2).to_numpy()
    weight = n - one_r_one / n
    sigma2 = (within_ss[fitted].groupby(group[fitted]).sum() / weight[fitted].groupby(group[fitted]).sum())
    transient = group.map(sigma2).fillna(float(sigma2.mean()))
    v = transient * one_r_one / n ** 2
    tau2 = max(0.0, float((mean[fitted] ** 2).mean() - v[fitted].mean()))

    shrinkage = tau2 / (tau2 + v) if tau2 > 0 else pd.Series(0.0, index=v.index)
    gap = shrinkage * mean
    gap_sd = np.sqrt(shrinkage * v)
    zcrit = stats.norm.ppf(0.5 + level / 2)
    z = mean / np.sqrt(v)
    p = pd.Series(2 * stats.norm.sf(np.abs(z)), index=z.index)
    out = pd.DataFrame({
        "years": years.map(year_label), "n_years": n.astype(int), "group": group, "mean_gap": mean,
        "shrinkage": shrinkage, "gap": gap, "gap_sd": gap_sd,
        "gap_lower": gap - zcrit * gap_sd, "gap_upper": gap + zcrit * gap_sd, "z": z, "p": p})
    out["gap_pct"] = 100 * np.expm1(out["gap"])
    out["lower_pct"] = 100 * np.expm1(out["gap_lower"])
    out["upper_pct"] = 100 * np.expm1(out["gap_upper"])
    assessed = out["n_years"] >= 2
    out["discovery"] = benjamini_hochberg(out.loc[assessed, "p"], rate).reindex(out.index, fill_value=False)
    out["material"] = out["gap_pct"].abs() >= 100 * material
    verdict = pd.Series("within", index=out.index, dtype=object)
    decided = out["discovery"] & out["material"] & assessed
    verdict[decided & (out["gap_lower"] > 0)] = "above"
    verdict[decided & (out["gap_upper"] < 0)] = "below"
    out["verdict"] = verdict.where(assessed)
    out.index.name = "gm_code"
    return LastingGaps(out, tau2, sigma2, float(rho), estimated, dict(years.items()))


def per_year_verdicts(actual: pd.Series, lower: pd.Series, upper: pd.Series) -> pd.Series:
    """The old per-year rule: ``above``/``below`` when the cost lies outside the year's prediction
    interval (the range of cost seen for municipalities with these need drivers), else ``within``."""
    out = pd.Series("within", index=actual.index, dtype=object)
    out[actual > upper] = "above"
    out[actual < lower] = "below"
    return out.where(actual.notna() & lower.notna() & upper.notna())


def agreement(a: pd.Series, b: pd.Series) -> dict[str, float]:
    """How far two sets of verdicts agree, over the municipalities with a verdict in both.

    Returns
    -------
    dict
        ``n`` (both have a verdict), ``same`` (share with the same verdict), ``kept`` (of those
        above/below in ``a``, the share with the same verdict in ``b``; NaN if none),
        ``outside_a``, ``outside_b`` (above/below counts), ``changed`` (count that differ).
    """
    both = pd.DataFrame({"a": a, "b": b}).dropna()
    outside = both["a"].isin(["above", "below"])
    return {"n": float(len(both)), "same": float((both["a"] == both["b"]).mean()) if len(both) else float("nan"),
            "kept": float((both.loc[outside, "a"] == both.loc[outside, "b"]).mean()) if outside.any() else float("nan"),
            "outside_a": float(outside.sum()), "outside_b": float(both["b"].isin(["above", "below"]).sum()),
            "changed": float((both["a"] != both["b"]).sum())}


def window_residuals(residuals: pd.Series, years: Sequence[int], affected: Mapping[str, Sequence[int]]) -> pd.Series:
    """``residuals`` in ``years``, with a municipality of ``affected`` (GM code -> the years its gap
    uses) kept to its own years within them."""
    year = residuals.index.get_level_values("year")
    code = residuals.index.get_level_values("gm_code")
    keep = year.isin(list(years))
    for c, own in affected.items():
        keep &= ~((code == c) & ~year.isin(list(own)))
    return residuals[keep]
