"""The percentages of chapters V, VI and VIII: which share answers which sentence, for whom.

The source report gives sample percentages: shares of the 206 visited establishments,
or of the interviewed managers or non-managers. Its sample over-represents large
establishments (stratified by sector and size class), so a sample percentage
describes neither the establishments of the surveyed sectors nor their employees.
:data:`SHARES` is the estimand table of those percentages, written before any model:
per share the sentence of the source report (``source``), the unit (establishments,
or employees of one role), the answer counted (``column`` in ``codes``), the subset
it is a share of (``given``; empty: all units) and, for a share reported per sector
or per size class, the grouping (``by``).

Each share is estimated three ways (:mod:`thuiswerk.analysis.mrp`):

* ``sample``: the share in the survey, as the report has always shown it;
* ``establishments``: the share of all establishments of the surveyed sectors
  (multilevel regression and post-stratification to the population frame's
  establishment counts);
* ``employees``: the share of all employees of the surveyed sectors, weighted by
  establishment size (the frame's employee counts): for an establishment-level
  answer, the share of employees who work at an establishment with it; for an
  employee-level answer, the share of managers (or non-managers) with it, taking the
  interviewed one as standing for the establishment's employees of that role.

Units whose answer (or whose ``given`` answer) is empty are left out of the share
(and counted, :func:`indicator`); the models assume they are missing at random within
a sector x size class.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal, cast

import numpy as np
import pandas as pd

from thuiswerk.core import codebook as codebook_module
from thuiswerk.core import nl
from thuiswerk.data import describe

Role = Literal["manager", "non_manager"]
ROLE_CODE = {"manager": "leidinggevende", "non_manager": "niet_leidinggevende"}
ROLE_SUFFIX = {"manager": "lg", "non_manager": "nlg"}
ROLE_NL = {"manager": "leidinggevenden", "non_manager": "niet-leidinggevenden"}
STRATA = ("sector", "size_class")  # the frame's strata: the sample design's strata

_CB = codebook_module.load()
_GROUPS = _CB.groups
AT_LEAST_OFTEN = ("4", "5")  # "vaak"/"altijd" or "mee eens"/"helemaal mee eens" on a 1-5 item
SUFFICIENT = ("4", "5")  # "voldoende" or "goed" on the inspectors' 1-5 judgement


@dataclass(frozen=True)
class Share:
    """One percentage of the source report: the share of ``column in codes`` among the units."""

    id: str
    chapter: Literal["V", "VI", "VIII"]
    label: str  # Dutch: the row of the report's table
    source: str  # the source report's sentence (Dutch)
    column: str  # a codebook column, or a derived one (:data:`DERIVED`)
    codes: tuple[str, ...]  # the answers counted, as strings ("1" for yes)
    role: Role | None = None  # employee level (the interviewed employees of this role); None: establishments
    given: tuple[str, tuple[str, ...]] | None = None  # the subset it is a share of: (column, codes)
    by: Literal["sector", "size_class"] | None = None  # one row per level of this stratum

    @property
    def level(self) -> Literal["establishment", "employee"]:
        return "establishment" if self.role is None else "employee"

    @property
    def key(self) -> tuple:
        """What the model estimates: shares that differ only in ``by`` share one indicator."""
        return (self.column, self.codes, self.role, self.given)


def _any_kans(employees: pd.DataFrame) -> pd.Series:
    """At least one KANS complaint (:func:`thuiswerk.data.describe.any_complaint`, as chapter V counts it), as the
    answers of a share: "1" or "0" for every employee, empty where it is not known."""
    values = describe.any_complaint(employees).reindex(employees.index)
    return values.astype("Int64").astype("string").where(values.notna(), pd.NA)


# Columns computed from others: name -> (table, function of that table returning strings or NA)
DERIVED: dict[str, tuple[str, Callable[[pd.DataFrame], pd.Series]]] = {
    "any_kans_complaint": ("employees", _any_kans),
}

_S_PRE = (
    "In 54% van de bezochte vestigingen werd er voor de pandemie incidenteel thuisgewerkt en in alleen 26% "
    "van de vestigingen gebeurde dat structureel."
)
_S_PLANNED = "In 2022 is 92% van de bedrijven in deze studie van plan om vaker te gaan of blijven thuiswerken."
_S_KANS = "Van de thuiswerkers in dit onderzoek rapporteerden 28-35% minstens één klacht te ervaren."
_S_REGIONS = "In figuur 3 is te zien dat in deze steekproef de meeste mensen klachten aan hun rug hadden."
_S_WORKLOAD = "De meeste thuiswerkers ervaren geen hoge werkdruk. Het aspect van werkdruk maakt hierbij niet uit."
_S_ISOLATION = "De meeste thuiswerkers hebben bijna geen last van eenzaamheid."
_S_WORKSPACE = "Leidinggevenden hadden vaker een aparte ruimte om in te werken dan niet-leidinggevenden (zie figuur 9)."
_S_FREE = (
    "Bij 86% van de bezochte vestigingen mochten thuiswerkers zelf bepalen hoeveel uren ze thuiswerken (6% "
    "krijgt nog de mogelijkheid om dat te bepalen, 7% zal dat niet krijgen)."
)
_S_TABLE1 = "Tabel 1. Genomen maatregelen volgens de werkgever, de leidinggevende en de niet-leidinggevende"
_S_OFFERED = (
    "46% van de werkgevers bood een thuiswerkplek met een bureau verstelbaar in hoogte of een zit-sta bureau, "
    "ergonomische bureaustoel, los beeldscherm, losse muis en toetsenbord. In 30% van de gevallen bestond dat "
    "aanbod uit een werkplek met zit-sta bureau, ergonomische bureaustoel, los beeldscherm, losse muis en toetsenbord."
)
_S_FINANCED = (
    "Zoals je ziet in figuur 10 geven zowel leidinggevenden als niet-leidinggevenden veel minder vaak aan dat "
    "zulke thuiswerkcombinaties betaald voor hen worden in vergelijking met hun werkgever."
)
_S_PRESENT = (
    "Zoals figuur 11 laat zien hebben veel werknemers zelf hun thuiswerkplek uitgezocht, aangeschaft en/of "
    "gefinancierd, zodat ongeveer 35% minstens een combinatie heeft met een in hoogte verstelbaar bureau."
)
_S_OBSTACLES = (
    "Meer dan 40% van de werkgevers geeft aan geen belemmeringen te ervaren bij het nemen van maatregelen om "
    "werkdruk en fysieke belasting als gevolg van thuiswerken te voorkomen."
)
_S_JUDGEMENT = (
    "Een vergelijking tussen de gemiddelde beoordeling voor en na het spreken van de werknemers (zie figuur 12-13) "
    "laat voor zowel de maatregelen voor beeldschermwerk als werkdruk een duidelijke verslechtering zien in de "
    "beoordeling van de inspecteurs."
)
_S_RIE = "Van alle vestigingen heeft 88% een RI&E, zie figuur 15."
_S_RIE_SIZE = "Er zijn kleine verschillen te zien tussen klein- (74%), midden- (87%) en grootbedrijf (94%)."
_S_RIE_SECTOR = (
    "Binnen sectoren is het verschil niet groot en loopt het van 79% binnen de sector Communicatie en Informatie "
    "tot 100% bij de Overheid."
)
_S_RIE_HOME = "58% van de vestigingen in de RI&E staat stil bij risico's die kunnen ontstaan door thuiswerken."
_S_RIE_HOME_SIZE = (
    "Risico's specifiek gekoppeld aan thuiswerken stonden vaker in de RI&E van vestigingen van grootbedrijf (64%) "
    "dan in die van vestigingen van kleinbedrijf (50%) en middenbedrijf (53%)."
)
_S_RIE_HOME_SECTOR = (
    "Ook tussen sectoren waren verschillen te zien: waar alleen 50% van de vestigingen in de sector onderwijs "
    "aandacht had voor thuiswerken in de RI&E, terwijl dat 76% was onder vestigingen in de sector financiële "
    "dienstverlening."
)
_S_RIE_BOTH = (
    "41% besteedt in de RIE aandacht aan zowel psychosociale arbeidsbelasting (PSA) als een ergonomische "
    "werkplekinrichting bij thuiswerken. 17% van de vestigingen besteedt in de RI&E aandacht aan minimaal een van "
    "deze 2 risico's bij thuiswerken."
)
_S_RIE_NONE = (
    "Bij 41% van de vestigingen was er helemaal geen aandacht voor risico's die kunnen ontstaan bij het thuiswerken."
)
_S_INVESTIGATED = "71% van de vestigingen heeft onderzocht of thuiswerkers tegen belemmeringen of knelpunten aanlopen."
_S_METHOD = (
    "Dat deden zij meestal op basis van een onderzoek, bijvoorbeeld een enquête (48%), het gesprek aangaan met de "
    "werknemers (40%), de verantwoordelijkheid bij de medewerker leggen om aan te geven als er knelpunten zijn "
    "(10%), of een werkplekonderzoek via een foto- of self-assessment (2%)."
)
_S_REASON = (
    "Een deel van de 29% van vestigingen die geen inventarisatie hadden gedaan, deden dat niet omdat ze vinden dat "
    "het de verantwoordelijkheid is van de medewerker om aan de bel te trekken (30%)."
)
_S_PVA = (
    "51% van de bedrijven besteedt in het plan van aanpak aandacht aan minstens 1 maatregel voor thuiswerkrisico's."
)
_S_PREVENTION = (
    "Het merendeel van de vestigingen had een preventiemedewerker en/of OR/werknemersvertegenwoordiging die zich "
    "actief bezig hield met gezond en veilig thuiswerken, zie figuur 16."
)
_S_INSTRUCTION = (
    "Van de werkgevers gaf 84% aan voorlichting en/of instructie te geven over gezond en veilig thuiswerken."
)
_S_SUPERVISION = "45% van de werkgevers gaf aan ook actief toezicht te houden op gezond en veilig thuiswerken."
_S_MONITORING = (
    "92% van de werkgevers zegt dit niet te doen. 1% is van plan dat te gaan doen. 7% houdt al elektronisch toezicht."
)

YES = ("1",)
STRUCTURAL = ("structureel_20_40", "structureel_40_80", "structureel_80_plus")
AT_LEAST_HEIGHT = ("hoogte_verstelbaar", "zit_sta")
INVESTIGATED = ("obstacles_investigated", YES)
NOT_INVESTIGATED = ("obstacles_investigated", ("0",))


def _label(column: str) -> str:
    return _CB.find(column).label


def _code_label(column: str, code: str) -> str:
    return str(_CB.find(column).categories[code])


def _by_role(id: str, chapter, label: str, source: str, column: str, codes=YES) -> list[Share]:
    return [
        Share(f"{id}_{ROLE_SUFFIX[r]}", chapter, f"{label} ({ROLE_NL[r]})", source, column, codes, role=r)
        for r in ("manager", "non_manager")
    ]


def _codes(id: str, chapter, label: str, source: str, column: str, given=None) -> list[Share]:
    return [
        Share(f"{id}_{code}", chapter, f"{label}: {_code_label(column, code).lower()}", source, column, (code,),
              given=given)
        for code in _CB.find(column).categories
    ]  # fmt: skip


def _build() -> tuple[Share, ...]:
    measures = _CB.measures
    rows: list[Share] = [
        # ------------------------------------------------------------------ V
        Share("voor_pandemie_incidenteel", "V", "Voor de pandemie incidenteel thuiswerken", _S_PRE,
              "prepandemic_homeworking", ("incidenteel",)),
        Share("voor_pandemie_structureel", "V", "Voor de pandemie structureel thuiswerken", _S_PRE,
              "prepandemic_homeworking", ("structureel",)),
        Share("plan_structureel", "V", "Van plan structureel thuiswerken mogelijk te maken", _S_PLANNED,
              "planned_homeworking", STRUCTURAL),
        *_codes("vrij_thuiswerkuren", "V", "Zelf bepalen hoeveel uren thuis", _S_FREE, "free_to_choose_hours"),
        *_by_role("kans_klacht", "V", "Minstens één KANS-klacht", _S_KANS, "any_kans_complaint"),
        *(
            share
            for region in _GROUPS["complaints"]
            for share in _by_role(f"klacht_{region.removeprefix('complaint_')}", "V", _label(region), _S_REGIONS,
                                  region)
        ),  # fmt: skip
        *(
            share
            for aspect in _GROUPS["workload"]
            for share in _by_role(f"vaak_{aspect}", "V", f"{_label(aspect)}: vaak, altijd of mee eens", _S_WORKLOAD,
                                  aspect, AT_LEAST_OFTEN)
        ),  # fmt: skip
        *(
            share
            for item in _GROUPS["isolation"]
            for share in _by_role(f"vaak_{item}", "V", f"{_label(item)}: vaak of altijd", _S_ISOLATION, item,
                                  AT_LEAST_OFTEN)
        ),  # fmt: skip
        *_by_role("aparte_werkruimte", "V", "Aparte werkruimte thuis", _S_WORKSPACE, "separate_workspace"),
        # ------------------------------------------------------------------ VI
        *(
            Share(f"werkgever_{m}", "VI", f"{label} (werkgever)", _S_TABLE1, f"employer_{m}", YES)
            for m, label in measures.items()
        ),
        *(
            share
            for m, label in measures.items()
            for share in _by_role(f"kent_{m}", "VI", label, _S_TABLE1, f"knows_{m}")
        ),
        Share("aanbod_hoogte_verstelbaar", "VI", "Aangeboden: minstens in hoogte verstelbare combinatie", _S_OFFERED,
              "furniture_offered", AT_LEAST_HEIGHT),
        Share("aanbod_zit_sta", "VI", "Aangeboden: zit-sta combinatie", _S_OFFERED, "furniture_offered", ("zit_sta",)),
        *_by_role("gefinancierd_hoogte_verstelbaar", "VI", "Gefinancierd: minstens in hoogte verstelbaar", _S_FINANCED,
                  "furniture_financed", AT_LEAST_HEIGHT),
        *_by_role("gefinancierd_zit_sta", "VI", "Gefinancierd: zit-sta combinatie", _S_FINANCED, "furniture_financed",
                  ("zit_sta",)),
        *_by_role("aanwezig_hoogte_verstelbaar", "VI", "Thuis aanwezig: minstens in hoogte verstelbaar", _S_PRESENT,
                  "furniture_present", AT_LEAST_HEIGHT),
        *(
            Share(f"belemmering_{o}", "VI", _label(f"obstacle_{o}"), _S_OBSTACLES, f"obstacle_{o}", YES)
            for o in ("none", "no_insight", "employee_responsibility", "lack_knowledge", "unclear_obligations")
        ),
        *(
            Share(f"oordeel_{risk}_{when}", "VI", f"{_label(f'judgement_{risk}_{when}')}: voldoende of goed",
                  _S_JUDGEMENT, f"judgement_{risk}_{when}", SUFFICIENT)
            for risk in ("screen", "workload")
            for when in ("before", "after")
        ),  # fmt: skip
        # ------------------------------------------------------------------ VIII
        Share("rie_aanwezig", "VIII", "RI&E aanwezig", _S_RIE, "rie_present", YES),
        Share("rie_aanwezig_grootte", "VIII", "RI&E aanwezig", _S_RIE_SIZE, "rie_present", YES, by="size_class"),
        Share("rie_aanwezig_sector", "VIII", "RI&E aanwezig", _S_RIE_SECTOR, "rie_present", YES, by="sector"),
        Share("rie_thuiswerken", "VIII", "RI&E met aandacht voor thuiswerkrisico's", _S_RIE_HOME, "rie_homeworking",
              ("een_risico", "beide_risicos")),
        Share("rie_thuiswerken_grootte", "VIII", "RI&E met aandacht voor thuiswerkrisico's", _S_RIE_HOME_SIZE,
              "rie_homeworking", ("een_risico", "beide_risicos"), by="size_class"),
        Share("rie_thuiswerken_sector", "VIII", "RI&E met aandacht voor thuiswerkrisico's", _S_RIE_HOME_SECTOR,
              "rie_homeworking", ("een_risico", "beide_risicos"), by="sector"),
        Share("rie_beide_risicos", "VIII", "RI&E met aandacht voor psychosociale belasting én ergonomie", _S_RIE_BOTH,
              "rie_homeworking", ("beide_risicos",)),
        Share("rie_een_risico", "VIII", "RI&E met aandacht voor een van beide", _S_RIE_BOTH, "rie_homeworking",
              ("een_risico",)),
        Share("rie_geen_aandacht", "VIII", "Geen aandacht voor thuiswerkrisico's (of geen RI&E)", _S_RIE_NONE,
              "rie_homeworking", ("geen_rie", "geen_aandacht")),
        Share("knelpunten_onderzocht", "VIII", "Onderzocht of thuiswerkers tegen knelpunten aanlopen", _S_INVESTIGATED,
              "obstacles_investigated", YES),
        *_codes("methode", "VIII", "Manier van onderzoeken (van wie onderzocht)", _S_METHOD, "investigation_method",
                given=INVESTIGATED),
        *_codes("reden_niet", "VIII", "Reden om niet te onderzoeken (van wie niet onderzocht)", _S_REASON,
                "reason_not_investigated", given=NOT_INVESTIGATED),
        Share("plan_van_aanpak", "VIII", "Plan van aanpak met een maatregel voor thuiswerkrisico's", _S_PVA,
              "plan_of_approach_homeworking", YES),
        *_codes("preventiemedewerker", "VIII", "Preventiemedewerker", _S_PREVENTION, "prevention_worker"),
        *_codes("or_pvt", "VIII", "OR of personeelsvertegenwoordiging", _S_PREVENTION, "works_council"),
        Share("voorlichting", "VIII", "Voorlichting of instructie over gezond thuiswerken", _S_INSTRUCTION,
              "information_instruction", YES),
        Share("toezicht", "VIII", "Actief toezicht op gezond thuiswerken", _S_SUPERVISION, "active_supervision", YES),
        *_codes("elektronisch_toezicht", "VIII", "Elektronisch toezicht", _S_MONITORING, "electronic_monitoring"),
    ]  # fmt: skip
    return tuple(rows)


SHARES: tuple[Share, ...] = _build()
BY_ID = {s.id: s for s in SHARES}
if len(BY_ID) != len(SHARES):  # pragma: no cover - guards the table above
    raise RuntimeError("duplicate share id")


def columns_needed(share: Share) -> list[str]:
    """The survey columns a share reads (a derived column: the columns its function reads)."""
    cols = [share.column] if share.column not in DERIVED else list(_GROUPS["kans"]) + ["questionnaire_completed"]
    if share.given:
        cols.append(share.given[0])
    return cols


@dataclass(frozen=True)
class Indicator:
    """One share's answers on its units: ``y`` (1: counted), ``d`` (1: in the subset), with strata.

    ``units`` has one row per unit used (answer and subset known): columns ``sector``,
    ``size_class``, ``n_employees`` (NaN when absent), ``y`` and ``d`` (0/1; ``y`` is 0
    where ``d`` is 0). ``excluded`` counts the units left out and why.
    """

    units: pd.DataFrame
    excluded: dict[str, int]


def as_text(values: pd.Series) -> pd.Series:
    """Answers as strings ("1", "klein", "4"); missing stays missing (``pd.NA``)."""
    if pd.api.types.is_numeric_dtype(values.dtype) and not pd.api.types.is_bool_dtype(values.dtype):
        numbers = values.astype("Float64")
        whole = numbers.dropna()
        if (whole == whole.round()).all():
            return numbers.astype("Int64").astype("string")
        return numbers.astype("string")
    return values.astype("string")


def indicator(share: Share, establishments: pd.DataFrame, employees: pd.DataFrame) -> Indicator:
    """The units of ``share`` with their answer (``y``) and subset membership (``d``)."""
    strata = establishments.set_index("establishment_id")[list(STRATA)].copy()
    if "n_employees" in establishments:
        strata["n_employees"] = establishments.set_index("establishment_id")["n_employees"].astype(float)
    else:
        strata["n_employees"] = np.nan
    if share.role is None:
        table = establishments
        frame = strata.reset_index(drop=True)
    else:
        table = employees[employees["role"] == ROLE_CODE[share.role]]
        frame = strata.loc[table["establishment_id"]].reset_index(drop=True)
    answer = (DERIVED[share.column][1](table) if share.column in DERIVED else table[share.column]).reset_index(
        drop=True
    )
    answer = as_text(answer)
    if share.given is None:
        given = pd.Series(True, index=answer.index)
        given_known = given
    else:
        g = as_text(table[share.given[0]].reset_index(drop=True))
        given_known = g.notna()
        given = g.isin(share.given[1])
    known = given_known & (answer.notna() | ~given)
    excluded = {}
    if (~given_known).any():
        excluded[f"{share.given[0]} empty"] = int((~given_known).sum())  # type: ignore[index]
    if (given_known & given & answer.isna()).any():
        excluded[f"{share.column} empty"] = int((given_known & given & answer.isna()).sum())
    y = (given & answer.isin(share.codes)).astype(int)
    units = frame.assign(y=y.to_numpy(), d=given.astype(int).to_numpy())[known.to_numpy()].reset_index(drop=True)
    return Indicator(units=units, excluded=excluded)


def sample_share(units: pd.DataFrame) -> tuple[float, int]:
    """The survey's share (y among d) and its denominator."""
    n = int(units["d"].sum())
    return (float(units["y"].sum() / n) if n else float("nan")), n


def groups(share: Share, levels: dict[str, list[str]]) -> list[tuple[str, str | None]]:
    """``(row id, stratum level)`` of a share: one row, or one per level of ``share.by``."""
    if share.by is None:
        return [(share.id, None)]
    return [(f"{share.id}_{level}", level) for level in levels[share.by]]


# =========================================================================== the report (Dutch)
#
# The report shows each chapter's shares in one table (:func:`table_nl`) and explains the
# difference between sample and population in one paragraph per chapter
# (:func:`paragraph_nl`); both read only the findings table's population rows
# (:func:`thuiswerk.analysis.mrp.rows`), the frame and the survey, so a sentence says what the
# table says.

TABLE_COLUMNS = ["Percentage", "Steekproef", "Alle vestigingen", "Alle werknemers", "Gewogen, zonder model"]


def _wide(rows: pd.DataFrame, chapter: str | None = None) -> pd.DataFrame:
    """One row per share (and group): sample, establishments' and employees' estimates side by side."""
    r = rows if chapter is None else rows[rows["chapter"] == chapter]
    out = {}
    for population in ("sample", "establishments", "employees"):
        part = r[r["population"] == population].set_index("id")
        out[population] = part["mean"]
        if population != "sample":
            out[f"{population}_q05"], out[f"{population}_q95"] = part["q05"], part["q95"]
            out[f"{population}_design"] = part["design_mean"]
            out[f"{population}_design_q05"], out[f"{population}_design_q95"] = part["design_q05"], part["design_q95"]
    wide = pd.DataFrame(out)
    first = r.drop_duplicates("id").set_index("id")
    return wide.assign(label=first["label"], n=first["n"], role=first["role"])


def _estimate(mean: float, lo: float, hi: float) -> str:

    if pd.isna(mean):
        return nl.MARKER
    return f"{nl.percent(mean)} ({nl.percent(lo)}–{nl.percent(hi)})"


#: A chapter's table of sample and population holds at most this many rows (more only where more samples
#: lie outside the interval); the whole table is in appendix D (issue 29: long tables in an appendix).
SHORT_ROWS = 8


def short_ids(rows: pd.DataFrame, chapter: str) -> list[str]:
    """The shares a chapter's short table shows, in table order: its :data:`HEADLINE` share, every share whose
    sample value lies outside the population's interval, the share its paragraph names (chapter VI), then the
    largest differences between sample and all establishments up to :data:`SHORT_ROWS`."""
    wide = _wide(rows, chapter).dropna(subset=["sample", "establishments"])
    keep = set(wide.index[_outside(wide)])
    keep |= {HEADLINE[chapter][0]} & set(wide.index) if chapter in HEADLINE else set()
    named = _most_different_employer(_records(rows, chapter)) if chapter == "VI" else None
    keep |= {named} if named is not None else set()
    for row_id in (wide["establishments"] - wide["sample"]).abs().sort_values(ascending=False, kind="stable").index:
        if len(keep) >= SHORT_ROWS:
            break
        keep.add(row_id)
    return [i for i in wide.index if i in keep]


def table_nl(rows: pd.DataFrame, chapter: str, short: bool = False) -> pd.DataFrame:
    """The chapter's shares: sample, all establishments, all employees (MRP, 90% interval), design-based; ``short``:
    only the rows of :func:`short_ids` (the chapter's table; the whole table is appendix D's)."""

    wide = _wide(rows, chapter)
    if short:
        wide = wide.loc[short_ids(rows, chapter)]
    return pd.DataFrame(
        {
            TABLE_COLUMNS[0]: wide["label"].to_numpy(),
            TABLE_COLUMNS[1]: [nl.MARKER if pd.isna(v) else nl.percent(v) for v in wide["sample"]],
            TABLE_COLUMNS[2]: [_estimate(*v) for v in wide[["establishments", "establishments_q05", "establishments_q95"]].to_numpy()],
            TABLE_COLUMNS[3]: [_estimate(*v) for v in wide[["employees", "employees_q05", "employees_q95"]].to_numpy()],
            TABLE_COLUMNS[4]: [_estimate(*v) for v in wide[["establishments_design", "establishments_design_q05", "establishments_design_q95"]].to_numpy()],
        }
    )  # fmt: skip


def outside(rows: pd.DataFrame, chapter: str, population: str = "establishments") -> tuple[int, int]:
    """How many of the chapter's shares have their sample value outside the population's 90% interval, of how many."""
    wide = _wide(rows, chapter).dropna(subset=["sample", population])
    return int(_outside(wide, population).sum()), len(wide)


def _outside(wide: pd.DataFrame, population: str = "establishments") -> pd.Series:
    """Per share of :func:`_wide`: is its sample value outside the population's 90% interval."""
    return (wide["sample"] < wide[f"{population}_q05"]) | (wide["sample"] > wide[f"{population}_q95"])


def _compare(sample: float, lo: float, hi: float) -> str:
    """ "hoger dan", "lager dan" or "niet duidelijk anders dan": the population against the sample."""
    if sample < lo:
        return "hoger dan"
    if sample > hi:
        return "lager dan"
    return "niet duidelijk anders dan"


def composition_nl(frame: pd.DataFrame, establishments: pd.DataFrame, again: str = "") -> str:
    """Small and large establishments in the population and in the sample, in one sentence; ``again`` (a later
    chapter, after chapter 5 gave the numbers: "Zoals in hoofdstuk 5"): the direction only, after that reference,
    so that the book does not say the same sentence three times (issue 29)."""

    labels = {k: str(v).lower() for k, v in _CB.find("size_class").categories.items()}
    pop = frame.groupby("size_class")["n_establishments"].sum() / frame["n_establishments"].sum()
    sample = establishments["size_class"].value_counts(normalize=True)
    if again:

        def more(size: str) -> str:
            return "meer" if sample.get(size, 0.0) > pop.get(size, 0.0) else "minder"

        return (
            f"{again} telt de steekproef naar verhouding {more('klein')} vestigingen van het "
            f"{labels['klein']} en {more('groot')} van het {labels['groot']} dan alle vestigingen in de onderzochte "
            "sectoren."
        )
    return (
        f"Vestigingen van het {labels['klein']} zijn {nl.percent(pop.get('klein', 0.0))} van alle vestigingen in de "
        f"onderzochte sectoren, maar {nl.percent(sample.get('klein', 0.0))} van de steekproef; die van het "
        f"{labels['groot']} zijn {nl.percent(pop.get('groot', 0.0))} van alle vestigingen en "
        f"{nl.percent(sample.get('groot', 0.0))} van de steekproef."
    )


def _records(rows: pd.DataFrame, chapter: str) -> dict[str, dict[str, Any]]:
    """The chapter's shares as ``{row id: {column: value}}`` (:func:`_wide`), blanks as NaN."""
    return cast(dict[str, dict[str, Any]], _wide(rows, chapter).to_dict("index"))


def _known(record: dict[str, Any] | None, *keys: str) -> bool:
    return record is not None and all(pd.notna(record[k]) for k in keys)


def _sentence_of(record: dict[str, Any], what: str) -> str:
    """ "In de steekproef WHAT (with X in its {}); van alle vestigingen ... naar schatting Y (interval), en van
    hun werknemers Z"."""

    return (
        f"In de steekproef {what.format(nl.percent(record['sample']))}; van alle vestigingen in de onderzochte sectoren "
        f"naar schatting {nl.percent(record['establishments'])} ({nl.percent(nl.PROB)}-interval "
        f"{nl.percent_interval(record['establishments_q05'], record['establishments_q95'])}), en van hun werknemers "
        f"{nl.percent(record['employees'])} ({nl.percent_interval(record['employees_q05'], record['employees_q95'])})."
    )


#: Per chapter, the share its paragraph on sample and population opens with: (row id, what the sample does).
HEADLINE = {
    "V": ("plan_structureel", "is {} van de vestigingen van plan structureel thuiswerken mogelijk te maken"),
    "VIII": ("rie_aanwezig", "heeft {} van de vestigingen een RI&E"),
}


def population_sentence(rows: pd.DataFrame | None, chapter: str, brief: bool = False) -> str:
    """The chapter's :data:`HEADLINE` share in the sample and, by the population model, in all establishments and
    employees of the surveyed sectors ("In de steekproef heeft 89% van de vestigingen een RI&E; van alle
    vestigingen ... naar schatting 79% ..."), for a chapter's opening (then ``paragraph_nl(..., said=True)``);
    ``brief`` (chapter 1, which summarises that chapter): sample and all establishments only, in other words.
    Without a frame, that the shares are the sample's."""
    row_id, what = HEADLINE[chapter]
    record = _records(rows, chapter).get(row_id) if rows is not None else None
    if record is None or not _known(record, "sample", "establishments", "employees"):
        return (
            "Zonder populatiekader (of met te weinig antwoorden) gelden de percentages alleen voor de bezochte "
            "vestigingen, niet voor alle vestigingen in de onderzochte sectoren."
        )
    if brief:
        return (
            f"In de steekproef {what.format(nl.percent(record['sample']))}; teruggerekend naar alle vestigingen in de "
            f"onderzochte sectoren is dat naar schatting {nl.percent(record['establishments'])} "
            f"({nl.percent(nl.PROB)}-interval "
            f"{nl.percent_interval(record['establishments_q05'], record['establishments_q95'])})."
        )
    return _sentence_of(record, what)


def _lead_viii(rec: dict[str, dict[str, Any]], frame: pd.DataFrame, establishments: pd.DataFrame, said: bool) -> str:
    """The RI&E: sample against population (unless ``said``), the composition behind it, small against large,
    employees."""

    row_id, what = HEADLINE["VIII"]
    r = rec.get(row_id)
    if r is None or not _known(r, "sample", "establishments"):
        return ""
    lead = "" if said else _sentence_of(r, what) + " "
    lead += (
        f"Het aandeel van alle vestigingen {'met een RI&E is' if said else 'is daarmee'} "
        f"{_compare(r['sample'], r['establishments_q05'], r['establishments_q95'])} dat in de steekproef. "
        + composition_nl(frame, establishments, again="Net als in de hoofdstukken 5 en 6")
    )
    small, large = rec.get("rie_aanwezig_grootte_klein"), rec.get("rie_aanwezig_grootte_groot")
    if small is not None and large is not None and _known(small, "establishments") and _known(large, "establishments"):
        fewer = small["establishments"] < large["establishments"]
        lead += (
            f" Kleine vestigingen hebben naar schatting {'minder vaak' if fewer else 'vaker'} een RI&E dan grote "
            f"({nl.percent(small['establishments'])} tegen {nl.percent(large['establishments'])}), zodat hun groter "
            f"gewicht in de populatie het aandeel {'verlaagt' if fewer else 'verhoogt'}."
        )
    large_employees = float(frame.loc[frame["size_class"] == "groot", "n_employees"].sum() / frame["n_employees"].sum())
    closer = abs(r["employees"] - r["sample"]) < abs(r["establishments"] - r["sample"])
    return lead + (
        f" Van de werknemers werkt {nl.percent(large_employees)} bij een grote vestiging; het aandeel werknemers met "
        f"een RI&E ligt {'dichter bij' if closer else 'verder van'} dat van de steekproef dan het aandeel vestigingen."
    )


def _lead_v(rec: dict[str, dict[str, Any]], frame: pd.DataFrame, establishments: pd.DataFrame, said: bool) -> str:
    """Structural home-working plans (establishments; unless ``said``) and KANS complaints (employees, per role)."""

    row_id, what = HEADLINE["V"]
    plan = rec.get(row_id)
    if plan is None or not _known(plan, "sample", "establishments"):
        return ""
    lead = ("" if said else _sentence_of(plan, what) + " ") + composition_nl(frame, establishments)
    a, b = rec.get("kans_klacht_lg"), rec.get("kans_klacht_nlg")
    if a is not None and b is not None and _known(a, "sample", "employees") and _known(b, "sample", "employees"):
        lead += (
            " Bij werknemers maakt het terugrekenen weinig uit als hun antwoorden niet met de grootte van de "
            "vestiging samenhangen: van alle leidinggevenden in deze sectoren meldt naar schatting "
            f"{nl.percent(a['employees'])} minstens één KANS-klacht "
            f"({nl.percent_interval(a['employees_q05'], a['employees_q95'])}; steekproef {nl.percent(a['sample'])}), "
            f"van de niet-leidinggevenden {nl.percent(b['employees'])} "
            f"({nl.percent_interval(b['employees_q05'], b['employees_q95'])}; steekproef {nl.percent(b['sample'])})."
        )
    return lead


def _most_different_employer(rec: dict[str, dict[str, Any]]) -> str | None:
    """The employer's measure (Table 1) whose share in all establishments differs most from the sample's: the one
    chapter VI's paragraph names and its short table keeps."""
    employer = [k for k, r in rec.items() if k.startswith("werkgever_") and _known(r, "sample", "establishments")]
    return max(employer, key=lambda k: abs(rec[k]["establishments"] - rec[k]["sample"]), default=None)


def _lead_vi(rec: dict[str, dict[str, Any]], frame: pd.DataFrame, establishments: pd.DataFrame, said: bool) -> str:
    """The employer's measure of Table 1 whose population share differs most from its sample share (chapter VI has
    no :data:`HEADLINE`: ``said`` changes nothing)."""

    named = _most_different_employer(rec)
    if named is None:
        return ""
    r = rec[named]
    return (
        "Ook de maatregelen volgens de werkgever (tabel 1 van het oorspronkelijke rapport) gelden in de steekproef "
        "voor de bezochte vestigingen. Van die maatregelen volgens de werkgever verschilt "
        f"‘{str(r['label']).split(' (')[0]}’ het meest van alle vestigingen in de onderzochte sectoren: "
        f"{nl.percent(r['sample'])} in de steekproef, naar schatting {nl.percent(r['establishments'])} "
        f"({nl.percent_interval(r['establishments_q05'], r['establishments_q95'])}) van alle vestigingen. "
        + composition_nl(frame, establishments, again="Zoals in hoofdstuk 5")
    )


LEADS = {"V": _lead_v, "VI": _lead_vi, "VIII": _lead_viii}


def paragraph_nl(
    rows: pd.DataFrame | None,
    chapter: str,
    frame: pd.DataFrame | None,
    establishments: pd.DataFrame,
    table_ref: str,
    said: bool = False,
    whole_ref: str = "",
) -> str:
    """The chapter's paragraph on sample and population (the RI&E first in chapter VIII), from the population rows;
    ``said``: the chapter states its :data:`HEADLINE` share earlier (:func:`population_sentence`), not again here;
    ``whole_ref``: the chapter's ``table_ref`` is short (:func:`short_ids`) and this table holds them all."""

    if rows is None or frame is None:
        return (
            "Voor deze enquête is geen populatiekader beschikbaar (het aantal vestigingen en werknemers per sector "
            "en grootteklasse). De percentages van dit hoofdstuk gelden daarom alleen voor de bezochte vestigingen "
            "en de geïnterviewde werknemers."
        )
    k, n = outside(rows, chapter)
    count = (
        f"{nl.capitalize_first(nl.count_of(k, n))} percentages van dit hoofdstuk "
        f"{nl.verb(k, 'ligt', 'liggen')} in de steekproef buiten het {nl.percent(nl.PROB)}-interval voor alle "
        "vestigingen"
    )
    if not whole_ref:
        tail = f"{count}; {table_ref} zet ze naast elkaar, met de gewogen schatting zonder model ernaast."
    else:
        shown = f"{'die, en ' if k else ''}de percentages die {'verder ' if k else ''}het meest verschillen"
        tail = (
            f"{count}. {nl.capitalize_first(table_ref)} geeft {shown}, met de gewogen schatting zonder model "
            f"ernaast; {whole_ref} in bijlage D geeft alle percentages."
        )
    lead = LEADS[chapter](_records(rows, chapter), frame, establishments, said)
    return f"{lead} {tail}".strip()
