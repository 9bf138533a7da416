"""A real browser for the tests: the built HTML served on 127.0.0.1, read by Debian's chromium.

:class:`BookServer` serves a built ``html`` directory on a free port of 127.0.0.1.  :class:`Browser`
drives headless chromium through Debian's chromium-driver (Selenium); nothing is downloaded from any
other host, and chromium is told that every host but 127.0.0.1 does not exist, so a page that tries
to load something from elsewhere gets an error instead of a response.  :meth:`Browser.visit` opens a
page and returns what a reader's browser saw: the console errors, the requests to other hosts and the
page's language.  ``browser.driver`` is the Selenium driver itself, for tests that click, type and
read (see the ``book_page`` fixture in ``tests/conftest.py``).
"""

from __future__ import annotations

import functools
import http.server
import shutil
import threading
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

#: Debian's packages (installed by `python3 make.py test` when missing) and their executables.
CHROMIUM_PACKAGES = ("chromium", "chromium-driver")
CHROMIUM = ("chromium", "/usr/bin/chromium")
CHROMEDRIVER = ("chromedriver", "/usr/bin/chromedriver")
DESKTOP = (1280, 900)
PHONE = (390, 844)


def _find(candidates: tuple[str, ...]) -> str | None:
    for name in candidates:
        path = shutil.which(name)
        if path:
            return path
    return None


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args) -> None:  # noqa: A002 - the base class's name
        pass


class BookServer:
    """``directory`` over HTTP on 127.0.0.1 (a free port), in a background thread."""

    def __init__(self, directory: Path) -> None:
        handler = functools.partial(_QuietHandler, directory=str(directory))
        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/"

    def url(self, path: str) -> str:
        return self.base + path.lstrip("/")

    def __enter__(self) -> BookServer:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()


@dataclass
class Visit:
    """What the browser saw on one page."""

    url: str
    title: str
    language: str
    console_errors: list[str] = field(default_factory=list)
    foreign_requests: list[str] = field(default_factory=list)
    page_width: int = 0
    window_width: int = 0


def _is_local(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in ("data", "blob", "about", "chrome", "devtools") or parts.hostname == "127.0.0.1"


class Browser:
    """Headless chromium driven through chromium-driver, with console and network logs on."""

    def __init__(self) -> None:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service

        chromium, driver = _find(CHROMIUM), _find(CHROMEDRIVER)
        if chromium is None or driver is None:
            raise RuntimeError("chromium and chromium-driver are needed (Debian packages "
                               f"{' '.join(CHROMIUM_PACKAGES)}; `python3 make.py test` installs them)")
        options = webdriver.ChromeOptions()
        options.binary_location = chromium
        for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                         "--no-first-run", "--disable-background-networking", "--disable-component-update",
                         "--disable-sync", "--disable-default-apps", "--disable-extensions",
                         # Every host but this machine is unknown: nothing can load from elsewhere.
                         "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
                         f"--window-size={DESKTOP[0]},{DESKTOP[1]}"):
            options.add_argument(argument)
        options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
        # Selenium Manager would try to download a driver; the Debian one is given explicitly.
        self.driver = webdriver.Chrome(service=Service(executable_path=driver), options=options)
        self.driver.set_page_load_timeout(60)

    def close(self) -> None:
        self.driver.quit()

    def resize(self, width: int, height: int) -> None:
        self.driver.set_window_size(width, height)

    def _drain_logs(self) -> tuple[list[str], list[str]]:
        """Console errors and requests to other hosts since the last call."""
        import json

        errors = [entry["message"] for entry in self.driver.get_log("browser") if entry["level"] == "SEVERE"]
        foreign = []
        for entry in self.driver.get_log("performance"):
            message = json.loads(entry["message"])["message"]
            if message.get("method") == "Network.requestWillBeSent":
                url = message["params"]["request"]["url"]
                if not _is_local(url):
                    foreign.append(url)
        return errors, foreign

    def logs(self) -> tuple[list[str], list[str]]:
        """Console errors and requests to other hosts since the last :meth:`visit` or call: what a
        test's clicks and typing after a visit brought about."""
        return self._drain_logs()

    def visit(self, url: str) -> Visit:
        """Open ``url``, wait until it has loaded, and report what happened."""
        self._drain_logs()  # forget what earlier pages left behind
        self.driver.get(url)
        self.driver.execute_script("return document.readyState")  # the load event has fired
        errors, foreign = self._drain_logs()
        # The page's width against the width it may use (the window less its scroll bar).
        script = ("return [document.title, document.documentElement.lang, "
                  "document.documentElement.scrollWidth, document.documentElement.clientWidth]")
        title, language, page_width, window_width = self.driver.execute_script(script)
        return Visit(url, title, language, errors, foreign, int(page_width), int(window_width))
