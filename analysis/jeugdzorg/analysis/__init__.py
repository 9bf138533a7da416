"""The analysis layer: the snapshot in, results out (numbers and frames, at full precision).

``panel``        the estimation panel: municipality x year in one boundary year, outcome and drivers
``models``       the panel regressions (linearmodels) and their results objects, the Mundlak and Hausman tests,
                 explained variance by driver group
``estimation``   one specification estimated end to end (residence-rule and region controls);
                 robustness variants; explained-variance shares, regional between model, what the
                 within estimates can identify
``decomposition`` Shapley and Owen decompositions of R²
``need_benchmark`` the need benchmark: expected cost per young inhabitant in euros, prediction
                 intervals by size class, above / below / within verdicts
``forecast``     rolling-origin validation (need benchmark, persistence, need + own history) and
                 the next-year forecast
``validation``   rules that test the cost data against the accounts and find series breaks
``descriptives`` coverage, national totals, same-municipality trends, distributions
``budget``       budget against realisation, spending against the gemeentefonds model
``profiles``     everything the municipality profiles show, computed once for all municipalities
``anchors``      published figures the book compares with (quoted, with their source)

Nothing here rounds for display or formats text; :mod:`jeugdzorg.book` does.
"""
