"""The built site as files: nothing loads from another host, no live-code leftovers, Dutch pages say
so, the bibliography reads well, and the reproducibility page prints no stray values."""

from __future__ import annotations

import html.parser
import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from pybtex.database import parse_file

from jeugdzorg.paths import BOOK_DIR

#: Attributes through which a page loads something (a link in <a href> is not a load).
LOADING = {"script": ("src",), "link": ("href",), "img": ("src", "srcset"), "iframe": ("src",),
           "source": ("src", "srcset"), "audio": ("src",), "video": ("src", "poster"), "embed": ("src",),
           "object": ("data",)}


class _Loads(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.html_lang: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "html":
            self.html_lang = dict(attrs).get("lang")
        for name, value in attrs:
            if value and name in LOADING.get(tag, ()):
                self.urls += [part.strip().split(" ")[0] for part in value.split(",")] if name == "srcset" else [value]


def _parse(page: Path) -> _Loads:
    parser = _Loads()
    parser.feed(page.read_text(encoding="utf-8"))
    return parser


def _elsewhere(url: str) -> bool:
    parts = urlsplit(url)
    return bool(parts.netloc) or parts.scheme in ("http", "https")


def _pages(html: Path) -> list[Path]:
    return sorted(p for p in html.rglob("*.html") if "_static" not in p.parts)


def test_no_page_loads_anything_from_another_host(built_html):
    pages = _pages(built_html)
    assert len(pages) > 15
    offenders = {str(p.relative_to(built_html)): [u for u in _parse(p).urls if _elsewhere(u)] for p in pages}
    assert {page: urls for page, urls in offenders.items() if urls} == {}


def test_no_stylesheet_loads_a_font_or_image_from_another_host(built_html):
    remote = re.compile(r"""url\(\s*['"]?(?:https?:)?//""")
    sheets = sorted(built_html.rglob("*.css"))
    assert sheets
    assert [str(s.relative_to(built_html)) for s in sheets if remote.search(s.read_text(encoding="utf-8"))] == []


def test_no_live_code_leftovers(built_html):
    """No thebe, binder or launch buttons: the book is read, not run, in the browser."""
    for page in _pages(built_html):
        text = page.read_text(encoding="utf-8").lower()
        for word in ("thebe", "binder", "launch-buttons", "unpkg.com", "jsdelivr"):
            assert word not in text, f"{page.relative_to(built_html)} mentions {word}"


def test_pages_with_lang_nl_front_matter_are_marked_dutch(built_html):
    dutch = {p.stem for p in BOOK_DIR.glob("*.md")
             if re.match(r"---\n(?:.*\n)*?lang:\s*nl\n(?:.*\n)*?---\n", p.read_text(encoding="utf-8"))}
    assert dutch == {"samenvatting", "profiles"}  # the Samenvatting and the index of the (Dutch) municipality pages
    for page in sorted((built_html / "book").glob("*.html")):
        assert _parse(page).html_lang == ("nl" if page.stem in dutch else "en"), page.name


def test_reproducibility_page_prints_no_none(built_html):
    page = (built_html / "book" / "reproducibility.html").read_text(encoding="utf-8")
    article = re.sub(r"<pre>.*?</pre>", "", page.split("<article", 1)[1], flags=re.S)  # text, not code
    assert not re.search(r">\s*None\s*<", article), "a parameter printed as None"
    assert "from the data" in article


def _bibliography(built_html: Path) -> list[tuple[str, str]]:
    """(label, entry text) of each entry of the bibliography page, in page order."""
    page = (built_html / "book" / "bibliography.html").read_text(encoding="utf-8")
    entries = re.findall(r'<span class="label"><span class="fn-bracket">\[</span>(.*?)<span class="fn-bracket">\]'
                         r"</span></span>(.*?)</div>", page, re.S)
    return [(label, body) for label, body in entries]


def test_bibliography_has_author_year_labels_in_alphabetical_order(built_html):
    entries = _bibliography(built_html)
    labels = [label for label, _ in entries]
    assert len(labels) >= 10
    assert all(re.fullmatch(r".+ (\d{4}|n\.d\.)[a-z]?", label) for label in labels), labels
    assert labels == sorted(labels, key=str.casefold)
    assert len(set(labels)) == len(labels)


def test_bibliography_links_every_url_and_doi_it_knows(built_html):
    bib = parse_file(str(BOOK_DIR / "references.bib"))
    text = "".join(body for _, body in _bibliography(built_html))
    cited = 0
    for entry in bib.entries.values():
        if entry.fields.get("doi"):
            if entry.fields["title"].split(":")[0][:20] in text:
                cited += 1
                assert f'href="https://doi.org/{entry.fields["doi"]}"' in text, entry.key
        if entry.fields.get("url") and entry.fields["title"].split(":")[0][:20] in text:
            cited += 1
            assert f'href="{entry.fields["url"]}"' in text, entry.key
    assert cited >= 5


@pytest.mark.parametrize("name", ["intro", "trends", "conclusions"])
def test_citations_in_the_text_use_the_bibliography_labels(built_html, name):
    labels = {label for label, _ in _bibliography(built_html)}
    page = (built_html / "book" / f"{name}.html").read_text(encoding="utf-8")
    used = set(re.findall(r'<a class="reference internal" href="bibliography.html#[^"]*"[^>]*>([^<]+)</a>', page))
    assert used and used <= labels


def _search_summary_text(page: Path) -> tuple[str, str]:
    """The text Sphinx's search shows a result's summary from (the page's main element without
    scripts, styles and heading links, as ``searchtools.js`` takes it), and the page's title."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
    main = soup.select_one('[role="main"]')
    for node in main.select("script, style, .headerlink"):
        node.decompose()
    return " ".join(main.get_text(" ").split()), " ".join(main.find("h1").get_text(" ").split())


def test_search_summaries_carry_no_text_of_the_theme_buttons(built_html):
    # A search result's summary is cut from the text of the page's main element.  Before the title
    # only the download menu's file types may stand there (".ipynb .pdf"), never a button's hidden
    # name such as "Color mode: Dark", which opened every summary of a municipality page.
    pages = [p for p in _pages(built_html / "book") if p.parent.name != "profiles"]
    pages += sorted((built_html / "book" / "profiles").glob("GM*.html"))
    # Every chapter and every municipality page of the edition, however many municipalities it has.
    sources = [p for p in BOOK_DIR.rglob("*") if p.suffix in (".md", ".ipynb") and ".tmp-" not in p.name]
    assert len(pages) == len(sources)
    for page in pages:
        text, title = _search_summary_text(page)
        before = text.split(title, 1)[0]
        assert re.fullmatch(r"(?:\.\w+ )*", before), (page.name, before)
