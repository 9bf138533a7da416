"""How precisely each kind of quantity is stored in the book, and how it is written.

Every number that lands in a stored output -- a glued value, a table cell, the data behind a figure,
an HTML attribute -- passes through :func:`rounded` with the *kind* of quantity it is.  Linear
algebra agrees across CPUs (and BLAS kernels) only to rounding: stored outputs carry no more digits
than the quantity means, so a reviewer's machine reproduces them exactly and nbval can compare
them, while a tampered number still shows.

Kinds and their precision:

============== ==============================================================================
kind           stored as
============== ==============================================================================
count          whole number (persons, municipalities, rows)
year           whole number
eur            whole euros (per young inhabitant, per client, per household)
eur_10         tens of euros (cost per young person in care)
eur_keur       whole thousands of euros (EUR 1,000 columns)
eur_million    EUR million to one decimal
eur_million_0  whole EUR million
pct            percent to one decimal (a share, a growth rate, a difference in %)
pct_0          whole percent
pp             percentage points to one decimal
ratio          two decimals (budget/model, P90/P10, a ratio of two amounts)
ratio_1        one decimal
index          index number to one decimal
coef           four significant digits (regression coefficients, standard errors, bounds)
effect         one decimal (a coefficient expressed as % or EUR per unit)
r2             three decimals
r2_2           two decimals
corr           two decimals (correlation)
pvalue         three decimals
pvalue_2       two decimals (a p-value quoted in the text)
stat           two decimals (a test statistic)
log            four decimals (a value in log units)
driver         two decimals (need drivers in their own units)
rel            two significant digits (a relative difference such as 5e-16)
============== ==============================================================================
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from functools import partial

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class Precision:
    """Round to ``decimals`` places, or to ``significant`` digits; ``integer`` stores an int."""

    decimals: int | None = None
    significant: int | None = None
    integer: bool = False


KINDS: dict[str, Precision] = {
    "count": Precision(0, integer=True),
    "year": Precision(0, integer=True),
    "eur": Precision(0, integer=True),
    "eur_10": Precision(-1, integer=True),
    "eur_keur": Precision(0, integer=True),
    "eur_million": Precision(1),
    "eur_million_0": Precision(0, integer=True),
    "pct": Precision(1),
    "pct_0": Precision(0, integer=True),
    "pp": Precision(1),
    "ratio": Precision(2),
    "ratio_1": Precision(1),
    "index": Precision(1),
    "coef": Precision(significant=4),
    "effect": Precision(1),
    "r2": Precision(3),
    "r2_2": Precision(2),
    "corr": Precision(2),
    "pvalue": Precision(3),
    "pvalue_2": Precision(2),
    "stat": Precision(2),
    "log": Precision(4),
    "driver": Precision(2),
    "rel": Precision(significant=2),
}


#: Significant digits kept before a number is rounded for display.  Machine arithmetic differs
#: across CPUs (and BLAS kernels) in the last two or three of the 16 digits a double carries; a value
#: that sits exactly on a rounding boundary (9.375 to two decimals, which ratios of counts produce
#: often) would otherwise round differently on another machine.
STABLE_DIGITS = 12


def stable(value: float) -> float:
    """``value`` with the last digits of machine noise removed (12 significant digits)."""
    if value == 0 or not math.isfinite(value):
        return value
    return float(f"{value:.{STABLE_DIGITS}g}")


def fmt(value: float, spec: str) -> str:
    """``format(value, spec)`` of the stable value, so the text is the same on any machine."""
    return format(stable(float(value)), spec)


def upper_bound(value: float, floor: float = 1e-12) -> float:
    """The smallest power of ten at or above ``value`` (and at least ``floor``): how a difference
    that is machine noise is stored -- "below 1e-12" is the same on every CPU, 1.9e-15 is not."""
    if not math.isfinite(value):
        return value
    return max(floor, 10.0 ** math.ceil(math.log10(value))) if value > 0 else floor


def _round_significant(value: float, digits: int) -> float:
    if value == 0 or not math.isfinite(value):
        return value
    return round(value, digits - 1 - math.floor(math.log10(abs(value))))


def rounded(value, kind: str):
    """``value`` rounded as its kind prescribes: a float, an int, or NaN/None passed through.

    Works on scalars, NumPy arrays and pandas Series (element-wise).  ``-0.0`` becomes ``0.0``, so
    a sign that the rounded number does not have never shows.
    """
    precision = KINDS[kind]
    if isinstance(value, pd.Series):
        return value.map(lambda v: rounded(v, kind))
    if isinstance(value, np.ndarray):
        return np.vectorize(lambda v: rounded(v, kind), otypes=[object])(value)
    if value is None or isinstance(value, (str, bool)):
        return value
    number = stable(float(value))
    if not math.isfinite(number):
        return number
    if precision.significant is not None:
        out = _round_significant(number, precision.significant)
    else:
        out = round(number, precision.decimals)
    if precision.integer:
        return int(out)
    return out + 0.0


def rounded_frame(frame: pd.DataFrame, kinds: Mapping[str, str]) -> pd.DataFrame:
    """``frame`` with each column of ``kinds`` rounded to its kind (other columns unchanged)."""
    out = frame.copy()
    for column, kind in kinds.items():
        if column in out.columns:
            out[column] = out[column].map(partial(rounded, kind=kind))
    return out


def dutch_number(value: float, decimals: int = 0, *, sign: bool = False) -> str:
    """A number in Dutch notation: ``380.100``, ``17,3``, ``+6,0`` (thousands dot, decimal comma)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    text = format(value, f"{'+' if sign else ''},.{decimals}f")
    return text.replace(",", "\0").replace(".", ",").replace("\0", ".")
