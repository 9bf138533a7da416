"""The benchmark table and the municipality pages in a real browser (Debian's chromium, headless).

Self-contained: the built HTML is served on 127.0.0.1, chromium is driven through the DevTools
protocol over a pipe (``--remote-debugging-pipe``: no driver, no websocket library, nothing
downloaded) and told that every other host does not exist.  Checked as a reader would: the table
loads with no console error and no request to another host, sorts by a number both ways with the
missing values last both times, sorts from the keyboard, finds 's-Gravenhage when "Den Haag" is
typed, leads from a row to the municipality's page, and scrolls inside its own box on a phone; the
book's search finds a municipality by its common name.

The HTML is the project's ``_build/html`` when it is current (its fingerprint matches the sources),
otherwise it is built into a temporary directory first.
"""

from __future__ import annotations

import functools
import http.server
import json
import os
import shutil
import subprocess
import tempfile
import threading
import time
from pathlib import Path

import pytest

from jeugdzorg.book import runner
from jeugdzorg.paths import BUILD_DIR

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed")
ACTUAL = "Actual (EUR)"


class Chromium:
    """Headless chromium driven over the DevTools protocol on a pipe (fd 3 in, fd 4 out)."""

    def __init__(self, width: int = 1280, height: int = 900) -> None:
        self.profile = tempfile.mkdtemp(prefix="jz-chromium-")
        to_browser, self._write = os.pipe()
        self._read, from_browser = os.pipe()
        # Move the child's ends above 9, so that putting them on 3 and 4 cannot overwrite one another.
        to_browser, from_browser = (self._high(fd) for fd in (to_browser, from_browser))
        arguments = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                     "--disable-background-networking", "--disable-component-update", "--disable-sync",
                     "--disable-extensions", "--remote-debugging-pipe", f"--user-data-dir={self.profile}",
                     "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1", f"--window-size={width},{height}",
                     "about:blank"]
        # bash puts the two pipe ends on fds 3 and 4, where chromium expects them (dash cannot
        # redirect from a descriptor above 9).
        self.process = subprocess.Popen(
            ["bash", "-c", f'exec "$0" "$@" 3<&{to_browser} 4>&{from_browser}', CHROMIUM, *arguments],
            pass_fds=(to_browser, from_browser), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(to_browser)
        os.close(from_browser)
        self._buffer = b""
        self._id = 0
        self.events: list[dict] = []
        target = self.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        self.session = self.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        for domain in ("Page", "Runtime", "Network", "Log"):
            self.send(f"{domain}.enable", session=True)
        self.send("Emulation.setDeviceMetricsOverride", {"width": width, "height": height, "deviceScaleFactor": 1,
                                                         "mobile": width < 600}, session=True)

    @staticmethod
    def _high(fd: int) -> int:
        import fcntl

        high = fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 10)
        os.close(fd)
        return high

    def _message(self, timeout: float = 60) -> dict:
        deadline = time.monotonic() + timeout
        while b"\0" not in self._buffer:
            if time.monotonic() > deadline:
                raise TimeoutError("chromium did not answer")
            chunk = os.read(self._read, 1 << 16)
            if not chunk:
                raise RuntimeError("chromium closed the pipe")
            self._buffer += chunk
        message, self._buffer = self._buffer.split(b"\0", 1)
        return json.loads(message)

    def send(self, method: str, params: dict | None = None, *, session: bool = False) -> dict:
        self._id += 1
        request = {"id": self._id, "method": method, "params": params or {}}
        if session:
            request["sessionId"] = self.session
        os.write(self._write, json.dumps(request).encode() + b"\0")
        while True:
            message = self._message()
            if message.get("id") == self._id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message.get("result", {})
            self.events.append(message)

    def evaluate(self, expression: str):
        result = self.send("Runtime.evaluate", {"expression": expression, "returnByValue": True,
                                                "awaitPromise": True}, session=True)
        if "exceptionDetails" in result:
            raise RuntimeError(f"{expression[:80]}: {result['exceptionDetails']}")
        return result["result"].get("value")

    def wait_for(self, expression: str, timeout: float = 30):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = self.evaluate(expression)
            if value:
                return value
            time.sleep(0.1)
        raise TimeoutError(f"never true: {expression}")

    def open(self, url: str) -> None:
        self.events.clear()
        self.send("Page.navigate", {"url": url}, session=True)
        self.wait_for("document.readyState === 'complete' && location.href !== 'about:blank'")

    def key(self, key: str, code: int, text: str = "") -> None:
        for kind in ("keyDown", "keyUp"):
            params = {"type": kind, "key": key, "code": key, "windowsVirtualKeyCode": code}
            if text and kind == "keyDown":
                params["text"] = text
            self.send("Input.dispatchKeyEvent", params, session=True)

    def type(self, text: str) -> None:
        self.send("Input.insertText", {"text": text}, session=True)

    def errors(self) -> list[str]:
        out = []
        for event in self.events:
            method, params = event.get("method"), event.get("params", {})
            if method == "Runtime.exceptionThrown":
                details = params["exceptionDetails"]
                out.append(details.get("exception", {}).get("description") or details.get("text", "exception"))
            elif method == "Runtime.consoleAPICalled" and params.get("type") == "error":
                out.append(" ".join(str(a.get("value", a.get("description"))) for a in params.get("args", [])))
            elif method == "Log.entryAdded" and params["entry"]["level"] == "error":
                out.append(params["entry"]["text"])
        return out

    def foreign_requests(self) -> list[str]:
        urls = [e["params"]["request"]["url"] for e in self.events if e.get("method") == "Network.requestWillBeSent"]
        return [u for u in urls if not u.startswith(("http://127.0.0.1", "data:", "blob:", "about:"))]

    def close(self) -> None:
        try:
            self.send("Browser.close")
        except (RuntimeError, OSError, TimeoutError):
            pass
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
        os.close(self._read)
        os.close(self._write)
        shutil.rmtree(self.profile, ignore_errors=True)


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


@pytest.fixture(scope="module")
def html(tmp_path_factory) -> Path:
    """The built HTML: the project's when it is current, else a fresh build."""
    stamp = BUILD_DIR / "html" / ".book-fingerprint"
    if stamp.is_file() and stamp.read_text().strip() == runner.html_fingerprint():
        return BUILD_DIR / "html"
    target = tmp_path_factory.mktemp("browser") / "_build"
    runner.build_html(target=target, progress=lambda _: None)
    return target / "html"


@pytest.fixture(scope="module")
def server(html):
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(html)))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(scope="module")
def browser():
    chromium = Chromium()
    yield chromium
    chromium.close()


@pytest.fixture(scope="module")
def baseline(browser, server) -> set[str]:
    """What every page of the book logs (the introduction, a page without tables or figures): the
    pages tested here may log nothing beyond it.  (Book-wide errors are the reader-hygiene work of
    the publication issue; once they are gone this baseline is empty and the checks are absolute.)"""
    browser.open(server + "book/intro.html")
    return set(new_errors(browser, set()))


def new_errors(browser: Chromium, baseline: set[str]) -> list[str]:
    time.sleep(0.5)
    browser.evaluate("1")  # collect what was logged meanwhile
    return [e for e in browser.errors() if e not in baseline]


TABLE = "window.$('#benchmark').DataTable()"


def open_table(browser: Chromium, server: str) -> None:
    browser.open(server + "book/maps.html")
    browser.wait_for("!!(window.$ && window.$.fn.dataTable && window.$.fn.dataTable.isDataTable('#benchmark'))")


def sort_by(browser: Chromium, index: int) -> list:
    """Click a column's heading and wait until the table has been drawn in the new order."""
    return browser.evaluate(f"new Promise(done => {{ const t = {TABLE}; t.one('draw', () => done(JSON.parse(JSON.stringify(t.order())))); "
                            f"t.column({index}).header().click(); }})")


def column(browser: Chromium, name: str) -> int:
    headers = browser.evaluate(f"{TABLE}.columns().header().toArray().map(h => h.textContent.trim())")
    return headers.index(name)


def column_values(browser: Chromium, index: int) -> list[str]:
    """The cells of a column in the current order over every row that the search lets through."""
    return browser.evaluate(f"{TABLE}.column({index}, {{order: 'current', search: 'applied'}}).data().toArray()")


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


def test_the_table_loads_offline_without_errors(browser, server, baseline):
    open_table(browser, server)
    assert new_errors(browser, baseline) == []
    assert browser.foreign_requests() == []
    rows = browser.evaluate(f"{TABLE}.rows().count()")
    assert rows == 342 or rows > 300
    assert browser.evaluate("document.querySelector('#benchmark caption').textContent").startswith("Actual youth-care")


def test_sorting_both_ways_keeps_missing_values_last(browser, server):
    open_table(browser, server)
    index = column(browser, ACTUAL)
    assert sort_by(browser, index) == [[index, "asc"]]
    ascending, missing = as_numbers(column_values(browser, index))
    assert ascending == sorted(ascending) and len(ascending) > 300 and missing
    assert sort_by(browser, index) == [[index, "desc"]]
    descending, missing_again = as_numbers(column_values(browser, index))
    assert descending == sorted(descending, reverse=True) and missing_again == missing
    deviation = column(browser, "Actual vs benchmark (%)")
    assert sort_by(browser, deviation) == [[deviation, "asc"]]
    ranked, unranked = as_numbers(column_values(browser, deviation))
    assert ranked == sorted(ranked) and len(unranked) >= 20  # not assessed: no deviation, not ranked


def test_sorting_from_the_keyboard(browser, server):
    open_table(browser, server)
    index = column(browser, "Need benchmark (EUR)")
    # DataTables makes a sort button in each heading: focusable, labelled, activated with Enter
    button = f"{TABLE}.column({index}).header().querySelector('[role=button]')"
    assert browser.evaluate(f"{button}.tabIndex") == 0
    assert "Activate to sort" in browser.evaluate(f"{button}.getAttribute('aria-label')")
    browser.evaluate(f"{button}.focus()")
    assert browser.evaluate(f"document.activeElement === {button}")
    browser.evaluate(f"window.jzDraws = 0; {TABLE}.on('draw', () => window.jzDraws++); 0")
    browser.key("Enter", 13, "\r")
    browser.wait_for("window.jzDraws > 0")
    assert browser.evaluate(f"JSON.parse(JSON.stringify({TABLE}.order()))") == [[index, "asc"]]
    numbers, _ = as_numbers(column_values(browser, index))
    assert numbers == sorted(numbers)


def test_den_haag_finds_s_gravenhage_and_its_row_leads_to_its_page(browser, server, baseline):
    open_table(browser, server)
    browser.evaluate("document.querySelector('#benchmark_wrapper input[type=search]').focus()")
    browser.evaluate(f"window.jzDraws = 0; {TABLE}.on('draw', () => window.jzDraws++); 0")
    browser.type("Den Haag")
    browser.wait_for("window.jzDraws > 0")
    names = column_values(browser, column(browser, "Municipality"))
    assert len(names) == 1 and "&#x27;s-Gravenhage</a>" in names[0]
    link = browser.evaluate("document.querySelector('#benchmark tbody a').getAttribute('href')")
    assert link == "profiles/GM0518.html"
    browser.evaluate("document.querySelector('#benchmark tbody a').click()")
    browser.wait_for("location.pathname.endsWith('/book/profiles/GM0518.html') && document.readyState === 'complete'")
    title = browser.evaluate("document.querySelector('h1').textContent")
    assert "Gravenhage (GM0518)" in title
    assert new_errors(browser, baseline) == [] and browser.foreign_requests() == []


def search(browser: Chromium, server: str, query: str) -> list[str]:
    """The pages the book's own search lists for ``query`` (after it says it has finished)."""
    browser.open(server + "search.html?q=" + query.replace(" ", "+"))
    browser.wait_for("(document.querySelector('#search-results .search-summary') || {}).textContent"
                     "?.includes('found')", timeout=60)
    return browser.evaluate("[...document.querySelectorAll('#search-results li a')].map(a => a.getAttribute('href'))")


def test_the_books_search_finds_a_municipality_by_its_common_name(browser, server, baseline):
    assert any("profiles/GM0518.html" in link for link in search(browser, server, "Den Haag"))
    assert new_errors(browser, baseline) == []
    assert any("profiles/GM1900.html" in link for link in search(browser, server, "Sudwest-Fryslan"))
    assert any("profiles/GM0796.html" in link for link in search(browser, server, "Den Bosch"))


def test_on_a_phone_the_table_scrolls_inside_its_box_and_a_page_fits(server, baseline):
    phone = Chromium(390, 844)
    try:
        open_table(phone, server)
        assert phone.evaluate("document.documentElement.scrollWidth") <= 390
        box = "document.querySelector('#benchmark').parentElement"
        assert phone.evaluate(f"{box}.scrollWidth > {box}.clientWidth"), "the wide table is not in a scrolling box"
        assert phone.evaluate(f"getComputedStyle({box}).overflowX") in ("auto", "scroll")
        phone.open(server + "book/profiles/GM0233.html")
        assert phone.evaluate("document.documentElement.scrollWidth") <= 390
        figures = "[...document.querySelectorAll('figure img')]"
        assert phone.evaluate(f"{figures}.length") == 2
        assert phone.evaluate(f"{figures}.every(i => i.complete && i.naturalWidth > 0 && i.alt.length > 40)")
        assert phone.evaluate(f"{figures}.every(i => i.getBoundingClientRect().width <= 390)")
        assert new_errors(phone, baseline) == []
    finally:
        phone.close()
