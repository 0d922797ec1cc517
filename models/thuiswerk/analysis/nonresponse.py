"""Questionnaire respondents against non-respondents, on what the interview asked of everyone.

The health models use only the employees who completed the online questionnaire
(the source report: 157 of the managers and 160 of the non-managers). Whether
their non-response is ignorable cannot be checked on the outcomes they did not
give, but it can be checked on what every interviewed employee told the
inspector: if respondents and non-respondents of one role differ on those, the
questionnaire's non-response is not completely at random, and a health result
holds for the respondents rather than for every interviewed employee as far as
the differing characteristics go with health.

Estimand, per role and characteristic: the mean among respondents minus the mean
among non-respondents (a share for a yes/no characteristic), in the survey at
hand. Its posterior comes from the Bayesian bootstrap (Rubin 1981): Dirichlet(1,
..., 1) weights over the employees of each group, so no distribution is assumed
for the characteristic. A difference is *duidelijk* when the posterior puts at
least :data:`thuiswerk.core.nl.EVIDENCE_CLEAR_THRESHOLD` of its mass on one side of
zero (no direction is expected beforehand, so either side counts).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from thuiswerk.core import codebook, nl
from thuiswerk.core.codebook import ROLES
from thuiswerk.modelling.prepare import PREDICTORS  # the 0/1 characteristics as the models define them

DRAWS = 4000


@dataclass(frozen=True)
class Characteristic:
    label: str  # Dutch, as in the table
    values: Callable[[pd.DataFrame], pd.Series]  # per employee; NaN where unknown
    kind: str  # "share" (0/1) or "mean"
    decimals: int = 1


def _known_measures(e: pd.DataFrame) -> pd.Series:
    columns = [f"knows_{m}" for m in codebook.load().measures]
    return e[columns].astype(float).sum(axis=1, min_count=len(columns))  # NaN unless every item is answered


#: What the interview asked of every employee; a characteristic whose column the survey lacks is left out.
CHARACTERISTICS: dict[str, Characteristic] = {
    "known_measures": Characteristic("Aantal bekende maatregelen", _known_measures, "mean"),
    "home_share": Characteristic("Thuiswerkpercentage", lambda e: e["home_share"].astype(float), "mean", 0),
    "separate_workspace": Characteristic("Aparte werkruimte", PREDICTORS["separate_workspace"][1], "share"),
    "age": Characteristic("Leeftijd (jaren)", lambda e: e["age"].astype(float), "mean"),
    "female": Characteristic("Vrouw", PREDICTORS["female"][1], "share"),
    "higher_education": Characteristic("Hoog opgeleid", PREDICTORS["higher_education"][1], "share"),
    "living_alone": Characteristic("Alleenwonend", PREDICTORS["living_alone"][1], "share"),
    "children_at_home": Characteristic("Thuiswonende kinderen", PREDICTORS["children_at_home"][1], "share"),
}

COLUMNS = [
    "characteristic", "label", "kind", "decimals", "role", "n_respondents", "n_nonrespondents",
    "respondents", "nonrespondents", "difference", "lo", "hi", "p_positive", "suppressed",
]  # fmt: skip


def _bootstrap_means(values: np.ndarray, rng: np.random.Generator, draws: int) -> np.ndarray:
    """Posterior draws of the population mean of ``values`` (Bayesian bootstrap)."""
    weights = rng.dirichlet(np.ones(len(values)), size=draws)
    return weights @ values


def compare(employees: pd.DataFrame, seed: int, draws: int = DRAWS, min_n: int = nl.MIN_CELL) -> pd.DataFrame:
    """One row per characteristic and role: respondents' and non-respondents' means and the difference.

    Employees whose value is unknown are left out of that characteristic only
    (the n columns count who is in). A row with fewer than ``min_n`` employees
    in either group is blanked whole (``suppressed``): its means, difference and
    interval are NaN, so no value of a small group is published, nor one that
    would give it back from the other. ``seed`` fixes the bootstrap draws.
    """
    rng = np.random.default_rng(seed)
    answered = employees["questionnaire_completed"].astype("Float64") == 1
    rows = []
    for key, ch in CHARACTERISTICS.items():
        try:
            values = ch.values(employees).astype(float)
        except KeyError:  # the survey lacks the column
            continue
        for role in ROLES:
            in_role = (employees["role"] == role) & values.notna()
            groups = [values[in_role & answered.fillna(False)], values[in_role & ~answered.fillna(True)]]
            ns = [len(g) for g in groups]
            row = {"characteristic": key, "label": ch.label, "kind": ch.kind, "decimals": ch.decimals,
                   "role": role, "n_respondents": ns[0], "n_nonrespondents": ns[1]}  # fmt: skip
            if min(ns) < min_n:
                rows.append(row | dict.fromkeys(COLUMNS[7:13], np.nan) | {"suppressed": True})
                continue
            a, b = (_bootstrap_means(g.to_numpy(), rng, draws) for g in groups)
            diff = a - b
            lo, hi = np.quantile(diff, [(1 - nl.PROB) / 2, (1 + nl.PROB) / 2])
            rows.append(
                row
                | {
                    "respondents": float(groups[0].mean()),
                    "nonrespondents": float(groups[1].mean()),
                    "difference": float(diff.mean()),
                    "lo": float(lo),
                    "hi": float(hi),
                    "p_positive": float((diff > 0).mean()),
                    "suppressed": False,
                }
            )
    return pd.DataFrame(rows, columns=COLUMNS)


def clear(table: pd.DataFrame) -> pd.DataFrame:
    """The rows whose difference is *duidelijk* on either side of zero."""
    p = table["p_positive"]
    return table[~table["suppressed"] & ((p >= nl.EVIDENCE_CLEAR_THRESHOLD) | (p <= 1 - nl.EVIDENCE_CLEAR_THRESHOLD))]


def _value(row: pd.Series, column: str) -> str:
    if row["kind"] == "share":
        return nl.percent(row[column])
    return nl.number(row[column], int(row["decimals"]))


def _signed(x: float, decimals: int) -> str:
    return ("+" if x > 0 else "") + nl.number(x, decimals)


def _difference(row: pd.Series) -> str:
    """The difference and its interval; for a share in percentage points ("+5 (-3 tot 12)", the caption says so)."""
    d, scale = (0, 100.0) if row["kind"] == "share" else (int(row["decimals"]), 1.0)
    lo, hi = row["lo"] * scale, row["hi"] * scale
    return f"{_signed(row['difference'] * scale, d)} ({nl.interval(lo, hi, d)})"


ROLE_NL = {"leidinggevende": "Leidinggevenden", "niet_leidinggevende": "Niet-leidinggevenden"}


def table_nl(table: pd.DataFrame) -> pd.DataFrame:
    """The comparison as the report shows it (Dutch labels and numbers; blanked rows as the marker)."""
    out = []
    for _, row in table.iterrows():
        blank = bool(row["suppressed"])
        out.append(
            {
                "Kenmerk": row["label"],
                "Groep": ROLE_NL[row["role"]],
                "Respondenten": nl.MARKER if blank else _value(row, "respondents"),
                "Niet-respondenten": nl.MARKER if blank else _value(row, "nonrespondents"),
                f"Verschil ({nl.percent(nl.PROB)}-interval)": nl.MARKER if blank else _difference(row),
                "Aantal (resp. / niet-resp.)": f"{nl.number(row['n_respondents'], 0)} / "
                f"{nl.number(row['n_nonrespondents'], 0)}",
            }
        )
    return pd.DataFrame(out)


def sentence(table: pd.DataFrame) -> str:
    """What the comparison implies for the health results, in one or two Dutch sentences."""
    shown = table[~table["suppressed"]]
    if shown.empty:
        return (
            "Voor geen enkel kenmerk zijn beide groepen groot genoeg om ze te vergelijken; of de respondenten "
            "op de niet-respondenten lijken, is met deze gegevens dus niet na te gaan."
        )
    found = clear(table)
    if found.empty:
        # an interval that excludes zero without a 'duidelijk' difference: said, so the table does not contradict
        apart = shown[(shown["lo"] > 0) | (shown["hi"] < 0)]
        hints = [
            f"{row['label'][:1].lower() + row['label'][1:]} ({ROLE_NL[row['role']].lower()}: respondenten "
            f"{'meer' if row['difference'] > 0 else 'minder'})"
            for _, row in apart.iterrows()
        ]
        hint_text = (
            f" Bij {nl.join_words(hints)} ligt het {nl.percent(nl.PROB)}-interval van het verschil wel helemaal "
            f"aan één kant van nul, maar de kans op een verschil in die richting blijft onder "
            f"{nl.percent(nl.EVIDENCE_CLEAR_THRESHOLD, 1)}: een aanwijzing, geen duidelijk verschil."
            if hints
            else ""
        )
        return (
            "Op geen van deze kenmerken verschillen respondenten en niet-respondenten duidelijk."
            + hint_text
            + " Dat past bij de aanname van de gezondheidsmodellen dat wie de vragenlijst niet invulde, niet om "
            "een reden ontbreekt die met de gezondheid samenhangt; bewijzen kan het dat niet, want de gezondheid "
            "van niet-respondenten is niet gemeten."
        )
    parts = []
    for _, row in found.iterrows():
        more = "meer" if row["difference"] > 0 else "minder"
        what = row["label"][:1].lower() + row["label"][1:]
        parts.append(f"{what} ({ROLE_NL[row['role']].lower()}: respondenten {more})")
    chance = len(shown) * 2 * (1 - nl.EVIDENCE_CLEAR_THRESHOLD)  # clear differences expected with none real
    return (
        f"Respondenten verschillen duidelijk van niet-respondenten in {nl.join_words(parts)}. Bij "
        f"{nl.count_words(len(shown))} vergelijkingen zijn er door toeval alleen al ongeveer "
        f"{nl.number(chance, 1)} zo'n verschil te verwachten. De resultaten van de gezondheidsmodellen gelden "
        "in de eerste plaats voor de respondenten; voor alle geïnterviewde werknemers alleen voor zover deze "
        "kenmerken niet met de gezondheid samenhangen."
    )
