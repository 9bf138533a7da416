"""The book's charts, each drawn only from the (rounded) data it is given.

Every function takes the figure's data as a DataFrame -- the same rounded numbers that
:func:`jeugdzorg.book.publish.figure` glues as text beside the figure (so nbval checks them and
readers can download them) -- and returns a finished figure in the book's style
(:mod:`jeugdzorg.book.figures`).  Nothing here computes a statistic: a box plot gets its
percentiles, a fitted line its two end points, a histogram its bins and counts
(:mod:`jeugdzorg.analysis.figure_geometry`), and ``tests/book/test_figures.py`` keeps it so.
"""

from __future__ import annotations

import textwrap

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from ..analysis.figure_geometry import LEAST_SQUARES, MUNICIPALITY
from . import figures
from .figures import PALETTE

#: The reference lines of :func:`accounts_scatter` (``series`` of its data): line style, legend label.
ACCOUNTS_LINES = {"accepted ratio, lowest": ("--", None), "accepted ratio, highest": ("--", None),
                  "accounts = CBS": ("-", "Accounts = CBS")}


def national_totals(data: pd.DataFrame) -> Figure:
    """Bars of budgeted and realised cost per year, with the number of reporting municipalities.

    ``data``: ``year, budgeted_million, realised_million, municipalities_realised``.
    """
    fig, ax = figures.new_figure()
    width = 0.38
    x = data["year"].to_numpy()
    ax.bar(x - width / 2, data["budgeted_million"], width, label="Budgeted (begroting)")
    ax.bar(x + width / 2, data["realised_million"], width, label="Realised (jaarrekening)")
    for year, n, value in zip(x, data["municipalities_realised"], data["realised_million"]):
        ax.annotate(f"n={n}", (year + width / 2, value), ha="center", va="bottom", fontsize=8, xytext=(0, 2),
                    textcoords="offset points")
    ax.set_xticks(x)
    ax.legend(frameon=False, loc="upper left")
    return figures.finish(fig, ax, title="Youth-care cost summed over reporting municipalities",
                          xlabel="Year", ylabel="EUR million (nominal)")


def national_use(data: pd.DataFrame) -> Figure:
    """Lines of the national percentages of young people in care.

    ``data``: ``year, pct_youth_with_jeugdhulp, pct_youth_0_22_in_care, pct_youth_with_protection``.
    """
    fig, ax = figures.new_figure()
    ax.plot(data["year"], data["pct_youth_with_jeugdhulp"], marker="o", label="Youth help in kind (% of age 0-17)")
    ax.plot(data["year"], data["pct_youth_0_22_in_care"], marker="s", label="Any youth care (% of age 0-22)")
    ax.plot(data["year"], data["pct_youth_with_protection"], marker="^", label="Child protection (% of age 0-17)")
    ax.set_ylim(0, None)
    ax.set_xticks(data["year"])
    ax.legend(frameon=False, loc="center right")
    return figures.finish(fig, ax, title="Share of young people receiving youth care, the Netherlands",
                          xlabel="Year", ylabel="% of young inhabitants")


def distribution_boxes(data: pd.DataFrame, *, title: str, ylabel: str) -> Figure:
    """Box plots from percentiles: box P25-P75, line at the median, whiskers P10 and P90.

    ``data``: ``year, municipalities, p10, p25, median, p75, p90``.
    """
    fig, ax = figures.new_figure()
    stats = [{"label": str(int(row.year)), "whislo": row.p10, "q1": row.p25, "med": row.median,
              "q3": row.p75, "whishi": row.p90, "fliers": []} for row in data.itertuples()]
    ax.bxp(stats, positions=data["year"].to_numpy(), widths=0.6, showfliers=False,
           medianprops={"color": PALETTE[1], "linewidth": 2})
    for row in data.itertuples():
        ax.annotate(f"n={row.municipalities}", (row.year, row.p90), ha="center", va="bottom",
                    fontsize=8, xytext=(0, 3), textcoords="offset points")
    ax.set_ylim(0, None)
    return figures.finish(fig, ax, title=title, xlabel="Year", ylabel=ylabel)


def trend_index(data: pd.DataFrame, *, municipalities: int, first: int, prices: str) -> Figure:
    """Index lines (first year = 100) of cost, young people in care and cost per young person in care.

    ``data``: ``year, realised_million_prices_index, youths_in_care_index, cost_per_client_prices_index``
    (cost in ``prices``, e.g. "real euros").
    """
    fig, ax = figures.new_figure()
    ax.plot(data["year"], data["realised_million_prices_index"], marker="o", label=f"Realised cost ({prices})")
    ax.plot(data["year"], data["youths_in_care_index"], marker="s", label="Young people in care")
    ax.plot(data["year"], data["cost_per_client_prices_index"], marker="^",
            label=f"Cost per young person in care ({prices})")
    ax.axhline(100, color="#999999", linewidth=0.8)
    ax.set_xticks(data["year"])
    ax.legend(frameon=False, loc="upper left")
    return figures.finish(fig, ax, title=f"Youth-care cost and use in the same {municipalities} municipalities",
                          xlabel="Year", ylabel=f"Index, {first} = 100",
                          source="Bron: CBS 83454NED, 84134NED, 85099NED, 83131NED (CPI); analysis: this book")


def driver_scatter(data: pd.DataFrame, *, drivers: list[str], labels: dict[str, str], outcome: str, year: int,
                   log_drivers: list[str]) -> Figure:
    """One scatter per driver against the outcome, with its least-squares line and correlation.

    ``data`` (:func:`jeugdzorg.analysis.figure_geometry.driver_scatter_points`): ``driver, series,
    gm_code, driver_value, <outcome without log_>, r``, in the reader's units; a municipality per
    row, and the two end points of each driver's line (``series`` "least-squares line", with ``r``).
    Two panels a row, so that on a phone each panel is half the screen wide.  A log outcome
    (``log_...``) is drawn in euros on a logarithmic axis, and so is each of ``log_drivers`` in its
    own units: the line, fitted to the logs, is then straight, and the reader reads euros, not logs.
    """
    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

    ncols = 2
    nrows = int(np.ceil(len(drivers) / ncols))
    fig, axes = figures.new_figure(nrows, ncols, figsize=(8.0, 2.9 * nrows + 0.9), sharey=True)
    column, log_outcome = outcome.removeprefix("log_"), outcome.startswith("log_")
    for ax, name in zip(np.ravel(axes), drivers):
        points = data[(data["driver"] == name) & (data["series"] == MUNICIPALITY)]
        line = data[(data["driver"] == name) & (data["series"] == LEAST_SQUARES)]
        ax.scatter(points["driver_value"], points[column], s=8, alpha=0.5, color=PALETTE[0],
                   edgecolor="none")
        ax.plot(line["driver_value"], line[column], color=PALETTE[1], linewidth=1.5)
        if name in log_drivers:
            ax.set_xscale("log")
            ax.xaxis.set_major_locator(LogLocator(base=10))
            ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}"))
            ax.xaxis.set_minor_formatter(NullFormatter())
        ax.set_title(f"r = {line['r'].iloc[0]:.2f}", fontsize=9, loc="right")
        ax.set_xlabel(textwrap.fill(labels[name], 38), fontsize=9)
    for ax in np.ravel(axes)[len(drivers):]:
        ax.set_visible(False)
    if log_outcome:
        ax0 = np.ravel(axes)[0]
        ax0.set_yscale("log")
        _euro_axis(ax0.yaxis, data.loc[data["series"] == MUNICIPALITY, column].to_numpy(float))
    for ax in np.ravel(axes)[::ncols]:
        ax.set_ylabel("EUR per inhabitant 0-17\n(log scale)" if log_outcome else "EUR per inhabitant 0-17")
    return figures.finish_grid(fig, title=f"Youth-care cost per young inhabitant against need drivers, {year}")


def coefficient_effects(data: pd.DataFrame, *, models: list[str], drivers: list[str], labels: dict[str, str],
                        xlabel: str, highlight: tuple[str, ...] = ("Between", "Two-way FE")) -> Figure:
    """Point estimates with intervals per driver (rows) and model (colours).

    ``data``: ``model, variable, coef_effect, lower_effect, upper_effect``.
    """
    fig, ax = figures.new_figure(figsize=(8.5, 0.75 * len(drivers) + 1.6))
    offsets = np.linspace(-0.3, 0.3, len(models))
    for offset, model, colour in zip(offsets, models, PALETTE * 2):
        part = data[data["model"] == model]
        y = np.array([drivers.index(v) for v in part["variable"]]) + offset
        ax.errorbar(part["coef_effect"], y, xerr=[part["coef_effect"] - part["lower_effect"],
                                                  part["upper_effect"] - part["coef_effect"]],
                    fmt="o", markersize=4, capsize=2, label=model, color=colour, linestyle="none",
                    alpha=0.9 if model in highlight else 0.55)
    ax.axvline(0, color="#777777", linewidth=0.8)
    ax.set_yticks(range(len(drivers)))
    ax.set_yticklabels([labels[d] for d in drivers], fontsize=8.5)
    ax.invert_yaxis()
    ax.legend(frameon=False, fontsize=8, loc="lower right")
    return figures.finish(fig, ax, title="Estimated effect of each need driver, six estimators",
                          xlabel=xlabel, ylabel="")


def change_scatter(data: pd.DataFrame, *, first: int, last: int, unit: str) -> Figure:
    """Actual change against the change the drivers explain, one dot per municipality.

    ``data``: ``gm_code, driver_change, actual_change`` (in the effect unit).
    """
    fig, ax = figures.new_figure(figsize=(7.5, 5.5))
    ax.scatter(data["driver_change"], data["actual_change"], s=10, alpha=0.5, color=PALETTE[0], edgecolor="none")
    ax.axhline(0, color="#777777", linewidth=0.8)
    ax.axvline(0, color="#777777", linewidth=0.8)
    return figures.finish(fig, ax, title=f"Change in cost and change explained by drivers, {first}-{last}",
                          xlabel=f"Change attributed to changes in drivers ({unit}, two-way FE)",
                          ylabel=f"Actual change ({unit})")


def robustness_panels(data: pd.DataFrame, *, variants: list[str], key: list[str], titles: dict[str, str],
                      xlabels: dict[str, str]) -> Figure:
    """One panel per key driver, stacked (readable on a phone): the coefficient under each variant,
    between and two-way FE.

    ``data``: ``variant, model, variable, coef, lower, upper``.
    """
    panel_height = 0.32 * len(variants) + 1.1
    fig, axes = figures.new_figure(len(key), 1, figsize=(8.0, panel_height * len(key) + 0.8))
    for ax, name in zip(np.atleast_1d(axes), key):
        for model, colour, offset in (("Between", PALETTE[0], -0.15), ("Two-way FE", PALETTE[1], 0.15)):
            part = data[(data["variable"] == name) & (data["model"] == model)]
            y = np.array([variants.index(v) for v in part["variant"]]) + offset
            ax.errorbar(part["coef"], y, xerr=[part["coef"] - part["lower"], part["upper"] - part["coef"]],
                        fmt="o", markersize=4, capsize=2, color=colour, label=model, linestyle="none")
        ax.axvline(0, color="#777777", linewidth=0.8)
        ax.set_title(titles[name], fontsize=10, loc="left")
        ax.set_xlabel(xlabels[name], fontsize=9)
        ax.set_yticks(range(len(variants)))
        ax.set_yticklabels(variants, fontsize=9)
        ax.invert_yaxis()
    np.atleast_1d(axes)[0].legend(frameon=False, fontsize=9, loc="best")
    return figures.finish_grid(fig, title="Key coefficients under each robustness variant (95% intervals)")


def overspend_bars(data: pd.DataFrame) -> Figure:
    """Realised cost above budget per year, % of budget, with the number of municipalities.

    ``data``: ``year, overspend_pct, municipalities``.
    """
    fig, ax = figures.new_figure()
    ax.bar(data["year"], data["overspend_pct"], color=PALETTE[1], width=0.6)
    for row in data.itertuples():
        ax.annotate(f"n={row.municipalities}", (row.year, max(row.overspend_pct, 0)), ha="center",
                    va="bottom", fontsize=8, xytext=(0, 2), textcoords="offset points")
    ax.axhline(0, color="#777777", linewidth=0.8)
    ax.set_xticks(data["year"])
    return figures.finish(fig, ax, title="Realised youth-care cost above budget, reporting municipalities",
                          xlabel="Year", ylabel="% of budgeted cost")


def model_budget(data: pd.DataFrame, *, year: int, circular: str) -> Figure:
    """Iv3 youth budget against the gemeentefonds model amount, per young inhabitant.

    ``data``: ``gm_code, model_per_youth, budget_per_youth``.
    """
    fig, ax = figures.new_figure(figsize=(7.5, 6.0))
    ax.scatter(data["model_per_youth"], data["budget_per_youth"], s=10, alpha=0.5, color=PALETTE[0],
               edgecolor="none")
    top = max(data["model_per_youth"].max(), data["budget_per_youth"].max())
    ax.plot([0, top], [0, top], color="#777777", linewidth=0.8)
    ax.set_xlim(0, None)
    ax.set_ylim(0, None)
    return figures.finish(fig, ax, title=f"Youth-care budget against the gemeentefonds model, {year}",
                          xlabel=f"Model amount ({circular}), EUR per inhabitant 0-17",
                          ylabel="Iv3 care budget (net), EUR per inhabitant 0-17",
                          source="Bron: CBS (Iv3), Ministerie van BZK (gemeentefonds); analysis: this book")


def share_histogram(data: pd.DataFrame, *, year: int) -> Figure:
    """Histogram of a share across municipalities with its median.

    ``data`` (:func:`jeugdzorg.analysis.figure_geometry.histogram`): ``bin_from, bin_to, count,
    median``, in %.
    """
    fig, ax = figures.new_figure()
    width = data["bin_to"] - data["bin_from"]
    ax.bar(data["bin_from"] + width / 2, data["count"], width, color=PALETTE[0], alpha=0.85)
    ax.axvline(data["median"].iloc[0], color=PALETTE[1], linewidth=2, label="median")
    ax.legend(frameon=False)
    return figures.finish(fig, ax, title=f"Share of youth spending on care with residence, {year}",
                          xlabel="% of the municipality's youth spending (Iv3 accounts)",
                          ylabel="Number of municipalities", source="Bron: CBS (Iv3); analysis: this book")


def accounts_scatter(data: pd.DataFrame, *, cbs_year: int, accounts_year: int) -> Figure:
    """83454NED cost against the municipal accounts, per young inhabitant, log scales, with the band
    of ratios the rule accepts.

    ``data``: ``series, gm_code, name, cbs_per_youth, accounts_per_youth, flagged``: the
    municipalities (``series`` "municipality"; only those with both amounts above zero are drawn on
    the log scales) and the end points of the lines ``accounts = CBS``, ``accepted ratio, lowest``
    and ``accepted ratio, highest`` (:data:`ACCOUNTS_LINES`;
    :func:`jeugdzorg.analysis.figure_geometry.reference_lines`).
    """
    fig, ax = figures.new_figure(figsize=(7.5, 6.0))
    municipalities = data[data["series"] == MUNICIPALITY]
    shown = municipalities[(municipalities["cbs_per_youth"] > 0) & (municipalities["accounts_per_youth"] > 0)]
    flagged = shown["flagged"].astype(bool)
    ax.scatter(shown.loc[~flagged, "cbs_per_youth"], shown.loc[~flagged, "accounts_per_youth"], s=10, alpha=0.5,
               color=PALETTE[0], edgecolor="none", label="Within the national spread")
    ax.scatter(shown.loc[flagged, "cbs_per_youth"], shown.loc[flagged, "accounts_per_youth"], s=28,
               color=PALETTE[1], marker="D", label="Flagged: booked elsewhere")
    ax.set_xscale("log")
    ax.set_yscale("log")
    for series, (style, label) in ACCOUNTS_LINES.items():
        line = data[data["series"] == series]
        ax.plot(line["cbs_per_youth"], line["accounts_per_youth"], color="#777777", linewidth=0.8, linestyle=style,
                label=label)
    ax.legend(frameon=False, loc="upper left", fontsize=8.5)
    named = shown[flagged]
    figures.label_points(ax, named["cbs_per_youth"].to_numpy(), named["accounts_per_youth"].to_numpy(),
                         named["name"].to_list())
    return figures.finish(fig, ax, title="Youth-care cost: CBS table against the municipal accounts",
                          xlabel=f"CBS 83454NED {cbs_year}, EUR per inhabitant 0-17 (log scale)",
                          ylabel=f"Iv3 accounts {accounts_year}, EUR per inhabitant 0-17 (log scale)",
                          source="Bron: CBS 83454NED, CBS Iv3; analysis: this book")


def residence_rule_change(data: pd.DataFrame, *, year: int) -> Figure:
    """Change of cost per young inhabitant over the residence-rule year against its level before.

    ``data``: ``gm_code, name, before, change_pct, direction`` (``out``, ``in`` or empty: the
    two-sided rule of :func:`jeugdzorg.analysis.validation.break_rule`).
    """
    fig, ax = figures.new_figure(figsize=(7.5, 5.2))
    direction = data["direction"].fillna("")
    other = direction == ""
    ax.scatter(data.loc[other, "before"], data.loc[other, "change_pct"], s=10, alpha=0.5, color=PALETTE[0],
               edgecolor="none", label="Other municipalities")
    for value, marker, colour, label in (("out", "D", PALETTE[1], "Cost possibly moved out (rule)"),
                                         ("in", "^", PALETTE[2], "Cost possibly moved in (rule)")):
        chosen = direction == value
        if chosen.any():
            ax.scatter(data.loc[chosen, "before"], data.loc[chosen, "change_pct"], s=28, marker=marker, color=colour,
                       label=label)
    ax.axhline(0, color="#777777", linewidth=0.8)
    ax.legend(frameon=False, loc="lower right", fontsize=8.5)
    named = data[~other]
    figures.label_points(ax, named["before"].to_numpy(), named["change_pct"].to_numpy(), named["name"].to_list())
    return figures.finish(fig, ax, title=f"Change in cost per young inhabitant, {year - 1} to {year}",
                          xlabel=f"Cost per inhabitant 0-17 in {year - 1}, EUR (nominal)",
                          ylabel=f"Change {year - 1}-{year}, % (nominal)",
                          source="Bron: CBS 83454NED, Maatstaven gemeentefonds; analysis: this book")


def volume_price_bars(data: pd.DataFrame, *, first: int, last: int, prices: str) -> Figure:
    """Growth of young people in care, of cost per young person in care and of cost, per group.

    ``data``: ``group, municipalities, client_growth, cost_per_client_growth, cost_growth``.
    """
    fig, ax = figures.new_figure(figsize=(8.0, 4.8))
    y = np.arange(len(data))
    height = 0.26
    series = [("client_growth", "Young people in care"), ("cost_per_client_growth", f"Cost per young person in care ({prices})"),
              ("cost_growth", f"Cost ({prices})")]
    for i, (column, label) in enumerate(series):
        ax.barh(y + (i - 1) * height, data[column], height, label=label, color=PALETTE[i])
    ax.set_yticks(y, [f"{g} (n={n})" for g, n in zip(data["group"], data["municipalities"])])
    ax.invert_yaxis()
    ax.axvline(0, color="#777777", linewidth=0.8)
    ax.legend(frameon=False, fontsize=8.5, loc="lower right")
    return figures.finish(fig, ax, title=f"Volume and cost per young person in care, {first}-{last}",
                          xlabel=f"Growth {first}-{last}, %", ylabel="Municipalities by inhabitants",
                          source="Bron: CBS 83454NED, 84134NED, 85099NED, 83131NED (CPI); analysis: this book")


#: Colours of the need-benchmark verdicts.
VERDICT_COLOURS = {"above": PALETTE[1], "below": PALETTE[3], "within": PALETTE[0], "not assessed": "#aaaaaa"}


def _euro_axis(axis, values: np.ndarray) -> None:
    """A logarithmic axis labelled in whole euros (ticks at 250, 500, 1,000, 2,000, ... in range)."""
    from matplotlib.ticker import FixedLocator, FuncFormatter, NullLocator

    low, high = np.nanmin(values), np.nanmax(values)
    # Fewer ticks over a wide range, so that the labels never touch.
    candidates = np.array([100, 250, 500, 1000, 2000, 4000, 8000] if high / low > 6
                          else [250, 500, 750, 1000, 1500, 2000, 3000, 4000, 6000])
    ticks = candidates[(candidates >= low / 1.2) & (candidates <= high * 1.2)]
    axis.set_major_locator(FixedLocator(ticks))
    axis.set_minor_locator(NullLocator())
    axis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}"))


def benchmark_scatter(data: pd.DataFrame, *, year: int, level: int) -> Figure:
    """Actual against expected cost per young inhabitant (euros, log scales), coloured by the year's
    position against the range of cost seen for municipalities with these need drivers.

    ``data``: ``gm_code, name, expected_eur, actual_eur, position, highlight`` (``position``: above,
    below, within or "not assessed"; names are shown where ``highlight`` is true).
    """
    fig, ax = figures.new_figure(figsize=(7.5, 6.2))
    for verdict, colour in VERDICT_COLOURS.items():
        part = data[data["position"] == verdict]
        if part.empty:
            continue
        # An "x" has no face: it takes no edge colour (matplotlib warns if given one).
        edge = {} if verdict == "not assessed" else {"edgecolor": "none"}
        ax.scatter(part["expected_eur"], part["actual_eur"], s=12 if verdict == "within" else 22,
                   alpha=0.55 if verdict == "within" else 0.9, color=colour, **edge,
                   marker="x" if verdict == "not assessed" else "o",
                   label={"above": f"Above the {level}% range", "below": f"Below the {level}% range",
                          "within": "Within the range", "not assessed": "No position"}[verdict])
    values = np.concatenate([data["expected_eur"].to_numpy(float), data["actual_eur"].to_numpy(float)])
    low, high = np.nanmin(values), np.nanmax(values)
    ax.plot([low, high], [low, high], color="#777777", linewidth=0.8)
    for row in data[data["highlight"]].itertuples():
        ax.annotate(row.name, (row.expected_eur, row.actual_eur), fontsize=7.5, xytext=(4, 0),
                    textcoords="offset points", va="center", color=VERDICT_COLOURS[row.position])
    ax.set_xscale("log")
    ax.set_yscale("log")
    _euro_axis(ax.xaxis, values)
    _euro_axis(ax.yaxis, values)
    ax.legend(frameon=False, fontsize=8, loc="upper left")
    return figures.finish(fig, ax, title=f"Actual cost against the need benchmark, {year}",
                          xlabel="Need benchmark: expected EUR per inhabitant aged 0-17",
                          ylabel="Actual EUR per inhabitant aged 0-17")


def lasting_gap_forest(data: pd.DataFrame, *, window: str, material: int) -> Figure:
    """Each municipality's lasting gap to its need benchmark with its interval, top first.

    ``data``: ``name, lasting_gap_pct, lasting_lower_pct, lasting_upper_pct, verdict`` (% of the
    benchmark); ``material``: the material size, % (dashed lines).
    """
    fig, ax = figures.new_figure(figsize=(7.5, 0.3 * max(len(data), 3) + 1.8))
    y = np.arange(len(data))
    colours = [VERDICT_COLOURS[v] for v in data["verdict"]]
    ax.hlines(y, data["lasting_lower_pct"], data["lasting_upper_pct"], color=colours, linewidth=2.5, alpha=0.6,
              label="95% interval")
    ax.scatter(data["lasting_gap_pct"], y, s=28, color=colours, zorder=3, label="Lasting gap")
    ax.axvline(0, color="#555555", linewidth=0.8)
    for edge in (-material, material):
        ax.axvline(edge, color="#777777", linewidth=0.8, linestyle="--")
    ax.set_yticks(y)
    ax.set_yticklabels(data["name"], fontsize=8)
    ax.invert_yaxis()
    ax.legend(frameon=False, fontsize=8, loc="lower right")
    return figures.finish(fig, ax, title=f"Lasting gap to the need benchmark, {window}",
                          xlabel="Lasting gap, % of the need benchmark", ylabel="")


def verdict_agreement(data: pd.DataFrame) -> Figure:
    """How often two sets of verdicts agree: one pair of bars per comparison.

    ``data``: ``comparison, rule, same`` (% of municipalities with the same verdict in both) and
    ``kept`` (% of those above or below in the first that are the same in the second; empty when
    none is).
    """
    fig, ax = figures.new_figure(figsize=(8.0, 0.55 * len(data) + 1.8))
    y = np.arange(len(data))
    labels = [f"{c} ({r})" for c, r in zip(data["comparison"], data["rule"])]
    ax.barh(y - 0.2, data["same"], height=0.38, color=PALETTE[0], label="Same verdict, all municipalities")
    ax.barh(y + 0.2, data["kept"].fillna(0), height=0.38, color=PALETTE[1],
            label="Same verdict, of those above or below in the first")
    ax.set_yticks(y)
    ax.set_yticklabels(labels, fontsize=8)
    ax.invert_yaxis()
    ax.set_xlim(0, 100)
    ax.legend(frameon=False, fontsize=8, loc="lower left")
    return figures.finish(fig, ax, title="Agreement of verdicts between years, windows and fits",
                          xlabel="% of municipalities with a verdict in both", ylabel="")
