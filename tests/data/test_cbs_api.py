"""The live CBS loader, offline: recorded OData responses stand in for the network."""

from __future__ import annotations

import datetime
import io
import json
import urllib.error
import urllib.request
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from jeugdzorg.data import cbs_api
from jeugdzorg.data.cbs_api import (
    V3_BASE,
    V4_BASE,
    CbsApiError,
    UrlFetcher,
    fetch_tables,
    fetch_v3_table,
    fetch_v4_table,
    v4_observations_url,
    write_export,
)
from jeugdzorg.data.periods import annual_rows, parse_period
from jeugdzorg.data.raw_provenance import PROVENANCE_FILE, check_provenance, read_provenance
from jeugdzorg.fingerprint import sha256_file
from jeugdzorg.data.rawtext import parse_numbers, read_table

#: Real CBS responses, recorded (with their provenance) in the repository.
FIXTURES = Path(__file__).parent / "fixtures" / "cbs-api"

V3_TABLE = "80137ned"
V3_DIMS = ["Persoonskenmerken", "BedrijfstakkenSBI93", "Perioden"]
V3_MEASURES = ["Totaal_1", "Werknemers_2", "Zelfstandigen_3", "Totaal_4", "Werknemers_5",
               "Zelfstandigen_6", "Totaal_7", "Werknemers_8", "Zelfstandigen_9", "Totaal_10",
               "PerArbeidsjaar_11", "PerGewerktUur_12"]
PAGED_TABLE = "83599NED"
PAGE2_URL = f"https://opendata.cbs.nl/ODataFeed/OData/{PAGED_TABLE}/UntypedDataSet/?$format=json&$skip=10000"
V4_TABLE = "03759ned"


@cache
def load(relative: str) -> dict[str, Any]:
    """A recorded response (cached: the fetch functions must not mutate what they get)."""
    return json.loads((FIXTURES / relative).read_text(encoding="utf-8"))


class FakeFetch:
    """``fetch(url)`` backed by a URL -> response mapping; an unknown URL behaves like a 404."""

    def __init__(self, responses: dict[str, dict[str, Any] | Callable[[], dict[str, Any]]]) -> None:
        self.responses = responses
        self.calls: list[str] = []

    def __call__(self, url: str) -> dict[str, Any]:
        self.calls.append(url)
        if url not in self.responses:
            raise CbsApiError(f"CBS request failed: {url}: HTTP 404 Not Found")
        response = self.responses[url]
        return response() if callable(response) else response


def v3_urls(table: str, entities: dict[str, Any]) -> dict[str, Any]:
    return {f"{V3_BASE}/{table}/{name}?$format=json": body for name, body in entities.items()}


def v3_full_table() -> dict[str, Any]:
    """URL -> response for the complete 80137ned recording."""
    names = ["DataProperties", "Persoonskenmerken", "BedrijfstakkenSBI93", "TypedDataSet"]
    return v3_urls(V3_TABLE, {n: (lambda n=n: load(f"v3-80137ned/{n}.json")) for n in names})


def v3_paged_table(page2: Callable[[], dict[str, Any]] | None = None,
                   dataset: str = "UntypedDataSet") -> dict[str, Any]:
    """URL -> response for 83599NED, its first page served as ``dataset``.

    The recording holds only the two UntypedDataSet pages, so DataProperties and the code lists
    are made up here from the codes that occur in the pages.  ``fetch_tables`` asks for the
    TypedDataSet; the untyped page serves for it too (same structure, strings for numbers).
    """
    page1 = lambda: load("v3-83599ned-paged/UntypedDataSet-page1.json")  # noqa: E731
    page2 = page2 or (lambda: load("v3-83599ned-paged/UntypedDataSet-page2.json"))
    props = {"value": [
        {"Type": "Dimension", "Key": "BedrijfstakkenBranchesSBI2008"},
        {"Type": "GeoDimension", "Key": "RegioS"},
        {"Type": "TimeDimension", "Key": "Perioden"},
        {"Type": "TopicGroup", "Key": ""},
        {"Type": "Topic", "Key": "OpenstaandeVacatures_1", "Datatype": "Double"},
    ]}

    def codes(dim: str) -> Callable[[], dict[str, Any]]:
        def build() -> dict[str, Any]:
            rows = page1()["value"] + load("v3-83599ned-paged/UntypedDataSet-page2.json")["value"]
            keys = sorted({r[dim] for r in rows})
            return {"value": [{"Key": k, "Title": f" {dim} {k.strip()} "} for k in keys]}
        return build

    urls = v3_urls(PAGED_TABLE, {
        "DataProperties": props,
        "BedrijfstakkenBranchesSBI2008": codes("BedrijfstakkenBranchesSBI2008"),
        "RegioS": codes("RegioS"),
        dataset: page1,
    })
    urls[PAGE2_URL] = page2
    return urls


def v4_table(split: bool = False) -> dict[str, Any]:
    """URL -> response for the 03759ned recording; ``split`` cuts the observations in two pages."""
    root = f"{V4_BASE}/{V4_TABLE}"
    urls: dict[str, Any] = {
        f"{root}/Dimensions": lambda: load("v4-03759ned/dimensions.json"),
        f"{root}/MeasureCodes": lambda: load("v4-03759ned/measure-codes.json"),
    }
    for dim in ["BurgerlijkeStaat", "Geslacht", "Leeftijd", "RegioS"]:
        urls[f"{root}/{dim}Codes"] = lambda dim=dim: load(f"v4-03759ned/codes-{dim}.json")
    observations = load("v4-03759ned/observations-page-1.json")
    if not split:
        urls[f"{root}/Observations"] = observations
        return urls
    rows = observations["value"]
    half = len(rows) // 2 + 1  # odd cut: one region's two measures land on different pages
    urls[f"{root}/Observations"] = {"value": rows[:half],
                                    "@odata.nextLink": f"{root}/Observations?$skip={half}"}
    urls[f"{root}/Observations?$skip={half}"] = {"value": rows[half:]}
    return urls


# ---------------------------------------------------------------------------------------------
# v3
# ---------------------------------------------------------------------------------------------

def test_v3_full_table_has_labels_codes_and_all_rows():
    fetch = FakeFetch(v3_full_table())
    frame = fetch_v3_table(V3_TABLE, fetch)
    typed = load("v3-80137ned/TypedDataSet.json")["value"]
    assert list(frame.columns) == ["ID", *V3_DIMS, *V3_MEASURES]
    assert len(frame) == len(typed) == 675
    assert frame["ID"].tolist() == list(range(675))
    # Codes became labels (the code '1 ' has a trailing blank), except the period codes.
    assert set(frame["Persoonskenmerken"]) >= {"Totaal", "Mannen", "Vrouwen"}
    assert "Totaal economische activiteiten" in set(frame["BedrijfstakkenSBI93"])
    assert sorted(set(frame["Perioden"])) == [f"{y}JJ00" for y in range(2001, 2006)]
    first = frame.iloc[0]
    assert (first["Persoonskenmerken"], first["BedrijfstakkenSBI93"]) == (
        "Totaal", "Totaal economische activiteiten")
    assert first["Totaal_1"] == typed[0]["Totaal_1"] == 8811.0
    assert all(frame[m].dtype == "float64" for m in V3_MEASURES)
    # No request for the Perioden code list: the time dimension keeps its codes.
    assert not any(url.startswith(f"{V3_BASE}/{V3_TABLE}/Perioden") for url in fetch.calls)


def test_v3_paging_follows_next_link_and_keeps_suppressed_cells_missing():
    fetch = FakeFetch(v3_paged_table())
    frame = fetch_v3_table(PAGED_TABLE, fetch, dataset="UntypedDataSet")
    page1 = load("v3-83599ned-paged/UntypedDataSet-page1.json")
    page2 = load("v3-83599ned-paged/UntypedDataSet-page2.json")
    assert "odata.nextLink" in page1 and "odata.nextLink" not in page2
    assert len(frame) == len(page1["value"]) + len(page2["value"]) == 15504
    assert fetch.calls[-1] == PAGE2_URL
    assert list(frame.columns) == ["ID", "BedrijfstakkenBranchesSBI2008", "RegioS", "Perioden",
                                   "OpenstaandeVacatures_1"]
    assert frame["RegioS"].iloc[0] == "RegioS NL01"  # padded code 'NL01  ' found, label stripped
    assert frame["OpenstaandeVacatures_1"].iloc[0] == 135.5
    suppressed = sum(r["OpenstaandeVacatures_1"].strip() in {"", "."}
                     for r in page1["value"] + page2["value"])
    assert suppressed > 0
    assert frame["OpenstaandeVacatures_1"].isna().sum() == suppressed
    assert set(parse_period(p, "x", "Perioden", 0).kind for p in frame["Perioden"]) == {"quarter"}


def test_v3_next_link_without_format_gets_json_format():
    page1 = dict(load("v3-83599ned-paged/UntypedDataSet-page1.json"))
    page1["odata.nextLink"] = PAGE2_URL.replace("?$format=json&", "?")
    urls = v3_paged_table()
    urls[f"{V3_BASE}/{PAGED_TABLE}/UntypedDataSet?$format=json"] = page1
    urls[PAGE2_URL.replace("?$format=json&", "?") + "&$format=json"] = urls.pop(PAGE2_URL)
    assert len(fetch_v3_table(PAGED_TABLE, FakeFetch(urls), dataset="UntypedDataSet")) == 15504


def test_v3_unknown_code_is_an_error_not_a_raw_code():
    urls = v3_full_table()
    codes = load("v3-80137ned/Persoonskenmerken.json")
    urls[f"{V3_BASE}/{V3_TABLE}/Persoonskenmerken?$format=json"] = {"value": codes["value"][1:]}
    with pytest.raises(CbsApiError, match="not in its code list"):
        fetch_v3_table(V3_TABLE, FakeFetch(urls))


# ---------------------------------------------------------------------------------------------
# v4
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("split", [False, True], ids=["one page", "two pages"])
def test_v4_pivots_measures_and_keeps_nulls_missing(split):
    frame = fetch_v4_table(V4_TABLE, FakeFetch(v4_table(split)))
    observations = load("v4-03759ned/observations-page-1.json")["value"]
    assert list(frame.columns) == ["ID", "BurgerlijkeStaat", "Geslacht", "Leeftijd", "RegioS",
                                   "Perioden", "M000352", "M000365"]
    assert len(frame) == len(observations) // 2 == 848 * 8
    assert frame[["M000352", "M000365"]].isna().sum().sum() == sum(
        o["Value"] is None for o in observations)
    gm = frame.set_index(["RegioS", "Perioden"])
    assert gm.loc[("Groningen (gemeente)", "2019JJ00"), "M000352"] > 200_000
    # A municipality dissolved before 2019 (Aalburg, GM0738) is all missing, never zero.
    assert gm.loc["Aalburg", ["M000352", "M000365"]].isna().all().all()
    assert frame.loc[frame["RegioS"] == "Nederland", "Geslacht"].iloc[0] == "Totaal mannen en vrouwen"


def test_v4_observation_filter_is_url_encoded():
    url = v4_observations_url(V4_TABLE, filter="Perioden ge '2019JJ00'")
    assert url == f"{V4_BASE}/{V4_TABLE}/Observations?$filter=Perioden%20ge%20'2019JJ00'"


# ---------------------------------------------------------------------------------------------
# write_export round trip
# ---------------------------------------------------------------------------------------------

def test_write_export_round_trips_through_the_importer(tmp_path: Path):
    frame = fetch_v3_table(V3_TABLE, FakeFetch(v3_full_table()))
    path = tmp_path / "80137NED.csv"
    write_export(frame, path)
    assert path.read_bytes().startswith(b"\xef\xbb\xbfID;Persoonskenmerken;")
    raw = read_table(path, "cbs/80137NED.csv", ";", V3_DIMS)
    assert len(raw) == 675
    assert raw.loc[2, "Perioden"] == "2001JJ00" and raw.loc[2, "Totaal_1"] == "8811"
    assert parse_numbers(raw["PerGewerktUur_12"], "x", "PerGewerktUur_12").iloc[0] == 23.1
    years = annual_rows(raw, "cbs/80137NED.csv")
    assert sorted(years["year"].unique()) == [2001, 2002, 2003, 2004, 2005]


def test_write_export_leaves_missing_cells_empty(tmp_path: Path):
    frame = fetch_v4_table(V4_TABLE, FakeFetch(v4_table()))
    path = tmp_path / "03759NED.csv"
    write_export(frame, path)
    raw = read_table(path, "cbs/03759NED.csv", ";",
                       required=["BurgerlijkeStaat", "Geslacht", "Leeftijd", "RegioS", "Perioden"])
    values = parse_numbers(raw["M000365"], "x", "M000365")
    assert values.isna().sum() == frame["M000365"].isna().sum()
    assert len(annual_rows(raw, "x")) == len(frame)


# ---------------------------------------------------------------------------------------------
# fetch_tables: all or nothing
# ---------------------------------------------------------------------------------------------

def _existing(out_dir: Path) -> dict[str, bytes]:
    cbs = out_dir / "cbs"
    cbs.mkdir(parents=True)
    old = {V3_TABLE: b"\xef\xbb\xbfID;old\n0;1\n", PAGED_TABLE: b"\xef\xbb\xbfID;older\n0;2\n"}
    for table, content in old.items():
        (cbs / f"{table}.csv").write_bytes(content)
    return old


def _assert_untouched(out_dir: Path, old: dict[str, bytes]) -> None:
    for table, content in old.items():
        assert (out_dir / "cbs" / f"{table}.csv").read_bytes() == content
    assert sorted(p.name for p in (out_dir / "cbs").iterdir()) == sorted(f"{t}.csv" for t in old)
    assert not list(out_dir.parent.glob(".cbs-fetch-*")), "staging directory left behind"
    assert not (out_dir / PROVENANCE_FILE).exists(), "provenance written for files that were not"


def test_fetch_tables_writes_every_table(tmp_path: Path):
    out_dir = tmp_path / "raw"
    old = _existing(out_dir)
    fetch = FakeFetch(v3_full_table() | v3_paged_table())
    paths = fetch_tables([V3_TABLE], out_dir, fetch)
    assert paths == [out_dir / "cbs" / f"{V3_TABLE}.csv"]
    assert paths[0].read_bytes() != old[V3_TABLE]
    assert len(read_table(paths[0], "x", ";", V3_DIMS)) == 675
    assert not list(tmp_path.glob(".cbs-fetch-*"))
    # the fetched file and its provenance entry arrive together; the untouched one keeps none
    entries = read_provenance(out_dir)["files"]
    assert list(entries) == [f"cbs/{V3_TABLE}.csv"]
    entry = entries[f"cbs/{V3_TABLE}.csv"]
    assert entry["sha256"] == sha256_file(paths[0])
    assert entry["address"] == f"{V3_BASE}/{V3_TABLE}" and entry["retrieved"] == datetime.date.today().isoformat()
    assert entry["licence"].startswith("CC BY 4.0")


def test_the_recordings_are_the_ones_their_provenance_names():
    check_provenance(FIXTURES)


def test_fetch_tables_failure_on_second_table_changes_nothing(tmp_path: Path):
    out_dir = tmp_path / "raw"
    old = _existing(out_dir)
    fetch = FakeFetch(v3_full_table())  # nothing recorded for the second table: a 404
    with pytest.raises(CbsApiError) as err:
        fetch_tables([V3_TABLE, PAGED_TABLE], out_dir, fetch)
    assert f"{V3_BASE}/{PAGED_TABLE}/DataProperties?$format=json" in str(err.value)
    assert PAGED_TABLE in str(err.value)
    _assert_untouched(out_dir, old)


def test_fetch_tables_half_received_page_changes_nothing(tmp_path: Path):
    out_dir = tmp_path / "raw"
    old = _existing(out_dir)
    truncated = lambda: {"odata.metadata": "..."}  # noqa: E731  (no 'value': cut off)
    fetch = FakeFetch(v3_full_table() | v3_paged_table(page2=truncated, dataset="TypedDataSet"))
    with pytest.raises(CbsApiError) as err:
        fetch_tables([V3_TABLE, PAGED_TABLE], out_dir, fetch)
    assert PAGE2_URL in str(err.value) and "no 'value'" in str(err.value)
    assert "make.py fetch" in str(err.value)
    _assert_untouched(out_dir, old)


def test_fetch_tables_wraps_low_level_errors_of_a_custom_fetch(tmp_path: Path):
    out_dir = tmp_path / "raw"
    old = _existing(out_dir)

    def broken(url: str) -> dict[str, Any]:
        raise json.JSONDecodeError("Expecting value", "{", 1)

    with pytest.raises(CbsApiError, match="DataProperties"):
        fetch_tables([V3_TABLE], out_dir, broken)
    _assert_untouched(out_dir, old)


# ---------------------------------------------------------------------------------------------
# UrlFetcher, without network
# ---------------------------------------------------------------------------------------------

class FakeResponse(io.BytesIO):
    status = 200
    reason = "OK"


URL = f"{V3_BASE}/{V3_TABLE}/DataProperties?$format=json"


def _urlopen(outcomes: list[Any]) -> Callable[..., Any]:
    """A fake ``urlopen`` that raises or answers each outcome in turn."""
    calls = iter(outcomes)

    def urlopen(request: urllib.request.Request, timeout: float) -> FakeResponse:
        assert request.full_url == URL and timeout == 7
        outcome = next(calls)
        if isinstance(outcome, BaseException):
            raise outcome
        return FakeResponse(outcome)
    return urlopen


def _http_error(code: int, reason: str) -> urllib.error.HTTPError:
    return urllib.error.HTTPError(URL, code, reason, hdrs=None, fp=io.BytesIO(b""))  # type: ignore[arg-type]


@pytest.mark.parametrize("outcome, expected", [
    (_http_error(500, "Internal Server Error"), "HTTP 500 Internal Server Error"),
    (TimeoutError("timed out"), "timed out after 7 s"),
    (urllib.error.URLError(TimeoutError("timed out")), "timed out after 7 s"),
    (urllib.error.URLError("Name or service not known"), "network error"),
    (b'{"value": [{"Key": "Tot', "invalid or truncated JSON"),
], ids=["http500", "timeout", "urlerror-timeout", "dns", "truncated-json"])
def test_url_fetcher_turns_failures_into_cbs_api_errors(monkeypatch, outcome, expected):
    monkeypatch.setattr(urllib.request, "urlopen", _urlopen([outcome] * 3))
    with pytest.raises(CbsApiError) as err:
        UrlFetcher(timeout=7, retries=2, backoff=0)(URL)
    message = str(err.value)
    assert URL in message and expected in message and "3 attempt(s)" in message
    assert "rerun `python3 make.py fetch" in message and "unchanged" in message


def test_url_fetcher_does_not_retry_a_404(monkeypatch):
    monkeypatch.setattr(urllib.request, "urlopen", _urlopen([_http_error(404, "Not Found")]))
    with pytest.raises(CbsApiError, match="HTTP 404 Not Found"):
        UrlFetcher(timeout=7, backoff=0)(URL)


def test_url_fetcher_retries_then_succeeds(monkeypatch):
    waits: list[float] = []
    monkeypatch.setattr(cbs_api.time, "sleep", waits.append)
    monkeypatch.setattr(urllib.request, "urlopen",
                        _urlopen([TimeoutError("timed out"), b"\xef\xbb\xbf{\"value\": []}"]))
    assert UrlFetcher(timeout=7, retries=2, backoff=1.5)(URL) == {"value": []}
    assert waits == [1.5]


def test_url_fetcher_rejects_json_that_is_not_an_object(monkeypatch):
    monkeypatch.setattr(urllib.request, "urlopen", _urlopen([b"[1, 2]"]))
    with pytest.raises(CbsApiError, match="expected a JSON object"):
        UrlFetcher(timeout=7, backoff=0)(URL)


def test_values_are_numbers_or_missing_never_zero_for_tokens():
    measure = cbs_api._Measure("X_1", numeric=True)
    assert [cbs_api._measure_value("t", measure, v, 0) for v in
            ["  1.5", ".", "", "   ", None, 3, "x"]] == [1.5, None, None, None, None, 3.0, None]
    with pytest.raises(CbsApiError, match="not a number"):
        cbs_api._measure_value("t", measure, "1,5", 0)
