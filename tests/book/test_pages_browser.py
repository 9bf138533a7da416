"""The municipality pages, their index and the landing page in a real browser (headless chromium).

* nothing is cut off: at 1280 and 390 px no table or figure of any page of the table of contents or
  of the sample of municipality pages is wider than the text column (a wide table is stacked, never
  scrolled sideways in its box), and the measure finds one that is; a narrow table stays a table;
* the Dutch benchmark table of the index puts the verdict first;
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

from jeugdzorg.book.profile_pages import VERDICT_NL
from tests.browser import DESKTOP, PHONE
from tests.book.page_checks import PROFILE_SAMPLE, overflowing, pdf_pages
from tests.book.test_browser import toc_pages

#: Every page of the table of contents (landing page, chapters, index) and the sample of municipality pages.
PAGES = [*toc_pages(), *(f"book/profiles/{code}" for code in PROFILE_SAMPLE)]


@pytest.mark.parametrize("size", [DESKTOP, PHONE], ids=["1280px", "390px"])
@pytest.mark.parametrize("page", PAGES)
def test_no_table_or_figure_is_wider_than_the_column(book_page, browser, page, size):
    """Every table and figure fits the text column: a wide table is stacked (book/_static/tables.js),
    never scrolled sideways in its box, and the page is never wider than the screen."""
    driver = book_page(f"{page}.html")
    browser.resize(*size)
    driver.refresh()
    assert overflowing(driver) == [], f"{page} at {size[0]} px"
    width, window = driver.execute_script(
        "return [document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    assert width <= window, f"{page} is wider than the screen at {size[0]} px"


#: A table of twelve columns of long numbers and a figure twice as wide as a phone, put into a page.
WIDE_TABLE_AND_FIGURE = """
const article = document.querySelector('.bd-article');
const head = Array.from({length: 12}, (_, i) => `<th>Column ${i} (EUR)</th>`).join('');
const row = Array.from({length: 12}, (_, i) => `<td class="text-right">${i},234,567,890</td>`).join('');
article.insertAdjacentHTML('beforeend', `<table class="table" id="too-wide"><caption>Too wide</caption>
  <thead><tr>${head}</tr></thead><tbody><tr>${row}</tr><tr>${row}</tr></tbody></table>
  <figure id="too-wide-figure"><img alt="too wide" style="width:800px;max-width:none;height:10px"></figure>`);
"""


@pytest.mark.parametrize("size", [DESKTOP, PHONE], ids=["1280px", "390px"])
def test_the_measure_finds_a_table_or_figure_wider_than_the_column_and_a_wide_table_is_stacked(
        book_page, browser, size):
    driver = book_page("book/trends.html")
    browser.resize(*size)
    driver.refresh()
    assert overflowing(driver) == []
    driver.execute_script(WIDE_TABLE_AND_FIGURE)
    found = overflowing(driver)
    assert [line.split()[0] for line in found] == ["table", "img"], found
    assert found[0].endswith("Too wide")
    # tables.js looks again when the window changes width: the table is stacked, the figure is not
    # its business (a figure is scaled by the style sheet).
    driver.execute_script("window.dispatchEvent(new Event('resize'))")
    WebDriverWait(driver, 5).until(
        lambda d: d.execute_script("return document.getElementById('too-wide').classList.contains('jz-stacked')"))
    assert [line.split()[0] for line in overflowing(driver)] == ["img"]
    labels = driver.execute_script(
        "return Array.from(document.querySelectorAll('#too-wide tbody tr:first-child td'))"
        ".map(td => getComputedStyle(td, '::before').content)")
    assert labels[1:] == [f'"Column {i} (EUR)"' for i in range(1, 12)]  # each value says its column and unit
    shown = driver.execute_script("return Array.from(document.querySelectorAll('#too-wide td'))"
                                  ".filter(td => td.getClientRects().length > 0).length")
    assert shown == 24  # every cell is still shown


def test_a_narrow_table_stays_a_table_on_a_phone(book_page, browser):
    """Only a table that does not fit is stacked: a table of two columns on a phone is left alone."""
    driver = book_page(f"book/profiles/{PROFILE_SAMPLE[0]}.html")
    browser.resize(*PHONE)
    driver.refresh()
    shapes = driver.execute_script(
        "return Array.from(document.querySelectorAll('.bd-article table')).map(t =>"
        " [t.querySelectorAll('thead th').length, t.classList.contains('jz-stacked')])")
    assert any(columns == 2 for columns, _ in shapes), shapes
    assert all(not stacked for columns, stacked in shapes if columns <= 2), shapes
    assert any(stacked for _, stacked in shapes), shapes


@pytest.mark.parametrize("size", [DESKTOP, PHONE], ids=["1280px", "390px"])
def test_the_dutch_benchmark_table_puts_the_verdict_first(book_page, browser, size):
    driver = book_page("book/profiles.html")
    browser.resize(*size)
    driver.refresh()
    table = driver.find_element(By.ID, "profiles-benchmark-table")
    heads = [th.get_attribute("textContent").strip() for th in table.find_elements(By.CSS_SELECTOR, "thead th")]
    assert heads[:3] == ["Gemeente", "Oordeel", "Blijvend verschil (%)"], heads
    if size == PHONE:  # stacked: the name heads each block, the verdict is its first line
        assert "jz-stacked" in table.get_attribute("class")
        name, verdict = table.find_elements(By.CSS_SELECTOR, "tbody tr:first-child td")[:2]
        assert driver.execute_script("return getComputedStyle(arguments[0], '::before').content", verdict) == '"Oordeel"'
        assert verdict.location["y"] > name.location["y"]
        assert verdict.text in VERDICT_NL.values()


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
