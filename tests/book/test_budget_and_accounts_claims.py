"""What the budget and validation chapters say about budgets, accounts and receipts: the kind of
budget each source holds is the catalogue's (``unknown`` where its metadata does not say), the
realised-vs-budget gap and the realised accounts against the model are the analysis layer's, and
the accounts check the book shows is net of receipts."""

from __future__ import annotations

import pytest

from jeugdzorg.analysis import budget
from jeugdzorg.analysis import validation as V
from jeugdzorg.book.precision import rounded
from jeugdzorg.paths import BOOK_DIR
from tests.helpers import glued_values, load_notebook


@pytest.fixture(scope="module")
def budget_glue() -> dict[str, str]:
    return glued_values(load_notebook(BOOK_DIR / "budget.ipynb"))


@pytest.fixture(scope="module")
def validation_glue() -> dict[str, str]:
    return glued_values(load_notebook(BOOK_DIR / "validation.ipynb"))


def test_each_source_states_its_budget_kind_and_unknown_is_said(budget_glue):
    for source, named in (("Iv3", "the Iv3 budgets"), ("83454NED", "the budgets in CBS table 83454NED")):
        kind = budget.budget_kind(source)
        assert f"{named}: {kind}" in budget_glue["bg_kinds"]
        assert (kind == "unknown") == (f"{named}: unknown (their metadata does not say)" in budget_glue["bg_kinds"])


def test_the_realised_gap_and_ratio_are_the_analysis_layers(tables, budget_glue):
    gap = budget.realised_vs_budget(tables)
    assert int(budget_glue["bg_rvb_year"]) == gap["year"]
    assert float(budget_glue["bg_rvb_pct"]) == rounded(gap["gap_pct"], "pct_0")
    realised = budget.accounts_vs_model(tables)
    usable = realised[realised["comparable"]]
    assert float(budget_glue["bg_acc_national_ratio"]) == rounded(usable["budget_eur"].sum() / usable["model_eur"].sum(),
                                                                   "ratio")
    assert int(budget_glue["bg_acc_model_year"]) == realised.attrs["model_year"]
    assert budget_glue["bg_acc_like"].strip("'").startswith("not like for like") != realised.attrs["like_for_like"]


def test_the_accounts_check_shown_is_net_of_receipts(tables, validation_glue):
    check = V.accounts_check(tables)
    both = check.compared
    assert float(validation_glue["acc_ratio"]) == rounded(both["accounts_keur"].sum() / both["cbs_adjusted_keur"].sum(),
                                                          "ratio")
    assert int(validation_glue["acc_flagged_n"]) == len(check.flagged)
    assert int(validation_glue["acc_gross_flagged_n"]) >= int(validation_glue["acc_gross_only_n"])
