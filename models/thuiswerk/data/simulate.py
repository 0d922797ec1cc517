"""The synthetic survey: drawn with calibrated parameters, its population frame and truth, written to files.

The real microdata of the *Arbo in Bedrijf Special Thuiswerken* are confidential. This
module draws a survey with the same design and the same columns (see
``data/codebook.yaml``) from the generative story of :mod:`thuiswerk.data.generator`, with
parameters solved so that its sample margins match the seed report's published numbers
(:func:`thuiswerk.data.calibrate.calibrate`), and whose causal structure is known: every
planted parameter is returned in :attr:`SyntheticSurvey.truth` so that the models can be
checked by parameter recovery.

Scenarios (:data:`SCENARIOS`, ``simulate(..., scenario_name=...)``) plant one threat to the
report's reading on top of this story: an attentive trait behind both knowledge and
reported workload, establishments with more problems taking more measures, employer
measures that act without the employee's knowledge, or questionnaire response that
depends on workload. ``truth["scenario"]`` records which, with its strength.

Public API: :func:`simulate` returns a :class:`SyntheticSurvey`; :func:`write` stores it as
``establishments.csv``, ``employees.csv`` and ``truth.json``.
"""

from __future__ import annotations

import copy
import hashlib
import json
import math
import os
import shutil
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from pandas.api.extensions import ExtensionArray

from thuiswerk.core import codebook as codebook_module
from thuiswerk.core.codebook import MANAGER, NON_MANAGER, ROLES
from thuiswerk.data.calibrate import CALIBRATION_N, CALIBRATION_SEED, GH_NODES, calibrate
from thuiswerk.data.generator import (
    CENTRE,
    DEMOGRAPHICS,
    ISOLATION_ITEMS,
    PREDICTOR_UNITS,
    QUESTIONNAIRE_FLAG,
    STRUCTURE,
    WORKLOAD_ASPECTS,
    draw_employees,
    draw_establishments,
    draw_outcome_noise,
    draw_outcomes,
    draw_truncated_lognormal,
    questionnaire_items,
)
from thuiswerk.data.margins import Margins

DEFAULT_N = 206
SURVEY_SEED = 20220201  # the seed the embedded synthetic survey is drawn with (runconfig.DEFAULT_SEED: a run's)


@dataclass(frozen=True)
class Scenario:
    """A threat to the report's reading, planted on top of the default survey (``truth["scenario"]``).

    Each strength is zero in the default survey; the margins are calibrated without
    them, so a scenario's margins drift a little (the calibration test is on the default).
    """

    name: str
    description: str
    #: latent workload and isolation per SD of the employee's attentiveness, the trait
    #: that also raises knowledge of every measure (same-respondent bias)
    attentive: float = 0.0
    #: added to the establishment's workload, isolation and complaint effects per SD of its
    #: employer-reported measures of that block (employers with more problems took more measures)
    reverse: float = 0.0
    #: latent effect of an employer-reported measure on every employee of the establishment,
    #: known or not (working-hours agreements on workload, social moments on isolation, the
    #: share of ergonomic measures on complaints)
    employer_effect: float = 0.0
    #: log-odds of completing the questionnaire per SD of the employee's own workload effect
    #: (exact completion counts per role kept)
    nonignorable: float = 0.0


SCENARIOS: dict[str, Scenario] = {
    s.name: s
    for s in (
        Scenario("default", "the planted effects act through the employees' knowledge only; questionnaire "
                 "non-response completely at random"),
        Scenario("attentive", "an employee trait raises both the knowledge of every measure and the reported "
                 "workload and isolation", attentive=0.6),
        Scenario("reverse", "establishments with more workload, isolation and complaints took more measures "
                 "(their employer reports more)", reverse=0.5),
        Scenario("employer_effect", "employer-reported measures act on every employee, also where the employee "
                 "does not know them", employer_effect=-0.6),
        Scenario("nonignorable", "employees with more workload completed the questionnaire more often",
                 nonignorable=1.0),
    )
}  # fmt: skip
#: The block's employer-reported measures for ``reverse`` and ``employer_effect``.
SCENARIO_MEASURES = {
    "workload": ("working_hours_agreements",),
    "isolation": ("social_moments",),
    "complaints": ("ergonomic_chair_desk", "ergonomic_equipment", "ergonomic_instruction"),
}


def scenario(name: str) -> Scenario:
    """The scenario called ``name``; ``ValueError`` naming the known ones otherwise."""
    if name not in SCENARIOS:
        raise ValueError(f"unknown scenario {name!r}; known: {', '.join(SCENARIOS)}")
    return SCENARIOS[name]


@dataclass(frozen=True)
class SyntheticSurvey:
    """A synthetic survey: the two tables and the planted truth."""

    establishments: pd.DataFrame
    employees: pd.DataFrame
    truth: dict[str, Any]
    frame: pd.DataFrame | None = None  # the population frame (``population=True``)


# ============================================================================ tables


def _to_column(var, values: np.ndarray, mask: np.ndarray | None) -> np.ndarray | ExtensionArray:
    if var.type in ("boolean", "ordinal", "integer"):
        arr = np.asarray(values, dtype=np.int64)
        return pd.arrays.IntegerArray(arr, np.zeros(len(arr), dtype=bool) if mask is None else mask.copy())
    if var.type == "float":
        arr = np.asarray(values, dtype=float).copy()
        if mask is not None:
            arr[mask] = np.nan
        return arr
    arr = np.asarray(values, dtype=object).copy()
    if mask is not None:
        arr[mask] = None
    return pd.array(arr, dtype="string")


def _frame(cb, table: str, values: dict[str, np.ndarray], masks: dict[str, np.ndarray]) -> pd.DataFrame:
    columns = {}
    for var in cb.table(table):
        if var.name not in values:
            raise KeyError(f"the generator does not produce {table}.{var.name} (codebook {cb.path})")
        columns[var.name] = _to_column(var, values[var.name], masks.get(var.name))
    return pd.DataFrame(columns)


def _ids(prefix: str, n: int, min_width: int) -> np.ndarray:
    width = max(min_width, len(str(n)))
    return np.array([f"{prefix}{i:0{width}d}" for i in range(1, n + 1)], dtype=object)


def _build_tables(cb, est: dict, emp: dict, outcomes: dict, noise: dict) -> tuple[pd.DataFrame, pd.DataFrame]:
    n_est, n_emp = len(est["sector"]), len(emp["role"])
    est_ids = _ids("V", n_est, 4)
    est_values = {k: v for k, v in est.items() if not k.startswith("_")}
    est_values["establishment_id"] = est_ids
    est_masks = {
        "investigation_method": est["obstacles_investigated"] == 0,
        "reason_not_investigated": est["obstacles_investigated"] == 1,
    }
    establishments = _frame(cb, "establishments", est_values, est_masks)

    emp_values = {k: v for k, v in emp.items() if not k.startswith("_")}
    emp_values.update(outcomes)
    emp_values["employee_id"] = _ids("W", n_emp, 5)
    emp_values["establishment_id"] = est_ids[emp["est_index"]]
    not_completed = emp[QUESTIONNAIRE_FLAG] == 0
    emp_masks = {"leading_remotely_difficulty": ~emp["is_manager"]}
    items = questionnaire_items(cb)
    rate = STRUCTURE["item_nonresponse_rate"]
    for j, item in enumerate(items):
        emp_masks[item] = not_completed | (noise["item_nonresponse"][:, j] < rate)
    employees = _frame(cb, "employees", emp_values, emp_masks)
    return establishments, employees


# ============================================================================ truth


def _truth(params: dict, seed: int, n: int) -> dict[str, Any]:
    p = copy.deepcopy(params)
    measures = p.pop("measures")
    slopes = p.pop("slopes")
    zero_effects = {
        "employer_measures": {
            "value": 0.0,
            "per_measure": {f"employer_{m}": 0.0 for m in measures},
            "outcome": "all outcomes (workload, isolation, technostress, complaints)",
            "note": "employer-reported measures act only through the employees' knowledge",
        },
        "workload_home_share": {"value": 0.0, "outcome": list(WORKLOAD_ASPECTS), "predictor": "home_share"},
        "isolation_home_share": {"value": 0.0, "outcome": list(ISOLATION_ITEMS), "predictor": "home_share"},
        "demographics": {
            "value": 0.0,
            "per_variable": {v: 0.0 for v in DEMOGRAPHICS},
            "outcome": "all outcomes",
        },
        "other_known_measures": {
            "value": 0.0,
            "note": "knows_* other than the three named above have no effect on any outcome",
        },
    }
    outcomes = p.pop("outcomes")
    truth = {
        "seed": int(seed),
        "n_establishments": int(n),
        "margins_digest": p.pop("margins_digest"),
        "calibration": {
            "seed": CALIBRATION_SEED,
            "n_establishments": CALIBRATION_N,
            "gauss_hermite_nodes": GH_NODES,
            "method": "establishment level by Gauss-Hermite quadrature and root finding; outcome cut points and "
            "intercepts by brentq against a fixed Monte Carlo calibration population",
        },
        "measures": measures,
        "slopes": slopes,
        "slopes_scale": "SLOPES[block][predictor][role][item]: latent (logit) scale of the block per unit of "
        "the predictor; a role or predictor that is absent has slope zero",
        "predictor_units": dict(PREDICTOR_UNITS),
        "zero_effects": zero_effects,
        "centring": dict(CENTRE),
        "design": p["design"],
        "employer": p["employer"],
        "knowledge": p["knowledge"],
        "employee_inputs": p["employee_inputs"],
        "employee_shares": p["employee_shares"],
        "workload": {
            "scale": "cumulative logit: P(Y_k <= j) = expit(cuts[k][j] - eta_k), eta_k = sum of "
            "slopes['workload'][x][role][k] * x + sd_establishment * u_e + sd_employee * v_i (v_i shared by the "
            "six aspects)",
            "cuts": outcomes["workload"]["cuts"],
            "sd_establishment": STRUCTURE["workload_sd"]["establishment"],
            "sd_employee": STRUCTURE["workload_sd"]["employee"],
        },
        "isolation": {
            "scale": "cumulative logit as workload; employee effect correlated with the workload employee effect",
            "cuts": outcomes["isolation"]["cuts"],
            "sd_establishment": STRUCTURE["isolation_sd"]["establishment"],
            "sd_employee": STRUCTURE["isolation_sd"]["employee"],
            "employee_correlation_with_workload": STRUCTURE["isolation_workload_employee_correlation"],
        },
        "technostress": {
            "scale": "cumulative logit, eta = sd_employee * t_i (no predictors)",
            "cuts": outcomes["technostress"]["cuts"],
            "sd_employee": STRUCTURE["techno_sd"]["employee"],
        },
        "complaints": {
            "scale": "logit P(complaint_r = 1) = intercept[r][role] + slopes['complaints'][x][role][r] * x "
            "+ sd_establishment * c_e + sd_employee * w_i (w_i shared by the four regions)",
            "intercept": outcomes["complaints"]["intercept"],
            "sd_establishment": STRUCTURE["complaint_sd"]["establishment"],
            "sd_employee": outcomes["complaints"]["sd_employee"],
        },
        "missingness": {
            "questionnaire": "completion missing completely at random by role (design.questionnaire_completion)",
            "item_nonresponse_rate": STRUCTURE["item_nonresponse_rate"],
        },
        "structure": copy.deepcopy(STRUCTURE),
    }
    return portable(truth)


TRUTH_DIGITS = 8  # significant digits of every float in truth.json


def portable(truth: Any) -> Any:
    """``truth`` in plain JSON types, every float to :data:`TRUTH_DIGITS` significant digits.

    The calibrated intercepts and the population's Monte Carlo shares come out of sums
    and solvers whose last bits differ between machines (seen: relative differences of
    6e-14 on another CPU); rounded, ``truth.json`` is the same file everywhere, so a
    fresh clone stays clean after ``thuiswerk run``. Eight digits are far below any
    posterior's width; the survey itself is drawn from the unrounded values.
    """

    def rounded(value: Any) -> Any:
        if isinstance(value, float) and math.isfinite(value):
            return float(f"{value:.{TRUTH_DIGITS}g}")
        if isinstance(value, dict):
            return {k: rounded(v) for k, v in value.items()}
        if isinstance(value, list):
            return [rounded(v) for v in value]
        return value

    return rounded(json.loads(json.dumps(truth)))


# ============================================================================ public API


def simulate(
    n_establishments: int = DEFAULT_N,
    seed: int = SURVEY_SEED,
    margins: Margins | str | os.PathLike | None = None,
    slopes: dict | None = None,
    scenario_name: str = "default",
    population: bool = False,
) -> SyntheticSurvey:
    """Generate a synthetic survey of ``n_establishments`` establishments.

    ``margins`` is a loaded :class:`~thuiswerk.data.margins.Margins`, a path to a margins file,
    or ``None`` for the shipped ``margins.yaml``. ``slopes`` replaces the planted effects
    (:data:`thuiswerk.data.generator.SLOPES`; :func:`thuiswerk.data.generator.null_slopes` for a
    survey without any). ``scenario_name``
    plants one threat of :data:`SCENARIOS` on top; its extra draws come from a second
    generator seeded from ``seed``, so the default survey is the same with or without
    this option. The same ``seed`` (and margins, slopes and scenario) gives identical
    tables and truth.

    ``population=True`` also draws the population frame the sample stands for and puts
    the population's true shares in ``truth["population"]`` (:func:`draw_population`);
    its draws come from a third generator seeded from ``seed``, so the survey is the
    same with or without it.
    """
    plan = scenario(scenario_name)
    if int(n_establishments) != n_establishments or n_establishments < 1:
        raise ValueError("n_establishments must be a positive integer")
    n = int(n_establishments)
    params = calibrate(margins, slopes)
    cb = codebook_module.load()
    rng = np.random.default_rng(seed)
    est = draw_establishments(params, n, rng)
    emp = draw_employees(params, est, rng)
    noise = draw_outcome_noise(rng, n, len(emp["role"]), len(questionnaire_items(cb)))
    _plant(plan, params, est, emp, noise)
    outcomes = draw_outcomes(params, emp, noise)
    if plan.nonignorable:
        emp[QUESTIONNAIRE_FLAG] = _selective_completion(plan, emp, noise, np.random.default_rng([seed, 1]))
    establishments, employees = _build_tables(cb, est, emp, outcomes, noise)
    truth = _truth(params, seed, n) | {"scenario": asdict(plan)}
    if plan.nonignorable:
        truth["missingness"]["questionnaire"] = (
            "completion depends on the employee's own workload effect: keys nonignorable * v_i + Gumbel noise, "
            "the design's number of completers per role with the highest keys complete"
        )
    if plan.employer_effect:
        truth["zero_effects"].pop("employer_measures")
    frame = None
    if population:
        frame, truth["population"] = draw_population(params, np.random.default_rng([seed, 2]), establishments)
    return SyntheticSurvey(establishments=establishments, employees=employees, truth=truth, frame=frame)


def draw_population(
    params: dict, rng: np.random.Generator, sample: pd.DataFrame
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """The population frame and the population's true value of every share of :mod:`thuiswerk.data.shares`.

    The frame: the sampled establishments (``sample``, the survey's establishments table)
    and the others, drawn from the assumed composition (``STRUCTURE["population"]``), each
    with a number of employees from its size class's distribution (the sample's), so
    that every stratum holds at least its sampled establishments. The sample is a stratified draw from the same
    super-population: given its stratum, an establishment's answers and its employees'
    answers follow the same generative story.

    The true value of a share is what post-stratification estimates: the expected share
    in each stratum (the mean over a Monte Carlo population of
    ``truth_establishments_per_stratum`` establishments per stratum, each with one
    manager and one non-manager who all complete the questionnaire), weighted by the
    frame's establishments (``establishments``) or employees (``employees``); for a share
    of a subset (``given``), the weighted share of the counted answer divided by that of
    the subset. In this story no answer depends on the number of employees within a
    size class, so weighting by the stratum's employees is weighting each establishment
    by its size.
    """
    from thuiswerk.data import population as population_module
    from thuiswerk.data import shares as shares_module

    spec = STRUCTURE["population"]
    d = params["design"]
    cells = population_module.strata()
    probs = np.array([spec["sector_shares"][s] * spec["size_shares"][z] for s, z in cells])
    others = rng.multinomial(spec["establishments_per_sampled_establishment"] * len(sample), probs / probs.sum())
    grouped = sample.groupby(["sector", "size_class"], observed=True)["n_employees"]
    sampled_n, sampled_employees = grouped.size().to_dict(), grouped.sum().to_dict()
    counts, employees = [], []
    for (sector, size), n in zip(cells, others):
        sl = d["size_lognormal"][size]
        lo, hi = sl["bounds"]
        sizes = np.clip(np.rint(draw_truncated_lognormal(rng, sl["mu"], sl["sigma"], lo - 0.5, hi + 0.5, n)), lo, hi)
        counts.append(int(n) + int(sampled_n.get((sector, size), 0)))
        employees.append(int(sizes.sum()) + int(sampled_employees.get((sector, size), 0)))
    frame = pd.DataFrame(
        {
            "sector": [s for s, _ in cells],
            "size_class": [z for _, z in cells],
            "n_establishments": np.asarray(counts, dtype=np.int64),
            "n_employees": np.asarray(employees, dtype=np.int64),
            "source": "synthetisch: getrokken uit dezelfde superpopulatie als de steekproef (thuiswerk simulate)",
        }
    )
    # Monte Carlo: every stratum equally often, everyone interviewed and responding
    mc = copy.deepcopy(params)
    sectors, sizes = d["sectors"], d["size_classes"]
    mc["design"]["sector_shares"] = {s: 1 / len(sectors) for s in sectors}
    mc["design"]["size_shares"] = {z: 1 / len(sizes) for z in sizes}
    mc["design"]["interview_pattern"] = {"both": 1.0, "manager_only": 0.0, "nonmanager_only": 0.0}
    mc["design"]["questionnaire_completion"] = {MANAGER: 1.0, NON_MANAGER: 1.0}
    n = spec["truth_establishments_per_stratum"] * len(cells)
    cb = codebook_module.load()
    est = draw_establishments(mc, n, rng)
    emp = draw_employees(mc, est, rng)
    noise = draw_outcome_noise(rng, n, len(emp["role"]), len(questionnaire_items(cb)))
    outcomes = draw_outcomes(mc, emp, noise)
    establishments, employees_table = _build_tables(cb, est, emp, outcomes, noise)
    weights = frame.set_index(["sector", "size_class"])[["n_establishments", "n_employees"]]
    levels = {"sector": list(sectors), "size_class": list(sizes)}
    values: dict[str, dict[str, float]] = {}
    for share in shares_module.SHARES:
        units = shares_module.indicator(share, establishments, employees_table).units
        means = units.groupby(["sector", "size_class"], observed=True)[["y", "d"]].mean().reindex(weights.index)
        for row_id, level in shares_module.groups(share, levels):
            keep = slice(None) if level is None else means.index.get_level_values(str(share.by)) == level
            m, w = means[keep], weights[keep]
            values[row_id] = {
                unit: float((w[col] * m["y"]).sum() / (w[col] * m["d"]).sum())
                for unit, col in (("establishments", "n_establishments"), ("employees", "n_employees"))
            }
    truth = {
        "definition": "per share: sum over strata of W_h * E[y | h] / sum of W_h * E[d | h], W_h the frame's "
        "establishments or employees of stratum h; E[.| h] by Monte Carlo (see monte_carlo)",
        "composition": copy.deepcopy(spec),
        "monte_carlo": {"establishments": int(n), "per_stratum": spec["truth_establishments_per_stratum"]},
        "shares": values,
    }
    return frame, portable(truth)


def _standardised(x: np.ndarray) -> np.ndarray:
    sd = x.std()
    return (x - x.mean()) / sd if sd > 0 else np.zeros_like(x)


def _plant(plan: Scenario, params: dict, est: dict, emp: dict, noise: dict) -> None:
    """Put the scenario's shifts into ``emp["_shift_<block>"]`` and the establishment effects (in place)."""
    index = emp["est_index"]
    if plan.attentive:
        trait = emp["_attentiveness"] / params["knowledge"]["sd_attentiveness_employee"]
        for block in ("workload", "isolation"):
            emp[f"_shift_{block}"] = emp.get(f"_shift_{block}", 0.0) + plan.attentive * trait
    for block, measures in SCENARIO_MEASURES.items():
        reported = np.mean([est[f"employer_{m}"] for m in measures], axis=0).astype(float)  # per establishment
        if plan.reverse:
            key = {"workload": "workload_est", "isolation": "isolation_est", "complaints": "complaint_est"}[block]
            noise[key] = noise[key] + plan.reverse * _standardised(reported)
        if plan.employer_effect:
            emp[f"_shift_{block}"] = emp.get(f"_shift_{block}", 0.0) + plan.employer_effect * reported[index]


def _selective_completion(plan: Scenario, emp: dict, noise: dict, rng: np.random.Generator) -> np.ndarray:
    """Completion that favours employees with more workload; the same number of completers per role."""
    keys = plan.nonignorable * noise["workload_emp"] + rng.gumbel(size=len(emp["role"]))
    completed = np.zeros(len(keys), dtype=np.int64)
    for role in ROLES:
        rows = np.flatnonzero(emp["role"] == role)
        k = int(emp[QUESTIONNAIRE_FLAG][rows].sum())
        completed[rows[np.argsort(-keys[rows])[:k]]] = 1
    return completed


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def is_synthetic(folder: str | os.PathLike) -> bool:
    """Whether ``folder`` holds a survey this generator wrote, unchanged: its ``truth.json`` names the survey's
    files with their SHA-256 and each file still has it. Real data have no truth file; an edited synthetic file
    is no longer the synthetic survey. The book says "Gebaseerd op synthetische gegevens" exactly then."""
    folder = Path(folder)
    try:
        files = json.loads((folder / "truth.json").read_text(encoding="utf-8")).get("files") or {}
    except (OSError, ValueError, AttributeError):
        return False
    survey = {"establishments.csv", "employees.csv"}
    return survey <= set(files) and all((folder / n).is_file() and _sha256(folder / n) == d for n, d in files.items())


def write(survey: SyntheticSurvey, out_dir: str | os.PathLike) -> Path:
    """Write ``establishments.csv``, ``employees.csv`` and ``truth.json`` to ``out_dir``.

    All three files are first written completely into a temporary folder next to their
    destination and then moved into place with atomic renames (CSVs first, ``truth.json``
    last), so no file is ever half-written. ``truth.json`` records the SHA-256 of both
    CSVs, so a reader can detect a set interrupted between two renames.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".simulate-", dir=out))
    try:
        names = {"establishments.csv": survey.establishments, "employees.csv": survey.employees}
        if survey.frame is not None:
            names["population.csv"] = survey.frame
        for name, frame in names.items():
            frame.to_csv(tmp / name, index=False)
        truth = dict(survey.truth)
        truth["files"] = {name: _sha256(tmp / name) for name in names}
        with (tmp / "truth.json").open("w", encoding="utf-8") as fh:
            json.dump(truth, fh, indent=2, ensure_ascii=False, sort_keys=False)
            fh.write("\n")
        for name in (*names, "truth.json"):
            with (tmp / name).open("rb") as fh:
                os.fsync(fh.fileno())
            os.replace(tmp / name, out / name)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return out


__all__ = [
    "DEFAULT_N",
    "SURVEY_SEED",
    "SCENARIOS",
    "Scenario",
    "SyntheticSurvey",
    "scenario",
    "is_synthetic",
    "simulate",
    "write",
]
