"""Municipality profiles: the numbers, the words around them, and the template."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from jeugdzorg.analysis import estimation as E
from jeugdzorg.analysis import panel as P
from jeugdzorg.analysis.profiles import percentile_rank, profile_tables
from jeugdzorg.book.profile_text import compare, fmt
from jeugdzorg.book.runner import execute_notebook, template_path
from jeugdzorg.data.names import UnknownMunicipalityError

from tests.helpers import glued_values

KEYS = {"summary", "cost_trend", "budget", "care_mix", "position", "peers", "model", "drivers", "objective"}


def test_sentence_helpers():
    assert fmt(2220.3, prefix="EUR ") == "EUR 2,220"
    assert fmt(float("nan")) == "not available"
    assert compare(12.34) == ("12.3%", "above") and compare(-3) == ("3.0%", "below")
    assert compare(float("nan")) == ("not comparable", "with")
    assert percentile_rank(5, [1, 2, 3, 10]) == 75.0
    assert math.isnan(percentile_rank(5, []))


@pytest.fixture(scope="module")
def estimates(tables):
    return E.estimate(tables, E.Specification(), mundlak=False)


@pytest.fixture(scope="module")
def profiles(tables, estimates):
    codes = ("GM0363", "GM0060", "GM0613", "GM0599")  # Amsterdam, Ameland, Albrandswaard, Rotterdam
    return {code: profile_tables(tables, code, estimates=estimates) for code in codes}


@pytest.mark.parametrize("code", ["GM0363", "GM0060"])
def test_profile_contents(profiles, code):
    profile = profiles[code]
    assert set(profile) == KEYS
    assert profile["summary"]["gm_code"] == code

    trend = profile["cost_trend"]
    assert {"cost_per_youth", "national_median", "plausible", "realised_keur"} <= set(trend.columns)
    own = trend.loc[trend["plausible"], "cost_per_youth"]
    assert not own.empty and own.between(100, 10_000).all()
    assert trend["national_median"].between(100, 10_000).all()

    budget = profile["budget"]
    assert list(budget.index) == list(trend.index)
    both = budget.dropna(subset=["budgeted_keur", "realised_keur"])
    expected = 100 * (both["realised_keur"] / both["budgeted_keur"] - 1)
    assert np.allclose(both["over_budget_pct"], expected)

    mix = profile["care_mix"]
    assert set(mix["kind"]) == {"realised", "budgeted"}
    for _, group in mix.groupby(["kind", "year"]):
        assert group["national_pct"].sum() == pytest.approx(100, abs=0.01)
        assert group["municipality_pct"].sum() == pytest.approx(100, abs=0.01)

    position = profile["position"]
    assert 0 <= position["percentile_rank"] <= 100
    assert position["peers"] >= 1 and 100 <= position["peer_median"] <= 10_000

    model = profile["model"]
    assert model["in_sample"] and np.isfinite(model["residual_effect"])
    assert 100 <= model["actual_level"] <= 10_000 and 100 <= model["predicted_level"] <= 10_000
    drivers = profile["drivers"]
    assert list(drivers.index) == list(P.DRIVER_SETS["full"])
    assert drivers["unit"].to_dict() == {d.name: d.unit for d in P.DRIVERS}
    assert drivers["national_median"].notna().all() and drivers["value"].notna().all()

    objective = profile["objective"]
    assert 100 <= objective["model_per_youth"] <= 10_000
    assert 100 <= objective["budget_per_youth"] <= 10_000


def test_amsterdam_missing_year_and_weesp(profiles):
    trend = profiles["GM0363"]["cost_trend"]
    assert math.isnan(trend.at[2019, "cost_per_youth"])  # Amsterdam did not report 2019
    assert not trend.at[2019, "plausible"]
    assert profiles["GM0363"]["position"]["size_class"] == "250 000 inwoners of meer"


def test_missing_or_implausible_cost_does_not_crash(profiles):
    albrandswaard = profiles["GM0613"]  # reports a cost outside the plausible range in every year
    assert not albrandswaard["cost_trend"]["plausible"].any()
    assert albrandswaard["cost_trend"]["vs_median_pct"].isna().all()
    assert math.isnan(albrandswaard["position"]["percentile_rank"])
    assert not albrandswaard["model"]["in_sample"] and math.isnan(albrandswaard["model"]["residual_effect"])
    rotterdam = profiles["GM0599"]  # no realised cost at all, but Iv3 and fund figures
    assert rotterdam["cost_trend"]["cost_per_youth"].isna().all()
    assert rotterdam["budget"]["over_budget_pct"].isna().all()
    assert rotterdam["drivers"]["value"].isna().all()
    assert rotterdam["care_mix"]["municipality_pct"].notna().any()
    assert np.isfinite(rotterdam["objective"]["model_per_youth"])


def test_profile_of_a_former_code_is_refused(tables, estimates):
    with pytest.raises(UnknownMunicipalityError):
        profile_tables(tables, "GM0457", estimates=estimates)


def test_template_runs_for_a_small_municipality(tmp_path):
    template = template_path("profile")
    execute_notebook(template, {"municipality": "Ermelo"}, tmp_path / "p.ipynb")
    notebook = json.loads((tmp_path / "p.ipynb").read_text(encoding="utf-8"))
    outputs = [o for c in notebook["cells"] if c["cell_type"] == "code" for o in c["outputs"]]
    assert not [o for o in outputs if o["output_type"] == "error"]
    assert not [o for o in outputs if o.get("name") == "stderr"], "warnings leaked into the profile"
    values = glued_values(notebook)
    assert values["pf_name"] == "'Ermelo'" and values["pf_code"] == "'GM0233'"
    assert values["pf_above_below"] in ("'above'", "'below'")
    for key in ("fig_cost_trend", "fig_care_mix", "tbl_budget", "tbl_care_mix", "tbl_peers", "tbl_drivers",
                "tbl_objective"):
        assert key in values
    markdown = "\n".join("".join(c["source"]) for c in notebook["cells"] if c["cell_type"] == "markdown")
    assert ":name:" not in markdown and "{numref}" not in markdown  # profiles share one Sphinx build
