"""Sphinx extension: every figure's image gets alt text that says what it shows.

A glued figure reaches the HTML as an image whose alt text is its file path, which a screen reader
reads out as a hash.  Every figure of the book has a caption that starts with a bold sentence saying
what it shows (tests/book/test_notebooks.py checks that each figure has a real caption); this
extension copies that sentence, or the whole caption when it has no bold part, into the alt text of
the figure's images.  Alt text set by hand is kept.
"""

from __future__ import annotations

from typing import Any

from docutils import nodes

#: Alt text longer than this is cut at a word boundary: a screen reader reads the caption anyway.
MAX_ALT = 250


def _described(alt: str, uri: str) -> bool:
    """Whether ``alt`` is a real description (not empty, not the file path Sphinx puts there)."""
    return bool(alt) and alt != uri and not alt.endswith((".png", ".svg", ".jpg")) and "/_images/" not in alt


def alt_text(caption: nodes.caption) -> str:
    """The bold opening of a caption, or the caption's text, shortened to :data:`MAX_ALT` characters."""
    strong = next(iter(caption.findall(nodes.strong)), None)
    text = " ".join((strong or caption).astext().split()).rstrip(".")
    if len(text) > MAX_ALT:
        text = text[:MAX_ALT].rsplit(" ", 1)[0] + " ..."
    return text


def add_alt_text(app: Any, doctree: nodes.document, docname: str) -> None:
    for figure in doctree.findall(nodes.figure):
        caption = next(iter(figure.findall(nodes.caption)), None)
        if caption is None:
            continue
        for image in figure.findall(nodes.image):
            if not _described(image.get("alt", ""), image.get("uri", "")):
                image["alt"] = alt_text(caption)


def setup(app: Any) -> dict[str, Any]:
    app.connect("doctree-resolved", add_alt_text)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
