"""The municipality pages, their index and the landing page in a real browser (headless chromium).

* nothing is cut off: at 1280 and 390 px no table or figure of the municipality pages, the index or the
  landing page is wider than the text column; on the chapters a wider table scrolls in its own box
  (the page itself never gets wider than the screen) and no figure is wider than the column;
* the finder on the landing page and the index finds a municipality by name, other name, GM code and
  without accents, above the fold, and Enter opens the page; the book's search finds the pages too;
* the Dutch pages say they are Dutch;
* a municipality page prints on at most two A4 sheets, and print hides none of its tables or figures.
"""

from __future__ import annotations

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

from tests.browser import DESKTOP, PHONE
from tests.book.page_checks import PROFILE_SAMPLE, overflowing, pdf_pages
from tests.book.test_browser import toc_pages

READER_PAGES = ["book/intro", "book/profiles", *(f"book/profiles/{code}" for code in PROFILE_SAMPLE)]
CHAPTERS = [page for page in toc_pages() if page not in READER_PAGES]


@pytest.mark.parametrize("size", [DESKTOP, PHONE], ids=["1280px", "390px"])
@pytest.mark.parametrize("page", READER_PAGES)
def test_no_table_or_figure_of_the_reader_pages_is_cut_off(book_page, browser, page, size):
    driver = book_page(f"{page}.html")
    browser.resize(*size)
    driver.refresh()
    assert overflowing(driver) == [], f"{page} at {size[0]} px"
    width, window = driver.execute_script(
        "return [document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    assert width <= window, f"{page} is wider than the screen at {size[0]} px"


CHAPTER_OVERFLOW = """
return Array.from(document.querySelectorAll('.bd-article figure img, .bd-article div.cell_output img'))
  .filter(el => el.getBoundingClientRect().right > document.querySelector('.bd-article').getBoundingClientRect().right + 1)
  .map(el => el.getAttribute('src'));
"""


@pytest.mark.parametrize("size", [DESKTOP, PHONE], ids=["1280px", "390px"])
def test_chapters_keep_figures_in_the_column_and_wide_tables_in_their_box(book_page, browser, size):
    problems = []
    for page in CHAPTERS:
        driver = book_page(f"{page}.html")
        browser.resize(*size)
        driver.refresh()
        problems += [f"{page}: figure {src}" for src in driver.execute_script(CHAPTER_OVERFLOW)]
        loose = driver.execute_script(
            "return Array.from(document.querySelectorAll('.bd-article table')).filter(t => {"
            " const box = t.parentElement.closest('.pst-scrollable-table-container, div.output, .dt-container,"
            " .searchable-table > div');"
            " return !box && t.getBoundingClientRect().right > document.querySelector('.bd-article')"
            ".getBoundingClientRect().right + 1; }).length")
        if loose:
            problems.append(f"{page}: {loose} wide table(s) outside a scrolling box")
    assert problems == [], f"at {size[0]} px"


def _finder(driver):
    box = driver.find_element(By.CSS_SELECTOR, ".jz-finder input")
    return box, driver.find_element(By.CSS_SELECTOR, ".jz-finder ul.jz-finder-results")


def _first_results(driver, query: str) -> list[str]:
    box, results = _finder(driver)
    box.clear()
    box.send_keys(query)
    links = results.find_elements(By.TAG_NAME, "a")
    return [a.get_attribute("href").rsplit("/", 1)[-1] for a in links]


@pytest.mark.parametrize("page", ["book/intro", "book/profiles"])
def test_the_finder_finds_names_other_names_and_codes(book_page, page):
    driver = book_page(f"{page}.html")
    for query, code in (("Amsterdam", "GM0363"), ("den haag", "GM0518"), ("The Hague", "GM0518"),
                        ("Den Bosch", "GM0796"), ("GM0096", "GM0096"), ("0363", "GM0363"),
                        ("sudwest", "GM1900"), ("Súdwest-Fryslân", "GM1900"), ("schiermon", "GM0088")):
        found = _first_results(driver, query)
        assert found and found[0] == f"{code}.html", (query, found)
    assert _first_results(driver, "xyzzy") == []
    assert "Geen gemeente gevonden" in driver.find_element(By.CSS_SELECTOR, ".jz-finder-status").text


@pytest.mark.parametrize("size", [DESKTOP, PHONE], ids=["1280px", "390px"])
def test_the_finder_is_above_the_fold_and_enter_opens_the_page(book_page, browser, size):
    driver = book_page("book/intro.html")
    browser.resize(*size)
    driver.refresh()
    box, _ = _finder(driver)
    bottom = driver.execute_script("return arguments[0].getBoundingClientRect().bottom", box)
    assert bottom <= size[1], f"the finder ends at {bottom} px, below the first screen of {size[1]} px"
    box.send_keys("Vlieland", Keys.ENTER)
    WebDriverWait(driver, 10).until(lambda d: d.current_url.endswith("/book/profiles/GM0096.html"))
    assert driver.find_element(By.CSS_SELECTOR, ".bd-article h1").text.startswith("Vlieland (GM0096)")


@pytest.mark.parametrize(("query", "code"), [("Vlieland", "GM0096"), ("Den Haag", "GM0518"),
                                             ("GM0363", "GM0363"), ("Ermelo woonplaatsbeginsel", "GM0233")])
def test_the_book_search_finds_the_pages(book_page, query, code):
    driver = book_page(f"search.html?q={query.replace(' ', '+')}")
    WebDriverWait(driver, 30).until(
        lambda d: d.find_elements(By.CSS_SELECTOR, "#search-results ul.search li a"))
    hrefs = [a.get_attribute("href") for a in
             driver.find_elements(By.CSS_SELECTOR, "#search-results ul.search li a")]
    assert any(f"profiles/{code}.html" in h for h in hrefs[:5]), (query, hrefs[:5])


def test_the_dutch_pages_say_so(book_page):
    for page in ("book/profiles", *(f"book/profiles/{code}" for code in PROFILE_SAMPLE)):
        driver = book_page(f"{page}.html")
        assert driver.execute_script("return document.documentElement.lang") == "nl", page
        assert driver.execute_script(
            "return document.querySelector('meta[name=description]').content").strip(), page


@pytest.mark.parametrize("code", PROFILE_SAMPLE)
def test_a_municipality_page_prints_on_two_a4_sheets_with_everything_in_it(book_page, code):
    driver = book_page(f"book/profiles/{code}.html")
    sheets = pdf_pages(driver)
    assert sheets <= 2, f"{code} prints on {sheets} A4 sheets"
    driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
    try:
        hidden = driver.execute_script(
            "return Array.from(document.querySelectorAll('.bd-article p, .bd-article table, .bd-article figure,"
            " .bd-article li')).filter(el => !el.closest('.jz-finder') && el.getClientRects().length === 0)"
            ".map(el => el.tagName + ' ' + el.textContent.slice(0, 60))")
    finally:
        driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": ""})
    assert hidden == [], f"print hides content of {code}"
