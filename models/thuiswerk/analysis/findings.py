"""The findings table: every quantity the report states, defined before it is estimated.

:data:`ESTIMANDS` is the estimand table. Each row names the sentence of the source
report it answers (``source``), the model, the exposure, the outcome (a codebook
item, a group: ``workload``, ``isolation``, ``kans``, or ``information_loss``), the
role (``manager``, ``non_manager`` or ``all``), the scale and the direction the
source report's hypothesis expects. The direction is fixed here, before any fit is
looked at; the evidence rule never chooses it from the posterior.

:func:`compute` turns stored fits into one row per estimand (``mean``, ``q05``,
``q95``, ``p_expected_direction``, ``wording``); ``thuiswerk findings`` prints it and
the report's tables and sentences read it (:func:`sentence`), so a sentence can only
say what the table says.

How an estimand is computed from a fit
--------------------------------------
- ``slope``: the exposure's item- and role-specific slopes (``slope[item, term]`` of
  the outcome model, :mod:`thuiswerk.modelling.builders`), averaged per posterior draw over the
  outcome's items (all six workload aspects for ``workload``, both isolation items for
  ``isolation``, neck, shoulders and arm for ``kans``) and, for ``role = all``, over the
  two roles with equal weight. Scale: log-odds of a higher answer (ordinal models) or of
  a complaint (binary model) per unit of the exposure (:data:`UNITS`).
- ``information_loss``: the awareness model's deterministic quantities: the seed's
  information loss (expected number of the 15 measures the employer reports and the
  employee does not know, divided by 15), the expected number itself, the conditional
  loss 1 - P(knows | reported) as a ratio of expected counts, the gap between the roles,
  and per measure P(not known | reported).

The evidence rule (:func:`wording`, :func:`thuiswerk.core.nl.evidence`), one for the whole report
-------------------------------------------------------------------------------------------
With ``p`` the posterior probability of the direction the source report expects::

    p >= 0.975         -> "duidelijk"               (as strict as a one-sided p < 0.025,
                                                      i.e. a two-sided test at 5%)
    0.90 <= p < 0.975  -> "aanwijzing"
    p < 0.90           -> "geen duidelijk verband"

Descriptive rows (information loss) have no direction and no word. Adjustment
covariates are not findings: the report shows them in a table without words. The
rule's false-positive rate is measured on surveys simulated without any exposure
effect (``tests/test_null_calibration.py``; the rate is in README.md).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Literal, cast

import numpy as np
import pandas as pd
import xarray as xr

from thuiswerk.core import codebook as codebook_module
from thuiswerk.core import dims, nl
from thuiswerk.core.codebook import MANAGER, NON_MANAGER
from thuiswerk.modelling.specs import BOTH, SPECS, term_name

PROB = nl.PROB  # one definition (thuiswerk.core.nl); the chapters read it from here
CLEAR = nl.EVIDENCE_CLEAR_THRESHOLD
HINT = nl.EVIDENCE_HINT_THRESHOLD
WORD_CLEAR = nl.EVIDENCE_CLEAR
WORD_HINT = nl.EVIDENCE_HINT
WORD_NONE = nl.EVIDENCE_NONE

Role = Literal["manager", "non_manager", "all"]
Direction = Literal["negative", "positive"]
ROLE_CODES: dict[str, tuple[str, ...]] = {"manager": (MANAGER,), "non_manager": (NON_MANAGER,), "all": BOTH}
ROLE_NL = {"manager": "leidinggevenden", "non_manager": "niet-leidinggevenden", "all": "alle thuiswerkers"}

_GROUPS = codebook_module.load().groups
OUTCOME_ITEMS: dict[str, tuple[str, ...]] = {
    "workload": tuple(_GROUPS["workload"]),
    "isolation": tuple(_GROUPS["isolation"]),
    "kans": tuple(_GROUPS["kans"]),
}
OUTCOME_NL = {
    "workload": "werkdruk (gemiddeld over de zes aspecten)",
    "isolation": "isolatie (van collega's en van het bedrijf)",
    "kans": "klachten aan arm, nek of schouders (KANS)",
    "information_loss": "informatieverlies",
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
    kind: Literal["slope", "information_loss"]
    exposure: str  # predictor name; for information loss the quantity or the measure
    outcome: str  # codebook item, 'workload', 'isolation', 'kans' or 'information_loss'
    role: Role
    direction: Direction | None  # the direction the source report expects; None: descriptive
    subject: str = ""  # Dutch, for the sentence: "kennis van afspraken over werktijden"
    relation: str = ""  # Dutch outcome in the sentence: "werk-thuisinterferentie"

    @property
    def scale(self) -> str:
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
_S_TABLE1 = "Tabel 1. Genomen maatregelen volgens de werkgever, de leidinggevende en de niet-leidinggevende"

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
            _S_TABLE1,
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
BY_ID = {e.id: e for e in ESTIMANDS}
if len(BY_ID) != len(ESTIMANDS):  # pragma: no cover - guards the table above
    raise RuntimeError("duplicate estimand id")

COLUMNS = [
    "id",
    "outcome",
    "role",
    "exposure",
    "model",
    "scale",
    "direction",
    "mean",
    "q05",
    "q95",
    "p_expected_direction",
    "wording",
    "chapter",
    "source",
    "items",
    "reason",
]
WORD_NOT_ESTIMABLE = nl.NOT_ESTIMABLE
WORD_NOT_ESTIMATED = nl.NOT_ESTIMATED
NO_NUMBER = (WORD_NOT_ESTIMABLE, WORD_NOT_ESTIMATED)  # wordings of rows without a number


class NotEstimable(Exception):
    """A finding these data cannot answer; ``reason`` says why in Dutch (a clause)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def wording(p_expected_direction: float | None) -> str:
    """The evidence word for the probability of the expected direction (module docstring)."""
    if p_expected_direction is None or (isinstance(p_expected_direction, float) and np.isnan(p_expected_direction)):
        return ""
    return nl.evidence(p_expected_direction)


def _stack(da: xr.DataArray) -> xr.DataArray:
    return da.stack(sample=("chain", "draw"))


def items_of(estimand: Estimand, tree: xr.DataTree | None = None) -> list[str]:
    """The outcome items a slope finding averages over: the codebook's, or those of them the fit has.

    Raises :class:`NotEstimable` when the fit has none of them (an item the survey lacks).
    """
    items = list(OUTCOME_ITEMS.get(estimand.outcome, (estimand.outcome,)))
    if tree is None:
        return items
    slope = cast(xr.DataArray, tree["posterior"]["slope"])
    item_dim = dims.ASPECT if dims.ASPECT in slope.dims else dims.REGION
    fitted = [str(v) for v in slope.coords[item_dim].values]
    present = [i for i in items if i in fitted]
    if not present:
        labels = nl.join_words([f"‘{nl.label(i)}’" for i in items])
        raise NotEstimable(f"{labels} zit niet in deze enquête")
    return present


def draws(estimand: Estimand, tree: xr.DataTree) -> np.ndarray:
    """Posterior draws of one estimand from its model's fit.

    A slope finding averages over the outcome items the fit has (:func:`items_of`).
    Raises :class:`NotEstimable` when the fit lacks the finding's items, or left out an
    exposure term it needs because the data cannot identify it (the fit's ``left_out``
    attribute says why); ``KeyError`` for a term the fit lacks for another reason (a
    ``--config`` that removed it).
    """
    post = tree["posterior"]
    if estimand.kind == "slope":
        slope = cast(xr.DataArray, post["slope"])  # a variable of the group, not a subgroup
        item_dim = dims.ASPECT if dims.ASPECT in slope.dims else dims.REGION
        items = items_of(estimand, tree)
        total: xr.DataArray | float = 0.0
        for exposure in estimand.exposure.split("+"):  # a sum of slopes: a contrast in a joint model
            terms = [term_name(exposure, r) for r in ROLE_CODES[estimand.role]]
            missing = [t for t in terms if t not in slope.coords[dims.TERM].values]
            if missing:
                _not_identified(estimand, tree, missing)
            total = total + slope.sel({item_dim: items, dims.TERM: terms}).mean([item_dim, dims.TERM])
        assert isinstance(total, xr.DataArray)  # split() gives at least one exposure
        return _stack(total).to_numpy()
    role = {"manager": MANAGER, "non_manager": NON_MANAGER}.get(estimand.role)
    if estimand.exposure == "loss_gap":
        return _stack(cast(xr.DataArray, post["loss_gap"])).to_numpy()
    if estimand.exposure in ("information_loss", "reported_not_known", "loss_if_reported"):
        return _stack(cast(xr.DataArray, post[estimand.exposure]).sel({dims.ROLE: role})).to_numpy()
    p = cast(xr.DataArray, post["p_known_if_reported"]).sel({dims.MEASURE: estimand.exposure, dims.ROLE: role})
    return 1.0 - _stack(p).to_numpy()


def _not_identified(estimand: Estimand, tree: xr.DataTree, missing: list[str]) -> None:
    """Raise :class:`NotEstimable` with the fit's reason for leaving out ``missing``, else ``KeyError``."""
    from thuiswerk.modelling import prepare

    raw = tree.attrs.get("left_out")
    stored = json.loads(raw) if isinstance(raw, str) and raw else {}
    why = {d["column"]: prepare.Dependency.from_dict(d) for d in stored.get("unidentified", [])}
    if not all(t in why for t in missing):
        raise KeyError(f"{estimand.id}: the {estimand.model} fit has no exposure term {missing}")
    raise NotEstimable("; ".join(dict.fromkeys(why[t].dutch() for t in missing)))


def summarise(estimand: Estimand, values: np.ndarray, items: list[str] | None = None) -> dict:
    """One row of the findings table from the draws of one estimand.

    ``items``: the outcome items the finding averages over, when they are not the
    codebook's full set (column ``items``; empty otherwise).
    """
    values = np.asarray(values, dtype=float).ravel()
    q05, q95 = np.quantile(values, [(1 - PROB) / 2, (1 + PROB) / 2])
    if estimand.direction is None:
        p = float("nan")
    else:
        p = float((values < 0).mean() if estimand.direction == "negative" else (values > 0).mean())
    full = OUTCOME_ITEMS.get(estimand.outcome, (estimand.outcome,))
    return _identity(estimand) | {
        "mean": float(values.mean()),
        "q05": float(q05),
        "q95": float(q95),
        "p_expected_direction": p,
        "wording": wording(None if estimand.direction is None else p),
        "items": ",".join(items) if items is not None and tuple(items) != tuple(full) else "",
        "reason": "",
    }


def _identity(estimand: Estimand) -> dict:
    row = {k: v for k, v in asdict(estimand).items() if k not in ("kind", "subject", "relation")}
    return row | {"scale": estimand.scale}


def not_estimable(estimand: Estimand, reason: str, word: str = WORD_NOT_ESTIMABLE) -> dict:
    """The row of a finding without a number: these data cannot answer it (:data:`WORD_NOT_ESTIMABLE`), or its
    model has no usable fit (:data:`WORD_NOT_ESTIMATED`); ``reason`` says why in Dutch."""
    nan = float("nan")
    return _identity(estimand) | {
        "mean": nan,
        "q05": nan,
        "q95": nan,
        "p_expected_direction": nan,
        "wording": word,
        "items": "",
        "reason": reason,
    }


def compute(
    trees: Mapping[str, xr.DataTree],
    estimands: tuple[Estimand, ...] = ESTIMANDS,
    not_fitted: Mapping[str, str] | None = None,
    not_current: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """The findings table (columns :data:`COLUMNS`): one row per estimand whose model is in ``trees``
    or in ``not_fitted``.

    ``not_fitted`` maps a model the survey cannot support to why, in Dutch
    (:attr:`thuiswerk.modelling.workflow.Adapted.reason_nl`): its findings get no number and the
    wording :data:`WORD_NOT_ESTIMABLE`, as do the findings of a fitted model that need an
    item the survey lacks or a term the data cannot identify. ``not_current`` maps a model
    whose fit is not used (missing, stale, or failing the convergence policy) to why: its
    findings get the wording :data:`WORD_NOT_ESTIMATED`.
    """
    not_fitted, not_current = not_fitted or {}, not_current or {}
    rows = []
    for e in estimands:
        if e.model in trees:
            tree = trees[e.model]
            try:
                items = items_of(e, tree) if e.kind == "slope" else None
                rows.append(summarise(e, draws(e, tree), items))
            except NotEstimable as exc:
                rows.append(not_estimable(e, exc.reason))
        elif e.model in not_fitted:
            rows.append(not_estimable(e, f"het model is niet geschat: {not_fitted[e.model]}"))
        elif e.model in not_current:
            rows.append(not_estimable(e, not_current[e.model], WORD_NOT_ESTIMATED))
    return pd.DataFrame(rows, columns=COLUMNS).set_index("id", drop=False)


def estimable(table: pd.DataFrame) -> pd.DataFrame:
    """The rows of the findings table that have a number."""
    return table[~table["wording"].isin(NO_NUMBER)]


# =========================================================================== sentences


def _odds(row: pd.Series) -> str:
    return (
        f"odds ratio {nl.number(np.exp(row['mean']), 2)}, {nl.percent(PROB)}-interval "
        f"{nl.interval(np.exp(row['q05']), np.exp(row['q95']), 2)}"
    )


def probability(p: float) -> str:
    """A posterior probability in words, never rounded to 0% or 100%."""
    if p > 0.99:
        return f"meer dan {nl.percent(0.99)}"
    if p < 0.01:
        return f"minder dan {nl.percent(0.01)}"
    return nl.percent(p)


def numbers(row: pd.Series) -> str:
    """The numbers of a slope finding in words: probability, odds ratio and interval."""
    return f"kans {probability(row['p_expected_direction'])} op de verwachte richting; {_odds(row)}"


PLURAL_HEADS = {"afspraken", "ergonomische", "gesprekken", "ingeplande"}  # first words of plural subjects


def sentence(row: pd.Series) -> str:
    """The Dutch sentence of one slope finding, made only of the row's fields.

    "Bij leidinggevenden hangt kennis van afspraken over werktijden duidelijk samen met
    minder werk-thuisinterferentie (kans 99% op de verwachte richting; odds ratio 0,45,
    90%-interval 0,30 tot 0,68)."
    """
    e = BY_ID[row["id"]]
    if e.kind != "slope":
        raise ValueError(f"{e.id} is not a slope finding; word it with its numbers")
    more = "minder" if e.direction == "negative" else "meer"
    relation = f"{more} {e.relation}"
    subject = e.subject
    prefix = "" if e.role == "all" else f"Bij {ROLE_NL[e.role]} "
    word = row["wording"]
    if word in NO_NUMBER:
        body = f"is het verband tussen {subject} en {e.relation} {word}"
        text = f"{prefix}{body}" if prefix else f"Het verband tussen {subject} en {e.relation} is {word}"
        return f"{text}: {row['reason']}."
    # "afspraken ... hangen", "kennis van afspraken ... hangt": the verb agrees with the subject's head noun
    hangt, samenhangt = ("hangen", "samenhangen") if subject.split()[0] in PLURAL_HEADS else ("hangt", "samenhangt")
    if word == WORD_CLEAR:
        body = (
            f"{hangt} {subject} duidelijk samen met {relation}"
            if prefix
            else f"{subject} {hangt} duidelijk samen met {relation}"
        )
    elif word == WORD_HINT:
        body = (
            f"is er een aanwijzing dat {subject} {samenhangt} met {relation}"
            if prefix
            else (f"er is een aanwijzing dat {subject} {samenhangt} met {relation}")
        )
    elif word == WORD_NONE:
        body = (
            f"{hangt} {subject} niet duidelijk samen met {relation}"
            if prefix
            else f"{subject} {hangt} niet duidelijk samen met {relation}"
        )
    else:
        raise ValueError(f"{e.id}: unknown wording {word!r}")
    text = f"{prefix}{body}" if prefix else body[0].upper() + body[1:]
    return f"{text} ({numbers(row)}).{items_note(row)}"


def items_note(row: pd.Series) -> str:
    """ " Op deze gegevens gaat dat over ...": the items a finding stands for when the survey lacks some ('' otherwise)."""
    used = [i for i in str(row.get("items") or "").split(",") if i]
    if not used:
        return ""
    full = OUTCOME_ITEMS.get(str(row["outcome"]), (str(row["outcome"]),))
    absent = [i for i in full if i not in used]
    labels = nl.join_words([f"‘{nl.label(i)}’" for i in used])
    gone = nl.join_words([f"‘{nl.label(i)}’" for i in absent])
    verb = "zit" if len(absent) == 1 else "zitten"
    return f" Op deze gegevens gaat dat over {labels}; {gone} {verb} niet in de enquête."


def headline(row: pd.Series) -> str:
    """Short form for chapter I: the sentence without the role prefix's numbers in brackets."""
    return sentence(row)


def table_nl(table: pd.DataFrame, ids: list[str] | None = None) -> pd.DataFrame:
    """Slope findings for display: who, outcome, exposure, odds ratio, interval, probability, word."""
    rows = table.loc[ids] if ids is not None else table[table["direction"].notna() & (table["model"] != "awareness")]
    known = [w not in NO_NUMBER for w in rows["wording"]]
    out = described(list(rows["id"])).assign(
        **{
            "Odds ratio": [nl.number(np.exp(m), 2) if k else nl.MARKER for m, k in zip(rows["mean"], known)],
            f"{nl.percent(PROB)}-interval": [
                nl.interval(np.exp(a), np.exp(b), 2) if k else nl.MARKER
                for a, b, k in zip(rows["q05"], rows["q95"], known)
            ],
            "Kans op de verwachte richting": [
                probability(p) if k else nl.MARKER for p, k in zip(rows["p_expected_direction"], known)
            ],
            "Oordeel": list(rows["wording"]),
        }
    )
    if "items" in rows:  # an outcome the survey holds only some items of says which
        out["Uitkomst"] = [
            f"{u} ({_items_short(r)})" if r["items"] else u for u, (_, r) in zip(out["Uitkomst"], rows.iterrows())
        ]
    return out


def _items_short(row: pd.Series) -> str:
    used = [i for i in str(row["items"]).split(",") if i]
    full = OUTCOME_ITEMS.get(str(row["outcome"]), ())
    return f"hier {nl.count_of(len(used), len(full))} items: zonder " + nl.join_words(
        [nl.label(i).lower() for i in full if i not in used]
    )


def described(ids: list[str]) -> pd.DataFrame:
    """What each slope finding is about, in Dutch: exposure (Verband), expected outcome (Uitkomst), who (Wie)."""
    return pd.DataFrame(
        {
            "Verband": [BY_ID[i].subject[0].upper() + BY_ID[i].subject[1:] for i in ids],
            "Uitkomst": [("minder " if BY_ID[i].direction == "negative" else "meer ") + BY_ID[i].relation for i in ids],
            "Wie": [ROLE_NL[BY_ID[i].role] for i in ids],
        }
    )


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
        "| `niet_bekend_<measure>_lg/nlg` | " + _S_TABLE1 + " (VI) | information_loss | manager, non_manager | "
        "each of the 15 measures | P(not known \\| employer reports) | descriptive |"
    )
    return "\n".join(lines)


def loss_table_nl(table: pd.DataFrame) -> pd.DataFrame:
    """The information-loss rows per role: the seed's loss (headline), the expected count, the conditional loss."""
    rows = []
    for role, suffix in (("manager", "lg"), ("non_manager", "nlg")):
        loss = table.loc[f"informatieverlies_{suffix}"]
        count = table.loc[f"niet_bekend_aantal_{suffix}"]
        cond = table.loc[f"verlies_als_gemeld_{suffix}"]
        rows.append(
            {
                "Functie": ROLE_NL[role].capitalize(),
                "Informatieverlies (van de 15 maatregelen)": f"{nl.percent(loss['mean'])} ({nl.percent_interval(loss['q05'], loss['q95'])})",
                "Genoemd maar niet bekend (aantal)": f"{nl.number(count['mean'], 1)} ({nl.interval(count['q05'], count['q95'], 1)})",
                "Niet bekend als de werkgever de maatregel noemt": f"{nl.percent(cond['mean'])} ({nl.percent_interval(cond['q05'], cond['q95'])})",
            }
        )
    return pd.DataFrame(rows)


def per_measure_table_nl(table: pd.DataFrame) -> pd.DataFrame:
    """Per measure and role: P(not known | the employer reports it), mean and 90% interval."""
    out = []
    for m, label in codebook_module.load().measures.items():
        row = {"Maatregel": label}
        for role, suffix in (("manager", "lg"), ("non_manager", "nlg")):
            r = table.loc[f"niet_bekend_{m}_{suffix}"]
            row[ROLE_NL[role].capitalize()] = f"{nl.percent(r['mean'])} ({nl.percent_interval(r['q05'], r['q95'])})"
        out.append(row)
    return pd.DataFrame(out)


def gap_sentence(row: pd.Series) -> str:
    """The role difference of the information loss, worded by the one rule from its row."""
    statement = "niet-leidinggevenden meer informatie over maatregelen missen dan leidinggevenden"
    points = f"{nl.number(row['mean'] * 100, 0)} procentpunt"
    interval = f"{nl.number(row['q05'] * 100, 0)} {nl.RANGE_WORD} {nl.number(row['q95'] * 100, 0)} procentpunt"
    numbers = (
        f"(verschil {points}, {nl.percent(PROB)}-interval {interval}; "
        f"kans {probability(row['p_expected_direction'])} op de verwachte richting)"
    )
    if row["wording"] in NO_NUMBER:
        return f"Of {statement}, is {row['wording']}: {row['reason']}."
    if row["wording"] == WORD_NONE:
        return f"Of {statement}, is niet duidelijk {numbers}."
    lead = {WORD_CLEAR: "Het is duidelijk dat", WORD_HINT: "Er is een aanwijzing dat"}[row["wording"]]
    return f"{lead} {statement} {numbers}."


def loss_sentence(table: pd.DataFrame) -> str:
    """The source report's information loss per role, from the findings rows.

    "Volgens het kennismodel noemt de werkgever van de 15 maatregelen er gemiddeld 3,8
    (90%-interval 3,6 tot 4,0) die een leidinggevende niet kent, een informatieverlies van
    25% (24% tot 27%); bij niet-leidinggevenden zijn dat er ..."
    """

    def numbers(suffix: str) -> tuple[str, str]:
        count, loss = table.loc[f"niet_bekend_aantal_{suffix}"], table.loc[f"informatieverlies_{suffix}"]
        return (
            f"{nl.number(count['mean'], 1)} ({nl.percent(PROB)}-interval {nl.interval(count['q05'], count['q95'], 1)})",
            f"een informatieverlies van {nl.percent(loss['mean'])} ({nl.percent_interval(loss['q05'], loss['q95'])})",
        )

    n = len(codebook_module.load().measures)
    row = table.loc["informatieverlies_lg"]
    if row["wording"] in NO_NUMBER:
        return f"Het informatieverlies is {row['wording']}: {row['reason']}."
    manager, non_manager = numbers("lg"), numbers("nlg")
    return (
        f"Volgens het kennismodel noemt de werkgever van de {nl.number(n, 0)} maatregelen er gemiddeld "
        f"{manager[0]} die een leidinggevende niet kent, {manager[1]}; bij {ROLE_NL['non_manager']} zijn dat "
        f"er {non_manager[0]}, {non_manager[1]}."
    )


def count_clear(table: pd.DataFrame, ids: list[str]) -> str:
    """ "twee van de vier" findings among ``ids`` that are 'duidelijk'."""
    rows = table.loc[[i for i in ids if i in table.index]]
    known = estimable(rows)
    text = nl.count_of(int((known["wording"] == WORD_CLEAR).sum()), len(known))
    missing = len(ids) - len(known)
    if missing and not len(known):
        return f"geen van de {nl.number_word(len(ids))} (zonder getal: {WORD_NOT_ESTIMABLE} of {WORD_NOT_ESTIMATED})"
    return f"{text} (nog {nl.number_word(missing)} zonder getal)" if missing else text


_OUTCOME_WORDS = {
    "workload": "werkdruk (zes aspecten)",
    "isolation": "isolatie (beide vragen)",
    "kans": "KANS-klachten (nek, schouders, arm)",
    "information_loss": "informatieverlies",
}
_DIRECTION_NL = {"negative": "negatief", "positive": "positief", None: "beschrijvend"}


def estimand_table_nl() -> pd.DataFrame:
    """The estimand table for appendix A, in Dutch (per-measure information-loss rows in one line)."""
    from thuiswerk.core import nl as _nl

    measures = codebook_module.load().measures
    rows = []
    for e in ESTIMANDS:
        if e.kind != "slope" and e.exposure in measures:
            continue
        if e.kind == "slope":
            what = f"{e.subject}; {UNITS[e.exposure]}"
        else:
            what = {
                "information_loss": "verwacht aantal genoemd maar niet bekend, gedeeld door het aantal maatregelen",
                "reported_not_known": "verwacht aantal genoemd maar niet bekend",
                "loss_if_reported": "aandeel niet bekend van de door de werkgever genoemde maatregelen",
                "loss_gap": "verschil in informatieverlies (niet-leidinggevenden min leidinggevenden)",
            }[e.exposure]
        outcome = _OUTCOME_WORDS.get(e.outcome) or _nl.label(e.outcome).lower()
        rows.append(
            {
                "Bevinding": e.id,
                "Zin uit het oorspronkelijke rapport": f"{e.source} ({e.chapter})",
                "Uitkomst": outcome,
                "Wie": ROLE_NL[e.role],
                "Grootheid": what,
                "Verwachte richting": _DIRECTION_NL[e.direction],
            }
        )
    rows.append(
        {
            "Bevinding": "niet_bekend_<maatregel>_lg/nlg",
            "Zin uit het oorspronkelijke rapport": f"{_S_TABLE1} (VI)",
            "Uitkomst": "informatieverlies",
            "Wie": "leidinggevenden, niet-leidinggevenden",
            "Grootheid": "per maatregel: P(niet bekend | werkgever noemt de maatregel)",
            "Verwachte richting": "beschrijvend",
        }
    )
    return pd.DataFrame(rows)


# =========================================================================== chapter I headings
#
# The seven headings of chapter I are conclusions, as in the source report ("Informatie
# over maatregelen bereikt in ongeveer 1/3e van de gevallen de werknemer niet"), worded
# at render time from the findings table and the survey: a heading changes when the
# posterior or the data change. Relations are worded by the one evidence rule (only
# 'duidelijk' counts as a relation; 'aanwijzing' and 'geen duidelijk verband' are "niet
# duidelijk"). Headings avoid the phrases the report test reserves for the findings
# sentences ("samen met", "samenhangt", "informatieverlies"): they say "gaat gepaard met".

EMPLOYER_IDS = (
    "werkdruk_werkgever_werktijden",
    "isolatie_werkgever_sociale_momenten",
    "isolatie_werkgever_gesprekken",
    "kans_werkgever_ergonomisch",
)
JOINT_KNOWN_IDS = (
    "werkdruk_kennis_bij_melding",
    "isolatie_kennis_bij_melding_sociale_momenten",
    "isolatie_kennis_bij_melding_gesprekken",
    "kans_kennis_bij_melding_ergonomisch",
)
JOINT_EMPLOYER_IDS = (
    "werkdruk_melding_zonder_kennis",
    "isolatie_melding_zonder_kennis_sociale_momenten",
    "isolatie_melding_zonder_kennis_gesprekken",
    "kans_melding_zonder_kennis_ergonomisch",
)
ISOLATION_IDS = {
    "isolatie_thuiswerkpercentage": ("veel thuiswerken", "veel thuiswerkt"),
    "isolatie_alleenwonend": ("alleen wonen", "alleen woont"),
}
STRUCTURAL = ("structureel_20_40", "structureel_40_80", "structureel_80_plus")  # planned_homeworking codes
RIE_HOMEWORKING = ("een_risico", "beide_risicos")  # rie_homeworking codes: attention to homeworking risks
OFTEN = 4  # "vaak" on the frequency scale, "mee eens" on the agreement scale (1-5)

# The topic of each finding: the heading when the data cannot carry a conclusion
# (a share blanked by disclosure control, or a finding missing from the table).
TOPICS = {
    1: "Klachten, uitputting en werkdruk",
    2: "Informatie over maatregelen",
    3: "Maatregelen die werknemers kennen en hun gezondheid",
    4: "Thuiswerken na de pandemie",
    5: "Voorlichting, instructie en toezicht",
    6: "Isolatie",
    7: "De RI&E en thuiswerken",
}
_HEALTH = {"werkdruk": "werkdruk", "isolatie": "isolatie", "KANS-klachten": "klachten aan arm, nek of schouders"}


def _missing(*values: float) -> bool:
    return any(v is None or not np.isfinite(float(v)) for v in values)


def _clear(table: pd.DataFrame, ids) -> tuple[list[str], list[str]]:
    """The ids of ``ids`` in ``table`` whose wording is 'duidelijk', and the others."""
    present = [i for i in ids if i in table.index]
    clear = [i for i in present if table.loc[i, "wording"] == WORD_CLEAR]
    return clear, [i for i in present if i not in clear]


def _health(ids: list[str]) -> str:
    """ "werkdruk en isolatie": the outcomes of findings, in words, each once."""
    outcomes = list(dict.fromkeys(_HEALTH.get(BY_ID[i].relation, BY_ID[i].relation) for i in ids))
    return nl.join_words(outcomes)


def _share_of(values: pd.Series) -> float:
    from thuiswerk.data import describe as S

    return S.share(values.dropna())


def headline_complaints(employees: pd.DataFrame) -> str:
    """Finding 1: complaints of arm, neck or shoulders and exhaustion among the questionnaire's respondents.

    "De meeste thuiswerkers hebben geen klachten aan arm, nek of schouders en voelen zich
    niet vaak uitgeput" when most have no KANS complaint and most are exhausted less
    than "vaak"; the other combinations are worded the other way.
    """
    from thuiswerk.data import describe as S

    complaint = S.share(S.any_complaint(employees).dropna())
    q = S.questionnaire(employees)
    often = _share_of(q["exhaustion"].astype("Float64").dropna() >= OFTEN)
    if _missing(complaint, often):
        return TOPICS[1]
    rested = often < 0.5
    if complaint < 0.5:
        head = "De meeste thuiswerkers hebben geen klachten aan arm, nek of schouders"
        return head + (" en voelen zich niet vaak uitgeput" if rested else ", maar voelen zich wel vaak uitgeput")
    subject, plural = nl.share_phrase(complaint, "thuiswerkers")
    head = f"{nl.capitalize_first(subject)} {nl.verb(2 if plural else 1, 'heeft', 'hebben')} klachten aan arm, nek of schouders"
    return head + (
        ", maar de meesten voelen zich niet vaak uitgeput" if rested else " en de meesten voelen zich vaak uitgeput"
    )


def headline_information(table: pd.DataFrame) -> str:
    """Finding 2: the information loss (the mean of both roles' posterior means) as a fraction in words.

    "Informatie over maatregelen bereikt in ongeveer een derde van de gevallen de werknemer niet."
    """
    ids = ("informatieverlies_lg", "informatieverlies_nlg")
    if not all(i in table.index for i in ids):
        return TOPICS[2]
    loss = float(np.mean([table.loc[i, "mean"] for i in ids]))
    return f"Informatie over maatregelen bereikt in {nl.fraction_phrase(loss)} van de gevallen de werknemer niet"


def headline_known_measures(table: pd.DataFrame) -> str:
    """Finding 3: from the joint models, knowing a measure the employer reports against the report alone.

    Only the known measures 'duidelijk': "Alleen maatregelen die werknemers kennen, gaan
    gepaard met minder isolatie" (the outcomes of the clear findings); both, neither, or
    only the employer's report are worded as such.
    """
    known, _ = _clear(table, JOINT_KNOWN_IDS)
    employer, _ = _clear(table, JOINT_EMPLOYER_IDS)
    if not any(i in table.index for i in JOINT_KNOWN_IDS + JOINT_EMPLOYER_IDS):
        return TOPICS[3]
    if known and not employer:
        return f"Alleen maatregelen die werknemers kennen, gaan gepaard met minder {_health(known)}"
    if known and employer:
        return f"Maatregelen gaan gepaard met minder {_health(known + employer)}, of werknemers ze nu kennen of niet"
    if employer:
        return (
            f"Niet de kennis van werknemers, maar de opgave van de werkgever gaat gepaard met minder "
            f"{_health(employer)}"
        )
    return "Maatregelen gaan niet duidelijk gepaard met een betere gezondheid, ook niet als werknemers ze kennen"


def headline_homeworking(establishments: pd.DataFrame) -> str:
    """Finding 4: the share of employers that plan structural homeworking, and their larger obstacle.

    "De meeste werkgevers willen thuiswerken structureel mogelijk maken, maar ongeveer een
    kwart vindt onduidelijk wat hun verplichtingen zijn."
    """
    from thuiswerk.data import describe as S

    planned = S.establishment_share(establishments, "planned_homeworking", list(STRUCTURAL))
    unclear = S.share(establishments["obstacle_unclear_obligations"])
    knowledge = S.share(establishments["obstacle_lack_knowledge"])
    if _missing(planned, unclear, knowledge):
        return TOPICS[4]
    subject, plural = nl.share_phrase(planned, "werkgevers")
    head = f"{nl.capitalize_first(subject)} {'willen' if plural else 'wil'} thuiswerken structureel mogelijk maken"
    if unclear >= knowledge:
        share, singular, plural_verb, rest = unclear, "vindt", "vinden", "onduidelijk wat hun verplichtingen zijn"
    else:
        share, singular, plural_verb, rest = knowledge, "mist", "missen", "kennis van mogelijke maatregelen"
    who, many = nl.share_phrase(share)
    conjunction = "maar" if planned >= 0.5 else "en"
    return f"{head}, {conjunction} {who} {plural_verb if many else singular} {rest}"


def headline_supervision(table: pd.DataFrame, establishments: pd.DataFrame) -> str:
    """Finding 5: information or instruction and active supervision by employers, and the employer's measures.

    "Ruim de helft van de werkgevers geeft voorlichting of instructie, ongeveer een kwart houdt
    toezicht, en hun maatregelen gaan niet duidelijk gepaard met de gezondheid van werknemers"
    (the last part from the four findings of the models with the employer's reports).
    """
    from thuiswerk.data import describe as S

    instruction = S.share(establishments["information_instruction"])
    supervision = S.share(establishments["active_supervision"])
    clear, other = _clear(table, EMPLOYER_IDS)
    if _missing(instruction, supervision) or not (clear or other):
        return TOPICS[5]
    who, plural = nl.share_phrase(instruction, "werkgevers")
    first = f"{nl.capitalize_first(who)} {'geven' if plural else 'geeft'} voorlichting of instructie"
    who, plural = nl.share_phrase(supervision)
    second = f"{who} {'houden' if plural else 'houdt'} toezicht"
    n, k = len(clear) + len(other), len(clear)
    if k == 0:
        third = "hun maatregelen gaan niet duidelijk gepaard met de gezondheid van werknemers"
    elif k == n:
        third = "hun maatregelen gaan gepaard met een betere gezondheid van werknemers"
    else:
        third = (
            f"hun maatregelen gaan in {nl.count_of(k, n)} onderzochte verbanden gepaard met een betere "
            "gezondheid van werknemers"
        )
    return f"{first}, {second}, en {third}"


def headline_isolation(table: pd.DataFrame, employees: pd.DataFrame) -> str:
    """Finding 6: the share that feels isolated (agrees with either isolation item), and who feels it more.

    "De meeste thuiswerkers voelen zich niet geïsoleerd; veel thuiswerken of alleen wonen
    maakt daarbij geen duidelijk verschil" (from the two isolation findings).
    """
    from thuiswerk.data import describe as S

    q = S.questionnaire(employees)
    items = q[["isolation_colleagues", "isolation_company"]].astype("Float64").dropna()
    isolated = _share_of((items >= OFTEN).any(axis=1))
    clear, other = _clear(table, ISOLATION_IDS)
    if _missing(isolated):
        return TOPICS[6]
    if isolated < 0.075:
        head, few = "Bijna geen thuiswerker voelt zich geïsoleerd", True
    elif isolated < 0.5:
        head, few = "De meeste thuiswerkers voelen zich niet geïsoleerd", True
    else:
        who, plural = nl.share_phrase(isolated, "thuiswerkers")
        head, few = f"{nl.capitalize_first(who)} {'voelen' if plural else 'voelt'} zich geïsoleerd", False
    if not clear and not other:
        return head
    no_difference = f"{nl.join_words([ISOLATION_IDS[i][0] for i in other], 'of')} maakt daarbij geen duidelijk verschil"
    if not clear:
        return f"{head}; {no_difference}"
    who = f"wie {nl.join_words([ISOLATION_IDS[i][1] for i in clear], 'of')}, voelt zich {'wel ' if few else ''}vaker geïsoleerd"
    return f"{head}; {who}" + (f", maar {no_difference.replace(' daarbij', '')}" if other else "")


def headline_rie(establishments: pd.DataFrame) -> str:
    """Finding 7: the share of employers whose RI&E pays attention to the risks of homeworking."""
    from thuiswerk.data import describe as S

    share = S.establishment_share(establishments, "rie_homeworking", list(RIE_HOMEWORKING))
    if _missing(share):
        return TOPICS[7]
    who, plural = nl.share_phrase(share, "werkgevers")
    return (
        f"{nl.capitalize_first(who)} {'besteden' if plural else 'besteedt'} in de risico-inventarisatie en "
        "-evaluatie (RI&E) aandacht aan thuiswerken"
    )


def chapter_one_headlines(table: pd.DataFrame, establishments: pd.DataFrame, employees: pd.DataFrame) -> dict[int, str]:
    """The seven headings of chapter I (1 to 7), each a conclusion worded from the findings table and the survey.

    A finding these data cannot answer counts as absent: a heading that needs it falls back to its topic.
    """
    table = estimable(table)
    return {
        1: headline_complaints(employees),
        2: headline_information(table),
        3: headline_known_measures(table),
        4: headline_homeworking(establishments),
        5: headline_supervision(table, establishments),
        6: headline_isolation(table, employees),
        7: headline_rie(establishments),
    }
