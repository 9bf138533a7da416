"""The validation flags, one record each: what a flag is called, its rule, what it does, and its words.

A flag marks a municipality whose cost figure a rule of :mod:`jeugdzorg.analysis.validation` finds
possibly off: booked elsewhere, out of scope, or moved by the residence rule of 2022.  Every place
that names a flag (the validation chapter's table, the benchmark table, the municipality pages, the
reasons of the verdicts) reads it here, so adding a flag rule touches the rule and its record only.

A rule shows a pattern, never a cause: the words say "possibly" / "mogelijk" and never assert what
the data cannot show (the project's Dutch terms and tone guide).  The detail of a flag is a template with named
fields (:attr:`FlagRecord.fields`) that the book layer fills with numbers it has rounded and
formatted in the reader's notation; nothing here formats a number.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from string import Formatter

#: The languages every record is written in.
LANGUAGES = ("en", "nl")


@dataclass(frozen=True)
class Wording:
    """A flag in one language.

    Attributes
    ----------
    label
        A few words, for a table cell or a heading ("Cost possibly booked elsewhere").
    rule
        The rule in one sentence, without a final full stop.
    detail
        What the rule found for one municipality: a ``str.format`` template over the record's
        :attr:`FlagRecord.fields`, one or more full sentences.
    """

    label: str
    rule: str
    detail: str


@dataclass(frozen=True)
class FlagRecord:
    """One validation flag.

    Attributes
    ----------
    name
        The key in the flags table (:func:`jeugdzorg.analysis.validation.municipality_flags`).
    keeps_out_of_rankings
        Whether the flag keeps the municipality out of the need benchmark's fit, of rankings and of
        every above/below verdict (its cost is off in scope); otherwise the flag marks its figures.
    fields
        The named fields of the detail templates (formatted numbers and words the book layer fills).
    en, nl
        The :class:`Wording` in English and in Dutch.
    """

    name: str
    keeps_out_of_rankings: bool
    fields: tuple[str, ...]
    en: Wording
    nl: Wording

    def wording(self, language: str = "en") -> Wording:
        """The :class:`Wording` in ``language`` (one of :data:`LANGUAGES`)."""
        if language not in LANGUAGES:
            raise ValueError(f"no wording in {language!r}; languages: {', '.join(LANGUAGES)}")
        return getattr(self, language)

    def label(self, language: str = "en") -> str:
        return self.wording(language).label

    def rule(self, language: str = "en") -> str:
        return self.wording(language).rule

    def detail(self, language: str = "en", **values: object) -> str:
        """The detail sentence(s) with ``values`` filled in (every field of :attr:`fields`).

        Raises
        ------
        KeyError
            When a field is missing from ``values``.
        """
        missing = [f for f in self.fields if f not in values]
        if missing:
            raise KeyError(f"flag {self.name!r} needs {', '.join(missing)}")
        return self.wording(language).detail.format(**values)


def _record(name: str, keeps_out: bool, en: Wording, nl: Wording) -> FlagRecord:
    """A record whose fields are those its templates use (the same in both languages)."""
    used = {lang: {f for _, f, _, _ in Formatter().parse(w.detail) if f} for lang, w in (("en", en), ("nl", nl))}
    if used["en"] != used["nl"]:
        raise ValueError(f"flag {name!r}: the English and Dutch details use different fields {used}")
    return FlagRecord(name, keeps_out, tuple(sorted(used["en"])), en, nl)


#: Every flag, in the order the book lists them (ranking flags first).
FLAGS: Mapping[str, FlagRecord] = {r.name: r for r in (
    _record(
        "accounts_mismatch", True,
        Wording("Cost possibly booked elsewhere",
                "CBS cost and the municipality's own accounts, both net of receipts, disagree far beyond the "
                "national spread; its youth care is possibly booked by a shared-service or regional body",
                "Its own accounts for {accounts_year} book {value} times the youth-care cost CBS reports for "
                "{year} (brought to {accounts_year} by national growth; both net of receipts), against a "
                "national median of {reference}."),
        Wording("Kosten mogelijk elders geboekt",
                "de kosten volgens CBS en volgens de eigen jaarrekening, beide na aftrek van baten, verschillen "
                "veel meer dan bij andere gemeenten; de jeugdzorg wordt mogelijk geboekt bij een "
                "samenwerkingsverband of regio",
                "De eigen jaarrekening over {accounts_year} boekt {value} keer de kosten voor jeugdzorg die CBS "
                "over {year} meldt (opgehoogd met de landelijke groei tot {accounts_year}; beide na aftrek van "
                "baten). Bij de middelste gemeente is dat {reference} keer.")),
    _record(
        "no_accounts", True,
        Wording("No youth care in its own accounts",
                "the municipality's own accounts book no youth care at all, while CBS reports a cost; its youth "
                "care is possibly booked by a shared-service or regional body",
                "Its accounts for {accounts_year} book no youth care, while CBS reports a cost for {year}."),
        Wording("Geen jeugdzorg in de eigen jaarrekening",
                "de eigen jaarrekening boekt geen jeugdzorg, terwijl CBS wel kosten meldt; de jeugdzorg wordt "
                "mogelijk geboekt bij een samenwerkingsverband of regio",
                "De jaarrekening over {accounts_year} boekt geen jeugdzorg. CBS meldt wel kosten over {year}.")),
    _record(
        "cost_per_client", True,
        Wording("Cost per young person in care out of range",
                "the cost per young person in care lies far outside the national spread; the cost or the count "
                "is possibly off in scope",
                "{value} per young person in care in {year}, against a national median of {reference}."),
        Wording("Kosten per jongere met jeugdzorg buiten het gewone bereik",
                "de kosten per jongere met jeugdzorg liggen ver buiten wat bij andere gemeenten voorkomt; de "
                "kosten of het aantal jongeren omvatten mogelijk iets anders",
                "{value} per jongere met jeugdzorg in {year}. Bij de middelste gemeente is dat {reference}.")),
    _record(
        "residence_rule_host", False,
        Wording("Cost possibly moved out by the residence rule",
                "into the residence rule's first year its cost per young inhabitant fell further below the "
                "national change than chance gives for a municipality of its size, and its number of young "
                "people in care did not clearly rise",
                "Its cost per inhabitant aged 0-17 went from {before} in {prior} to {after} in {year} ({change}); "
                "the median municipality's changed by {median_change}. Its number of young people in care went "
                "from {clients_before} to {clients_after} ({clients_change}). From 1 January {year} the "
                "municipality where a young person was registered just before a stay with residence pays; before, "
                "the municipality of the parent with custody paid, or, for a young person under an institution's "
                "guardianship, the municipality where the young person stayed. Its cost possibly fell because "
                "this rule moved the cost of young people staying in {name} to other municipalities. Whether "
                "there is less care cannot be told from these figures."),
        Wording("Kosten mogelijk verschoven door het woonplaatsbeginsel",
                "in het eerste jaar van het nieuwe woonplaatsbeginsel daalden de kosten per jeugdige inwoner veel "
                "meer dan landelijk, en meer dan toeval geeft bij een gemeente van deze omvang; het aantal "
                "jongeren met jeugdzorg steeg niet duidelijk",
                "De kosten per inwoner van 0 tot en met 17 jaar gingen van {before} in {prior} naar {after} in "
                "{year} ({change}). Bij de middelste gemeente was de verandering {median_change}. Het aantal "
                "jongeren met jeugdzorg ging van {clients_before} naar {clients_after} ({clients_change}). Sinds "
                "1 januari {year} betaalt de gemeente waar een jongere vlak voor een verblijf stond ingeschreven. "
                "Daarvoor betaalde de gemeente van de ouder met gezag, of, bij voogdij door een instelling, de "
                "gemeente waar de jongere verbleef. De kosten van {name} zijn mogelijk gedaald doordat deze regel "
                "kosten van jongeren die in {name} verblijven naar andere gemeenten verschoof. Of er minder zorg "
                "is, is uit deze cijfers niet op te maken.")),
    _record(
        "residence_rule_gain", False,
        Wording("Cost possibly moved in by the residence rule",
                "into the residence rule's first year its cost per young inhabitant rose further above the "
                "national change than chance gives for a municipality of its size, and its number of young "
                "people in care did not clearly fall",
                "Its cost per inhabitant aged 0-17 went from {before} in {prior} to {after} in {year} ({change}); "
                "the median municipality's changed by {median_change}. Its number of young people in care went "
                "from {clients_before} to {clients_after} ({clients_change}). From 1 January {year} the "
                "municipality where a young person was registered just before a stay with residence pays; before, "
                "the municipality of the parent with custody paid, or, for a young person under an institution's "
                "guardianship, the municipality where the young person stayed. Its cost possibly rose because "
                "this rule moved the cost of young people from {name} staying elsewhere to {name}. Whether there "
                "is more care cannot be told from these figures."),
        Wording("Kosten mogelijk verschoven door het woonplaatsbeginsel",
                "in het eerste jaar van het nieuwe woonplaatsbeginsel stegen de kosten per jeugdige inwoner veel "
                "meer dan landelijk, en meer dan toeval geeft bij een gemeente van deze omvang; het aantal "
                "jongeren met jeugdzorg daalde niet duidelijk",
                "De kosten per inwoner van 0 tot en met 17 jaar gingen van {before} in {prior} naar {after} in "
                "{year} ({change}). Bij de middelste gemeente was de verandering {median_change}. Het aantal "
                "jongeren met jeugdzorg ging van {clients_before} naar {clients_after} ({clients_change}). Sinds "
                "1 januari {year} betaalt de gemeente waar een jongere vlak voor een verblijf stond ingeschreven. "
                "Daarvoor betaalde de gemeente van de ouder met gezag, of, bij voogdij door een instelling, de "
                "gemeente waar de jongere verbleef. De kosten van {name} zijn mogelijk gestegen doordat deze regel "
                "kosten van jongeren uit {name} die elders verblijven naar {name} verschoof. Of er meer zorg is, "
                "is uit deze cijfers niet op te maken.")),
    _record(
        "regional_body", False,
        Wording("Possibly buys care for its region",
                "it receives a large part of its youth-care spending back from other municipalities, as a "
                "municipality that buys care for its region does",
                "{value} of its spending on the care fields in the {year} accounts comes back as receipts "
                "(the rule: at least {reference})."),
        Wording("Koopt mogelijk zorg in voor de regio",
                "een groot deel van de uitgaven aan jeugdzorg komt terug als baten van andere gemeenten, zoals "
                "bij een gemeente die zorg inkoopt voor de regio",
                "{value} van de lasten op de zorgtaakvelden in de jaarrekening over {year} komt terug als baten "
                "(de regel: ten minste {reference}).")),
    _record(
        "care_mix_outlier", False,
        Wording("Care mix possibly shows where care is booked",
                "its share of care with residence in its spending (gross) lies far outside the national spread; "
                "care is possibly booked through a regional body",
                "Care with residence is {value} of its spending (gross) on the care fields in the {year} accounts, "
                "against a national median of {reference}."),
        Wording("Zorgmix laat mogelijk zien waar zorg geboekt wordt",
                "het aandeel jeugdhulp met verblijf in de bruto lasten ligt ver buiten wat bij andere "
                "gemeenten voorkomt; zorg wordt mogelijk via een regio geboekt",
                "Jeugdhulp met verblijf is {value} van de bruto lasten op de zorgtaakvelden in de jaarrekening "
                "over {year}. Bij de middelste gemeente is dat {reference}.")),
)}

#: Flags that keep a municipality out of the benchmark's fit, rankings and above/below verdicts.
RANKING_FLAGS: tuple[str, ...] = tuple(name for name, r in FLAGS.items() if r.keeps_out_of_rankings)
#: The residence-rule flags (either direction).
RESIDENCE_FLAGS: tuple[str, ...] = ("residence_rule_host", "residence_rule_gain")


def record(name: str) -> FlagRecord:
    """The record of flag ``name``.

    Raises
    ------
    KeyError
        For a flag without a record (a new rule needs its record here).
    """
    try:
        return FLAGS[name]
    except KeyError:
        raise KeyError(f"flag {name!r} has no record in jeugdzorg.analysis.flags.FLAGS") from None
