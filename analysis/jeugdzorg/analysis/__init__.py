"""The analysis layer: the snapshot in, results out (numbers and frames, at full precision).

``panel``        the estimation panel: municipality x year in one boundary year, outcome and drivers
``models``       the panel regressions (linearmodels) and their results objects, the Mundlak test,
                 explained variance by driver group
``estimation``   one specification estimated end to end; robustness variants
``descriptives`` coverage, national totals, same-municipality trends, distributions
``budget``       budget against realisation, spending against the gemeentefonds model
``profiles``     everything the municipality profiles show, computed once for all municipalities
``anchors``      published figures the book compares with (quoted, with their source)

Nothing here rounds for display or formats text; :mod:`jeugdzorg.book` does.
"""
