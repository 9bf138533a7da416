"""Outputs are designed for another CPU: perturbing the inputs by a few ulp changes the estimates in
their last digits, and no stored output at all.

Linear algebra agrees across CPUs and BLAS kernels only to rounding (a reviewer's AVX-512 machine
differed in the 14th-16th significant digit).  Rather than touching the BLAS configuration, this
test perturbs every number of the snapshot by a few units in the last place -- which moves the
full-precision estimates by about as much as another CPU does -- re-executes the chapters and regenerates every
municipality page, and requires every stored output (glued values, tables, figure data, images; the
pages, their CSV files and figures) to be byte-identical to the committed book.
"""

from __future__ import annotations

import hashlib
import json
import math
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from jeugdzorg.analysis import estimation as E
from jeugdzorg.book import profile_pages
from jeugdzorg.book.runner import chapters, execute_all, load_params
from jeugdzorg.data.registry import TABLES
from jeugdzorg.data.snapshot import load_snapshot
from jeugdzorg.paths import BOOK_DIR, data_dir
from tests.helpers import reseal_manifest

pytestmark = pytest.mark.slow  # builds the book or re-executes chapters: scheduled first under -n

SEEDS = (1, 2, 3)
ULP = 2.0 ** -52


def nudge(value: float, seed: int) -> float:
    """``value`` moved by 1-4 ulp, the same way for equal values (so ties and signs survive)."""
    if not math.isfinite(value) or value == 0:
        return value
    digest = hashlib.sha256(f"{seed}:{value!r}".encode()).digest()
    steps = (digest[0] % 4 + 1) * (1 if digest[1] % 2 else -1)
    return value * (1 + steps * ULP)


def perturbed_snapshot(target: Path, seed: int) -> dict[str, pd.DataFrame]:
    """A copy of the snapshot in ``target`` with every float nudged (keys, codes and years untouched)."""
    shutil.copytree(data_dir(), target)
    tables = load_snapshot()
    for name, table in TABLES.items():
        frame = tables[name].copy()
        for column in frame.columns:
            if pd.api.types.is_float_dtype(frame[column]):
                frame[column] = frame[column].map(lambda v: nudge(v, seed))
        table.write(frame, target)
        tables[name] = frame
    reseal_manifest(target)
    return tables


def stored_outputs(path: Path) -> list:
    """Every output of an executed notebook, as stored (data, text, metadata of glue records)."""
    notebook = json.loads(path.read_text(encoding="utf-8"))
    return [(cell["id"], cell.get("outputs", [])) for cell in notebook["cells"] if cell["cell_type"] == "code"]


@pytest.fixture(scope="module", params=SEEDS)
def rerun(request, tmp_path_factory, monkeypatch_module):
    seed = request.param
    base = tmp_path_factory.mktemp(f"seed{seed}")
    tables = perturbed_snapshot(base / "data", seed)
    monkeypatch_module.setenv("JZ_DATA_DIR", str(base / "data"))  # the kernels inherit it
    executed = execute_all(only=list(chapters()), force=True, book_dir=base / "book", progress=lambda _: None)
    return seed, tables, base / "book", executed


@pytest.fixture(scope="module")
def monkeypatch_module():
    with pytest.MonkeyPatch.context() as patch:
        yield patch


def test_the_perturbation_moves_the_full_precision_estimates(rerun):
    seed, tables, _, _ = rerun
    original = E.estimate(load_snapshot(data_dir()), mundlak=False)
    perturbed = E.estimate(tables, mundlak=False)
    for model in ("Between", "Two-way FE"):
        a, b = original.fits[model].params, perturbed.fits[model].params
        assert not np.array_equal(a.to_numpy(), b.to_numpy()), f"{model}: the perturbation changed nothing"
        np.testing.assert_allclose(a, b, rtol=1e-9)  # ... but only in the last digits


def test_no_stored_output_changes(rerun):
    seed, _, book, executed = rerun
    assert len(executed) == len(chapters())
    for path in executed:
        relative = path.relative_to(book)
        committed = stored_outputs(BOOK_DIR / relative)
        assert stored_outputs(path) == committed, f"seed {seed}: {relative} changed"


def test_no_municipality_page_changes(rerun):
    """All 342 pages, their downloads and figures, regenerated from the perturbed snapshot."""
    seed, tables, _, _ = rerun
    files = profile_pages.generate(tables, load_params()["parameters"])
    assert profile_pages.differences(files, BOOK_DIR) == [], f"seed {seed}"
