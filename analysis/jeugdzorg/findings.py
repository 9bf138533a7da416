"""The headline numbers of the conclusions and the Dutch summary, computed in one place.

Both pages glue these values; the chapters that develop each finding compute them with the same
library functions, so a number in the conclusions always equals its number in the chapter.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from . import anchors, descriptives
from . import estimation as E
from . import panel as P


def headline_findings(tables: dict[str, pd.DataFrame], spec: E.Specification) -> dict[str, Any]:
    """Every number the conclusions and the summary quote, rounded as printed.

    Keys are prefixed ``cf_``; money in nominal euros, shares in percent.
    """
    est = E.estimate(tables, spec)
    first, last = est.years
    out: dict[str, Any] = {"cf_first": first, "cf_last": last, "cf_boundary": est.spec.boundary_year,
                           "cf_unit": E.effect_unit(est.spec.outcome)}

    costs, _ = descriptives.without_reported_zeros(tables["costs"])
    totals = descriptives.national_totals(costs)
    out["cf_overspend_pct"] = round(float(totals.loc[last, "overspend_pct"]), 1)
    out["cf_overspend_first_pct"] = round(float(totals.loc[first, "overspend_pct"]), 1)
    out["cf_total_realised"] = round(float(totals.loc[last, "realised_million"]))

    panel = est.panel[P.plausible_cost(est.panel)]
    trend = descriptives.same_municipality_trend(panel, first, last)
    out["cf_trend_n"] = int(trend["municipalities"].iat[0])
    out["cf_cost_growth"] = round(float(trend["realised_million_index"].iat[-1] - 100), 1)
    out["cf_client_growth"] = round(float(trend["youths_in_care_index"].iat[-1] - 100), 1)
    out["cf_cpc_growth"] = round(float(trend["cost_per_client_index"].iat[-1] - 100), 1)
    out["cf_cpc_last"] = round(float(trend["cost_per_client"].iat[-1]), -1)

    use = descriptives.national_use(tables["use_pct"], tables["use_counts"])
    out["cf_use_first_year"] = int(use.index.min())
    out["cf_use_last_year"] = int(use.index.max())
    out["cf_youths_first"] = int(use["youths_in_care"].iat[0])
    out["cf_youths_last"] = int(use["youths_in_care"].iat[-1])

    per_youth = descriptives.cost_per_young_inhabitant(costs, tables["drivers"])
    distribution = descriptives.distribution_by_year(per_youth, "realised_eur_per_youth")
    out["cf_median_per_youth"] = round(float(distribution.loc[last, "median"]))
    out["cf_p90_p10"] = round(float(distribution.loc[last, "p90"] / distribution.loc[last, "p10"]), 1)

    between = est.fits["Between"]
    scale = E.effect_scale(est.spec.outcome)
    out["cf_r2_between_pct"] = round(float(100 * between.rsquared))
    # SCP (2014): need drivers explain more than three quarters of the differences.
    below_scp = out["cf_r2_between_pct"] < anchors.SCP_2014_R2.value
    out["cf_r2_vs_scp"] = "less than" if below_scp else "in line with"
    out["cf_r2_vs_scp_nl"] = "minder dan" if below_scp else "net als"
    out["cf_divosa_pct"] = anchors.DIVOSA_2017_OVERSPEND_PCT.value
    for key, name in (("bijstand", "bijstand_pct"), ("income", "income_with_children_keur"),
                      ("psych", "psych_medication_per_100")):
        out[f"cf_b_{key}"] = round(float(scale * between.params[name]), 1) if name in between.params else np.nan
    from .models import explained_variance_by_group

    shares = explained_variance_by_group(between, est.sample, est.spec.outcome, {
        group: [d for d in names if d in est.drivers] for group, names in P.DRIVER_GROUPS.items()
        if any(d in est.drivers for d in names)})
    out["cf_socioeconomic_share"] = round(float(100 * shares.loc["socio-economic", "share_of_explained"]))
    out["cf_mundlak_p"] = round(float(est.mundlak.pvalue), 3)
    out["cf_mundlak_rejects"] = bool(est.mundlak.pvalue < 0.05)

    fit = E.between_fit(est)
    out["cf_resid_p90"] = round(float(fit["residual_effect"].abs().quantile(0.9)))
    changes = E.within_changes(est)
    out["cf_share_growing"] = round(float(100 * (changes["actual_change"] > 0).mean()))
    out["cf_changes_corr"] = round(float(changes[["actual_change", "driver_change"]].corr().iat[0, 1]), 2)
    out["cf_actual_change_median"] = round(float(scale * changes["actual_change"].median()), 1)
    out["cf_driver_change_median"] = round(float(scale * changes["driver_change"].median()), 1)
    return out
