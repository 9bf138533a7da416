"""make.py installs the Debian packages a command needs (as root, with apt-get) or names them exactly."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from jeugdzorg.book import pdf

from tests import browser


def test_the_package_lists_agree(make):
    assert make.PDF_PACKAGES == pdf.DEBIAN_PACKAGES
    assert set(make.DEBIAN_PACKAGES["pdf"]) == set(pdf.DEBIAN_PACKAGES)
    assert set(make.DEBIAN_PACKAGES["test"]) == {*pdf.DEBIAN_PACKAGES, *browser.CHROMIUM_PACKAGES, "poppler-utils",
                                                 "default-jre-headless"}  # Java for the Nu HTML Checker
    assert make.PROGRAM_PACKAGES["test"] == {"npm": "npm"}  # axe-core and vnu-jar come from npm
    assert "book" not in make.DEBIAN_PACKAGES  # the HTML needs nothing beyond Python


def test_the_command_is_found_after_options(make):
    assert make.command_name(["test", "-k", "mergers"]) == "test"
    assert make.command_name(["--help"]) is None
    assert make.command_name(["pdf"]) == "pdf"


class _Apt:
    """Records apt-get calls; dpkg reports ``installed`` as installed."""

    def __init__(self, installed: set[str]) -> None:
        self.installed, self.calls = installed, []

    def __call__(self, command, **kwargs):
        if command[0] == "dpkg-query":
            status = "install ok installed" if command[-1] in self.installed else ""
            return subprocess.CompletedProcess(command, 0 if status else 1, stdout=status, stderr="")
        self.calls.append(command)
        return subprocess.CompletedProcess(command, 0)


def test_root_installs_exactly_the_missing_packages(make, monkeypatch):
    apt = _Apt(installed={"texlive-xetex", "latexmk"})
    monkeypatch.setattr(make.subprocess, "run", apt)
    monkeypatch.setattr(make.shutil, "which", lambda name: f"/usr/bin/{name}")
    monkeypatch.setattr(make.os, "geteuid", lambda: 0)
    make.ensure_debian_packages("pdf")
    missing = [p for p in make.PDF_PACKAGES if p not in apt.installed]
    assert apt.calls == [["apt-get", "update"], ["apt-get", "install", "-y", "--no-install-recommends", *missing]]


def test_nothing_happens_when_everything_is_installed(make, monkeypatch):
    apt = _Apt(installed=set(make.DEBIAN_PACKAGES["test"]))
    monkeypatch.setattr(make.subprocess, "run", apt)
    monkeypatch.setattr(make.shutil, "which", lambda name: f"/usr/bin/{name}")
    make.ensure_debian_packages("test")
    make.ensure_debian_packages("book")
    assert apt.calls == []


def test_without_root_the_command_stops_naming_the_packages(make, monkeypatch):
    apt = _Apt(installed=set())
    monkeypatch.setattr(make.subprocess, "run", apt)
    monkeypatch.setattr(make.shutil, "which", lambda name: f"/usr/bin/{name}")
    monkeypatch.setattr(make.os, "geteuid", lambda: 1000)
    with pytest.raises(SystemExit) as stop:
        make.ensure_debian_packages("test")
    assert "apt-get install -y --no-install-recommends texlive-xetex" in str(stop.value)
    assert "chromium-driver" in str(stop.value) and apt.calls == []


def test_this_machine_has_what_the_test_command_needs(make):
    """`make.py test` ran ensure_debian_packages before these tests; nothing may be missing now."""
    if shutil.which("dpkg-query") is None:
        pytest.skip("not a Debian system")
    assert make.missing_debian_packages(make.DEBIAN_PACKAGES["test"]) == []
