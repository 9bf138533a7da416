"""Sphinx extension: valid, accessible markup where the theme and the extensions write it otherwise.

The book is judged by the Nu HTML Checker and by axe-core (``tests/book/test_accessibility.py``).
What the book's own pages say is the project's; these faults come from the tools that write the
pages, and each is fixed here, in the HTML the build writes -- not repaired in the reader's browser:

* **Folded code cells** (MyST-NB): their ``<summary>`` held two ``<p>`` prompts, and a summary holds
  phrasing content only; and it was named "Toggle hidden content" while it shows "Show code cell
  source" (WCAG 2.5.3, *label in name*).  The prompts are ``<span>`` here and the summary is named by
  the prompt it shows (``book/_static/jeugdzorg.css`` gives the spans the look MyST-NB gives its ``p``).
* **The bibliography** (docutils): a ``role="list"`` whose entries have the deprecated role
  ``doc-biblioentry``, which is no list item (axe: *aria-required-children*).  The entries are list items.
* **The offline interactive table** (itables): the asset cell leaves a ``<noscript>`` message for a
  notebook whose scripts are not trusted ("is your notebook trusted?"), with an unknown element
  (``<it>``) and an SVG logo with an attribute its element may not carry.  It speaks to a notebook's
  user, not to a reader of the book, and is left out.
* **The root page** (``index.html``, which sphinx-external-toc writes as a bare ``<meta>`` refresh):
  a complete HTML page -- doctype, language, title -- that forwards to the first page and links to it.

The theme's search button and colour-mode switch are fixed where they are drawn, by the templates in
``book/_templates`` (``templates_path``).
"""

from __future__ import annotations

import re
from html import escape
from pathlib import Path
from typing import Any

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.transforms.post_transforms import SphinxPostTransform
from sphinx.writers.html5 import HTML5Translator

#: itables' message for a notebook whose scripts do not run (see the module's docstring).
_NOTEBOOK_NOSCRIPT = re.compile(r"<noscript>(?:(?!</noscript>).)*?init_notebook_mode.*?</noscript>\n?", re.S)


def visit_folded_cell(self: HTML5Translator, node: nodes.Element) -> None:
    """MyST-NB's fold of a code cell: a ``<details>`` whose summary shows one prompt, closed or open."""
    self.body.append(f'<details class="admonition hide {" ".join(node["classes"])}">\n<summary>\n'
                     f'<span class="collapsed admonition-title">{escape(node["prompt_show"])}</span>\n'
                     f'<span class="expanded admonition-title">{escape(node["prompt_hide"])}</span>\n'
                     "</summary>\n")


def depart_folded_cell(self: HTML5Translator, node: nodes.Element) -> None:
    self.body.append("</details>\n")


def visit_citation(self: HTML5Translator, node: nodes.citation) -> None:
    """A bibliography entry as an item of the list docutils opens around the entries."""
    if not isinstance(node.previous_sibling(), nodes.citation):
        self.body.append('<div role="list" class="citation-list">\n')
    self.body.append(self.starttag(node, "div", classes=[node.tagname], role="listitem"))


class NotebookOnlyMessages(SphinxPostTransform):
    """Leave out what a cell's HTML output says to a notebook's user only (itables' ``<noscript>``)."""

    # After MyST-NB has chosen each output's format (priority 4) and folded the cells (199).
    default_priority = 200
    formats = ("html",)

    def run(self, **kwargs: Any) -> None:
        for node in self.document.findall(nodes.raw):
            if "html" in node.get("format", "").split():
                text = node.astext()
                kept = _NOTEBOOK_NOSCRIPT.sub("", text)
                if kept != text:
                    node.children = [nodes.Text(kept)]


def root_page(title: str, language: str, target: str) -> str:
    """The site's ``index.html``: forwards at once to ``target`` (the first page), with a link to it."""
    title, target = escape(title), escape(target)
    return (f'<!DOCTYPE html>\n<html lang="{escape(language)}">\n<head>\n<meta charset="utf-8">\n'
            '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f"<title>{title}</title>\n"
            f'<meta http-equiv="refresh" content="0; url={target}">\n<link rel="canonical" href="{target}">\n'
            f'</head>\n<body>\n<p><a href="{target}">{title}</a></p>\n</body>\n</html>\n')


def write_root_page(app: Sphinx, exception: Exception | None) -> None:
    """Write ``index.html`` (before sphinx-external-toc, which writes its bare redirect when none is there)."""
    if exception is not None or app.builder.name != "html" or app.config.root_doc == "index":
        return
    page = root_page(app.config.html_title or app.config.project, app.config.language or "en",
                     app.builder.get_target_uri(app.config.root_doc))
    path = Path(app.outdir, "index.html")
    if not path.is_file() or path.read_text(encoding="utf-8") != page:
        path.write_text(page, encoding="utf-8")


def setup(app: Sphinx) -> dict[str, Any]:
    from myst_nb.sphinx_ import HideCodeCellNode

    app.add_node(HideCodeCellNode, override=True, html=(visit_folded_cell, depart_folded_cell))
    app.add_node(nodes.citation, override=True, html=(visit_citation, HTML5Translator.depart_citation))
    app.add_post_transform(NotebookOnlyMessages)
    # sphinx-external-toc writes its redirect at the default priority (500): this page comes first.
    app.connect("build-finished", write_root_page, priority=400)
    return {"parallel_read_safe": True, "parallel_write_safe": True, "version": "1"}
