"""The flag records: one per flag, both languages, words that say "possibly" and never a cause."""

from __future__ import annotations

import re

import pytest

from jeugdzorg.analysis import flags, validation


def test_every_flag_the_rules_give_has_a_record(tables):
    found = set(validation.municipality_flags(tables)["flag"])
    assert found and found <= set(flags.FLAGS)


def test_the_flags_table_says_what_the_record_says(tables):
    table = validation.municipality_flags(tables)
    for flag, ranking in zip(table["flag"], table["ranking"]):
        assert ranking == flags.record(flag).keeps_out_of_rankings


@pytest.mark.parametrize("name", list(flags.FLAGS))
def test_a_record_fills_both_languages_from_the_same_fields(name):
    rec = flags.record(name)
    values = {field: f"<{field}>" for field in rec.fields}
    for language in flags.LANGUAGES:
        text = rec.detail(language, **values)
        assert all(f"<{field}>" in text for field in rec.fields)
        assert "{" not in text and rec.label(language) and rec.rule(language)
    if rec.fields:
        with pytest.raises(KeyError, match=rec.fields[0]):
            rec.detail("en", **{f: "x" for f in rec.fields[1:]})


@pytest.mark.parametrize("name", list(flags.FLAGS))
def test_a_record_says_possibly_and_never_asserts_a_cause(name):
    rec = flags.record(name)
    english = " ".join((rec.en.label, rec.en.rule, rec.en.detail)).lower()
    dutch = " ".join((rec.nl.label, rec.nl.rule, rec.nl.detail)).lower()
    assert "possibly" in english and "mogelijk" in dutch
    for claim in ("is bookkeeping", "not less care", "no less care", "boekhoudkundige verschuiving", "geen minder zorg"):
        assert claim not in english and claim not in dutch


def test_the_residence_records_describe_the_law_as_it_is():
    for name in flags.RESIDENCE_FLAGS:
        rec = flags.record(name)
        assert "registered just before a stay with residence" in rec.en.detail
        assert "parent with custody" in rec.en.detail and "guardianship" in rec.en.detail
        assert "ingeschreven" in rec.nl.detail and "ouder met gezag" in rec.nl.detail
        assert not re.search(r"where the parents live", rec.en.detail)


def test_an_unknown_flag_or_language_is_named():
    with pytest.raises(KeyError, match="no_such_flag"):
        flags.record("no_such_flag")
    with pytest.raises(ValueError, match="'de'"):
        flags.record("no_accounts").label("de")
