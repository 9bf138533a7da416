"""Municipality names: what a user types resolves to a current municipality, or to a helpful error."""

from __future__ import annotations

import math

import pytest

from jeugdzorg.data.names import MergedMunicipalityError, UnknownMunicipalityError, resolve_query


def resolve(tables, query, with_mergers=True):
    return resolve_query(query, tables["register"], tables["mergers"] if with_mergers else None)


@pytest.mark.parametrize("query", ["GM0363", "gm0363", "0363", "363", " GM0363 ", "Gm 363"])
def test_code_variants(tables, query):
    assert resolve(tables, query) == ("GM0363", "Amsterdam")


@pytest.mark.parametrize("query, expected", [
    ("Amsterdam", ("GM0363", "Amsterdam")),
    ("  aMSTERDAM ", ("GM0363", "Amsterdam")),
    ("'s-Gravenhage", ("GM0518", "'s-Gravenhage")),
    ("\u2019s-gravenhage", ("GM0518", "'s-Gravenhage")),
    ("Utrecht", ("GM0344", "Utrecht")),
    ("Utrecht (gemeente)", ("GM0344", "Utrecht")),
    ("Groningen (gemeente)", ("GM0014", "Groningen")),
    ("Hengelo", ("GM0164", "Hengelo (O.)")),
    ("Sudwest-Fryslan", ("GM1900", "Súdwest-Fryslân")),
])
def test_names_and_labels(tables, query, expected):
    assert resolve(tables, query) == expected


@pytest.mark.parametrize("query", ["Weesp", "GM0457", "457"])
def test_merged_municipality_names_its_successor(tables, query):
    with pytest.raises(MergedMunicipalityError) as info:
        resolve(tables, query)
    assert "Amsterdam" in str(info.value) and "GM0363" in str(info.value)
    assert [code for code, _, _ in info.value.successors] == ["GM0363"]
    assert isinstance(info.value, UnknownMunicipalityError) and isinstance(info.value, ValueError)


def test_split_municipality_names_every_successor(tables):
    with pytest.raises(MergedMunicipalityError) as info:
        resolve(tables, "Haaren")
    names = {name for _, name, _ in info.value.successors}
    assert names == {"Boxtel", "Oisterwijk", "Tilburg", "Vught"}
    assert math.isclose(sum(share for _, _, share in info.value.successors), 1.0, abs_tol=1e-6)


def test_former_municipality_without_mergers_table_still_fails_helpfully(tables):
    with pytest.raises(UnknownMunicipalityError, match="Weesp"):
        resolve(tables, "Weesp", with_mergers=False)


def test_unknown_name_suggests_close_matches(tables):
    with pytest.raises(UnknownMunicipalityError) as info:
        resolve(tables, "Amsterdm")
    assert not isinstance(info.value, MergedMunicipalityError)
    assert "Amsterdam" in info.value.suggestions and len(info.value.suggestions) <= 5
    assert "Amsterdam" in str(info.value)


@pytest.mark.parametrize("query", ["", "   ", "GM9999", "Atlantis", "Bergen"])
def test_unknown_empty_or_ambiguous(tables, query):
    with pytest.raises(UnknownMunicipalityError):
        resolve(tables, query)
