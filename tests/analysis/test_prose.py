"""The summaries say what the chapters compute: no number in their prose is typed, and the Dutch
Samenvatting pastes the same findings as the English conclusions."""

from __future__ import annotations

import re

import pytest

from jeugdzorg.paths import BOOK_DIR

SUMMARIES = ("conclusions.md", "samenvatting.md", "intro.md")
#: Glued values, roles and directives, citations, cross-references and link targets: not typed numbers.
MARKUP = re.compile(r"\{[a-z:]+\}`[^`]*`|`[^`]*`|\]\([^)]*\)|^\(.*\)=$|^---$|^lang: .*$|https?://\S+", re.M)
#: What may stay: years (1990-2039), a date's day ("1 January"), ordinals of percentiles and words
#: such as "0-17" that name the age group the whole book is about.
ALLOWED = re.compile(r"\b(19[9]\d|20[0-3]\d)\b|\b1 (January|januari)\b|\b(90|10)(th|e)\b|"
                     r"\b0[-\u2013]17\b|\b0 tot en met 17\b|"
                     # names of sources (CBS tables, the Iv3 accounts), the licence, numbered headings,
                     # and units of a coefficient ("per 100 households", "per EUR 1,000"):
                     r"\b\d{5}NED\b|\bIv3\b|CC BY 4\.0|^#+ \d+\.|^\d+\. |\bper 100\b|EUR 1,000\b", re.M)


def _prose(name: str) -> str:
    return MARKUP.sub(" ", (BOOK_DIR / name).read_text(encoding="utf-8"))


@pytest.mark.parametrize("name", SUMMARIES)
def test_no_number_in_the_prose_is_typed(name):
    text = ALLOWED.sub(" ", _prose(name))
    typed = re.findall(r"[^\s]*\d[^\s]*", text)
    assert not typed, f"{name} types numbers: {typed}"


def _keys(name: str) -> set[str]:
    text = (BOOK_DIR / name).read_text(encoding="utf-8")
    # The Dutch text pastes the Dutch phrasing of a key (``<key>_nl``): the same finding.
    return {re.sub(r"_nl$", "", k) for k in re.findall(r"\{glue:text\}`([a-z_]+\.ipynb::[a-z0-9_]+)", text)}


def test_the_samenvatting_pastes_what_the_conclusions_paste():
    english, dutch = _keys("conclusions.md"), _keys("samenvatting.md")
    assert dutch <= english, f"the Samenvatting says what the conclusions do not: {sorted(dutch - english)}"
    # The headline findings are in both: verdicts, their chance count, the growth split, budget, flags.
    headline = {"panel_models.ipynb::pm_bm_above", "panel_models.ipynb::pm_bm_below",
                "panel_models.ipynb::pm_bm_within", "panel_models.ipynb::pm_bm_not_assessed",
                "panel_models.ipynb::pm_vd_chance", "panel_models.ipynb::pm_vd_material",
                "panel_models.ipynb::pm_pos_outside", "robustness.ipynb::rb_vd_rho0",
                "trends.ipynb::tr_split_verdict", "trends.ipynb::tr_client_growth_corrected",
                "trends.ipynb::tr_cpc_growth_corrected", "budget.ipynb::bg_national_ratio",
                "data_coverage.ipynb::rr_hosts_n", "data_coverage.ipynb::rr_gain_n",
                "validation.ipynb::acc_flagged_n"}
    assert headline <= english and headline <= dutch, sorted(headline - (english & dutch))


@pytest.mark.parametrize("word", ["Shapley-decompositie", "Mundlak-toets", "verklaarde variantie", "log points",
                                  "logpunten", "Hausman"])
def test_the_samenvatting_is_plain_dutch(word):
    assert word.lower() not in (BOOK_DIR / "samenvatting.md").read_text(encoding="utf-8").lower()
