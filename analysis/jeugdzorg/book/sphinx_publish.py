"""Sphinx extension: the numbers under every figure and table as CSV, the snapshot zip, the citation.

The downloads are written by the HTML build itself, from what the executed notebooks glued -- not by
executing a notebook, which a cached build skips:

* every figure pasted with ``{glue:figure} key`` gets the CSV glued beside it as ``key_data`` (see
  :class:`jeugdzorg.book.publish.FigureData`): exactly the numbers drawn.  A glued figure without its
  data is a build warning, so a strict build fails on it.  A figure of a written page (the municipality
  pages: ``{figure} GM0363-cost.svg``) gets the CSV of the same name beside its image
  (``GM0363-cost.csv``), written with the image from the same rounded numbers.
* every table gets a CSV of the cells as shown (thousands separators dropped so that a spreadsheet
  reads the numbers, an en dash for a missing value left empty).
* the whole data snapshot (``data/`` with ``MANIFEST.yml``) is packed into one zip named after the
  edition (:func:`jeugdzorg.book.edition.snapshot_zip`); the directive ``{snapshot-download}`` links
  it, ``{how-to-cite}`` prints the citation of the edition.

Files go to ``_downloads/data/<page>/<figure or table id>.csv`` and ``_downloads/<zip>`` in the HTML
output, and a download link is placed directly under the figure or table.  Nothing written depends
on the build time, so two builds give the same bytes.  Other builders (LaTeX) get no links: a PDF
cannot carry the files.

For the static (LaTeX/PDF) edition, :class:`StaticEdition` turns what only works on screen into
print: code a reader of the HTML has to unfold (``hide-input``, ``hide-cell``, ``hide-output``) is left
out, and an interactive output that has no static form (its only text is a Python object's repr,
such as ``<IPython.core.display.HTML object>``) is replaced by a sentence pointing to the HTML edition.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

from docutils import nodes
from docutils.parsers.rst import Directive
from myst_nb.core.variables import RetrievalError
from myst_nb.ext.glue.directives import PasteFigureDirective, PasteMarkdownDirective
from myst_nb.ext.glue.utils import retrieve_glue_data
from sphinx import addnodes
from sphinx.application import Sphinx
from sphinx.transforms.post_transforms import SphinxPostTransform
from sphinx.util import logging

from .edition import Edition, SnapshotZip, load_edition, snapshot_zip
from .sphinx_language import page_language

logger = logging.getLogger(__name__)

#: Folder under the HTML output's ``_downloads`` that holds the CSV files of figures and tables.
DATA_FOLDER = "data"
#: Attribute of a figure node holding the CSV text of its glued data.
FIGURE_DATA = "jz_figure_data"
#: Attribute of a figure or table node holding the glue key it was pasted from (names its CSV file).
GLUE_KEY = "jz_glue_key"
#: Class of the literal that names the snapshot zip; the HTML build turns it into a download link
#: (a download node made while reading would send Sphinx looking for the file among the sources).
SNAPSHOT_LINK = "jz-snapshot-zip"
#: Words of the download links, per page language.
LINK_TEXT = {"en": ("Download the data", "CSV", "rows"), "nl": ("Download de gegevens", "CSV", "rijen")}

_FORMATTED_NUMBER = re.compile(r"^[+\-−]?\d{1,3}(?:,\d{3})+(?:\.\d+)?$")
_MISSING = {"–", "—"}
_AUTOMATIC_ID = re.compile(r"id\d+")
#: The text/plain form of an output that is only meaningful in a browser (an object's repr).
_OBJECT_REPR = re.compile(r"<[\w.]+ object(?: at 0x[0-9a-f]+)?>")
#: Cell tags whose content the HTML folds away, and which part of the cell each folds.
_FOLDED = {"tag_hide-input": ("cell_input",), "tag_hide-output": ("cell_output",),
           "tag_hide-cell": ("cell_input", "cell_output")}


class FigureWithData(PasteFigureDirective):
    """``{glue:figure}`` that also carries the figure's glued data (``<key>_data``) on its node."""

    def run(self) -> list[nodes.Node]:
        result = super().run()
        key = self.arguments[0]
        figure = next((n for n in result if isinstance(n, nodes.figure)), None)
        if figure is None:  # myst-nb already reported why nothing was pasted
            return result
        try:
            data = retrieve_glue_data(self.document, f"{key}_data")
        except RetrievalError:
            logger.warning(f"figure {key!r} has no glued data {key + '_data'!r}: glue it with "
                           "jeugdzorg.book.publish.figure so readers can download the numbers drawn",
                           location=figure, type="jeugdzorg", subtype="figure_data")
            return result
        figure[FIGURE_DATA] = str(data.data.get("text/plain", ""))
        figure[GLUE_KEY] = key
        return result


class MarkdownWithKey(PasteMarkdownDirective):
    """``{glue:md}`` that marks the tables it pastes with their glue key (to name the CSV file)."""

    def run(self) -> list[nodes.Node]:
        result = super().run()
        for node in result:
            for table in node.findall(nodes.table):
                table[GLUE_KEY] = self.arguments[0]
        return result


def plain_cell(text: str) -> str:
    """A table cell as a spreadsheet reads it: ``'1,234.5'`` -> ``'1234.5'``, ``'–'`` -> ``''``.

    Only a cell that is entirely one formatted number loses its thousands separators; any other
    text (a year range, a coefficient with significance stars) is kept exactly as shown.
    """
    text = " ".join(text.split())
    if text in _MISSING:
        return ""
    if _FORMATTED_NUMBER.match(text):
        return text.replace(",", "").replace("−", "-")
    return text


def table_rows(table: nodes.table) -> list[list[str]]:
    """The header and body rows of a docutils table, as the text of each cell."""
    rows = []
    for group in table.findall(nodes.tgroup):
        for part in group.children:
            if isinstance(part, (nodes.thead, nodes.tbody)):
                for row in part.children:
                    rows.append([plain_cell(entry.astext()) for entry in row.children
                                 if isinstance(entry, nodes.entry)])
    return rows


def csv_text(rows: list[list[str]]) -> str:
    """The rows as CSV text (quoted where needed, ``\n`` line ends, short rows padded with empty
    cells), written the way the glued figure data are written (pandas, whose writer is Python's
    ``csv``), so every download of the book reads alike."""
    width = max((len(row) for row in rows), default=0)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    for row in rows:
        writer.writerow(row + [""] * (width - len(row)))
    return out.getvalue()


def _count_rows(text: str) -> int:
    """Data rows of a CSV text without its header (glued data hold no line breaks inside a cell)."""
    return max(0, len(text.strip("\n").split("\n")) - 1)


class DataDownloads(SphinxPostTransform):
    """Write the CSV of every figure and table of a page and link it under the figure or table."""

    # After MyST-NB has pasted glued outputs from other documents (priority 5).
    default_priority = 20
    formats = ("html",)

    def run(self, **kwargs) -> None:
        for literal in list(self.document.findall(nodes.literal)):
            if SNAPSHOT_LINK in literal["classes"]:
                name = literal.astext()
                literal.replace_self(addnodes.download_reference("", "", literal.deepcopy(), filename=name,
                                                                 reftarget=name, refexplicit=True))
        docname = self.env.docname
        language = page_language(self.env, docname) or "en"
        for figure in self.document.findall(nodes.figure):
            if FIGURE_DATA not in figure:
                data = image_data(figure, Path(self.app.srcdir))
                if data is not None:
                    figure[FIGURE_DATA] = data
        used: set[str] = set()
        for number, node in enumerate(list(self.document.findall(_has_data)), start=1):
            if isinstance(node, nodes.figure):
                text, kind = node[FIGURE_DATA], "figure"
            else:
                text, kind = csv_text(table_rows(node)), "table"
            if not text.strip():
                continue
            name = _unique(file_stem(node, f"{kind}-{number}"), used)
            relative = f"{DATA_FOLDER}/{docname}/{name}.csv"
            target = Path(self.app.outdir) / "_downloads" / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text if text.endswith("\n") else text + "\n", encoding="utf-8")
            node.parent.insert(node.parent.index(node) + 1,
                               download_paragraph(relative, f"{name}.csv", _count_rows(text), language))


def image_data(figure: nodes.figure, srcdir: Path) -> str | None:
    """The CSV beside a figure's local image file (same name, ``.csv``), if there is one."""
    for image in figure.findall(nodes.image):
        uri = str(image.get("uri", ""))
        if not uri or "://" in uri:
            continue
        data = (srcdir / uri).with_suffix(".csv")
        if data.is_file():
            return data.read_text(encoding="utf-8")
    return None


def file_stem(node: nodes.Element, fallback: str) -> str:
    """The CSV file's name: the figure's or table's label (``fig-trend-index``), else its glue key,
    else ``fallback`` -- never docutils' automatic ``id3``, which moves when the page changes."""
    labels = [i for i in node["ids"] if not _AUTOMATIC_ID.fullmatch(i)]
    if labels:
        return labels[0]
    if node.get(GLUE_KEY):
        return str(node[GLUE_KEY]).replace("_", "-")
    if isinstance(node, nodes.figure):
        for image in node.findall(nodes.image):
            uri = str(image.get("uri", ""))
            if uri and "://" not in uri:
                return Path(uri).stem
    return fallback


def _has_data(node: nodes.Node) -> bool:
    return (isinstance(node, nodes.figure) and FIGURE_DATA in node) or isinstance(node, nodes.table)


def _unique(name: str, used: set[str]) -> str:
    candidate, n = name, 1
    while candidate in used:
        n += 1
        candidate = f"{name}-{n}"
    used.add(candidate)
    return candidate


def download_paragraph(relative: str, filename: str, rows: int, language: str) -> nodes.paragraph:
    """``Download the data (CSV, 9 rows): fig-x.csv`` as a paragraph with a download link."""
    words, fmt, unit = LINK_TEXT.get(language, LINK_TEXT["en"])
    link = addnodes.download_reference("", "", nodes.literal(filename, filename), filename=relative,
                                       reftarget=relative, refexplicit=True)
    return nodes.paragraph("", "", nodes.Text(f"{words} ({fmt}, {rows} {unit}): "), link,
                           classes=["data-download"])


class StaticEdition(SphinxPostTransform):
    """For print: leave out folded code and replace interactive outputs by a pointer to the HTML."""

    default_priority = 20
    formats = ("latex",)

    def run(self, **kwargs) -> None:
        for cell in list(self.document.findall(nodes.container)):
            folded = {part for tag, parts in _FOLDED.items() if tag in cell["classes"] for part in parts}
            for child in list(cell.children):
                if isinstance(child, nodes.container) and folded & set(child["classes"]):
                    cell.remove(child)
        baseurl = str(self.config.html_baseurl or "").rstrip("/")
        for block in list(self.document.findall(nodes.literal_block)):
            if _OBJECT_REPR.fullmatch(block.astext().strip()):
                text = "This output is interactive; it is in the HTML edition of the book"
                text += f" ({baseurl}/{self.env.docname}.html)." if baseurl else "."
                block.replace_self(nodes.paragraph("", "", nodes.emphasis("", text)))


# --------------------------------------------------------------------------------------------
# The edition: snapshot zip and citation
# --------------------------------------------------------------------------------------------

def _edition(app: Sphinx) -> Edition:
    return app.jz_edition  # type: ignore[attr-defined]


def _human_size(size: int) -> str:
    return f"{size / 1_000_000:.1f} MB" if size >= 1_000_000 else f"{size / 1000:.0f} kB"


class SnapshotDownload(Directive):
    """``{snapshot-download}``: a paragraph linking the zip of the whole data snapshot."""

    has_content = False

    def run(self) -> list[nodes.Node]:
        env = self.state.document.settings.env
        packed: SnapshotZip = env.app.jz_snapshot_zip
        text = (f" ({_human_size(packed.size)}; {len(packed.members)} files: every table of data/, the "
                f"boundaries, MANIFEST.yml and a README; sha256 {packed.sha256[:16]}…)")
        if env.app.builder.format != "html":
            text += ", with the online edition"
        name = nodes.literal(packed.name, packed.name, classes=[SNAPSHOT_LINK])
        return [nodes.paragraph("", "", nodes.strong("", "The data snapshot of this edition: "), name,
                                nodes.Text(text), classes=["snapshot-download"])]


class HowToCite(Directive):
    """``{how-to-cite}``: the citation of this edition (authors, year, title, version, date, URL)."""

    has_content = False

    def run(self) -> list[nodes.Node]:
        edition = _edition(self.state.document.settings.env.app)
        parts: list[nodes.Node] = [nodes.Text(f"{edition.authors} ({edition.date.year}). "),
                                   nodes.emphasis("", edition.title),
                                   nodes.Text(f" Version {edition.version} (edition of {edition.date.isoformat()}). "
                                              "Data: Statistics Netherlands (CBS), CC BY 4.0.")]
        if edition.repository_url:
            parts += [nodes.Text(" "), nodes.reference(edition.repository_url, edition.repository_url,
                                                       refuri=edition.repository_url)]
        return [nodes.paragraph("", "", *parts, classes=["how-to-cite"])]


def _prepare_edition(app: Sphinx) -> None:
    """Read the edition and pack the snapshot once, before any page is read."""
    root = Path(app.srcdir)
    app.jz_edition = load_edition(root if (root / "_config.yml").is_file() else Path(app.confdir))
    app.jz_snapshot_zip = snapshot_zip(app.jz_edition)


def _write_snapshot_zip(app: Sphinx, exception: Exception | None) -> None:
    if exception is None and app.builder.format == "html":
        target = Path(app.outdir) / "_downloads" / app.jz_snapshot_zip.name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(app.jz_snapshot_zip.content)


def setup(app: Sphinx) -> dict:
    # myst_nb (loaded before this extension) registered the glue domain; replace its figure directive.
    app.add_directive_to_domain("glue", "figure", FigureWithData, override=True)
    app.add_directive_to_domain("glue", "md", MarkdownWithKey, override=True)
    app.add_post_transform(DataDownloads)
    app.add_post_transform(StaticEdition)
    app.add_directive("snapshot-download", SnapshotDownload)
    app.add_directive("how-to-cite", HowToCite)
    app.connect("builder-inited", _prepare_edition)
    app.connect("build-finished", _write_snapshot_zip)
    return {"parallel_read_safe": True, "parallel_write_safe": True, "version": "1"}
