"""The benchmark table and the municipality pages in a real browser (the shared one of ``tests/browser.py``).

Checked as a reader would: the table loads with no console error and no request to another host,
sorts by a number both ways with the missing values last both times, sorts from the keyboard, finds
's-Gravenhage when "Den Haag" is typed, leads from a row to the municipality's page, and on a phone is
stacked with the verdict first and still sorts; the book's search finds a municipality by its common name.

The pages are the strictly built book served on 127.0.0.1 (fixtures ``book_server``, ``browser`` and
``book_page`` of ``tests/book/conftest.py``); clicks and keys go through Selenium's driver.
"""

from __future__ import annotations

import pytest
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

from tests.browser import DESKTOP, PHONE, Browser, BookServer, Visit

ACTUAL = "Actual (EUR)"
TABLE = "$('#benchmark').DataTable()"
TABLE_READY = "return !!(window.$ && $.fn.dataTable && $.fn.dataTable.isDataTable('#benchmark'))"
#: Counts the table's draws and remembers the search of the last one (``window.jzDraws``, ``jzDrawnSearch``).
COUNT_DRAWS = (f"window.jzDraws = 0; window.jzDrawnSearch = null; const t = {TABLE};"
               "t.on('draw', () => { window.jzDraws++; window.jzDrawnSearch = t.search(); });")


def wait_for(driver, script: str, timeout: float = 30):
    """Run ``script`` (a function body that returns) until its value is true; that value."""
    return WebDriverWait(driver, timeout, poll_frequency=0.1).until(
        lambda d: d.execute_script(script), message=f"never true: {script}")


def settled(browser: Browser, visit: Visit) -> Visit:
    """``visit`` with what was logged and requested after the load event (scripts that ran late)."""
    browser.driver.execute_script("return 1")
    errors, foreign = browser.logs()
    visit.console_errors += errors
    visit.foreign_requests += foreign
    return visit


def open_table(browser: Browser, book_server: BookServer, size: tuple[int, int] = DESKTOP) -> Visit:
    """The maps chapter at ``size``, once its benchmark table is a DataTable."""
    browser.resize(*size)
    visit = browser.visit(book_server.url("book/maps.html"))
    wait_for(browser.driver, TABLE_READY)
    return settled(browser, visit)


@pytest.fixture
def table(book_page):
    """The Selenium driver showing the maps chapter (desktop), its benchmark table ready."""
    driver = book_page("book/maps.html")
    wait_for(driver, TABLE_READY)
    return driver


def column(driver, name: str) -> int:
    headers = driver.execute_script(f"return {TABLE}.columns().header().toArray().map(h => h.textContent.trim())")
    return headers.index(name)


def column_values(driver, index: int) -> list[str]:
    """The cells of a column in the current order over every row that the search lets through."""
    applied = "{order: 'current', search: 'applied'}"
    return driver.execute_script(f"return {TABLE}.column({index}, {applied}).data().toArray()")


def order(driver) -> list:
    return driver.execute_script(f"return JSON.parse(JSON.stringify({TABLE}.order()))")


def sort_by(driver, index: int) -> list:
    """Click a column's heading (a real click) and wait until the table has been drawn again: its order."""
    driver.execute_script(COUNT_DRAWS)
    heading = driver.execute_script(f"return {TABLE}.column({index}).header()")
    heading.click()
    wait_for(driver, "return window.jzDraws > 0")
    return order(driver)


def as_numbers(cells: list[str]) -> tuple[list[float], list[str]]:
    numbers, missing, seen_missing = [], [], False
    for cell in cells:
        text = cell.replace(",", "").replace("\N{MINUS SIGN}", "-")
        if text.strip() in ("–", ""):
            seen_missing = True
            missing.append(cell)
            continue
        assert not seen_missing, "a number after a missing value: missing values are not last"
        numbers.append(float(text.split("\N{EN DASH}")[0]))
    return numbers, missing


def test_the_table_loads_offline_without_errors(browser, book_server):
    visit = open_table(browser, book_server)
    assert visit.console_errors == []
    assert visit.foreign_requests == []
    driver = browser.driver
    assert driver.execute_script(f"return {TABLE}.rows().count()") > 300
    caption = driver.execute_script("return document.querySelector('#benchmark caption').textContent")
    assert caption.startswith("Actual youth-care")


def test_sorting_both_ways_keeps_missing_values_last(table):
    index = column(table, ACTUAL)
    assert sort_by(table, index) == [[index, "asc"]]
    ascending, missing = as_numbers(column_values(table, index))
    assert ascending == sorted(ascending) and len(ascending) > 300 and missing
    assert sort_by(table, index) == [[index, "desc"]]
    descending, missing_again = as_numbers(column_values(table, index))
    assert descending == sorted(descending, reverse=True) and missing_again == missing
    deviation = column(table, "Actual vs benchmark (%)")
    assert sort_by(table, deviation) == [[deviation, "asc"]]
    ranked, unranked = as_numbers(column_values(table, deviation))
    assert ranked == sorted(ranked) and len(unranked) >= 20  # not assessed: no deviation, not ranked


def test_sorting_from_the_keyboard(table):
    index = column(table, "Need benchmark (EUR)")
    # DataTables makes a sort button in each heading: focusable, labelled, activated with Enter
    button = table.execute_script(f"return {TABLE}.column({index}).header().querySelector('[role=button]')")
    assert button is not None, "no sort button in the heading"
    assert button.get_property("tabIndex") == 0
    assert "Activate to sort" in button.get_attribute("aria-label")
    table.execute_script("arguments[0].focus()", button)
    assert table.switch_to.active_element == button
    table.execute_script(COUNT_DRAWS)
    ActionChains(table).send_keys(Keys.ENTER).perform()  # to the focused element, as a keyboard does
    wait_for(table, "return window.jzDraws > 0")
    assert order(table) == [[index, "asc"]]
    numbers, _ = as_numbers(column_values(table, index))
    assert numbers == sorted(numbers)


def test_den_haag_finds_s_gravenhage_and_its_row_leads_to_its_page(browser, book_server):
    visit = open_table(browser, book_server)
    driver = browser.driver
    driver.execute_script(COUNT_DRAWS)
    box = driver.find_element(By.CSS_SELECTOR, "#benchmark_wrapper input[type=search]")
    box.click()
    box.send_keys("Den Haag")
    wait_for(driver, "return window.jzDrawnSearch === 'Den Haag'")  # drawn after the last key
    names = column_values(driver, column(driver, "Municipality"))
    assert len(names) == 1 and "&#x27;s-Gravenhage</a>" in names[0]
    link = driver.find_element(By.CSS_SELECTOR, "#benchmark tbody a")
    assert link.get_attribute("href").endswith("/book/profiles/GM0518.html")
    assert driver.execute_script("return arguments[0].getAttribute('href')", link) == "profiles/GM0518.html"
    link.click()
    wait_for(driver, "return location.pathname.endsWith('/book/profiles/GM0518.html')"
                     " && document.readyState === 'complete'")
    assert "Gravenhage (GM0518)" in driver.find_element(By.CSS_SELECTOR, ".bd-article h1").text
    settled(browser, visit)  # everything since the table opened: the search, the click, the new page
    assert visit.console_errors == [] and visit.foreign_requests == []


def search(browser: Browser, book_server: BookServer, query: str) -> tuple[list[str], Visit]:
    """The pages the book's own search lists for ``query`` (after it says it has finished)."""
    browser.resize(*DESKTOP)
    visit = browser.visit(book_server.url("search.html?q=" + query.replace(" ", "+")))
    wait_for(browser.driver, "return ((document.querySelector('#search-results .search-summary') || {})"
                             ".textContent || '').includes('found')", timeout=60)
    links = browser.driver.execute_script(
        "return [...document.querySelectorAll('#search-results li a')].map(a => a.getAttribute('href'))")
    return links, settled(browser, visit)


@pytest.mark.parametrize(("query", "code"), [("Den Haag", "GM0518"), ("Sudwest-Fryslan", "GM1900"),
                                              ("Den Bosch", "GM0796")])
def test_the_books_search_finds_a_municipality_by_its_common_name(browser, book_server, query, code):
    links, visit = search(browser, book_server, query)
    assert any(f"profiles/{code}.html" in link for link in links), f"{query!r} found {links}"
    assert visit.console_errors == [] and visit.foreign_requests == []


def test_on_a_phone_the_table_is_stacked_with_the_verdict_first_and_still_sorts(browser, book_server):
    width = PHONE[0]
    try:
        visit = open_table(browser, book_server, PHONE)
        driver = browser.driver
        assert driver.execute_script("return window.innerWidth") <= width, "the window is not phone-wide"
        assert visit.page_width <= visit.window_width <= width
        table = driver.find_element(By.ID, "benchmark")
        assert "jz-stacked" in table.get_attribute("class")
        assert table.rect["width"] <= width, "the stacked table is wider than the phone"
        cells = table.find_elements(By.CSS_SELECTOR, "tbody tr:first-child > td")
        labels = [driver.execute_script("return getComputedStyle(arguments[0], '::before').content", c) for c in cells]
        assert labels[1] == '"Verdict (lasting gap)"' and all(label.startswith('"') for label in labels[1:])
        # the headings stay on screen as sort buttons; the rows drawn after a sort are labelled too
        index = column(driver, ACTUAL)
        heading = driver.execute_script(f"return {TABLE}.column({index}).header()")
        assert heading.is_displayed() and heading.rect["width"] > 0
        assert sort_by(driver, index) == [[index, "asc"]]
        wait_for(driver, "return [...document.querySelectorAll('#benchmark tbody td')]"
                         ".every(td => td.hasAttribute('data-label'))")
        assert visit.console_errors == [] and visit.foreign_requests == []
        profile = settled(browser, browser.visit(book_server.url("book/profiles/GM0233.html")))
        assert profile.page_width <= profile.window_width <= width
        figures = "[...document.querySelectorAll('figure img')]"
        assert driver.execute_script(f"return {figures}.length") == 2
        assert driver.execute_script(
            f"return {figures}.every(i => i.complete && i.naturalWidth > 0 && i.alt.length > 40)")
        assert driver.execute_script(f"return {figures}.every(i => i.getBoundingClientRect().width <= {width})")
        assert profile.console_errors == [] and profile.foreign_requests == []
    finally:
        browser.resize(*DESKTOP)
