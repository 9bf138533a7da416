"""Shapley and Owen decompositions of R²: exact formulas against brute force on simulated data."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest

from jeugdzorg.analysis import decomposition as D
from jeugdzorg.analysis.models import explained_variance_by_group, fit_models

GROUPS = {"a": ["x1", "x2"], "b": ["x3"], "c": ["x4", "x5"]}
DRIVERS = [d for members in GROUPS.values() for d in members]


@pytest.fixture(scope="module")
def data() -> pd.DataFrame:
    """Correlated drivers (x1, x2 share a factor with x3; x4, x5 with each other), one control."""
    rng = np.random.default_rng(7)
    n = 400
    common = rng.normal(size=n)
    other = rng.normal(size=n)
    frame = pd.DataFrame({
        "x1": common + rng.normal(size=n), "x2": 0.7 * common + rng.normal(size=n),
        "x3": 0.5 * common + rng.normal(size=n), "x4": other + rng.normal(size=n),
        "x5": 0.4 * other + rng.normal(size=n), "control": rng.integers(0, 2, n).astype(float),
    })
    frame["y"] = (0.6 * frame["x1"] + 0.3 * frame["x2"] - 0.4 * frame["x3"] + 0.5 * frame["x4"]
                  + 0.2 * frame["x5"] + 0.8 * frame["control"] + rng.normal(size=n))
    return frame


def r2(frame: pd.DataFrame, columns: list[str]) -> float:
    """R² of OLS with a constant, by hand."""
    y = frame["y"].to_numpy()
    x = np.column_stack([np.ones(len(frame))] + [frame[c].to_numpy() for c in columns])
    residual = y - x @ np.linalg.lstsq(x, y, rcond=None)[0]
    return 1 - residual @ residual / ((y - y.mean()) @ (y - y.mean()))


def brute_force(players: list[str], value, orders) -> pd.Series:
    """Average marginal contribution of each player over the given orders of entry."""
    total = dict.fromkeys(players, 0.0)
    count = 0
    for order in orders:
        entered: list[str] = []
        for player in order:
            total[player] += value(entered + [player]) - value(entered)
            entered.append(player)
        count += 1
    return pd.Series({p: total[p] / count for p in players})


def test_subset_r2_is_the_r2_of_each_regression(data):
    value = D.subset_r2(data["y"], {d: data[d] for d in DRIVERS})
    assert len(value) == 2 ** len(DRIVERS) and value[frozenset()] == 0
    for subset in (["x1"], ["x2", "x4"], DRIVERS):
        assert value[frozenset(subset)] == pytest.approx(r2(data, subset), abs=1e-12)


def test_shapley_of_drivers_equals_brute_force_over_all_orders(data):
    value = D.subset_r2(data["y"], {d: data[d] for d in DRIVERS})
    exact = D.shapley(value, DRIVERS)
    brute = brute_force(DRIVERS, lambda s: r2(data, s), itertools.permutations(DRIVERS))
    pd.testing.assert_series_equal(exact, brute, check_names=False, atol=1e-10, rtol=0)
    assert exact.sum() == pytest.approx(r2(data, DRIVERS), abs=1e-12)  # efficiency


def test_owen_equals_brute_force_over_orders_that_keep_groups_together(data):
    value = D.subset_r2(data["y"], {d: data[d] for d in DRIVERS})
    exact = D.owen(value, GROUPS)
    # Orders consistent with the coalition structure: groups in every order, members of a group
    # next to each other in every order.
    orders = []
    for group_order in itertools.permutations(GROUPS):
        for inner in itertools.product(*(itertools.permutations(GROUPS[g]) for g in group_order)):
            orders.append([p for block in inner for p in block])
    brute = brute_force(DRIVERS, lambda s: r2(data, s), orders)
    pd.testing.assert_series_equal(exact, brute, check_names=False, atol=1e-10, rtol=0)
    # Group totals of the Owen value are the Shapley values of the game between groups.
    groups = D.shapley(D.quotient(value, GROUPS), list(GROUPS))
    for group, members in GROUPS.items():
        assert exact[members].sum() == pytest.approx(groups[group], abs=1e-12)
    # Owen differs from the plain Shapley value of the drivers when groups are correlated.
    assert not np.allclose(exact.to_numpy(), D.shapley(value, DRIVERS).to_numpy(), atol=1e-4)


def test_controls_are_partialled_out_not_decomposed(data):
    groups, drivers = D.decompose(data, "y", GROUPS, controls=["control"])
    with_control = r2(data, [*DRIVERS, "control"])
    control_only = r2(data, ["control"])
    assert groups.attrs["r2"] == pytest.approx(with_control, abs=1e-12)
    assert groups.attrs["r2_controls"] == pytest.approx(control_only, abs=1e-12)
    assert groups["share_of_variance"].sum() == pytest.approx(with_control - control_only, abs=1e-12)
    assert groups["share_of_explained"].sum() == pytest.approx(1.0)
    assert drivers.groupby("group")["share_of_variance"].sum().reindex(list(GROUPS)).to_numpy() == \
        pytest.approx(groups["share_of_variance"].to_numpy(), abs=1e-12)


def test_fields_credits_shared_variance_to_the_larger_group_shapley_does_not():
    """Two groups with strongly correlated drivers: Fields gives the group with the larger coefficient
    more than its Shapley share; both add up to the R²."""
    rng = np.random.default_rng(3)
    n = 2000
    factor = rng.normal(size=n)
    frame = pd.DataFrame({"big": factor + 0.3 * rng.normal(size=n), "small": factor + 0.3 * rng.normal(size=n)})
    frame["y"] = 1.0 * frame["big"] + 0.2 * frame["small"] + rng.normal(size=n)
    index = pd.MultiIndex.from_arrays([[f"GM{i:04d}" for i in range(n)], [2020] * n], names=["gm_code", "year"])
    panel = frame.set_index(index)
    fit = fit_models(panel, "y", ["big", "small"], models=("Between",))["Between"]
    fields = explained_variance_by_group(fit, frame, "y", {"big": ["big"], "small": ["small"]})
    shapley, _ = D.decompose(frame, "y", {"big": ["big"], "small": ["small"]})
    assert fields["share_of_variance"].sum() == pytest.approx(shapley["share_of_variance"].sum(), abs=1e-9)
    assert fields.at["big", "share_of_explained"] > shapley.at["big", "share_of_explained"] + 0.05


def test_size_netted_shares_do_not_depend_on_the_denominator():
    """Dividing the outcome by a count that is among the controls leaves the shares unchanged."""
    rng = np.random.default_rng(5)
    n = 300
    frame = pd.DataFrame({"log_youth": rng.normal(8, 1, n)})
    frame["log_inhabitants"] = frame["log_youth"] + rng.normal(1.6, 0.1, n)
    frame["a"] = rng.normal(size=n) + 0.3 * frame["log_youth"]
    frame["b"] = rng.normal(size=n)
    frame["log_cost"] = 0.5 * frame["log_youth"] + 0.5 * frame["log_inhabitants"] + 0.4 * frame["a"] + 0.2 * frame["b"] \
        + rng.normal(scale=0.5, size=n)
    groups = {"A": ["a"], "B": ["b"]}
    size = ["log_youth", "log_inhabitants"]
    shares = []
    for denominator in (None, "log_youth", "log_inhabitants"):
        outcome = frame["log_cost"] - (frame[denominator] if denominator else 0)
        result, _ = D.decompose(frame.assign(y=outcome), "y", groups, controls=size)
        shares.append(result["share_of_explained"].to_numpy())
    assert shares[0] == pytest.approx(shares[1], abs=1e-10)
    assert shares[0] == pytest.approx(shares[2], abs=1e-10)
