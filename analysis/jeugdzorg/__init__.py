"""jeugdzorg: data import, harmonisation, panel models and the book's notebooks.

The package is layered; a module imports only from its own layer and the layers below it
(``tests/test_architecture.py`` enforces this with import-linter):

``cli``, ``build_timing``
    The command line behind ``python3 make.py`` and the build timing behind ``make.py benchmark`` (top).
``jeugdzorg.book``
    Everything that turns results into the book: the notebook runner, figure style, tables,
    maps, number formatting and glue helpers, the sentences of the municipality profiles.
``jeugdzorg.analysis``
    Everything that turns the snapshot into results: the estimation panel, the panel models,
    descriptives, budget comparisons, the numbers of the municipality profiles.
``jeugdzorg.data``
    Everything that turns raw extracts into the snapshot and reads it back: the raw-text reader,
    period grammar, municipality names, one reader per source, mergers, the table registry,
    the snapshot and its manifest, the live CBS loader.
``paths``, ``errors``, ``atomic``
    Where things live, the input-error type, atomic directory swaps (below every layer).
"""

__all__ = ["__version__"]
__version__ = "0.1.0"
