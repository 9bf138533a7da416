"""Other names readers type for a municipality: they feed the search of the book and the benchmark table.

The register has the official names ('s-Gravenhage, Súdwest-Fryslân, Bergen (NH.)); readers search for
"Den Haag", "Sudwest-Fryslan" or "Bergen".  :func:`aliases` gives, per municipality, the common names
of :data:`COMMON_NAMES` (a short hand list: names that no rule can derive), the name without accents
and the name without its province suffix, whichever differ from the official name.
"""

from __future__ import annotations

import re
import unicodedata

#: Common names that differ from the register's (by GM code, which outlives a spelling change).
COMMON_NAMES: dict[str, tuple[str, ...]] = {
    "GM0518": ("Den Haag", "The Hague"),                  # 's-Gravenhage
    "GM0796": ("Den Bosch",),                              # 's-Hertogenbosch
    "GM0820": ("Nuenen",),                                 # Nuenen, Gerwen en Nederwetten
    "GM1900": ("Zuidwest-Friesland",),                     # Súdwest-Fryslân
    "GM1970": ("Noordoost-Friesland",),                    # Noardeast-Fryslân
}

_SUFFIX = re.compile(r"\s*\([A-Z]{1,2}\.\)$")


def without_accents(text: str) -> str:
    """``'Súdwest-Fryslân'`` -> ``'Sudwest-Fryslan'``."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def aliases(gm_code: str, name: str) -> list[str]:
    """The other names of a municipality, in a fixed order, without duplicates or the name itself."""
    candidates = [*COMMON_NAMES.get(gm_code, ()), without_accents(name), _SUFFIX.sub("", name)]
    out: list[str] = []
    for candidate in candidates:
        if candidate != name and candidate not in out:
            out.append(candidate)
    return out


def alias_index(names: dict[str, str]) -> dict[str, str]:
    """Lower-case alias -> GM code, for aliases that name one municipality only (``names``: code -> name)."""
    found: dict[str, set[str]] = {}
    for code, name in names.items():
        for alias in aliases(code, name):
            found.setdefault(alias.casefold(), set()).add(code)
    return {alias: next(iter(codes)) for alias, codes in found.items() if len(codes) == 1}
