"""What the reader-facing browser tests measure on a built page, in one place.

* :data:`OVERFLOW_SCRIPT` -- every table and figure of the article that is wider than the text column
  (so it is cut off, or needs sideways scrolling);
* :func:`axe_violations` -- axe-core (pinned in ``tests/book/a11y/package.json``) with the WCAG 2.1
  A/AA rules, run in the page;
* :func:`nu_errors` -- the Nu HTML Checker (``vnu.jar`` of the npm package ``vnu-jar``, run with Java)
  over built HTML files;
* :func:`pdf_pages` -- a page printed to PDF by Chromium (A4), and its number of sheets.

:func:`ensure_node_tools` installs the two npm packages at their pinned versions when they are missing
(``npm ci`` in ``tests/book/a11y``), as the test command installs chromium.
"""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from urllib.parse import unquote, urlsplit

A11Y_DIR = Path(__file__).with_name("a11y")
AXE_JS = A11Y_DIR / "node_modules" / "axe-core" / "axe.min.js"
VNU_JAR = A11Y_DIR / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
#: The rule sets axe runs: WCAG 2.0 and 2.1, levels A and AA.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
#: Municipality pages every reader-facing check visits: a large city (Amsterdam), an island with a
#: flag (Vlieland), an island that hosted residential care (Schiermonnikoog), a residence-rule host
#: (Ermelo), a flagged municipality (GM0489), Rotterdam, and 's-Gravenhage (found as "Den Haag").
PROFILE_SAMPLE = ("GM0363", "GM0096", "GM0088", "GM0233", "GM0489", "GM0599", "GM0518")

#: The tables and figures of the article wider than its text column (or than the full width of a cell
#: tagged ``full-width``, which the theme lets use the margin), with what they are.  A table counts with
#: its full width, also where it scrolls inside a box of the column's width.
OVERFLOW_SCRIPT = """
const article = document.querySelector('.bd-article') || document.body;
const out = [];
for (const el of article.querySelectorAll('table, figure img, figure svg, div.cell_output img')) {
  if (el.closest('table') && el.tagName !== 'TABLE') continue;
  const room = el.closest('.tag_full-width') || article;
  const style = getComputedStyle(room);
  const column = room.getBoundingClientRect();
  const left = column.left + parseFloat(style.paddingLeft), right = column.right - parseFloat(style.paddingRight);
  const box = el.getBoundingClientRect();
  if (box.width === 0) continue;
  const width = Math.max(box.width, el.scrollWidth || 0);
  if (box.left < left - 1 || box.left + width > right + 1) {
    const caption = el.tagName === 'TABLE' ? (el.caption ? el.caption.innerText : (el.id || '')) :
                    (el.getAttribute('alt') || el.getAttribute('src') || 'svg');
    out.push(`${el.tagName.toLowerCase()} ${Math.round(width)}px in ${Math.round(right - left)}px: ${caption.slice(0, 70)}`);
  }
}
return out;
"""


def ensure_node_tools() -> None:
    """Install axe-core and vnu-jar at their pinned versions (``npm ci``) if they are missing."""
    if AXE_JS.is_file() and VNU_JAR.is_file():
        return
    npm = shutil.which("npm")
    if npm is None:
        raise RuntimeError("npm is needed for the accessibility checks (Debian package npm)")
    command = "ci" if (A11Y_DIR / "package-lock.json").is_file() else "install"
    subprocess.run([npm, command, "--no-audit", "--no-fund", "--ignore-scripts"], cwd=A11Y_DIR, check=True)


def overflowing(driver) -> list[str]:
    """The tables and figures of the page shown in ``driver`` that do not fit the text column."""
    return driver.execute_script(OVERFLOW_SCRIPT)


def axe_violations(driver, impacts: tuple[str, ...] = ("serious", "critical")) -> list[str]:
    """axe-core's WCAG 2.1 A/AA violations of the page shown in ``driver`` with one of ``impacts``:
    ``'rule (impact): first target, ...'`` each."""
    driver.execute_script(AXE_JS.read_text(encoding="utf-8"))
    driver.set_script_timeout(120)
    result = driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "axe.run(document, {runOnly: {type: 'tag', values: arguments[0]}, resultTypes: ['violations']})"
        ".then(r => done(r.violations.map(v => [v.id, v.impact, v.nodes.length,"
        " v.nodes.slice(0, 3).map(n => n.target.join(' '))])))", AXE_TAGS)
    return [f"{rule} ({impact}, {count}x): {', '.join(targets)}" for rule, impact, count, targets in result
            if impact in impacts]


def nu_errors(files: list[Path]) -> dict[str, list[str]]:
    """The Nu HTML Checker's errors per file (``{path: ['line N: message', ...]}``, each path relative
    to the folder the files have in common, e.g. ``book/profiles/GM0363.html``)."""
    java = shutil.which("java")
    if java is None:
        raise RuntimeError("Java is needed for the Nu HTML Checker (Debian package default-jre-headless)")
    files = [Path(f).resolve() for f in files]
    base = Path(os.path.commonpath([f.parent for f in files]))
    run = subprocess.run([java, "-jar", str(VNU_JAR), "--format", "json", "--exit-zero-always",
                          *map(str, files)], capture_output=True, text=True, check=True)
    report = json.loads(run.stderr or run.stdout or '{"messages": []}')
    out: dict[str, list[str]] = {}
    for message in report.get("messages", []):
        if message.get("type") == "error":
            path = Path(unquote(urlsplit(message.get("url", "")).path))
            name = path.relative_to(base).as_posix() if path.is_relative_to(base) else str(path)
            out.setdefault(name, []).append(f"line {message.get('lastLine', '?')}: {message.get('message', '')}")
    return out


def pdf_pages(driver) -> int:
    """The page shown in ``driver`` printed to PDF on A4 by Chromium: the number of sheets."""
    printed = driver.execute_cdp_cmd("Page.printToPDF", {
        "paperWidth": 8.27, "paperHeight": 11.69, "printBackground": False, "preferCSSPageSize": True})
    pdf = base64.b64decode(printed["data"])
    return len(re.findall(rb"/Type\s*/Page(?!s)", pdf))
