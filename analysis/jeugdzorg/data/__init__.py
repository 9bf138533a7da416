"""The data layer: raw extracts in, the project's tidy snapshot out (and read back).

``rawtext``     the one reader of raw delimited text (encodings, separators, number notations)
``periods``     the period grammar of CBS tables (years, provisional years, parts of years)
``names``       municipality labels, names and user queries -> GM codes
``register``    the municipality register (Gebieden in Nederland)
``mergers``     municipal reorganisations and harmonisation to one boundary year
``cbs``         readers of the CBS StatLine tables (costs, use, gemeentefonds criteria)
``gemeentefonds`` the fund's youth-care model (volumes x weights x uitkeringsfactor)
``iv3``         municipal accounts and budgets per task field, mapped to care categories
``boundaries``  municipal boundaries, simplified for the maps
``catalogue``   the raw sources and their column mappings (``catalogue.yml``)
``registry``    every snapshot table declared once: file, key, schema, description, reader
``context``     what the readers of one import share
``snapshot``    import, write (atomically, with a manifest), read back, staleness
``cbs_api``     the live loader for the CBS open-data API (OData v3 and v4)
"""
