"""A small Sphinx extension for the book's Dutch pages.

A page whose front matter says ``lang: nl`` (the Samenvatting) is Dutch:

* numbers pasted into it with ``{glue:text}`` are written in Dutch notation (``380.100``, ``17,3``:
  thousands dot, decimal comma) after MyST-NB has resolved them, so the Dutch page quotes exactly the
  numbers the English chapters computed, only written the Dutch way;
* its HTML says so: ``<html lang="nl">`` (Sphinx has one ``language`` for the whole book, so screen
  readers, hyphenation and translation tools would otherwise treat the page as English).
"""

from __future__ import annotations

import re

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.transforms.post_transforms import SphinxPostTransform

#: A number as Python's format specs write it: optional sign, thousands commas, decimal point.
_NUMBER = re.compile(r"(?<![\w.,])[+\-−]?\d{1,3}(?:,\d{3})+(?:\.\d+)?(?![\w])|(?<![\w.,])[+\-−]?\d+\.\d+(?![\w])")


def dutch_notation(text: str) -> str:
    """``'380,100'`` -> ``'380.100'``, ``'+6.0'`` -> ``'+6,0'``; words and other text unchanged."""
    return _NUMBER.sub(lambda m: m.group(0).translate(str.maketrans({",": ".", ".": ","})), text)


def page_language(env, docname: str) -> str | None:
    """The ``lang`` of a page's front matter, or ``None`` (the book's language)."""
    return (env.metadata.get(docname) or {}).get("lang")


class DutchPastedNumbers(SphinxPostTransform):
    """Rewrite pasted numbers on ``lang: nl`` pages in Dutch notation."""

    # After MyST-NB has replaced the pending cross-document glue references (priority 5).
    default_priority = 6

    def apply(self, **kwargs) -> None:
        if page_language(self.env, self.env.docname) != "nl":
            return
        for node in list(self.document.findall(nodes.inline)):
            if "pasted-text" in node.get("classes", []):
                text = node.astext()
                dutch = dutch_notation(text)
                if dutch != text:
                    node.children = [nodes.Text(dutch)]


def set_html_language(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
    """``<html lang="...">`` of a page from its front matter (the themes print ``context['language']``)."""
    language = page_language(app.env, pagename) if doctree is not None else None
    if language:
        context["language"] = language


def setup(app: Sphinx) -> dict:
    app.add_post_transform(DutchPastedNumbers)
    app.connect("html-page-context", set_html_language)
    return {"parallel_read_safe": True, "parallel_write_safe": True, "version": "1"}
