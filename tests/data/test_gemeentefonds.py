"""The municipal fund's youth-care model reproduces the published cluster amounts (real BZK files)."""

from __future__ import annotations

import pandas as pd
import pytest

from jeugdzorg.data import gemeentefonds as gf
from jeugdzorg.data.rawtext import parse_numbers
from jeugdzorg.data.snapshot import municipality_names
from jeugdzorg.errors import InputDataError

#: Circulars whose published cluster amounts add the special payments (SIUDU) to the model amount.
#: S2024 for 2024 is the only one: its clusterbedragen file also carries the herindeling and
#: suppletie payments in "Overig", and every cluster with a weighted payment (youth: jeugdhulp aan
#: kinderen in een AZC) matches model + SIUDU to the cent there, and the model alone elsewhere
#: (``test_siudu_is_included_exactly_where_listed``, ``test_s2024_2024_adds_siudu_to_other_clusters``).
PUBLISHED_WITH_SIUDU = {("S2024", 2024)}
TOLERANCE = 0.01
README_WEIGHTS_M2024_2025 = {"jong": 302.24, "lidr_w_nw": 2570.78, "cf.regionaal": 45.13, "oadw": -25.93}


def _files(circular: str, year: int) -> dict[str, str]:
    stem = f"{gf.CLUSTERDATA_DIR}/GF_{circular}_{year}"
    return {"volumes": f"{stem}_Volumina.csv", "weights": f"{stem}_Gewichten.csv",
            "siudu": f"{stem}_SIUDU.csv", "published": f"{gf.CLUSTERBEDRAGEN_DIR}/GF_{circular}_{year}.csv"}


@pytest.fixture(scope="module")
def names(raw_dir):
    return municipality_names(raw_dir)


@pytest.fixture(scope="module")
def circulars(raw_dir, names) -> dict[tuple[str, int], dict[str, pd.DataFrame]]:
    """Every available circular, read once: inputs, model (with SIUDU column) and published amounts."""
    factors = gf.read_uitkeringsfactor(raw_dir / gf.FACTOR_FILE, gf.FACTOR_FILE)
    out = {}
    for circular, year in gf.available_circulars(raw_dir):
        f = _files(circular, year)
        parts = {
            "volumes": gf.read_volumes(raw_dir / f["volumes"], f["volumes"], names),
            "weights": gf.read_weights(raw_dir / f["weights"], f["weights"]),
            "siudu": gf.read_siudu(raw_dir / f["siudu"], f["siudu"], names),
            "published": gf.read_cluster_amounts(raw_dir / f["published"], f["published"], names),
        }
        parts["factor"] = gf.factor_for(factors, circular, year)
        parts["computed"] = gf.youth_cluster_amount(parts["volumes"], parts["weights"], parts["factor"],
                                                    siudu=parts["siudu"])
        out[(circular, year)] = parts
    return out


def test_circulars_are_discovered_from_file_names(raw_dir, circulars):
    found = gf.available_circulars(raw_dir)
    assert ("M2024", 2025) in found and len(found) >= 6
    # publication order: May before September of the same year
    assert found.index(("M2024", 2024)) < found.index(("S2024", 2024))
    assert found.index(("S2023", 2024)) < found.index(("M2024", 2024))


def test_model_matches_published_amount_for_every_municipality(circulars, names):
    report, failures = [], []
    for (circular, year), parts in circulars.items():
        compared = gf.compare_with_published(parts["computed"], parts["published"],
                                             include_siudu=(circular, year) in PUBLISHED_WITH_SIUDU)
        assert len(compared) == len(names.known_codes(year))
        assert compared[["computed_eur", "published_eur"]].notna().all().all(), (circular, year)
        worst = compared["relative_difference"].abs().max()
        report.append(f"{circular}/{year}: max |rel. diff| {worst:.1e}")
        off = compared[compared["relative_difference"].abs() > TOLERANCE]
        failures += [f"{circular}/{year} {r.gm_code}: {r.relative_difference:+.2%}" for r in off.itertuples()]
    print("\n".join(report))
    assert not failures, failures


def test_siudu_is_included_exactly_where_listed(circulars):
    """Exactly one reading of each file reproduces it to rounding: model alone, or model + SIUDU."""
    with_siudu = set()
    for key, parts in circulars.items():
        fits = {}
        for include in (False, True):
            compared = gf.compare_with_published(parts["computed"], parts["published"], include_siudu=include)
            fits[include] = compared["relative_difference"].abs().max() < 1e-9
        assert fits[False] != fits[True], f"{key}: fits without/with SIUDU = {fits}"
        if fits[True]:
            with_siudu.add(key)
    assert with_siudu == PUBLISHED_WITH_SIUDU & set(circulars)


def test_s2024_2024_adds_siudu_to_other_clusters(circulars):
    """Evidence that including SIUDU is a property of the S2024/2024 file, not of the youth formula."""
    for key, include in ((("S2024", 2024), True), (("M2024", 2024), False)):
        parts = circulars[key]
        computed = gf.youth_cluster_amount(parts["volumes"], parts["weights"], parts["factor"],
                                           cluster="Onderwijs", siudu=parts["siudu"])
        assert computed["siudu_eur"].sum() > 0  # voorschoolse voorziening peuters
        compared = gf.compare_with_published(computed, parts["published"], include_siudu=include)
        assert compared["relative_difference"].abs().max() < 1e-9, key


def test_m2024_2025_weights_are_the_ones_the_readme_quotes(circulars):
    weights = circulars[("M2024", 2025)]["weights"]
    youth = weights[(weights["cluster"] == gf.YOUTH_CLUSTER) & (weights["weight"] != 0)]
    criteria = youth[youth["kind"] == "criterion"]
    assert dict(zip(criteria["criterion"], criteria["weight"])) == README_WEIGHTS_M2024_2025
    # no fixed amount per municipality in this cluster; the AZC payment is a SIUDU item, weight 1
    fixed = weights[(weights["criterion"] == "vast") & (weights["cluster"] == gf.YOUTH_CLUSTER)]
    assert fixed["weight"].item() == 0
    assert youth.loc[youth["kind"] == "siudu", "criterion_name"].tolist() == [
        "jeugdhulp aan kinderen in een AZC"]


def test_model_is_factor_times_weighted_volumes(circulars):
    parts = circulars[("M2024", 2025)]
    computed = parts["computed"].set_index("gm_code")
    contributions = computed.filter(like="contribution_")
    assert sorted(contributions.columns) == sorted(f"contribution_{c}" for c in README_WEIGHTS_M2024_2025)
    pd.testing.assert_series_equal(contributions.sum(axis=1), computed["computed_eur"], check_names=False)
    volumes = parts["volumes"].query("gm_code == 'GM0014'").set_index("criterion")["volume"]
    by_hand = parts["factor"] * sum(volumes[c] * w for c, w in README_WEIGHTS_M2024_2025.items())
    assert parts["factor"] == 1.457
    assert computed.at["GM0014", "computed_eur"] == pytest.approx(by_hand, rel=1e-12)
    published = parts["published"]
    published = published[(published["gm_code"] == "GM0014") & (published["cluster"] == gf.YOUTH_CLUSTER)]
    assert published["published_eur"].item() == pytest.approx(by_hand, rel=1e-9)


def test_fund_names_resolve_through_the_alias_file(circulars, names):
    """``Beek`` (fund spelling) is ``Beek (L.)`` in the 2025 register: it resolves via gemeentenamen.csv."""
    published = circulars[("M2024", 2025)]["published"]
    assert set(published["gm_code"]) == names.known_codes(2025)
    assert "GM0888" in set(published["gm_code"])


@pytest.mark.parametrize("cell", ["1.5", "", "n.v.t.", "-"])
def test_ambiguous_or_missing_number_names_file_column_and_row(cell):
    with pytest.raises(InputDataError) as err:
        parse_numbers(pd.Series(["1", cell], index=[2, 3]), "f.csv", "jong", notation="dutch", missing=None)
    assert (err.value.file, err.value.column, err.value.row) == ("f.csv", "jong", 3)


def test_dash_is_zero_only_where_allowed():
    values = parse_numbers(pd.Series(["-", "7.062"], index=[2, 3]), "f.csv", "c", notation="dutch",
                           missing=None, dash_is_zero=True)
    assert values.tolist() == [0.0, 7062.0]


def test_unknown_municipality_in_published_amounts_names_file_column_and_row(raw_dir, names, tmp_path):
    name = _files("M2024", 2025)["published"]
    copy = tmp_path / "GF_M2024_2025.csv"
    lines = (raw_dir / name).read_text(encoding="utf-8").splitlines(keepends=True)
    lines[3] = lines[3].replace(";Het Hogeland;", ";Atlantis;")
    copy.write_text("".join(lines), encoding="utf-8")
    with pytest.raises(InputDataError, match="Atlantis") as err:
        gf.read_cluster_amounts(copy, name, names)
    assert (err.value.file, err.value.column, err.value.row) == (name, "Gemeenten", 4)


def test_cbs_number_must_agree_with_the_name(raw_dir, names, tmp_path):
    name = _files("M2024", 2025)["volumes"]
    copy = tmp_path / "GF_M2024_2025_Volumina.csv"
    lines = (raw_dir / name).read_text(encoding="utf-8").splitlines(keepends=True)
    assert lines[2].startswith("14\tGroningen\t")
    lines[2] = "15" + lines[2][2:]
    copy.write_text("".join(lines), encoding="utf-8")
    with pytest.raises(InputDataError) as err:
        gf.read_volumes(copy, name, names)
    assert (err.value.file, err.value.column, err.value.row) == (name, "CBS", 3)


def test_missing_uitkeringsfactor_is_an_input_error(raw_dir):
    factors = gf.read_uitkeringsfactor(raw_dir / gf.FACTOR_FILE, gf.FACTOR_FILE)
    with pytest.raises(InputDataError, match="S2030"):
        gf.factor_for(factors, "S2030", 2031)


def test_repeated_cbs_column_is_tolerated_only_when_identical(raw_dir, names, tmp_path):
    """S2023/2024 SIUDU repeats its CBS column; a repeat with other values must not be guessed away."""
    name = _files("S2023", 2024)["siudu"]
    siudu = gf.read_siudu(raw_dir / name, name, names)
    assert siudu["gm_code"].nunique() == len(names.known_codes(2024))
    copy = tmp_path / "GF_S2023_2024_SIUDU.csv"
    lines = (raw_dir / name).read_text(encoding="utf-8").splitlines(keepends=True)
    cells = lines[1].split("\t")
    assert cells[6] == cells[0] == "1979"
    cells[6] = "9999"
    lines[1] = "\t".join(cells)
    copy.write_text("".join(lines), encoding="utf-8")
    with pytest.raises(InputDataError, match="twice") as err:
        gf.read_siudu(copy, name, names)
    assert err.value.column == "CBS"
