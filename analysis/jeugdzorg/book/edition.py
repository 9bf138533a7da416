"""The citable edition of the book: who wrote it, which version, of which date, and how to cite it.

An edition is named after its data, not after the moment it was built: the version and the edition
date are the date of the last import that changed the data snapshot (``imported`` in
``data/MANIFEST.yml``).  Two builds of the same snapshot are the same edition and produce the same
bytes -- the citation line, ``CITATION.cff`` and the snapshot zip carry no build time.

The title, the authors and the repository URL come from the book's ``_config.yml`` (``title``,
``author``, ``repository.url``).  The repository URL is the one setting for links to the source: when
it is empty, no link is written anywhere (none is invented).
"""

from __future__ import annotations

import datetime
import hashlib
import io
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from ..data.manifest import MANIFEST_NAME, read_manifest
from ..paths import PROJECT_ROOT, data_dir

#: Licences of the parts of the publication (SPDX identifiers and their canonical URLs).
CODE_LICENCE = "MIT"
CONTENT_LICENCE = "CC-BY-4.0"
CONTENT_LICENCE_URL = "https://creativecommons.org/licenses/by/4.0/"
CREDIT = "Bron: CBS"
CITATION_FILE = "CITATION.cff"


@dataclass(frozen=True)
class Edition:
    """One edition of the book: everything a citation needs, none of it from the build time."""

    title: str
    authors: str
    date: datetime.date
    data_vintage: dict[str, str]
    repository_url: str | None = None

    @property
    def version(self) -> str:
        """Calendar version of the edition: the edition date as ``YYYY.MM.DD``."""
        return self.date.strftime("%Y.%m.%d")

    @property
    def snapshot_zip_name(self) -> str:
        """File name of the downloadable data snapshot of this edition."""
        return f"jeugdzorg-data-{self.version}.zip"

    def citation(self) -> str:
        """The recommended citation as one line of plain text."""
        line = (f"{self.authors} ({self.date.year}). {self.title} "
                f"Version {self.version} (edition of {self.date.isoformat()}). "
                f"Data: Statistics Netherlands (CBS), CC BY 4.0.")
        return f"{line} {self.repository_url}" if self.repository_url else line


def book_config(root: Path = PROJECT_ROOT) -> dict[str, Any]:
    """The Jupyter Book configuration (``_config.yml``) of the project at ``root``."""
    with (root / "_config.yml").open(encoding="utf-8") as handle:
        return yaml.safe_load(handle) or {}


def repository_url(config: dict[str, Any]) -> str | None:
    """``repository.url`` of the configuration, or ``None`` when it is unset or empty."""
    url = str((config.get("repository") or {}).get("url") or "").strip()
    return url.rstrip("/") or None


def edition_date(manifest: dict[str, Any]) -> datetime.date:
    """The date of the last data-changing import, as recorded in the manifest.

    Raises
    ------
    ValueError
        If the manifest records no import date (a snapshot written by hand).
    """
    imported = manifest.get("imported")
    if isinstance(imported, datetime.date):
        return imported
    if not imported:
        raise ValueError(f"{MANIFEST_NAME} records no import date ('imported'); re-import the snapshot")
    return datetime.date.fromisoformat(str(imported))


def load_edition(root: Path = PROJECT_ROOT, snapshot: Path | None = None) -> Edition:
    """The edition described by ``root``'s ``_config.yml`` and the snapshot's manifest."""
    config = book_config(root)
    manifest = read_manifest(snapshot or data_dir())
    if manifest is None:
        raise FileNotFoundError(f"no {MANIFEST_NAME} in {snapshot or data_dir()}")
    return Edition(title=str(config["title"]).strip(), authors=str(config["author"]).strip(),
                   date=edition_date(manifest), data_vintage=dict(manifest.get("vintage") or {}),
                   repository_url=repository_url(config))


def citation_cff(edition: Edition) -> str:
    """``CITATION.cff`` (Citation File Format 1.2.0) of the edition, as text."""
    document: dict[str, Any] = {
        "cff-version": "1.2.0",
        "message": ("If you use this book, its figures or its data, please cite it as below. "
                    f"Text and data: CC BY 4.0 ({CREDIT}); code: MIT."),
        "title": edition.title,
        "authors": [{"name": edition.authors}],
        "version": edition.version,
        "date-released": edition.date.isoformat(),
        "license": [CODE_LICENCE, CONTENT_LICENCE],
        "keywords": ["youth care", "jeugdzorg", "municipalities", "Netherlands", "panel data", "CBS"],
        "abstract": ("An open, reproducible analysis of the cost of youth care (jeugdzorg) in Dutch "
                     "municipalities since 2015, built from public CBS data. Data vintage: "
                     + "; ".join(f"{k} {v}" for k, v in edition.data_vintage.items()) + "."),
    }
    if edition.repository_url:
        document["repository-code"] = edition.repository_url
    header = ("# Written by `python3 make.py book` from _config.yml and data/MANIFEST.yml; do not edit by hand.\n"
              "# The version and date are those of the data snapshot (the last import that changed data).\n")
    return header + yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=100)


def write_citation_file(root: Path = PROJECT_ROOT, snapshot: Path | None = None) -> bool:
    """Rewrite ``CITATION.cff`` when it differs from the current edition; ``True`` if it changed."""
    text = citation_cff(load_edition(root, snapshot))
    path = root / CITATION_FILE
    if path.is_file() and path.read_text(encoding="utf-8") == text:
        return False
    path.write_text(text, encoding="utf-8")
    return True


# --------------------------------------------------------------------------------------------
# The snapshot as one zip
# --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class SnapshotZip:
    """The data snapshot packed for download: name, bytes and what is in it."""

    name: str
    content: bytes
    members: tuple[str, ...]

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()

    @property
    def size(self) -> int:
        return len(self.content)


def _readme(edition: Edition, files: list[str]) -> str:
    """The README of the zip: what it is, its licence and how to cite it."""
    lines = [edition.title, "", f"Data snapshot of the edition {edition.version} "
             f"(last data-changing import {edition.date.isoformat()}).", "",
             f"Licence: CC BY 4.0 ({CONTENT_LICENCE_URL}), {CREDIT}. Municipal boundaries (c) CBS / Kadaster.",
             f"{MANIFEST_NAME} lists every raw input (CBS table id, periods, sha256) and every table here.",
             "", "Files:", *(f"  {name}" for name in files), "", "How to cite:", f"  {edition.citation()}", ""]
    return "\n".join(lines)


def snapshot_zip(edition: Edition, snapshot: Path | None = None) -> SnapshotZip:
    """Every file of the snapshot (tables, boundaries, ``MANIFEST.yml``) and a README in one zip.

    The zip is byte-identical for the same snapshot: members in sorted order, each stamped with the
    edition date (not the file's modification time), fixed permissions and compression level.
    """
    source = Path(snapshot or data_dir())
    files = sorted(p.name for p in source.iterdir() if p.is_file() and not p.name.startswith("."))
    folder = edition.snapshot_zip_name.removesuffix(".zip")
    stamp = (edition.date.year, edition.date.month, edition.date.day, 0, 0, 0)
    buffer = io.BytesIO()
    members = []
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in [("README.txt", _readme(edition, files).encode("utf-8")),
                           *((name, (source / name).read_bytes()) for name in files)]:
            info = zipfile.ZipInfo(f"{folder}/{name}", date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            info.create_system = 3  # Unix, whatever the building machine
            archive.writestr(info, data, compresslevel=9)
            members.append(info.filename)
    return SnapshotZip(edition.snapshot_zip_name, buffer.getvalue(), tuple(members))
