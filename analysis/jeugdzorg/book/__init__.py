"""The book layer: results in, the published book out.

``precision``    how precisely each kind of quantity is stored (every stored number passes through it)
``publish``      glue helpers the chapter notebooks use instead of ``myst_nb.glue``
``tables``       DataFrames as Markdown tables (numbered by Sphinx) and the interactive need-benchmark table
``figures``      the figure style: title, labelled axes with units, source line
``maps``         classed choropleth maps of the municipalities
``profile_pages`` the municipality pages: every municipality's numbers rounded, worded and written as
                 Markdown, CSV and SVG in one pass (``svg``: their small charts; ``aliases``: other names)
``provenance``   the reproducibility page: manifest, variables, data dictionary, environment
``runner``       papermill execution of the MyST templates and the Jupyter Book build
``edition``      the citable edition (version and date from the data manifest), CITATION.cff, the snapshot zip
``pdf``          the PDF edition of the chapters (Jupyter Book's LaTeX builder, xelatex)
``sphinx_language`` Sphinx extension: Dutch number notation and ``lang="nl"`` on the Dutch pages
``sphinx_publish``  Sphinx extension: CSV under every figure and table, the snapshot zip, the citation,
                    the static (PDF) fallbacks
``sphinx_bibliography`` Sphinx extension: author-year labels, sorted, with URLs and DOIs
"""
