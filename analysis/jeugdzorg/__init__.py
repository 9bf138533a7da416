"""jeugdzorg: data import, harmonisation, panel models and figures for the youth-care cost book.

The package is organised in small modules:

``paths``       where things live (project root, snapshot, raw data, book)
``catalogue``   the raw sources and their column mappings (``catalogue.yml``)
``rawcsv``      strict reading of CBS StatLine CSV exports (errors name file, column and row)
``register``    the municipality register (Gebieden in Nederland) and name -> GM code lookup
``sources``     one reader per source table, producing tidy tables keyed by code and year
``mergers``     harmonisation of tables to one boundary year
``schemas``     validation of every tidy table
``panel``       the estimation panel (municipality x year, harmonised) and the need drivers
``models``      the panel regressions (linearmodels), their comparison, the Mundlak test, R² shares
``descriptives`` coverage, national totals, same-municipality trends
``snapshot``    the importer: raw directory -> ``data/`` with a manifest, written atomically
``figures``     the book's figure style (title, units, source line)
``runner``      papermill execution of the notebook templates and the Jupyter Book build
``cli``         the command line behind ``python3 make.py``
"""

__all__ = ["__version__"]
__version__ = "0.1.0"
