"""Tables and sentences that present fitted models: the comparison table and the Mundlak verdict."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import pandas as pd
from linearmodels.panel import compare

from ..analysis.models import HausmanResult, ModelFit, MundlakResult
from .precision import fmt

STAR_LEVELS: tuple[tuple[float, str], ...] = ((0.01, "***"), (0.05, "**"), (0.10, "*"))

TABLE_STATISTICS: tuple[str, ...] = ("N", "Entities", "Time periods", "Clusters", "R² within",
                                     "R² between", "R² overall", "Entity effects", "Time effects")


def _number(value: float, digits: int) -> str:
    if value is None or not math.isfinite(value):
        return "–"
    text = fmt(value, f".{digits}f")
    # "-0.000" would suggest a sign that the rounded number does not have.
    return text[1:] if text.startswith("-") and float(text) == 0 else text


def _stars(pvalue: float) -> str:
    return next((stars for level, stars in STAR_LEVELS if pvalue < level), "")


def comparison_table(fits: Mapping[str, ModelFit], drivers: Sequence[str], *,
                     digits: int = 3) -> pd.DataFrame:
    """The models side by side, as strings ready to print.

    Rows, in this order: for each driver its coefficient with stars (``*`` p < 0.10, ``**`` p < 0.05,
    ``***`` p < 0.01) and, in the row ``"<driver> (s.e.)"``, its standard error in parentheses; then
    ``N`` (observations the estimator used), ``Entities``, ``Time periods`` (observations per entity,
    ``"min-max"`` if they differ), ``Clusters``, ``R² within``, ``R² between``, ``R² overall``,
    ``Entity effects`` and ``Time effects`` (``Yes``/``No``; year dummies count as time effects,
    differencing as entity effects).  Estimates, standard errors and p-values come from
    :func:`linearmodels.panel.compare`.

    A driver that a model dropped reads ``absorbed``; ``–`` marks a statistic that is not
    available or not applicable.  The output depends only on the estimates, so equal inputs give
    equal tables.

    Returns
    -------
    pandas.DataFrame
        One column per model (in the order of ``fits``), all cells ``str``.
    """
    compared = compare({name: fit.result for name, fit in fits.items()}, precision="std_errors")
    params, errors, pvalues = compared.params, compared.std_errors, compared.pvalues
    rows = [label for d in drivers for label in (d, f"{d} (s.e.)")] + list(TABLE_STATISTICS)
    cells: dict[str, dict[str, str]] = {}
    for name, fit in fits.items():
        column = dict.fromkeys(rows, "")
        for driver in drivers:
            if driver in fit.params.index:
                column[driver] = (_number(params.at[driver, name], digits)
                                  + _stars(float(pvalues.at[driver, name])))
                column[f"{driver} (s.e.)"] = f"({_number(errors.at[driver, name], digits)})"
            elif driver in fit.absorbed:
                column[driver] = "absorbed"
        low, high = fit.periods_per_entity
        column.update({
            "N": str(fit.nobs),
            "Entities": str(fit.entities),
            "Time periods": str(low) if low == high else f"{low}-{high}",
            "Clusters": "–" if fit.n_clusters is None else str(fit.n_clusters),
            "R² within": _number(fit.r2_within, digits),
            "R² between": _number(fit.r2_between, digits),
            "R² overall": _number(fit.r2_overall, digits),
            "Entity effects": "Yes" if fit.entity_effects else "No",
            "Time effects": "Yes" if fit.time_effects else "No",
        })
        cells[name] = column
    return pd.DataFrame(cells, index=pd.Index(rows), columns=list(fits), dtype=object)


def stars(pvalue: float) -> str:
    """Significance stars: ``***`` p < 0.01, ``**`` p < 0.05, ``*`` p < 0.10."""
    return _stars(pvalue)


def _format_p(pvalue: float) -> str:
    return "p<0.001" if pvalue < 0.001 else f"p={fmt(pvalue, '.3f')}"


def mundlak_sentence(test: MundlakResult) -> str:
    """The verdict of the Mundlak test in one sentence, with its statistic, df and p-value."""
    numbers = f"chi2={fmt(test.statistic, '.2f')}, df={test.df}, {_format_p(test.pvalue)}"
    level = f"{100 * test.alpha:g}%"
    if test.rejects:
        return f"Reject RE in favour of FE at {level}: entity means are jointly significant ({numbers})."
    return f"Do not reject RE at {level}: entity means are not jointly significant ({numbers})."


def _listed(items: Sequence[str]) -> str:
    items = list(items)
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def model_years_sentence(incomplete: Mapping[int, Sequence[str]], first: int, last: int, last_cost_year: int,
                         labels: Mapping[str, str], carried: bool) -> str:
    """Which years the models cover and, where the newest cost years are left out, why."""
    later = {year: names for year, names in sorted(incomplete.items()) if year > last}
    if not later:
        if carried:
            return (f"Realised costs and drivers both run to {last_cost_year}; drivers missing from a "
                    "gemeentefonds edition are carried forward from the latest edition that has them.")
        return f"Realised costs and drivers are both available for every year from {first} to {last}."
    years = _listed([str(y) for y in later])
    missing = sorted({labels[name].lower() for names in later.values() for name in names})
    return (f"Realised costs run to {last_cost_year}, but the models stop at {last}: the gemeentefonds "
            f"criteria of {years} lack {_listed(missing)} for more than one municipality in ten. "
            "The descriptive chapters still show the newest costs; the parameter carry_drivers_forward "
            "makes the models carry the latest available drivers forward instead.")


def hausman_sentence(test: HausmanResult) -> str:
    """The classical Hausman test in one sentence, with its statistic, df and p-value."""
    if not test.valid:
        return f"The classical Hausman statistic is not valid here: {test.message}"
    numbers = f"chi2={fmt(test.statistic, '.2f')}, df={test.df}, {_format_p(test.pvalue)}"
    level = f"{100 * test.alpha:g}%"
    verdict = "rejects" if test.rejects else "does not reject"
    return f"The classical Hausman test {verdict} random effects at {level} ({numbers})."


def control_rows(fits: Mapping[str, ModelFit], controls: Mapping[str, Sequence[str]],
                 labels: Mapping[str, str]) -> pd.DataFrame:
    """Rows "<label>: Yes/No" saying which model carries which kind of control.

    ``labels`` maps a control column -- or a prefix ending in ``_`` (e.g. ``region_``) -- to the
    row label; a model carries it when one of its coefficients is that column or starts with it.
    """
    rows = {}
    for key, label in labels.items():
        rows[label] = ["Yes" if any(p == key or (key.endswith("_") and str(p).startswith(key))
                                    for p in fit.params.index if p in set(controls.get(name, ())))
                       else "No" for name, fit in fits.items()]
    return pd.DataFrame(rows, index=list(fits)).T


def format_p(pvalue: float) -> str:
    """A p-value as text: ``p<0.001`` or ``p=0.012``."""
    return _format_p(pvalue)
