"""The estimand table: which quantity answers which sentence of the source report, fixed before any fit.

:data:`ESTIMANDS` is the estimand table. Each row names the sentence of the source
report it answers (``source``), the model, the exposure, the outcome (a codebook
item, a group: ``workload``, ``isolation``, ``kans``, or ``information_loss``), the
role (``manager``, ``non_manager`` or ``all``), the scale and the direction the
source report's hypothesis expects. The direction is fixed here, before any fit is
looked at; the evidence rule never chooses it from the posterior.

Data only: :mod:`thuiswerk.analysis.findings` estimates each row from the fits and
:mod:`thuiswerk.analysis.wording` words it; :func:`estimand_table_markdown` is the table as
README.md carries it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from thuiswerk.core import codebook as codebook_module
from thuiswerk.core.codebook import MANAGER, NON_MANAGER
from thuiswerk.modelling.specs import BOTH, SPECS

Role = Literal["manager", "non_manager", "all"]
Direction = Literal["negative", "positive"]
ROLE_CODES: dict[str, tuple[str, ...]] = {"manager": (MANAGER,), "non_manager": (NON_MANAGER,), "all": BOTH}

_GROUPS = codebook_module.load().groups
OUTCOME_ITEMS: dict[str, tuple[str, ...]] = {
    "workload": tuple(_GROUPS["workload"]),
    "isolation": tuple(_GROUPS["isolation"]),
    "kans": tuple(_GROUPS["kans"]),
}
# One unit of each exposure (the slope is per unit), for the findings table (English,
# like the table's other columns) and for the report (Dutch).
UNITS_EN = {
    "knows_working_hours": "knows the measure (yes vs no)",
    "knows_remote_training": "knows the measure (yes vs no)",
    "knows_social_moments": "knows the measure (yes vs no)",
    "knows_conversations": "knows the measure (yes vs no)",
    "knows_ergonomic": "knows all three vs none of the three ergonomic measures",
    "employer_working_hours": "employer reports the measure (yes vs no)",
    "employer_social_moments": "employer reports the measure (yes vs no)",
    "employer_conversations": "employer reports the measure (yes vs no)",
    "employer_ergonomic": "employer reports all three vs none of the three ergonomic measures",
    # in the joint models the employer's report alone: the employee does not know the measure
    "leading_difficulty": "one scale point more difficulty leading remotely",
    "home_share": "50 percentage points more home-office share",
    "free_to_choose_hours": "free to choose the number of home hours (yes vs no)",
    "living_alone": "living alone (yes vs no)",
    "separate_workspace": "separate workspace (yes vs no)",
    "exhaustion": "one scale point more exhaustion",
    "work_home_interference": "one scale point more work-home interference",
    "knows_working_hours+knows_x_employer_working_hours": "knows the measure (yes vs no), employer reports it",
    "knows_social_moments+knows_x_employer_social_moments": "knows the measure (yes vs no), employer reports it",
    "knows_conversations+knows_x_employer_conversations": "knows the measure (yes vs no), employer reports it",
    "knows_ergonomic+knows_x_employer_ergonomic": "knows all three vs none of the ergonomic measures, "
    "employer reports all three",
}
UNITS = {
    "knows_working_hours": "kent de maatregel (ja tegen nee)",
    "knows_remote_training": "kent de maatregel (ja tegen nee)",
    "knows_social_moments": "kent de maatregel (ja tegen nee)",
    "knows_conversations": "kent de maatregel (ja tegen nee)",
    "knows_ergonomic": "kent alle drie tegen geen van de drie ergonomische maatregelen",
    "employer_working_hours": "werkgever noemt de maatregel (ja tegen nee)",
    "employer_social_moments": "werkgever noemt de maatregel (ja tegen nee)",
    "employer_conversations": "werkgever noemt de maatregel (ja tegen nee)",
    "employer_ergonomic": "werkgever noemt alle drie tegen geen van de drie ergonomische maatregelen",
    "leading_difficulty": "één schaalpunt meer moeite met leidinggeven op afstand",
    "home_share": "50 procentpunt meer thuiswerken",
    "free_to_choose_hours": "vrij in het aantal thuiswerkuren (ja tegen nee)",
    "living_alone": "alleenwonend (ja tegen nee)",
    "separate_workspace": "aparte werkruimte (ja tegen nee)",
    "exhaustion": "één schaalpunt meer uitputting",
    "work_home_interference": "één schaalpunt meer werk-thuisinterferentie",
    "knows_working_hours+knows_x_employer_working_hours": "kent de maatregel (ja tegen nee), werkgever noemt hem",
    "knows_social_moments+knows_x_employer_social_moments": "kent de maatregel (ja tegen nee), werkgever noemt hem",
    "knows_conversations+knows_x_employer_conversations": "kent de maatregel (ja tegen nee), werkgever noemt hem",
    "knows_ergonomic+knows_x_employer_ergonomic": "kent alle drie tegen geen van de drie ergonomische maatregelen, "
    "werkgever noemt alle drie",
}


@dataclass(frozen=True)
class Estimand:
    """One finding: which quantity answers which sentence of the source report."""

    id: str
    chapter: str  # chapter of the source report the sentence is in
    source: str  # the source report's sentence (Dutch)
    model: str
    kind: Literal["slope", "information_loss", "contrast", "marginal"]
    # predictor name; for information loss the quantity or the measure; a contrast: "first - second"; a marginal
    # effect: the slope finding it puts on the share scale
    exposure: str
    outcome: str  # codebook item, 'workload', 'isolation', 'kans' or 'information_loss'
    role: Role
    direction: Direction | None  # the direction the source report expects; None: descriptive
    subject: str = ""  # Dutch, for the sentence: "kennis van afspraken over werktijden"
    relation: str = ""  # Dutch outcome in the sentence: "werk-thuisinterferentie"

    @property
    def relation_en(self) -> str:
        """The complaint a marginal effect counts, in English (the findings table's columns are English)."""
        return {"kans": "KANS complaint (neck, shoulders, arm)", "complaint_back": "back complaint"}.get(
            self.outcome, self.outcome
        )

    @property
    def parts(self) -> tuple[str, str]:
        """A contrast's two slope findings (ids): the first minus the second."""
        if self.kind != "contrast":
            raise ValueError(f"{self.id} is not a contrast")
        first, second = self.exposure.split(" - ")
        return first, second

    @property
    def base(self) -> Estimand:
        """A marginal effect's slope finding."""
        if self.kind != "marginal":
            raise ValueError(f"{self.id} is not a marginal effect")
        return BY_ID[self.exposure]

    @property
    def scale(self) -> str:
        if self.kind == "marginal":
            base = self.base
            return f"change in the share with at least one {base.relation_en} (0-1) per {UNITS_EN[base.exposure]}"
        if self.kind == "contrast":
            first, second = self.parts
            return f"difference of log-odds slopes: {first} minus {second}"
        if self.kind == "slope":
            what = "a complaint" if SPECS[self.model].family == "binary" else "a higher answer"
            return f"log-odds of {what} per {UNITS_EN[self.exposure]}"
        if self.exposure == "reported_not_known":
            return "expected number of the 15 measures"
        if self.exposure == "loss_gap":
            return "difference of shares (non-managers minus managers)"
        return "share (0-1)"


def _slope(
    id: str,
    chapter: str,
    source: str,
    model: str,
    exposure: str,
    outcome: str,
    role: Role,
    direction: Direction,
    subject: str,
    relation: str,
) -> Estimand:
    return Estimand(id, chapter, source, model, "slope", exposure, outcome, role, direction, subject, relation)


def _contrast(id: str, chapter: str, source: str, first: Estimand, second: Estimand, direction: Direction,
              subject: str, relation: str) -> Estimand:  # fmt: skip
    """A comparison the report words: the first slope minus the second, from the same fit (draw by draw)."""
    if first.model != second.model or first.outcome != second.outcome:
        raise ValueError(f"{id}: a contrast compares two slopes of one model and outcome")
    role = first.role if first.role == second.role else "all"
    return Estimand(id, chapter, source, first.model, "contrast", f"{first.id} - {second.id}", first.outcome, role,
                    direction, subject, relation)  # fmt: skip


_S_HOURS_I = "Thuiswerkers waarmee duidelijke afspraken zijn gemaakt over werktijden rapporteren minder werkdruk."
_S_HOURS_VII = (
    "Dat de werkgever afspraken maakt met werknemers over werktijden, hing voor leidinggevenden "
    "negatief samen met ervaren werk-thuis interferentie."
)
_S_HOURS_WEAK = (
    "En in zeer zwakke, niet significante, mate hingen die afspraken ook samen met ervaren werkdruk, "
    "en voor niet-leidinggevenden met ervaren druk van collega's."
)
_S_TRAINING = (
    "Ook als leidinggevenden aangaven dat zij training hadden gekregen in het 'leidinggeven op afstand' "
    "bleek dat niet samen te hangen met de werkdruk die leidinggevenden ervaren."
)
_S_DIFFICULTY = (
    "Leidinggevenden die het moeilijk vinden om leiding te geven op afstand lopen wel een verhoogd "
    "risico op het ervaren van werkdruk."
)
_S_DIFFICULTY_ASPECTS = (
    "Dat is dan vaak in de vorm van thuis-werk conflict, telepressure, en minder goed afstand "
    "kunnen nemen van het werk buiten werktijd."
)
_S_HOME_WORKLOAD = "Het percentage van de totale uren dat werknemers thuiswerken hangt niet samen met ervaren werkdruk."
_S_FREE = (
    "De data lieten alleen geen verband zien tussen het hebben van invloed op hoeveel uur je thuis kan werken "
    "en hoeveel werkdruk je ervaart."
)
_S_SOCIAL = (
    "De ervaring dat de werkgever momenten inplant om sociale contacten aan te moedigen hing negatief samen "
    "met gevoelens van isolatie bij niet-leidinggevenden. Dit geldt zowel voor isolatie van collega's als "
    "voor isolatie van het bedrijf."
)
_S_TALKS = (
    "Gesprekken voeren met de medewerkers om te zien wat er leeft en ervaren wordt hangt voor "
    "niet-leidinggevenden negatief samen met gevoelens van isolatie van het bedrijf."
)
_S_ISO_I = (
    "Thuiswerkers rapporteren minder gevoelens van isolatie bij bedrijven die momenten inplannen om sociale "
    "contacten aan te moedigen of die vaak gesprekken voeren met de thuiswerkers om te zien wat er leeft."
)
_S_HOME_ISO = (
    "Er is ook geen duidelijk verband tussen de mate waarin men thuiswerkt en de mate van isolatie die men ervaart."
)
_S_ALONE = "Ook is er geen verband tussen alleen of met anderen samenwonen en de mate van isolatie die je ervaart."
_S_HOME_KANS = (
    "Het percentage uren dat men thuiswerkt [...] hangt voor leidinggevenden positief samen met het "
    "rapporteren van KANS klachten."
)
_S_HOME_KANS_NON = "Voor niet-leidinggevenden was dit niet het geval."
_S_WORKSPACE = (
    "Zowel leidinggevenden als niet-leidinggevenden die een aparte werkruimte hadden rapporteerden minder rugklachten."
)
_S_EXHAUSTION = (
    "Voor leidinggevenden zien we positieve relaties tussen ervaren uitputting en rugklachten [...] "
    "Voor niet-leidinggevenden zien we een positieve relatie tussen uitputting en rugklachten [...]"
)
_S_WORK_HOME_BACK = (
    "Voor leidinggevenden zien we positieve relaties tussen ervaren uitputting en rugklachten aan de ene kant "
    "en werk-thuis conflict en rugklachten aan de andere kant."
)
_S_ERGO = (
    "Ook hier konden we geen verband vinden tussen de door werknemers ervaren maatregelen voor het risico "
    "beeldschermwerk [...] en de ervaren KANS klachten aan de andere kant."
)
_S_EMPLOYER = (
    "De data lieten geen verbanden zien tussen de door werkgevers gerapporteerde maatregelen om de risico's "
    "beeldschermwerk en werkdruk te beheersen aan de ene kant en gerapporteerde KANS klachten, ervaren "
    "werkdruk of isolatie onder de werknemers aan de andere kant."
)
_S_LOSS_MAN = "Bij de leidinggevende medewerker is dit iets minder dan een derde."
_S_LOSS_NON = (
    "Tussen de werkgever en de niet-leidinggevende thuiswerker gaat dus ongeveer één derde van de informatie "
    "over genomen maatregelen verloren."
)
_S_COUNT = (
    "Op de 15 maatregelen hieronder geven leidinggevenden gemiddeld genomen vier keer een ander antwoord dan "
    "hun werkgever (dus de werkgever zegt dat de maatregel genomen is, maar de werknemer zegt van niet), "
    "terwijl dit voor niet-leidinggevenden vijf keer een ander antwoord is."
)
_S_CONDITIONAL = (
    "Daaruit blijkt dat werknemers minder vaak aangeven dat een maatregel aanwezig is dan dat werkgevers dat doen."
)
_S_GAP = "Niet-leidinggevenden geven ook minder vaak aan dan leidinggevende werknemers dat een maatregel genomen is."
_S_ONLY = (
    "Alleen als werknemers zelf bekend zijn met maatregelen, hangt dit soms samen met hun zelf-gerapporteerde "
    "gezondheid."
)
SOURCE_TABLE1 = "Tabel 1. Genomen maatregelen volgens de werkgever, de leidinggevende en de niet-leidinggevende"

_HOURS = "kennis van afspraken over werktijden"
_DIFF = "moeite met leidinggeven op afstand"
_SOCIAL = "kennis van ingeplande momenten voor sociaal contact"
_TALKS = "kennis van gesprekken om te zien wat er leeft"

ESTIMANDS: tuple[Estimand, ...] = (
    # ------------------------------------------------------------------ workload
    _slope(
        "werkdruk_afspraken_werktijden",
        "I",
        _S_HOURS_I,
        "workload",
        "knows_working_hours",
        "workload",
        "all",
        "negative",
        _HOURS,
        "werkdruk",
    ),
    _slope(
        "werk_thuis_afspraken_werktijden_lg",
        "VII",
        _S_HOURS_VII,
        "workload",
        "knows_working_hours",
        "work_home_interference",
        "manager",
        "negative",
        _HOURS,
        "werk-thuisinterferentie",
    ),
    _slope(
        "psych_werkbelasting_afspraken_werktijden",
        "VII",
        _S_HOURS_WEAK,
        "workload",
        "knows_working_hours",
        "psychological_workload",
        "all",
        "negative",
        _HOURS,
        "psychologische werkbelasting",
    ),
    _slope(
        "druk_collegas_afspraken_werktijden_nlg",
        "VII",
        _S_HOURS_WEAK,
        "workload",
        "knows_working_hours",
        "colleague_pressure",
        "non_manager",
        "negative",
        _HOURS,
        "ervaren druk van collega's",
    ),
    _slope(
        "werkdruk_training_lg",
        "VII",
        _S_TRAINING,
        "workload",
        "knows_remote_training",
        "workload",
        "manager",
        "negative",
        "kennis van training in leidinggeven op afstand",
        "werkdruk",
    ),
    _slope(
        "werkdruk_moeite_leidinggeven",
        "V",
        _S_DIFFICULTY,
        "workload",
        "leading_difficulty",
        "workload",
        "manager",
        "positive",
        _DIFF,
        "werkdruk",
    ),
    _slope(
        "werk_thuis_moeite_leidinggeven",
        "V",
        _S_DIFFICULTY_ASPECTS,
        "workload",
        "leading_difficulty",
        "work_home_interference",
        "manager",
        "positive",
        _DIFF,
        "werk-thuisconflict",
    ),
    _slope(
        "telepressure_moeite_leidinggeven",
        "V",
        _S_DIFFICULTY_ASPECTS,
        "workload",
        "leading_difficulty",
        "telepressure",
        "manager",
        "positive",
        _DIFF,
        "telepressure",
    ),
    _slope(
        "afstand_nemen_moeite_leidinggeven",
        "V",
        _S_DIFFICULTY_ASPECTS,
        "workload",
        "leading_difficulty",
        "detachment_problems",
        "manager",
        "positive",
        _DIFF,
        "problemen met afstand nemen van het werk",
    ),
    _slope(
        "werkdruk_thuiswerkpercentage",
        "V",
        _S_HOME_WORKLOAD,
        "workload",
        "home_share",
        "workload",
        "all",
        "positive",
        "een hoger thuiswerkpercentage",
        "werkdruk",
    ),
    _slope(
        "werkdruk_vrij_in_uren",
        "V",
        _S_FREE,
        "workload",
        "free_to_choose_hours",
        "workload",
        "all",
        "negative",
        "vrijheid om zelf het aantal thuiswerkuren te bepalen",
        "werkdruk",
    ),
    # ------------------------------------------------------------------ isolation
    _slope(
        "isolatie_sociale_momenten",
        "I",
        _S_ISO_I,
        "isolation",
        "knows_social_moments",
        "isolation",
        "all",
        "negative",
        _SOCIAL,
        "isolatie",
    ),
    _slope(
        "isolatie_gesprekken",
        "I",
        _S_ISO_I,
        "isolation",
        "knows_conversations",
        "isolation",
        "all",
        "negative",
        _TALKS,
        "isolatie",
    ),
    _slope(
        "isolatie_collegas_sociale_momenten_nlg",
        "VII",
        _S_SOCIAL,
        "isolation",
        "knows_social_moments",
        "isolation_colleagues",
        "non_manager",
        "negative",
        _SOCIAL,
        "isolatie van collega's",
    ),
    _slope(
        "isolatie_bedrijf_sociale_momenten_nlg",
        "VII",
        _S_SOCIAL,
        "isolation",
        "knows_social_moments",
        "isolation_company",
        "non_manager",
        "negative",
        _SOCIAL,
        "isolatie van het bedrijf",
    ),
    _slope(
        "isolatie_bedrijf_gesprekken_nlg",
        "VII",
        _S_TALKS,
        "isolation",
        "knows_conversations",
        "isolation_company",
        "non_manager",
        "negative",
        _TALKS,
        "isolatie van het bedrijf",
    ),
    _slope(
        "isolatie_thuiswerkpercentage",
        "I",
        _S_HOME_ISO,
        "isolation",
        "home_share",
        "isolation",
        "all",
        "positive",
        "een hoger thuiswerkpercentage",
        "isolatie",
    ),
    _slope(
        "isolatie_alleenwonend",
        "I",
        _S_ALONE,
        "isolation",
        "living_alone",
        "isolation",
        "all",
        "positive",
        "alleen wonen",
        "isolatie",
    ),
    # ------------------------------------------------------------------ complaints
    _slope(
        "kans_thuiswerkpercentage_lg",
        "V",
        _S_HOME_KANS,
        "complaints",
        "home_share",
        "kans",
        "manager",
        "positive",
        "een hoger thuiswerkpercentage",
        "KANS-klachten",
    ),
    _slope(
        "kans_thuiswerkpercentage_nlg",
        "V",
        _S_HOME_KANS_NON,
        "complaints",
        "home_share",
        "kans",
        "non_manager",
        "positive",
        "een hoger thuiswerkpercentage",
        "KANS-klachten",
    ),
    _slope(
        "rug_aparte_werkruimte_lg",
        "V",
        _S_WORKSPACE,
        "complaints",
        "separate_workspace",
        "complaint_back",
        "manager",
        "negative",
        "een aparte werkruimte",
        "rugklachten",
    ),
    _slope(
        "rug_aparte_werkruimte_nlg",
        "V",
        _S_WORKSPACE,
        "complaints",
        "separate_workspace",
        "complaint_back",
        "non_manager",
        "negative",
        "een aparte werkruimte",
        "rugklachten",
    ),
    _slope(
        "rug_uitputting_lg",
        "V",
        _S_EXHAUSTION,
        "complaints",
        "exhaustion",
        "complaint_back",
        "manager",
        "positive",
        "meer uitputting",
        "rugklachten",
    ),
    _slope(
        "rug_uitputting_nlg",
        "V",
        _S_EXHAUSTION,
        "complaints",
        "exhaustion",
        "complaint_back",
        "non_manager",
        "positive",
        "meer uitputting",
        "rugklachten",
    ),
    _slope(
        "rug_werk_thuis_lg",
        "V",
        _S_WORK_HOME_BACK,
        "complaints",
        "work_home_interference",
        "complaint_back",
        "manager",
        "positive",
        "meer werk-thuisinterferentie",
        "rugklachten",
    ),
    _slope(
        "kans_ergonomische_maatregelen",
        "VII",
        _S_ERGO,
        "complaints",
        "knows_ergonomic",
        "kans",
        "all",
        "negative",
        "kennis van ergonomische maatregelen",
        "KANS-klachten",
    ),
    # ------------------------------------------------------------------ employer-reported measures
    _slope(
        "werkdruk_werkgever_werktijden",
        "VII",
        _S_EMPLOYER,
        "workload_employer",
        "employer_working_hours",
        "workload",
        "all",
        "negative",
        "afspraken over werktijden volgens de werkgever",
        "werkdruk",
    ),
    _slope(
        "isolatie_werkgever_sociale_momenten",
        "VII",
        _S_EMPLOYER,
        "isolation_employer",
        "employer_social_moments",
        "isolation",
        "all",
        "negative",
        "ingeplande momenten voor sociaal contact volgens de werkgever",
        "isolatie",
    ),
    _slope(
        "isolatie_werkgever_gesprekken",
        "VII",
        _S_EMPLOYER,
        "isolation_employer",
        "employer_conversations",
        "isolation",
        "all",
        "negative",
        "gesprekken om te zien wat er leeft volgens de werkgever",
        "isolatie",
    ),
    _slope(
        "kans_werkgever_ergonomisch",
        "VII",
        _S_EMPLOYER,
        "complaints_employer",
        "employer_ergonomic",
        "kans",
        "all",
        "negative",
        "ergonomische maatregelen volgens de werkgever",
        "KANS-klachten",
    ),
    # ------------------------------------------------------------------ employer and employee in one model
    # Each joint model holds both the employer's report and the employee's knowledge of a
    # measure (and their interaction): knowing the measure where the employer reports it,
    # against the employer reporting it where the employee does not know it.
    _slope(
        "werkdruk_kennis_bij_melding",
        "I",
        _S_ONLY,
        "workload_joint",
        "knows_working_hours+knows_x_employer_working_hours",
        "workload",
        "all",
        "negative",
        "kennis van afspraken over werktijden die de werkgever noemt",
        "werkdruk",
    ),
    _slope(
        "werkdruk_melding_zonder_kennis",
        "I",
        _S_ONLY,
        "workload_joint",
        "employer_working_hours",
        "workload",
        "all",
        "negative",
        "afspraken over werktijden die de werkgever noemt maar de werknemer niet kent",
        "werkdruk",
    ),
    _slope(
        "isolatie_kennis_bij_melding_sociale_momenten",
        "I",
        _S_ONLY,
        "isolation_joint",
        "knows_social_moments+knows_x_employer_social_moments",
        "isolation",
        "all",
        "negative",
        "kennis van ingeplande momenten voor sociaal contact die de werkgever noemt",
        "isolatie",
    ),
    _slope(
        "isolatie_melding_zonder_kennis_sociale_momenten",
        "I",
        _S_ONLY,
        "isolation_joint",
        "employer_social_moments",
        "isolation",
        "all",
        "negative",
        "ingeplande momenten voor sociaal contact die de werkgever noemt maar de werknemer niet kent",
        "isolatie",
    ),
    _slope(
        "isolatie_kennis_bij_melding_gesprekken",
        "I",
        _S_ONLY,
        "isolation_joint",
        "knows_conversations+knows_x_employer_conversations",
        "isolation",
        "all",
        "negative",
        "kennis van gesprekken om te zien wat er leeft die de werkgever noemt",
        "isolatie",
    ),
    _slope(
        "isolatie_melding_zonder_kennis_gesprekken",
        "I",
        _S_ONLY,
        "isolation_joint",
        "employer_conversations",
        "isolation",
        "all",
        "negative",
        "gesprekken om te zien wat er leeft die de werkgever noemt maar de werknemer niet kent",
        "isolatie",
    ),
    _slope(
        "kans_kennis_bij_melding_ergonomisch",
        "I",
        _S_ONLY,
        "complaints_joint",
        "knows_ergonomic+knows_x_employer_ergonomic",
        "kans",
        "all",
        "negative",
        "kennis van ergonomische maatregelen die de werkgever noemt",
        "KANS-klachten",
    ),
    _slope(
        "kans_melding_zonder_kennis_ergonomisch",
        "I",
        _S_ONLY,
        "complaints_joint",
        "employer_ergonomic",
        "kans",
        "all",
        "negative",
        "ergonomische maatregelen die de werkgever noemt maar de werknemer niet kent",
        "KANS-klachten",
    ),
    # ------------------------------------------------------------------ information loss
    Estimand(
        "informatieverlies_lg",
        "VI",
        _S_LOSS_MAN,
        "awareness",
        "information_loss",
        "information_loss",
        "information_loss",
        "manager",
        None,
    ),
    Estimand(
        "informatieverlies_nlg",
        "VI",
        _S_LOSS_NON,
        "awareness",
        "information_loss",
        "information_loss",
        "information_loss",
        "non_manager",
        None,
    ),
    Estimand(
        "niet_bekend_aantal_lg",
        "VI",
        _S_COUNT,
        "awareness",
        "information_loss",
        "reported_not_known",
        "information_loss",
        "manager",
        None,
    ),
    Estimand(
        "niet_bekend_aantal_nlg",
        "VI",
        _S_COUNT,
        "awareness",
        "information_loss",
        "reported_not_known",
        "information_loss",
        "non_manager",
        None,
    ),
    Estimand(
        "verlies_als_gemeld_lg",
        "VI",
        _S_CONDITIONAL,
        "awareness",
        "information_loss",
        "loss_if_reported",
        "information_loss",
        "manager",
        None,
    ),
    Estimand(
        "verlies_als_gemeld_nlg",
        "VI",
        _S_CONDITIONAL,
        "awareness",
        "information_loss",
        "loss_if_reported",
        "information_loss",
        "non_manager",
        None,
    ),
    Estimand(
        "informatieverlies_verschil",
        "VI",
        _S_GAP,
        "awareness",
        "information_loss",
        "loss_gap",
        "information_loss",
        "all",
        "positive",
        "",
        "",
    ),
    *(
        Estimand(
            f"niet_bekend_{m}_{'lg' if r == 'manager' else 'nlg'}",
            "VI",
            SOURCE_TABLE1,
            "awareness",
            "information_loss",
            m,
            "information_loss",
            r,
            None,
        )
        for m in codebook_module.load().measures
        for r in ("manager", "non_manager")
    ),
)
_SLOPES = {e.id: e for e in ESTIMANDS}

#: The findings whose source sentence says there is no relation ("hangt niet samen", "geen verband", "was dit
#: niet het geval"): worded "geen relevant verband" where the posterior lies inside the region of practical
#: equivalence (:func:`thuiswerk.core.nl.equivalent`), as the rule says.
NO_RELATION = frozenset(
    {
        "werkdruk_training_lg",
        "werkdruk_thuiswerkpercentage",
        "werkdruk_vrij_in_uren",
        "isolatie_thuiswerkpercentage",
        "isolatie_alleenwonend",
        "kans_thuiswerkpercentage_nlg",
        "kans_ergonomische_maatregelen",
        "werkdruk_werkgever_werktijden",
        "isolatie_werkgever_sociale_momenten",
        "isolatie_werkgever_gesprekken",
        "kans_werkgever_ergonomisch",
    }
)


def _known_minus_reported(id: str, known: str, reported: str, subject: str) -> Estimand:
    """Knowing a measure the employer reports, against the employer reporting it unknown (a joint model)."""
    return _contrast(id, "I", _S_ONLY, _SLOPES[known], _SLOPES[reported], "negative", subject,
                     "sterker als de werknemer de maatregel kent dan als alleen de werkgever hem noemt")  # fmt: skip


# The comparisons the report words are estimands of their own (a difference of verdicts is no contrast): the
# chapter I headline on known against reported measures, and the roles of chapter V's home-office share.
CONTRASTS: tuple[Estimand, ...] = (
    _known_minus_reported("werkdruk_kennis_min_melding", "werkdruk_kennis_bij_melding",
                          "werkdruk_melding_zonder_kennis", "het verband tussen afspraken over werktijden en werkdruk"),
    _known_minus_reported("isolatie_kennis_min_melding_sociale_momenten",
                          "isolatie_kennis_bij_melding_sociale_momenten",
                          "isolatie_melding_zonder_kennis_sociale_momenten",
                          "het verband tussen ingeplande momenten voor sociaal contact en isolatie"),
    _known_minus_reported("isolatie_kennis_min_melding_gesprekken", "isolatie_kennis_bij_melding_gesprekken",
                          "isolatie_melding_zonder_kennis_gesprekken",
                          "het verband tussen gesprekken om te zien wat er leeft en isolatie"),
    _known_minus_reported("kans_kennis_min_melding_ergonomisch", "kans_kennis_bij_melding_ergonomisch",
                          "kans_melding_zonder_kennis_ergonomisch",
                          "het verband tussen ergonomische maatregelen en KANS-klachten"),
    _contrast("kans_thuiswerkpercentage_lg_min_nlg", "V", f"{_S_HOME_KANS} [...] {_S_HOME_KANS_NON}",
              _SLOPES["kans_thuiswerkpercentage_lg"], _SLOPES["kans_thuiswerkpercentage_nlg"], "positive",
              "het verband tussen een hoger thuiswerkpercentage en KANS-klachten",
              "sterker bij leidinggevenden dan bij niet-leidinggevenden"),
)  # fmt: skip


def _marginal(base: Estimand) -> Estimand:
    """A complaint slope on the source report's scale: the change in the share with a complaint (per role)."""
    return Estimand(f"{base.id}_aandeel", base.chapter, base.source, base.model, "marginal", base.id, base.outcome,
                    base.role, base.direction, base.subject, f"het aandeel met {base.relation}")  # fmt: skip


# Where the source report speaks of a share ("28-35% heeft minstens één klacht"), the complaint findings of the
# employee-knowledge model on that scale too (average marginal effects, thuiswerk.analysis.marginal); the
# joint and employer models' findings stay on the log-odds scale (a sum of slopes has no single column to set).
MARGINAL: tuple[Estimand, ...] = tuple(_marginal(e) for e in ESTIMANDS if e.kind == "slope" and e.model == "complaints")
ESTIMANDS = ESTIMANDS + CONTRASTS + MARGINAL
BY_ID = {e.id: e for e in ESTIMANDS}
if len(BY_ID) != len(ESTIMANDS):  # pragma: no cover - guards the table above
    raise RuntimeError("duplicate estimand id")


def estimand_table_markdown() -> str:
    """The estimand table (README and appendix A): id, source sentence, outcome, role, exposure, scale, direction."""
    lines = [
        "| id | source sentence (chapter) | outcome | role | exposure | scale | expected direction |",
        "|---|---|---|---|---|---|---|",
    ]
    for e in ESTIMANDS:
        if e.kind != "slope" and e.outcome == "information_loss" and e.exposure in codebook_module.load().measures:
            continue  # per-measure rows: one line below
        src = e.source.replace("|", "/")
        lines.append(
            f"| `{e.id}` | {src} ({e.chapter}) | {e.outcome} | {e.role} | {e.exposure} | {e.scale} | "
            f"{e.direction or 'descriptive'} |"
        )
    lines.append(
        "| `niet_bekend_<measure>_lg/nlg` | " + SOURCE_TABLE1 + " (VI) | information_loss | manager, non_manager | "
        "each of the 15 measures | P(not known \\| employer reports) | descriptive |"
    )
    return "\n".join(lines)
