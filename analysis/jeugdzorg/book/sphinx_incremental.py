"""Sphinx extension: an incremental HTML build that is never stale and equals a clean build.

Sphinx keeps its environment between builds and reads again only the pages whose source (or a file
they declared with ``env.note_dependency``) changed, then writes those pages.  Three things the book
does fall outside that bookkeeping; this extension closes each gap:

* **Pasted numbers.**  ``{glue:text}`` `` `trends.ipynb::key` `` (the conclusions, the Samenvatting)
  leaves a pending reference that MyST-NB resolves when the page is *written*, from the glue cache of
  the other notebook -- and it records no dependency, so a chapter executed again would leave the
  pages pasting from it with the old numbers.  On ``doctree-read`` each page declares the notebooks it
  pastes from as dependencies: it is read (and written) again when, and only when, one of them changed.
* **What every page shows of the others.**  The sidebar and the previous/next links of every page
  carry the other pages' titles, and a cross-reference carries its target's title.  When a page that
  is read again changes its title or its labels, every page is written again.
* **The same links.**  MyST-NB copies its stylesheet into the output only at the end of a build, so
  a clean build linked it without Sphinx's checksum and an incremental build with it: it is copied
  before the pages are written.
* **Leftovers.**  Sphinx never deletes output: the page of a removed source, an image a chapter no
  longer draws, the CSV of a table that is gone would stay.  At the end of a build, every file of the
  HTML output that this build did not write and that no current page owns is deleted, so the output
  is the same, file for file, as a clean build's (``tests/book/test_book_build.py`` checks it).

The extension keeps nothing in the environment that other processes must merge (dependencies are
Sphinx's own, merged by Sphinx), so reading and writing in parallel (``-j``) stay safe.

**Parallel reading.**  sphinx-external-toc always loads ``sphinx_multitoc_numbering``, which does not
declare whether it is safe for parallel reading, so Sphinx reads serially (and a strict build with
``-j`` fails on its warning).  It is safe: all it does is replace ``TocTreeCollector.assign_section_numbers``
(run in the main process, after every page was read and merged) and log a line when the builder
starts; it keeps nothing per page.  :func:`setup` declares it so.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment

#: File in the doctree directory touched when a build starts: what this build wrote is newer.
START_MARK = "jz-build-started"
#: Output folders of Sphinx's own assets: never pruned (they are copied again on every build).
STATIC = "_static"
#: Where :mod:`jeugdzorg.book.sphinx_publish` writes the CSV of each page's figures and tables.
DATA_DOWNLOADS = ("_downloads", "data")


def pasted_sources(doctree: nodes.document) -> set[str]:
    """Documents whose glued outputs a page pastes (MyST-NB's pending cross-document references)."""
    from myst_nb.ext.glue.utils import PendingGlueReference

    return {node.refdoc for node in doctree.findall(PendingGlueReference)}


def note_pasted_sources(app: Sphinx, doctree: nodes.document) -> None:
    """Declare the notebooks a page pastes from as its dependencies (paths relative to the sources,
    so the environment does not depend on where the project lies)."""
    env = app.env
    for docname in sorted(pasted_sources(doctree)):
        if docname != env.docname:
            env.note_dependency(str(env.doc2path(docname, base=False)))


def _shown_to_others(env: BuildEnvironment, docnames: set[str]) -> dict[str, Any]:
    """What other pages show of ``docnames``: their titles and the labels (with titles) they define."""
    labels = env.domaindata.get("std", {}).get("labels", {})
    return {"titles": {d: env.titles[d].astext() for d in sorted(docnames) if d in env.titles},
            "labels": sorted((name, *map(str, value)) for name, value in labels.items() if value[0] in docnames)}


def remember_before_reading(app: Sphinx, env: BuildEnvironment, docnames: list[str]) -> None:
    app.jz_reread = set(docnames)  # type: ignore[attr-defined]
    app.jz_shown_before = _shown_to_others(env, set(docnames))  # type: ignore[attr-defined]


def rewrite_all_if_shown_changed(app: Sphinx, env: BuildEnvironment) -> list[str]:
    """Every page, when a page read again changed what the others show of it; else none."""
    reread = getattr(app, "jz_reread", set())
    if reread and _shown_to_others(env, reread) != getattr(app, "jz_shown_before", None):
        return sorted(env.found_docs)
    return []


def copy_mystnb_css_before_writing(app: Sphinx, env: BuildEnvironment) -> None:
    """Put MyST-NB's stylesheet into the output before the pages are written, not after.

    Sphinx links a stylesheet with a checksum (``mystnb.<hash>.css?v=8cd3d715``) when the file is in
    the output as a page is written.  MyST-NB copies its stylesheet only when the build has finished,
    so a clean build would link it without the checksum and a later incremental build with it.
    """
    from myst_nb.sphinx_ext import add_global_html_resources

    if app.builder.format == "html":
        Path(app.outdir, "_static").mkdir(parents=True, exist_ok=True)  # not there yet in a clean build
        add_global_html_resources(app, None)


def mark_start(app: Sphinx) -> None:
    mark = Path(app.doctreedir) / START_MARK
    mark.parent.mkdir(parents=True, exist_ok=True)
    mark.touch()
    # The file system's clock (coarse on Linux), read back: what this build writes is not older.
    app.jz_started = mark.stat().st_mtime_ns  # type: ignore[attr-defined]


def owned_files(env: BuildEnvironment, outdir: Path) -> set[Path]:
    """Output files that belong to the current pages, whether or not this build wrote them: each
    page, its copied source, the images and downloads a page uses, and the ``index.html`` that
    sphinx-external-toc writes once (a redirect to the root page; changing the root changes
    ``_toc.yml``, which makes the runner start from a clean state)."""
    suffix = env.config.html_sourcelink_suffix
    sources = (str(env.doc2path(d, base=False)) for d in env.found_docs)
    owned = {outdir / "index.html"}
    owned |= {outdir / f"{d}.html" for d in env.found_docs}
    owned |= {outdir / "_sources" / (name if name.endswith(suffix) else name + suffix) for name in sources}
    owned |= {outdir / "_images" / unique for _, unique in env.images.values()}
    owned |= {outdir / "_downloads" / destination for _, destination in env.dlfiles.values()}
    return owned


def _docname_of_data(path: Path, outdir: Path) -> str | None:
    """The page whose figure or table CSV ``path`` is (``_downloads/data/<page>/<name>.csv``)."""
    data = outdir.joinpath(*DATA_DOWNLOADS)
    try:
        return path.parent.relative_to(data).as_posix()
    except ValueError:
        return None


def prune_leftovers(app: Sphinx, exception: Exception | None) -> None:
    """Delete every output file that this build did not write and no current page owns."""
    if exception is not None or app.builder.format != "html" or not hasattr(app, "jz_started"):
        return
    env, outdir, started = app.env, Path(app.outdir), app.jz_started  # type: ignore[attr-defined]
    owned = owned_files(env, outdir)
    for directory, folders, files in os.walk(outdir):
        here = Path(directory)
        if here == outdir:
            folders[:] = [f for f in folders if f != STATIC]
        for name in files:
            path = here / name
            if path.stat().st_mtime_ns >= started:
                continue  # written by this build
            page = _docname_of_data(path, outdir)
            if page is not None:
                # A page written by this build wrote all its CSV files anew; an unchanged page keeps its own.
                page_file = outdir / f"{page}.html"
                if page in env.found_docs and page_file.is_file() and page_file.stat().st_mtime_ns < started:
                    continue
            elif path in owned or path.suffix != ".html" and here == outdir:
                continue  # a current page's file; or Sphinx's own files at the top (objects.inv ...)
            path.unlink()
    for directory, _, _ in sorted(os.walk(outdir, topdown=False), key=lambda entry: -len(entry[0])):
        if Path(directory) != outdir and not os.listdir(directory):
            os.rmdir(directory)


#: Extensions checked to be safe for parallel reading that do not say so themselves (see above).
CHECKED_PARALLEL_SAFE = ("sphinx_multitoc_numbering",)


def setup(app: Sphinx) -> dict[str, Any]:
    for name in CHECKED_PARALLEL_SAFE:
        if name in app.extensions:
            app.extensions[name].parallel_read_safe = True
    app.connect("builder-inited", mark_start)
    app.connect("doctree-read", note_pasted_sources)
    app.connect("env-before-read-docs", remember_before_reading)
    app.connect("env-get-updated", rewrite_all_if_shown_changed)
    app.connect("env-updated", copy_mystnb_css_before_writing)
    app.connect("build-finished", prune_leftovers)
    return {"parallel_read_safe": True, "parallel_write_safe": True, "version": "1"}
