"""What the readers of one import share: the raw directory, the tables read so far, the records."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path


import pandas as pd

from ..errors import InputDataError
from .catalogue import InputRecord
from .checks import Checks
from .names import ALIASES_FILE, MunicipalityNames, read_name_aliases


@dataclass
class ImportContext:
    """One import from ``raw_dir``.

    Readers ask for the tables they build on with :meth:`table` (the register and the mergers, for
    names), which reads each table once, whatever the order of the registry; they record every raw
    file they read with :meth:`record` or by appending to ``records``.

    Parameters
    ----------
    raw_dir
        The raw directory.
    readers
        Table name -> reader (from the table registry).
    without
        Optional parts (:data:`jeugdzorg.data.catalogue.OPTIONAL_PARTS`) to import as empty, because the
        user chose to build without them.
    """

    raw_dir: Path
    readers: Mapping[str, Callable[[ImportContext], pd.DataFrame]]
    records: list[InputRecord] = field(default_factory=list)
    checks: Checks = field(default_factory=Checks.from_file)
    without: frozenset[str] = frozenset()
    _tables: dict[str, pd.DataFrame] = field(default_factory=dict, repr=False)

    def table(self, name: str) -> pd.DataFrame:
        """The table ``name`` as read from the raw directory (read on first use)."""
        if name not in self._tables:
            self._tables[name] = self.readers[name](self)
        return self._tables[name]

    def require(self, relative: str) -> Path:
        """The path of a raw input that must exist."""
        path = Path(self.raw_dir) / relative
        if not path.is_file():
            raise InputDataError(relative, f"not found in the raw directory {self.raw_dir}")
        return path

    def record(self, file: str, table: str, title: str, role: str, periods: str, rows: int,
               suppressed_cells: int = 0) -> None:
        self.records.append(InputRecord(file, table, title, role, periods, rows, suppressed_cells))

    @cached_property
    def names(self) -> MunicipalityNames:
        """Municipality names of every register year, with the reorganisations and spelling aliases."""
        mergers = self.table("mergers").assign(date=lambda m: pd.to_datetime(m["date"]))
        aliases = read_name_aliases(self.require(ALIASES_FILE), ALIASES_FILE)
        self.record(ALIASES_FILE, "gemeentenamen", "Iv3 and fund name variants", "names", "-", 0)
        return MunicipalityNames(self.table("register"), mergers, aliases)

