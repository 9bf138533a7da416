"""Live loader for CBS open data: OData v3 (opendata.cbs.nl) and v4 (datasets.cbs.nl).

A table is fetched completely and turned into the same shape as the raw StatLine CSV exports that
:mod:`jeugdzorg.data.rawtext` reads: column ``ID`` first, then the dimensions with their codes replaced by
their labels (except the time dimension, which keeps its code such as ``2019JJ00``), then one column
per measure under its CBS key.  Suppressed or unknown values stay missing, never zero.

The HTTP layer is injected: every function takes a ``fetch(url) -> dict`` callable, so the tests run
offline against recorded responses and :class:`UrlFetcher` is the only code that touches the network.

URLs (``base`` defaults to :data:`V3_BASE` / :data:`V4_BASE`)::

    v3  {base}/{table}/DataProperties?$format=json
        {base}/{table}/{DimensionKey}?$format=json          one per non-time dimension
        {base}/{table}/TypedDataSet?$format=json            then every ``odata.nextLink``
    v4  {base}/{table}/Dimensions
        {base}/{table}/{Dimension}Codes                     one per non-time dimension
        {base}/{table}/MeasureCodes
        {base}/{table}/Observations[?$filter=...]           then every ``@odata.nextLink``
"""

from __future__ import annotations

import http.client
import json
import math
import os
import shutil
import socket
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import pandas as pd

from .catalogue import cbs_path, load_catalogue
from .raw_provenance import record_provenance
from .rawtext import MISSING_TOKENS, write_export

V3_BASE = "https://opendata.cbs.nl/ODataFeed/odata"
V4_BASE = "https://datasets.cbs.nl/odata/v1/CBS"

#: Appended to every error: the fetch is all-or-nothing, so rerunning is always safe.
RETRY_HINT = ("Check the connection (or https://www.cbs.nl for an outage) and rerun "
              "`python3 make.py fetch ...`; the previous raw files and snapshot are unchanged.")

#: HTTP statuses worth retrying: server trouble, rate limiting, a request timeout.
_TRANSIENT_STATUS = frozenset({408, 429, 500, 502, 503, 504})

_USER_AGENT = "jeugdzorg-book (https://opendata.cbs.nl client; python urllib)"


class CbsApiError(RuntimeError):
    """A CBS request failed or returned something that is not a complete table.

    The message names the URL (or table) and what went wrong, and ends with :data:`RETRY_HINT`.
    """


class Fetcher(Protocol):
    """Anything that turns a URL into parsed JSON (a dict), raising :class:`CbsApiError` on failure."""

    def __call__(self, url: str) -> dict[str, Any]: ...


def _error(message: str) -> CbsApiError:
    return CbsApiError(f"{message}. {RETRY_HINT}")


# --------------------------------------------------------------------------------------------
# HTTP
# --------------------------------------------------------------------------------------------

class _Transient(Exception):
    """A failure that another attempt may cure (network, timeout, 5xx, truncated body)."""


@dataclass(frozen=True)
class UrlFetcher:
    """Fetch JSON over HTTP with urllib, retrying transient failures.

    Parameters
    ----------
    timeout
        Seconds to wait for the connection and for each read.
    retries
        Extra attempts after a transient failure (network error, timeout, HTTP 408/429/5xx,
        truncated or invalid JSON).  Other HTTP errors (404: wrong table id) fail at once.
    backoff
        Seconds to wait before the first retry; doubled for each further one.

    Raises
    ------
    CbsApiError
        Naming the URL, the status or reason, and how to retry.
    """

    timeout: float = 60
    retries: int = 2
    backoff: float = 2.0

    def __call__(self, url: str) -> dict[str, Any]:
        attempts = max(self.retries, 0) + 1
        reason = "no attempt made"
        for attempt in range(attempts):
            if attempt:
                time.sleep(self.backoff * 2 ** (attempt - 1))
            try:
                return self._once(url)
            except _Transient as exc:
                reason = str(exc)
        raise _error(f"CBS request failed: {url}: {reason} (gave up after {attempts} attempt(s))")

    def _once(self, url: str) -> dict[str, Any]:
        request = urllib.request.Request(
            url, headers={"Accept": "application/json", "User-Agent": _USER_AGENT})
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                status = getattr(response, "status", 200)
                if status >= 400:
                    _raise_for_status(url, status, getattr(response, "reason", ""))
                body = response.read()
        except urllib.error.HTTPError as exc:
            _raise_for_status(url, exc.code, exc.reason)
        except (TimeoutError, socket.timeout):
            raise _Transient(f"timed out after {self.timeout:g} s") from None
        except urllib.error.URLError as exc:
            if isinstance(exc.reason, (TimeoutError, socket.timeout)):
                raise _Transient(f"timed out after {self.timeout:g} s") from None
            raise _Transient(f"network error: {exc.reason}") from None
        except (http.client.HTTPException, OSError) as exc:
            # IncompleteRead, RemoteDisconnected, resets, TLS errors: the body did not arrive whole.
            raise _Transient(f"connection broken: {type(exc).__name__}: {exc}") from None
        return _parse_json(url, body)


def _raise_for_status(url: str, status: int, reason: object) -> None:
    message = f"HTTP {status} {reason}".rstrip()
    if status in _TRANSIENT_STATUS:
        raise _Transient(message)
    raise _error(f"CBS request failed: {url}: {message} (check the table id and the URL)")


def _parse_json(url: str, body: bytes) -> dict[str, Any]:
    try:
        parsed = json.loads(body.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        # Usually a body cut off mid-transfer; another attempt normally gets the whole page.
        raise _Transient(f"invalid or truncated JSON ({len(body)} bytes): {exc}") from None
    if not isinstance(parsed, dict):
        raise _error(f"CBS request failed: {url}: expected a JSON object, got "
                     f"{type(parsed).__name__}")
    return parsed


def _get(fetch: Fetcher, url: str) -> dict[str, Any]:
    """Call ``fetch``, turning low-level failures of a custom fetcher into :class:`CbsApiError`."""
    try:
        page = fetch(url)
    except CbsApiError:
        raise
    except (OSError, ValueError) as exc:
        raise _error(f"CBS request failed: {url}: {type(exc).__name__}: {exc}") from exc
    if not isinstance(page, dict):
        raise _error(f"CBS request failed: {url}: expected a JSON object, got {type(page).__name__}")
    return page


def fetch_collection(fetch: Fetcher, url: str, *, v3: bool = False) -> list[dict[str, Any]]:
    """Fetch an OData collection, following ``odata.nextLink`` / ``@odata.nextLink`` to the end.

    Parameters
    ----------
    fetch
        The HTTP layer.
    url
        The first page.
    v3
        Make sure every next link asks for JSON (the v3 feed answers in Atom XML otherwise).

    Returns
    -------
    list of dict
        The ``value`` entries of all pages, in order.

    Raises
    ------
    CbsApiError
        For a page without a ``value`` list (half-received) or a next link that loops.
    """
    rows: list[dict[str, Any]] = []
    seen: set[str] = set()
    next_url: str | None = url
    while next_url is not None:
        if next_url in seen:
            raise _error(f"CBS paging loops: {next_url} was already fetched")
        seen.add(next_url)
        page = _get(fetch, next_url)
        value = page.get("value")
        if not isinstance(value, list):
            raise _error(f"CBS page incomplete: {next_url}: no 'value' list in the response "
                         "(a half-received page)")
        rows.extend(value)
        next_url = page.get("odata.nextLink") or page.get("@odata.nextLink")
        if next_url and v3:
            next_url = _with_json_format(next_url)
    return rows


def _with_json_format(url: str) -> str:
    if "$format=" in url:
        return url
    return f"{url}{'&' if '?' in url else '?'}$format=json"


# --------------------------------------------------------------------------------------------
# Shared table model
# --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class _Dimension:
    key: str
    keep_code: bool  # the time dimension keeps its code ('2019JJ00'), which the importer parses


@dataclass(frozen=True)
class _Measure:
    key: str
    numeric: bool


def _label(table_id: str, dim: _Dimension, code: object,
           labels: dict[str, dict[str, str]]) -> str:
    if not isinstance(code, str):
        raise _error(f"table {table_id}: dimension {dim.key} has value {code!r}, expected a code")
    code = code.strip()
    if dim.keep_code:
        return code
    try:
        return labels[dim.key][code]
    except KeyError:
        raise _error(f"table {table_id}: code {code!r} of dimension {dim.key} is not in its code "
                     "list (an incomplete code list?)") from None


def _measure_value(table_id: str, measure: _Measure, value: object, row: int) -> float | str | None:
    """One cell: JSON numbers and numeric strings become floats, CBS's missing tokens None."""
    if value is None:
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value) if measure.numeric else str(value)
    text = str(value).strip()
    if text in MISSING_TOKENS:
        return None
    if not measure.numeric:
        return text
    try:
        number = float(text)
    except ValueError:
        raise _error(f"table {table_id}, row {row}, column {measure.key}: {value!r} is not a "
                     "number") from None
    return number if math.isfinite(number) else None


def _build_frame(table_id: str, records: list[dict[str, Any]], dims: list[_Dimension],
                 measures: list[_Measure], labels: dict[str, dict[str, str]]) -> pd.DataFrame:
    """Wide records with raw codes and values -> the export-shaped frame."""
    if not records:
        raise _error(f"table {table_id}: the data set has no rows")
    data: dict[str, list[Any]] = {"ID": list(range(len(records)))}
    for dim in dims:
        data[dim.key] = [_label(table_id, dim, r.get(dim.key), labels) for r in records]
    for m in measures:
        data[m.key] = [_measure_value(table_id, m, r.get(m.key), i) for i, r in enumerate(records)]
    frame = pd.DataFrame(data)
    for m in measures:
        frame[m.key] = frame[m.key].astype("float64" if m.numeric else object)
    return frame


def _code_titles(entries: list[dict[str, Any]], key_field: str) -> dict[str, str]:
    return {str(e[key_field]).strip(): str(e.get("Title") or "").strip() for e in entries}


# --------------------------------------------------------------------------------------------
# OData v3
# --------------------------------------------------------------------------------------------

_V3_DIMENSION_TYPES = frozenset({"Dimension", "GeoDimension", "TimeDimension"})
#: GeoDetail columns hold a region code per row and behave like a (string) measure.
_V3_MEASURE_TYPES = frozenset({"Topic", "GeoDetail"})


def _v3_url(root: str, entity: str) -> str:
    return f"{root}/{entity}?$format=json"


def _v3_properties(props: list[dict[str, Any]], table_id: str
                   ) -> tuple[list[_Dimension], list[_Measure]]:
    """Split DataProperties into dimensions and measures, in the table's own column order."""
    dims = [_Dimension(p["Key"], p["Type"] == "TimeDimension")
            for p in props if p.get("Type") in _V3_DIMENSION_TYPES]
    measures = [_Measure(p["Key"], str(p.get("Datatype", "Double")).lower() != "string")
                for p in props if p.get("Type") in _V3_MEASURE_TYPES]
    if not measures:
        raise _error(f"table {table_id}: DataProperties lists no Topic (measure) columns")
    return dims, measures


def fetch_v3_table(table_id: str, fetch: Fetcher, base: str = V3_BASE, *,
                   dataset: str = "TypedDataSet") -> pd.DataFrame:
    """Fetch one table from the CBS OData v3 feed in the shape of a StatLine CSV export.

    Parameters
    ----------
    table_id
        CBS table id, e.g. ``'83454NED'``.
    fetch
        The HTTP layer, ``fetch(url) -> dict``.
    base
        Feed root; the table lives at ``{base}/{table_id}``.
    dataset
        ``'TypedDataSet'`` (numbers as JSON numbers) or ``'UntypedDataSet'`` (numbers as strings,
        ``'.'`` or ``''`` for suppressed cells).

    Returns
    -------
    pandas.DataFrame
        ``ID``, dimension labels (time dimension as code), one column per measure key; numeric
        measures as float64 with NaN for suppressed cells.

    Raises
    ------
    CbsApiError
        For any failed request, half-received page, unknown code or non-numeric number.
    """
    root = f"{base.rstrip('/')}/{table_id}"
    dims, measures = _v3_properties(
        fetch_collection(fetch, _v3_url(root, "DataProperties"), v3=True), table_id)
    labels = {d.key: _code_titles(fetch_collection(fetch, _v3_url(root, d.key), v3=True), "Key")
              for d in dims if not d.keep_code}
    records = fetch_collection(fetch, _v3_url(root, dataset), v3=True)
    return _build_frame(table_id, records, dims, measures, labels)


# --------------------------------------------------------------------------------------------
# OData v4
# --------------------------------------------------------------------------------------------

def v4_observations_url(table_id: str, base: str = V4_BASE, filter: str | None = None) -> str:
    """The first Observations page of a v4 table, with an optional OData ``$filter``."""
    url = f"{base.rstrip('/')}/{table_id}/Observations"
    if filter:
        url += "?$filter=" + urllib.parse.quote(filter, safe="'(),")
    return url


def _v4_measures(entries: list[dict[str, Any]]) -> list[_Measure]:
    ordered = sorted(entries, key=lambda e: (e.get("Index") is None, e.get("Index") or 0))
    return [_Measure(e["Identifier"], str(e.get("DataType", "Double")).lower() != "string")
            for e in ordered]


def _pivot_observations(table_id: str, observations: list[dict[str, Any]],
                        dims: list[_Dimension], measures: list[_Measure]
                        ) -> list[dict[str, Any]]:
    """Long observations (one per measure) -> one wide record per dimension combination."""
    known = {m.key for m in measures}
    wide: dict[tuple[Any, ...], dict[str, Any]] = {}
    for obs in observations:
        measure = obs.get("Measure")
        if measure not in known:
            raise _error(f"table {table_id}: observation {obs.get('Id')} has measure {measure!r}, "
                         "which MeasureCodes does not list")
        key = tuple(obs.get(d.key) for d in dims)
        record = wide.setdefault(key, {d.key: obs.get(d.key) for d in dims})
        if measure in record:
            raise _error(f"table {table_id}: measure {measure} appears twice for {key}")
        # String measures carry their content in StringValue; null Value stays missing.
        value = obs.get("Value")
        record[measure] = value if value is not None else obs.get("StringValue")
    return list(wide.values())


def fetch_v4_table(table_id: str, fetch: Fetcher, base: str = V4_BASE, *,
                   filter: str | None = None) -> pd.DataFrame:
    """Fetch one table from the CBS OData v4 API in the shape of a StatLine CSV export.

    Parameters
    ----------
    table_id
        CBS table id, e.g. ``'03759ned'``.
    fetch
        The HTTP layer, ``fetch(url) -> dict``.
    base
        API root; the table lives at ``{base}/{table_id}``.
    filter
        Optional OData ``$filter`` on the observations (v4 tables can be very large).

    Returns
    -------
    pandas.DataFrame
        ``ID``, dimension labels (time dimension as code), one column per measure code in
        MeasureCodes order; null values stay NaN.

    Raises
    ------
    CbsApiError
        For any failed request, half-received page, unknown code or measure.
    """
    root = f"{base.rstrip('/')}/{table_id}"
    dims = [_Dimension(d["Identifier"], d.get("Kind") == "TimeDimension")
            for d in fetch_collection(fetch, f"{root}/Dimensions")]
    labels = {d.key: _code_titles(fetch_collection(fetch, f"{root}/{d.key}Codes"), "Identifier")
              for d in dims if not d.keep_code}
    measures = _v4_measures(fetch_collection(fetch, f"{root}/MeasureCodes"))
    observations = fetch_collection(fetch, v4_observations_url(table_id, base, filter))
    records = _pivot_observations(table_id, observations, dims, measures)
    return _build_frame(table_id, records, dims, measures, labels)


# --------------------------------------------------------------------------------------------
# Fetching a set of tables, all or nothing
# --------------------------------------------------------------------------------------------

_LOADERS: dict[str, Callable[[str, Fetcher], pd.DataFrame]] = {
    "v3": fetch_v3_table,
    "v4": fetch_v4_table,
}
_BASES = {"v3": V3_BASE, "v4": V4_BASE}


def fetch_tables(table_ids: Iterable[str], out_dir: Path, fetch: Fetcher,
                 api: str = "v3") -> list[Path]:
    """Fetch every table, then put them all in ``out_dir/cbs/<ID>.csv``; all or nothing.

    Every table is downloaded and written to a staging directory next to ``out_dir`` first; only
    when all succeeded is each file moved into place with :func:`os.replace` (atomic per file).  A
    failure half-way therefore leaves the existing files in ``out_dir`` untouched.  Each written file
    gets its provenance entry in ``out_dir/PROVENANCE.yml`` (source, address, today's date, licence,
    sha256).

    Parameters
    ----------
    table_ids
        CBS table ids; the file name is the id as given (the catalogue spells e.g. ``83454NED``).
    out_dir
        The raw data directory (the one holding ``cbs/``).
    fetch
        The HTTP layer, e.g. ``UrlFetcher()``.
    api
        ``'v3'`` (opendata.cbs.nl) or ``'v4'`` (datasets.cbs.nl).

    Returns
    -------
    list of Path
        The written files, in the order of ``table_ids``.

    Raises
    ------
    CbsApiError
        Naming the table and the URL that failed; nothing in ``out_dir`` has changed.
    ValueError
        For an unknown ``api``.
    """
    if api not in _LOADERS:
        raise ValueError(f"api must be one of {sorted(_LOADERS)}, not {api!r}")
    ids = list(dict.fromkeys(table_ids))
    out_dir = Path(out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".tmp-fetch-", dir=out_dir.parent))
    try:
        staged = [_stage(table_id, _LOADERS[api], fetch, staging) for table_id in ids]
        target = out_dir / "cbs"
        target.mkdir(parents=True, exist_ok=True)
        # Bring every file next to its destination first (a copy if out_dir is another file
        # system), so the last step is only renames within one directory.
        ready = [_move_beside(path, target) for path in staged]
        finals = []
        for path in ready:
            final = target / path.name.removeprefix(".tmp-fetch-")
            os.replace(path, final)
            finals.append(final)
        licence = load_catalogue()["licence"]
        record_provenance(out_dir, {cbs_path(table_id): {
            "source": f"CBS StatLine, table {table_id} (OData {api}, written by `make.py fetch`)",
            "address": f"{_BASES[api]}/{table_id}", "licence": f"{licence} (CBS open data)"} for table_id in ids})
        return finals
    finally:
        shutil.rmtree(staging, ignore_errors=True)
        for leftover in (out_dir / "cbs").glob(".tmp-fetch-*.csv"):
            leftover.unlink(missing_ok=True)


def _stage(table_id: str, loader: Callable[[str, Fetcher], pd.DataFrame], fetch: Fetcher,
           staging: Path) -> Path:
    try:
        frame = loader(table_id, fetch)
    except CbsApiError as exc:
        raise CbsApiError(f"table {table_id}: {exc}") from exc
    path = staging / f"{table_id}.csv"
    write_export(frame, path)
    return path


def _move_beside(staged: Path, target: Path) -> Path:
    beside = target / f".tmp-fetch-{staged.name}"
    shutil.move(staged, beside)
    return beside
