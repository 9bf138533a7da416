"""Who gets the credit for the explained variance?  Shapley and Owen decompositions of R².

A regression's R² can be split over its drivers in several ways, and they answer different
questions.  Fields' method (:func:`jeugdzorg.analysis.models.explained_variance_by_group`) gives
each driver its coefficient times its covariance with the outcome; when drivers are correlated it
credits their shared part to whichever has the larger coefficient, so a large group of correlated
drivers (the socio-economic ones) collects the covariance it shares with the others.  The Shapley
value averages a driver's *marginal* contribution to R² over every order in which the drivers can
enter the model, so shared variance is split evenly between the drivers that share it; it is the
decomposition that does not depend on an arbitrary order, and the one a published share such as
SCP's (2014) can be compared with.  The Owen value does the same with drivers nested in groups:
groups enter in every order, and drivers in every order within their group; a group's total equals
its Shapley value in the game between groups.

Everything here works on plain arrays with :func:`numpy.linalg.lstsq`: a decomposition over *k*
players needs the R² of all 2^k subsets (16 for four groups, 256 for eight drivers), each an OLS fit
of a few hundred rows.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd


def _residual_sum(y: np.ndarray, x: np.ndarray) -> float:
    coef = np.linalg.lstsq(x, y, rcond=None)[0]
    residual = y - x @ coef
    return float(residual @ residual)


def subset_r2(y: np.ndarray | pd.Series, blocks: Mapping[str, np.ndarray | pd.DataFrame | pd.Series],
              base: np.ndarray | pd.DataFrame | None = None) -> dict[frozenset, float]:
    """The R² gained by every subset of ``blocks`` on top of a constant and ``base``.

    Parameters
    ----------
    y
        The outcome, one value per observation.
    blocks
        Player name -> its columns (one array of shape (n,) or (n, k)); a player is a driver or a
        group of drivers.
    base
        Columns that are always in the model (controls, e.g. a residence-rule host indicator): the
        value of a coalition is what it adds to the R² of the constant and ``base`` alone, so the
        controls' own share is not distributed over the players.

    Returns
    -------
    dict
        ``frozenset`` of player names -> R²(constant, base, players) - R²(constant, base); the empty
        set has value 0.
    """
    y = np.asarray(y, dtype=float)
    n = len(y)
    columns = {name: np.asarray(block, dtype=float).reshape(n, -1) for name, block in blocks.items()}
    fixed = [np.ones((n, 1))] + ([np.asarray(base, dtype=float).reshape(n, -1)] if base is not None else [])
    total = float(((y - y.mean()) ** 2).sum())
    if total == 0:
        raise ValueError("the outcome does not vary: R² is not defined")
    base_rss = _residual_sum(y, np.hstack(fixed))
    names = list(columns)
    out: dict[frozenset, float] = {}
    for size in range(len(names) + 1):
        for subset in itertools.combinations(names, size):
            x = np.hstack(fixed + [columns[name] for name in subset])
            rss = base_rss if not subset else _residual_sum(y, x)
            out[frozenset(subset)] = (base_rss - rss) / total
    return out


def _weight(size: int, players: int) -> float:
    """Shapley weight of a coalition of ``size`` others among ``players``: |S|! (n-|S|-1)! / n!."""
    return math.factorial(size) * math.factorial(players - size - 1) / math.factorial(players)


def shapley(value: Mapping[frozenset, float], players: Sequence[str]) -> pd.Series:
    """Exact Shapley values of a game given by its value on every coalition.

    ``phi_i = sum over S not containing i of |S|! (n-|S|-1)! / n! * (v(S + i) - v(S))``.  The values
    add up to ``v(all players)`` (efficiency).

    Parameters
    ----------
    value
        ``frozenset`` of players -> value, for every subset of ``players`` (e.g. :func:`subset_r2`).
    players
        The players, in the order of the result.
    """
    players = list(players)
    n = len(players)
    out = {}
    for player in players:
        others = [p for p in players if p != player]
        out[player] = sum(_weight(size, n) * (value[frozenset(s) | {player}] - value[frozenset(s)])
                          for size in range(n) for s in itertools.combinations(others, size))
    return pd.Series(out, dtype=float)


def owen(value: Mapping[frozenset, float], groups: Mapping[str, Sequence[str]]) -> pd.Series:
    """Exact Owen values: the Shapley value with players nested in groups (a coalition structure).

    Groups enter in every order (Shapley weights over the groups), and within its group a player
    enters in every order (Shapley weights within the group).  The values add up to ``v(all)``, and
    the sum over a group equals that group's Shapley value in the game between groups (the quotient
    game).

    Parameters
    ----------
    value
        ``frozenset`` of players -> value, for every subset of all players.
    groups
        Group name -> its players; every player in exactly one group.

    Returns
    -------
    pandas.Series
        Indexed by player, in the order of ``groups``.
    """
    names = list(groups)
    m = len(names)
    out = {}
    for group in names:
        members = list(groups[group])
        other_groups = [g for g in names if g != group]
        for player in members:
            mates = [p for p in members if p != player]
            total = 0.0
            for r in range(m):
                for chosen in itertools.combinations(other_groups, r):
                    outside = frozenset(p for g in chosen for p in groups[g])
                    w_groups = _weight(r, m)
                    for t in range(len(members)):
                        for inside in itertools.combinations(mates, t):
                            coalition = outside | frozenset(inside)
                            total += (w_groups * _weight(t, len(members))
                                      * (value[coalition | {player}] - value[coalition]))
            out[player] = total
    return pd.Series(out, dtype=float)


def quotient(value: Mapping[frozenset, float], groups: Mapping[str, Sequence[str]]) -> dict[frozenset, float]:
    """The game between groups: a coalition of groups is worth the value of all their players."""
    names = list(groups)
    return {frozenset(chosen): value[frozenset(p for g in chosen for p in groups[g])]
            for r in range(len(names) + 1) for chosen in itertools.combinations(names, r)}


def decompose(data: pd.DataFrame, outcome: str, groups: Mapping[str, Sequence[str]], *,
              controls: Sequence[str] = ()) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Shapley shares of R² by driver group and Owen shares by driver, for an OLS of ``outcome``.

    Parameters
    ----------
    data
        One row per observation (e.g. municipal means for the between model), with ``outcome``,
        every driver of ``groups`` and ``controls``; rows with a missing value are dropped.
    outcome
        The dependent variable.
    groups
        Group name -> drivers.
    controls
        Regressors that are always in the model and not decomposed (see :func:`subset_r2`).

    Returns
    -------
    (groups, drivers) : pandas.DataFrame, pandas.DataFrame
        ``groups`` indexed by group: ``share_of_variance`` (Shapley value; they add up to the R² the
        drivers add to the controls) and ``share_of_explained`` (adds up to 1).  ``drivers`` indexed
        by driver: ``group``, ``share_of_variance`` (Owen value) and ``share_of_explained``.  Both carry
        ``attrs["r2"]`` (R² of the full model), ``attrs["r2_controls"]`` (of the constant and
        controls alone) and ``attrs["n"]``.
    """
    drivers = [d for members in groups.values() for d in members]
    frame = data[[outcome, *drivers, *controls]].dropna()
    value = subset_r2(frame[outcome], {d: frame[d] for d in drivers},
                      frame[list(controls)] if controls else None)
    by_driver = owen(value, groups)
    by_group = shapley(quotient(value, groups), list(groups))
    added = value[frozenset(drivers)]
    y = frame[outcome].to_numpy(dtype=float)
    r2_controls = 0.0
    if controls:
        x = np.column_stack([np.ones(len(frame)), frame[list(controls)].to_numpy(dtype=float)])
        r2_controls = 1 - _residual_sum(y, x) / float(((y - y.mean()) ** 2).sum())
    group_of = {d: g for g, members in groups.items() for d in members}
    out_groups = pd.DataFrame({"share_of_variance": by_group, "share_of_explained": by_group / added})
    out_groups.index.name = "group"
    out_drivers = pd.DataFrame({"group": [group_of[d] for d in by_driver.index],
                                "share_of_variance": by_driver,
                                "share_of_explained": by_driver / added})
    out_drivers.index.name = "driver"
    for frame_out in (out_groups, out_drivers):
        frame_out.attrs.update(r2=r2_controls + added, r2_controls=r2_controls, n=len(frame))
    return out_groups, out_drivers


def partial_out(data: pd.DataFrame, columns: Sequence[str], on: Sequence[str]) -> pd.DataFrame:
    """``columns`` of ``data`` net of a constant and ``on`` (OLS residuals; Frisch-Waugh-Lovell).

    Regressing a residualised outcome on residualised drivers gives the same coefficients and
    residuals as the regression that includes ``on``; its R² is the partial R² given ``on``.
    """
    frame = data[[*columns, *on]].dropna()
    z = np.column_stack([np.ones(len(frame)), frame[list(on)].to_numpy(dtype=float)])
    values = frame[list(columns)].to_numpy(dtype=float)
    fitted = z @ np.linalg.lstsq(z, values, rcond=None)[0]
    return pd.DataFrame(values - fitted, index=frame.index, columns=list(columns))
