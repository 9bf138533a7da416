"""The one error type for bad input: it always says which file, column and row."""

from __future__ import annotations

from pathlib import Path


class InputDataError(ValueError):
    """Raised when a raw input file cannot be imported.

    Parameters
    ----------
    file
        The offending file (shown relative to the raw directory when possible).
    message
        What is wrong, in words an analyst can act on.
    column
        The column concerned, if any.
    row
        The 1-based line number in the file (the header is line 1), if any.
    """

    def __init__(self, file: str | Path, message: str, column: str | None = None,
                 row: int | None = None) -> None:
        self.file = str(file)
        self.column = column
        self.row = row
        self.message = message
        where = [f"file {self.file}"]
        if column is not None:
            where.append(f"column {column!r}")
        if row is not None:
            where.append(f"row {row}")
        super().__init__(f"{', '.join(where)}: {message}")
