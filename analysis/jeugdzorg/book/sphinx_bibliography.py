"""Sphinx extension: the bibliography with labels people read, in the order people look them up.

sphinxcontrib-bibtex's default style labels entries like ``[AEF20]`` and lists them in citation
order.  This style (``bibtex_default_style: jeugdzorg``) labels an entry by its author and year --
``[Mundlak 1978]``, ``[Kattenberg & Vermeulen 2018]``, ``[CBS 2023a]`` -- using a short name for an
organisation when the entry gives one (``shortauthor = {CBS}``), sorts the list alphabetically by
that label, and prints URLs and DOIs as links (pybtex's ``unsrt`` formatting).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Iterator
from string import ascii_lowercase

from pybtex.database import Entry
from pybtex.plugin import register_plugin
from pybtex.style.formatting.unsrt import Style as UnsrtStyle
from pybtex.style.labels import BaseLabelStyle
from pybtex.style.template import field, sentence
from pybtex.style.sorting import BaseSortingStyle
from sphinx.application import Sphinx

STYLE = "jeugdzorg"


def _plain(text: str) -> str:
    """BibTeX text without braces and with single spaces (``{Sociaal en Cultureel Planbureau}``)."""
    return " ".join(re.sub(r"[{}]", "", text).split())


def label_base(entry: Entry) -> str:
    """``'Mundlak 1978'``: short author (or surnames: one, two joined by &, or the first et al.) and year."""
    short = entry.fields.get("shortauthor")
    if short:
        name = _plain(short)
    else:
        persons = entry.persons.get("author") or entry.persons.get("editor") or []
        surnames = [_plain(" ".join(p.prelast_names + p.last_names)) for p in persons]
        if not surnames:
            name = _plain(entry.fields.get("title", entry.key))
        elif len(surnames) <= 2:
            name = " & ".join(surnames)
        else:
            name = f"{surnames[0]} et al."
    return f"{name} {entry.fields.get('year', 'n.d.')}"


class AuthorYearLabels(BaseLabelStyle):
    """Author-year labels; entries with the same author and year get a, b, c in list order."""

    def format_labels(self, sorted_entries: Iterable[Entry]) -> Iterator[str]:
        entries = list(sorted_entries)
        bases = [label_base(e) for e in entries]
        repeated = {base for base, n in Counter(bases).items() if n > 1}
        seen: Counter[str] = Counter()
        for base in bases:
            if base in repeated:
                yield base + ascii_lowercase[seen[base]]
                seen[base] += 1
            else:
                yield base


class ByLabel(BaseSortingStyle):
    """Alphabetical by the label a reader sees, then by year and title."""

    def sorting_key(self, entry: Entry) -> tuple[str, str, str]:
        return (label_base(entry).casefold(), entry.fields.get("year", ""), _plain(entry.fields.get("title", "")))


class JeugdzorgStyle(UnsrtStyle):
    """``unsrt`` formatting (with URL and DOI links), author-year labels, sorted by label.

    Titles keep the case they are written in: ``unsrt`` would lower-case them after the first letter,
    turning "table 83454NED" into "table 83454ned" and "Tweede Kamer" into "tweede kamer".
    """

    default_label_style = AuthorYearLabels
    default_sorting_style = ByLabel

    def format_title(self, e, which_field, as_sentence=True):
        title = field(which_field)
        return sentence[title] if as_sentence else title


def setup(app: Sphinx) -> dict:
    register_plugin("pybtex.style.formatting", STYLE, JeugdzorgStyle)
    return {"parallel_read_safe": True, "parallel_write_safe": True, "version": "1"}
