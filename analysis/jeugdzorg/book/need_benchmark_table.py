"""The benchmark table of the maps chapter: every municipality's actual cost beside its need benchmark.

:func:`benchmark_rows` turns a :class:`jeugdzorg.analysis.need_benchmark.NeedBenchmark` and the validation
flags into the cells of the interactive table (rounded by kind, formatted, with a link to each
municipality's page) and the numbers behind it (the CSV download).  The words for verdicts are defined
here once and used by the municipality pages as well (:mod:`jeugdzorg.book.profile_pages`); the words
for flags are the flag records of :mod:`jeugdzorg.analysis.flags`.
"""

from __future__ import annotations

from html import escape

import pandas as pd

from ..analysis.flags import record
from ..analysis.need_benchmark import NeedBenchmark
from . import precision
from .aliases import COMMON_NAMES, aliases

MISSING = "–"
#: The verdicts of the need benchmark as the book writes them.
VERDICT_TEXT = {"above": "above the expected range", "below": "below the expected range",
                "within": "within the expected range", "not assessed": "not assessed"}
#: Short forms of the reasons :func:`jeugdzorg.analysis.need_benchmark.need_benchmark` gives for "not assessed".
REASON_SHORT = (("flagged", {"en": "flagged cost: not ranked", "nl": "signaal bij de kosten: geen oordeel"}),
                ("fewer than two years", {"en": "fewer than two usable years", "nl": "minder dan twee bruikbare jaren"}))
#: Kinds of the numbers of the table (:mod:`jeugdzorg.book.precision`).
KINDS = {"actual_eur": "eur", "expected_eur": "eur", "lower_90": "eur", "upper_90": "eur", "lower_95": "eur",
         "upper_95": "eur", "actual_vs_expected_pct": "pct_0", "lasting_gap_pct": "pct_0",
         "lasting_lower_pct": "pct_0", "lasting_upper_pct": "pct_0"}


def short_reason(reason: str, language: str = "en") -> str:
    """A reason for "not assessed" in a few words of ``language``."""
    for prefix, short in REASON_SHORT:
        if reason.startswith(prefix):
            return short[language]
    return reason


#: How the table marks a flag that keeps a municipality out of the ranking, per language.
NOT_RANKED = {"en": " (not ranked)", "nl": " (geen oordeel)"}


def flag_text(flags: list[str], ranking: set[str], language: str = "en") -> str:
    """The flags' labels (:mod:`jeugdzorg.analysis.flags`) in ``language``, ``'; '``-joined, a ranking
    flag marked ``(not ranked)``."""
    return "; ".join(record(f).label(language) + (NOT_RANKED[language] if f in ranking else "") for f in flags)


def benchmark_numbers(bench: NeedBenchmark) -> pd.DataFrame:
    """The numbers of the benchmark table, rounded by kind (:data:`KINDS`), by GM code: the one
    rounding that the chapter's table, its CSV and the Dutch table of the municipality pages' index
    show.  A municipality that is not assessed has no deviation: sorting by it is a ranking, which
    leaves flagged municipalities out (their actual cost and benchmark stay in the table, marked)."""
    numbers = precision.rounded_frame(bench.table[list(KINDS)], KINDS)
    numbers.loc[bench.table["verdict"] == "not assessed", ["actual_vs_expected_pct", "lasting_gap_pct"]] = float("nan")
    return numbers


def _number(value: float | int | None) -> str:
    return MISSING if value is None or pd.isna(value) else precision.fmt(value, ",.0f")


def benchmark_rows(bench: NeedBenchmark, register: pd.DataFrame, flags: pd.DataFrame,
                   page: str = "profiles/{code}.html") -> tuple[pd.DataFrame, pd.DataFrame]:
    """The cells of the benchmark table and the numbers behind them.

    Parameters
    ----------
    bench
        The need benchmark (one row per municipality of the boundary year).
    register
        The register of the boundary year (``gm_code``, ``province``, ``jz_region``).
    flags
        :func:`jeugdzorg.analysis.validation.municipality_flags`.
    page
        The link to a municipality's page, relative to the page that shows the table.

    Returns
    -------
    tuple of pandas.DataFrame
        The cells (text and HTML, alphabetical by name, the verdict first, ``Also known as`` for the
        search only) and
        the rounded numbers with the verdict, the reason and the flags (the CSV download).
    """
    table = bench.table.join(register.set_index("gm_code")[["province", "jz_region"]])
    numbers = benchmark_numbers(bench)
    assessed = table["verdict"] != "not assessed"
    by_code = flags.groupby("gm_code")["flag"].agg(lambda f: sorted(set(f)))
    ranking = set(flags.loc[flags["ranking"], "flag"])
    rows = []
    for code, row in table.iterrows():
        n = numbers.loc[code]
        name = str(row["name"])
        common = COMMON_NAMES.get(str(code), ())
        shown = f'<a href="{page.format(code=code)}">{escape(name)}</a>'
        if common:
            shown += f'<br><small>{escape(", ".join(common))}</small>'
        notes = flag_text(by_code.get(code, []), ranking)
        if not assessed[code] and not row["reason"].startswith("flagged"):
            notes = "; ".join(p for p in (notes, short_reason(str(row["reason"]))) if p)
        interval = {pct: (MISSING if pd.isna(n[f"lower_{pct}"]) or pd.isna(n[f"upper_{pct}"])
                          else f"{_number(n[f'lower_{pct}'])}\N{EN DASH}{_number(n[f'upper_{pct}'])}")
                    for pct in (90, 95)}
        gap, lasting = n["actual_vs_expected_pct"], n["lasting_gap_pct"]
        signed = lambda v: precision.fmt(v, "+.0f").replace("-", "\N{MINUS SIGN}")  # noqa: E731
        rows.append({
            "Municipality": shown, "Verdict (lasting gap)": VERDICT_TEXT[str(row["verdict"])],
            "Province": row["province"], "Youth-care region": row["jz_region"],
            "Actual (EUR)": _number(n["actual_eur"]), "Need benchmark (EUR)": _number(n["expected_eur"]),
            "90% interval (EUR)": interval[90], "95% interval (EUR)": interval[95],
            "Actual vs benchmark (%)": MISSING if pd.isna(gap) else signed(gap),
            "Lasting gap (%)": (MISSING if pd.isna(lasting) else
                                f"{signed(lasting)} ({signed(n['lasting_lower_pct'])} to {signed(n['lasting_upper_pct'])}; "
                                f"{row['gap_years']})"),
            "Flags and reasons": notes or "",
            "Also known as": ", ".join(aliases(str(code), name)),
        })
    cells = pd.DataFrame(rows, index=table.index)
    csv = pd.concat([table[["name", "province", "jz_region", "size_class"]], numbers,
                     table[["gap_years", "position", "verdict", "reason", "flags"]]], axis=1).rename_axis("gm_code").reset_index()
    csv.insert(5, "year", bench.year)
    return cells, csv
