"""A book built without an optional part of the raw data (``make.py book --without iv3``).

The chapters that need the part are left out of the staging book.  What pointed at them must not be
left dangling: a paragraph of a summary page that pastes a number from a left-out chapter is left
out with it (a sentence with holes where numbers were would be worse than no sentence), a section
left empty loses its heading, and a cross-reference to a left-out chapter becomes plain text that
says the chapter is not in this build.  The data chapter says which part is missing.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

#: Summary pages that paste numbers from the chapters.
SUMMARY_PAGES = ("conclusions.md", "samenvatting.md")
NOT_IN_BUILD = {"en": "not in this build", "nl": "niet in deze uitgave"}
#: How the Dutch summary names a chapter that may be left out (its file name is English).
DUTCH_CHAPTER_NAMES = {"budget": "begroting", "care_mix": "zorgvormen", "validation": "validatie",
                       "profiles": "gemeentepagina's"}


def _pastes_from(block: str, names: list[str]) -> bool:
    return any(f"{name}.ipynb::" in block for name in names)


def drop_paragraphs(text: str, names: list[str]) -> str:
    """``text`` (MyST Markdown) without the paragraphs and list items that paste from ``names``, and
    without headings whose section is left empty."""
    blocks = re.split(r"\n\s*\n", text)
    kept = []
    for block in blocks:
        if _pastes_from(block, names):
            # A list keeps its items that do not paste from a left-out chapter.
            items = re.split(r"\n(?=\* )", block)
            if len(items) > 1:
                items = [item for item in items if not _pastes_from(item, names)]
                if items:
                    kept.append("\n".join(items))
            continue
        kept.append(block)
    # A heading directly followed by another heading of the same or a higher level (or by the end)
    # has lost its section.
    out = []
    for i, block in enumerate(kept):
        heading = re.match(r"^(#+) ", block)
        if heading:
            following = kept[i + 1] if i + 1 < len(kept) else ""
            nxt = re.match(r"^(#+) ", following)
            if not following or (nxt and len(nxt.group(1)) <= len(heading.group(1))):
                continue
        out.append(block)
    return "\n\n".join(out)


def unlink_references(text: str, names: list[str], language: str = "en") -> str:
    """Replace ``{doc}`name``` (or ``{doc}`words <name>```) of a left-out chapter by plain text saying
    it is not in this build."""
    for name in names:
        label = (f"the {name.replace('_', ' ')} chapter" if language == "en" else
                 f"het hoofdstuk {DUTCH_CHAPTER_NAMES.get(name, name.replace('_', ' '))}")
        target = r"(?:\.\./)?%s" % re.escape(name)
        text = re.sub(r"\{doc\}`%s`" % target, f"{label} ({NOT_IN_BUILD[language]})", text)
        text = re.sub(r"\{doc\}`([^`<]*?)\s*<%s>`" % target,
                      lambda match: f"{match.group(1)} ({NOT_IN_BUILD[language]})", text)
    return text


def _language(text: str) -> str:
    return "nl" if re.search(r"^---\n(?:.*\n)*?lang: nl\n(?:.*\n)*?---", text) else "en"


def leave_out_chapters(book: Path, toc: Path, names: list[str]) -> None:
    """Remove ``names`` (chapter notebooks) from the staging ``book`` and ``toc``, and tidy the
    summary pages (see the module docstring).  Runs before the notebooks are executed."""
    if not names:
        return
    lines = toc.read_text(encoding="utf-8").splitlines()
    toc.write_text("\n".join(line for line in lines if line.strip() not in {f"- file: book/{n}" for n in names})
                   + "\n", encoding="utf-8")
    for name in names:
        (book / f"{name}.ipynb").unlink(missing_ok=True)
    for page in sorted(book.glob("*.md")):
        text = page.read_text(encoding="utf-8")
        new = unlink_references(drop_paragraphs(text, names) if page.name in SUMMARY_PAGES else text,
                                names, _language(text))
        if new != text:
            page.write_text(new, encoding="utf-8")


def unlink_in_notebooks(book: Path, names: list[str]) -> None:
    """Cross-references to left-out chapters in the executed chapters and in the written pages (the
    municipality pages) become plain text.  Runs after execution, on the staging copy only: the
    templates keep their links for the full book."""
    if not names:
        return
    for page in sorted(book.rglob("*.md")):
        text = page.read_text(encoding="utf-8")
        new = unlink_references(text, names, _language(text))
        if new != text:
            page.write_text(new, encoding="utf-8")
    for notebook in sorted(book.rglob("*.ipynb")):
        data = json.loads(notebook.read_text(encoding="utf-8"))
        changed = False
        for cell in data["cells"]:
            if cell["cell_type"] != "markdown":
                continue
            source = "".join(cell["source"])
            new = unlink_references(source, names)
            if new != source:
                cell["source"] = new
                changed = True
        if changed:
            notebook.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
