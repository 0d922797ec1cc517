"""Turn the two survey tables into model inputs: arrays, index vectors and coords.

One function per model family. Every row that cannot enter a model (a
questionnaire non-respondent, an empty item) is counted in
``ModelInputs.excluded`` with its reason, so nothing is dropped silently. The
predictors are defined once, in :data:`PREDICTORS`, and chosen per model by name
in the model spec (:mod:`thuiswerk.specs`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from thuiswerk import codebook, dims

MANAGER = "leidinggevende"
ROLES = ("leidinggevende", "niet_leidinggevende")


@dataclass(frozen=True)
class ModelInputs:
    """Everything a model builder needs; no pandas, no I/O."""

    coords: dict[str, list]
    data: dict[str, np.ndarray]
    excluded: dict[str, int] = field(default_factory=dict)  # reason -> number of cells/rows

    @property
    def n_obs(self) -> int:
        return len(self.coords[dims.OBS])


def _knows(measure: str) -> Callable[[pd.DataFrame], pd.Series]:
    return lambda d: d[f"knows_{measure}"].astype(float)


def _employer(measure: str) -> Callable[[pd.DataFrame], pd.Series]:
    return lambda d: d[f"employer_{measure}"].astype(float)


def _share_known(prefix: str, exclude: Sequence[str]) -> Callable[[pd.DataFrame], pd.Series]:
    """Share of the other measures the employee knows (or the employer reports), centred."""

    def column(d: pd.DataFrame) -> pd.Series:
        others = [m for m in codebook.load().measures if m not in exclude]
        return d[[f"{prefix}_{m}" for m in others]].astype(float).mean(axis=1) - 0.5

    return column


def _group_count(prefix: str, group: str) -> Callable[[pd.DataFrame], pd.Series]:
    def column(d: pd.DataFrame) -> pd.Series:
        ms = codebook.load().measure_groups[group]
        return d[[f"{prefix}_{m}" for m in ms]].astype(float).sum(axis=1)

    return column


def _is_manager(d: pd.DataFrame) -> pd.Series:
    return (d["role"] == MANAGER).astype(float)


def _home_share_10(d: pd.DataFrame) -> pd.Series:
    return (d["home_share"].astype(float) - 50.0) / 10.0


# name -> (Dutch label, column function). Centring constants are fixed numbers,
# not sample means, so a coefficient means the same thing on every dataset.
PREDICTORS: dict[str, tuple[str, Callable[[pd.DataFrame], pd.Series]]] = {
    "knows_working_hours": ("Kent afspraken over werktijden", _knows("working_hours_agreements")),
    "knows_availability": ("Kent afspraken over bereikbaarheid", _knows("availability_agreements")),
    "knows_social_moments": ("Kent ingeplande sociale momenten", _knows("social_moments")),
    "knows_conversations": ("Kent gesprekken over wat er leeft", _knows("conversations")),
    "knows_remote_training": ("Kent training leidinggeven op afstand", _knows("remote_leadership_training")),
    "knows_other_share": (
        "Aandeel overige bekende maatregelen",
        _share_known("knows", ["working_hours_agreements"]),
    ),
    "knows_other_share_isolation": (
        "Aandeel overige bekende maatregelen",
        _share_known("knows", ["social_moments", "conversations"]),
    ),
    "knows_ergonomic": ("Aantal bekende ergonomische maatregelen", _group_count("knows", "ergonomic")),
    "employer_working_hours": ("Werkgever: afspraken over werktijden", _employer("working_hours_agreements")),
    "employer_social_moments": ("Werkgever: ingeplande sociale momenten", _employer("social_moments")),
    "employer_conversations": ("Werkgever: gesprekken over wat er leeft", _employer("conversations")),
    "employer_other_share": (
        "Werkgever: aandeel overige maatregelen",
        _share_known("employer", ["working_hours_agreements"]),
    ),
    "employer_other_share_isolation": (
        "Werkgever: aandeel overige maatregelen",
        _share_known("employer", ["social_moments", "conversations"]),
    ),
    "employer_ergonomic": ("Werkgever: aantal ergonomische maatregelen", _group_count("employer", "ergonomic")),
    "manager": ("Leidinggevende", _is_manager),
    "home_share_10": ("Thuiswerkpercentage (per 10 procentpunt, t.o.v. 50%)", _home_share_10),
    "home_share_10_manager": (
        "Thuiswerkpercentage bij leidinggevenden (per 10 procentpunt)",
        lambda d: _home_share_10(d) * _is_manager(d),
    ),
    "home_share_10_non_manager": (
        "Thuiswerkpercentage bij niet-leidinggevenden (per 10 procentpunt)",
        lambda d: _home_share_10(d) * (1.0 - _is_manager(d)),
    ),
    "difficulty_manager": (
        "Moeite met leidinggeven op afstand (t.o.v. neutraal)",
        lambda d: (d["leading_remotely_difficulty"].astype(float) - 3.0).fillna(0.0) * _is_manager(d),
    ),
    "separate_workspace": ("Aparte werkruimte", lambda d: d["separate_workspace"].astype(float)),
    "exhaustion": ("Uitputting (t.o.v. 3)", lambda d: d["exhaustion"].astype(float) - 3.0),
    "living_alone": ("Alleenwonend", lambda d: d["living_alone"].astype(float)),
    "children_at_home": ("Thuiswonende kinderen", lambda d: d["children_at_home"].astype(float)),
    "age_10": ("Leeftijd (per 10 jaar, t.o.v. 45)", lambda d: (d["age"].astype(float) - 45.0) / 10.0),
    "tenure_10": ("Dienstverband (per 10 jaar, t.o.v. 10)", lambda d: (d["tenure_years"].astype(float) - 10.0) / 10.0),
    "female": ("Vrouw", lambda d: (d["gender"] == "vrouw").astype(float)),
    "higher_education": ("Hoog opgeleid", lambda d: (d["education"] == "hoog").astype(float)),
    "free_to_choose_hours": (
        "Vrij in aantal thuiswerkuren",
        lambda d: (d["free_to_choose_hours"] == "ja").astype(float),
    ),
}


def predictor_label(name: str) -> str:
    return PREDICTORS[name][0]


def _joined(establishments: pd.DataFrame, employees: pd.DataFrame) -> pd.DataFrame:
    est = establishments.drop(columns=[c for c in establishments.columns if c in employees.columns and c != "establishment_id"])
    return employees.merge(est, on="establishment_id", how="left", validate="many_to_one")


def design_matrix(frame: pd.DataFrame, predictors: Sequence[str]) -> np.ndarray:
    unknown = [p for p in predictors if p not in PREDICTORS]
    if unknown:
        raise KeyError(f"unknown predictor(s) {unknown}; known: {sorted(PREDICTORS)}")
    if not predictors:
        return np.zeros((len(frame), 0))
    cols = [np.asarray(PREDICTORS[p][1](frame), dtype=float) for p in predictors]
    return np.column_stack(cols)


def _group_codes(frame: pd.DataFrame, establishments: pd.DataFrame) -> dict[str, np.ndarray]:
    cb = codebook.load()
    est_ids = establishments["establishment_id"].astype(str).tolist()
    est_index = pd.Index(est_ids)
    sectors = cb.get("establishments", "sector").codes
    sizes = cb.get("establishments", "size_class").codes
    est_sector = pd.Categorical(establishments["sector"], categories=sectors).codes
    est_size = pd.Categorical(establishments["size_class"], categories=sizes).codes
    return {
        "est_of_row": est_index.get_indexer(frame["establishment_id"].astype(str)),
        "sector_of_est": est_sector.astype(np.int64),
        "size_of_est": est_size.astype(np.int64),
    }


def _base_coords(establishments: pd.DataFrame) -> dict[str, list]:
    cb = codebook.load()
    return {
        dims.ESTABLISHMENT: establishments["establishment_id"].astype(str).tolist(),
        dims.SECTOR: list(cb.get("establishments", "sector").codes),
        dims.SIZE_CLASS: list(cb.get("establishments", "size_class").codes),
    }


def awareness_inputs(establishments: pd.DataFrame, employees: pd.DataFrame) -> ModelInputs:
    """Long format: one cell per employee x measure: knows (0/1) given employer reports (0/1)."""
    cb = codebook.load()
    measures = list(cb.measures)
    joined = _joined(establishments, employees)
    knows = joined[[f"knows_{m}" for m in measures]].to_numpy(dtype=float, na_value=np.nan)
    reported = joined[[f"employer_{m}" for m in measures]].to_numpy(dtype=float, na_value=np.nan)
    n_emp, n_meas = knows.shape
    emp_idx = np.repeat(np.arange(n_emp), n_meas)
    meas_idx = np.tile(np.arange(n_meas), n_emp)
    y = knows.ravel()
    rep = reported.ravel()
    keep = ~(np.isnan(y) | np.isnan(rep))
    groups = _group_codes(joined, establishments)
    role_idx = pd.Categorical(joined["role"], categories=ROLES).codes
    coords = _base_coords(establishments) | {
        dims.EMPLOYEE: joined["employee_id"].astype(str).tolist(),
        dims.MEASURE: measures,
        dims.ROLE: list(ROLES),
        dims.REPORTED: ["nee", "ja"],
        dims.OBS: np.flatnonzero(keep).tolist(),
    }
    data = {
        "y": y[keep].astype(np.int64),
        "reported": rep[keep].astype(np.int64),
        "measure": meas_idx[keep],
        "role": role_idx[emp_idx][keep].astype(np.int64),
        "employee": emp_idx[keep],
        "est_of_emp": groups["est_of_row"],
        "sector_of_est": groups["sector_of_est"],
        "size_of_est": groups["size_of_est"],
    }
    excluded = {"empty knows/employer cell": int((~keep).sum())} if (~keep).any() else {}
    return ModelInputs(coords=coords, data=data, excluded=excluded)


def _outcome_frame(
    establishments: pd.DataFrame, employees: pd.DataFrame, predictors: Sequence[str]
) -> tuple[pd.DataFrame, np.ndarray, dict[str, int]]:
    """Employees who answered the questionnaire and have every predictor; counted exclusions."""
    joined = _joined(establishments, employees)
    excluded: dict[str, int] = {}
    answered = joined["questionnaire_completed"].astype("Int64") == 1
    n_nonresp = int((~answered.fillna(False)).sum())
    if n_nonresp:
        excluded["employee did not complete the questionnaire"] = n_nonresp
    frame = joined[answered.fillna(False).to_numpy()].reset_index(drop=True)
    X = design_matrix(frame, predictors)
    complete = ~np.isnan(X).any(axis=1) if X.shape[1] else np.ones(len(frame), bool)
    if (~complete).any():
        excluded["employee with an empty predictor"] = int((~complete).sum())
    frame = frame[complete].reset_index(drop=True)
    return frame, X[complete], excluded


def ordinal_inputs(
    establishments: pd.DataFrame,
    employees: pd.DataFrame,
    aspects: Sequence[str],
    predictors: Sequence[str],
) -> ModelInputs:
    """Long format over (employee, aspect) for 1..K ordinal items with a shared design matrix."""
    cb = codebook.load()
    frame, X, excluded = _outcome_frame(establishments, employees, predictors)
    n_categories = {len(cb.find(a).categories) for a in aspects}
    if len(n_categories) != 1:
        raise ValueError(f"aspects {aspects} have different numbers of categories {n_categories}")
    k = n_categories.pop()
    scores = frame[list(aspects)].to_numpy(dtype=float, na_value=np.nan)
    n_emp, n_asp = scores.shape
    emp_idx = np.repeat(np.arange(n_emp), n_asp)
    asp_idx = np.tile(np.arange(n_asp), n_emp)
    y = scores.ravel()
    keep = ~np.isnan(y)
    if (~keep).any():
        excluded["empty item (item non-response)"] = int((~keep).sum())
    groups = _group_codes(frame, establishments)
    coords = _base_coords(establishments) | {
        dims.EMPLOYEE: frame["employee_id"].astype(str).tolist(),
        dims.ASPECT: list(aspects),
        dims.CUT: list(range(1, k)),
        dims.PREDICTOR: list(predictors),
        dims.ROLE: list(ROLES),
        dims.OBS: np.flatnonzero(keep).tolist(),
    }
    data = {
        "y": (y[keep] - 1).astype(np.int64),  # categories 1..K -> 0..K-1
        "aspect": asp_idx[keep],
        "employee": emp_idx[keep],
        "X": X,
        "est_of_emp": groups["est_of_row"],
        "role_of_emp": pd.Categorical(frame["role"], categories=ROLES).codes.astype(np.int64),
        "sector_of_est": groups["sector_of_est"],
        "size_of_est": groups["size_of_est"],
    }
    return ModelInputs(coords=coords, data=data, excluded=excluded)


def binary_inputs(
    establishments: pd.DataFrame,
    employees: pd.DataFrame,
    regions: Sequence[str],
    predictors: Sequence[str],
) -> ModelInputs:
    """Long format over (employee, body region) for 0/1 complaints."""
    frame, X, excluded = _outcome_frame(establishments, employees, predictors)
    values = frame[list(regions)].to_numpy(dtype=float, na_value=np.nan)
    n_emp, n_reg = values.shape
    emp_idx = np.repeat(np.arange(n_emp), n_reg)
    reg_idx = np.tile(np.arange(n_reg), n_emp)
    y = values.ravel()
    keep = ~np.isnan(y)
    if (~keep).any():
        excluded["empty item (item non-response)"] = int((~keep).sum())
    groups = _group_codes(frame, establishments)
    coords = _base_coords(establishments) | {
        dims.EMPLOYEE: frame["employee_id"].astype(str).tolist(),
        dims.REGION: list(regions),
        dims.PREDICTOR: list(predictors),
        dims.ROLE: list(ROLES),
        dims.OBS: np.flatnonzero(keep).tolist(),
    }
    data = {
        "y": y[keep].astype(np.int64),
        "region": reg_idx[keep],
        "employee": emp_idx[keep],
        "X": X,
        "est_of_emp": groups["est_of_row"],
        "role_of_emp": pd.Categorical(frame["role"], categories=ROLES).codes.astype(np.int64),
        "sector_of_est": groups["sector_of_est"],
        "size_of_est": groups["size_of_est"],
    }
    return ModelInputs(coords=coords, data=data, excluded=excluded)
