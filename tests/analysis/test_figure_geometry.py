"""What the figures draw beyond their data columns: fitted lines, reference lines, histogram bins."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from jeugdzorg.analysis import figure_geometry as G


def test_least_squares_line_recovers_a_known_line_and_ignores_missing_pairs():
    rng = np.random.default_rng(3)
    x = rng.uniform(0.0, 10.0, 200)
    y = 2.5 - 0.75 * x + rng.normal(0.0, 0.01, 200)
    line = G.least_squares_line(np.append(x, [np.nan, 4.0]), np.append(y, [1.0, np.nan]))
    assert line.slope == pytest.approx(-0.75, abs=1e-3)
    assert line.intercept == pytest.approx(2.5, abs=1e-2)
    assert line.r == pytest.approx(-1.0, abs=1e-3)
    assert (line.low, line.high) == (x.min(), x.max())
    assert line.at(2.0) == pytest.approx(1.0, abs=1e-2)


def test_least_squares_line_needs_two_distinct_x():
    with pytest.raises(ValueError, match="at least two points"):
        G.least_squares_line([1.0, 1.0], [2.0, 3.0])


def test_driver_scatter_points_are_in_the_readers_units_with_the_line_fitted_to_the_logs():
    """Cost = 100 * density**0.5 exactly: in logs a line of slope 0.5; in euros and addresses the two
    end points lie on that curve, and the dots are the municipalities' own values."""
    density = np.array([100.0, 400.0, 900.0, 2500.0])
    data = pd.DataFrame({"log_cost_per_youth": np.log(100 * density ** 0.5), "log_address_density": np.log(density),
                         "bijstand_pct": [1.0, 2.0, 3.0, 5.0]}, index=pd.Index(["GM1", "GM2", "GM3", "GM4"]))
    points = G.driver_scatter_points(data, "log_cost_per_youth", ["log_address_density", "bijstand_pct"],
                                     log_drivers=["log_address_density"])
    assert list(points.columns) == ["driver", "series", "gm_code", "driver_value", "cost_per_youth", "r"]
    dots = points[(points["driver"] == "log_address_density") & (points["series"] == G.MUNICIPALITY)]
    np.testing.assert_allclose(dots["driver_value"], density)
    np.testing.assert_allclose(dots["cost_per_youth"], [1000.0, 2000.0, 3000.0, 5000.0])
    line = points[(points["driver"] == "log_address_density") & (points["series"] == G.LEAST_SQUARES)]
    np.testing.assert_allclose(line["driver_value"], [100.0, 2500.0])
    np.testing.assert_allclose(line["cost_per_youth"], [1000.0, 5000.0])
    assert line["r"].tolist() == pytest.approx([1.0, 1.0])
    assert dots["r"].isna().all() and (line["gm_code"] == "").all()
    assert len(points) == 2 * (4 + 2)


def test_reference_lines_are_end_points_through_the_origin_across_the_dots():
    lines = G.reference_lines([200.0, np.nan, 300.0, 500.0], {"low": 0.5, "equal": 1.0}, margin=2.0)
    assert lines.to_dict("list") == {"series": ["low", "low", "equal", "equal"], "x": [100.0, 1000.0, 100.0, 1000.0],
                                     "y": [50.0, 500.0, 100.0, 1000.0]}


def test_histogram_counts_every_value_once_and_gives_the_median():
    values = pd.Series([1.0, 2.0, 2.0, 3.0, 10.0, np.nan])
    bins = G.histogram(values, bins=3)
    assert bins["count"].tolist() == [4, 0, 1]
    assert bins["bin_from"].iloc[0] == 1.0 and bins["bin_to"].iloc[-1] == 10.0
    assert (bins["bin_to"].iloc[:-1].to_numpy() == bins["bin_from"].iloc[1:].to_numpy()).all()
    assert (bins["median"] == 2.0).all()
