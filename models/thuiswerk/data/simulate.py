"""The synthetic survey: a generative, hierarchical simulation with planted effects.

The real microdata of the *Arbo in Bedrijf Special Thuiswerken* are confidential. This
module generates a survey with the same design and the same columns (see
``data/codebook.yaml``) whose sample margins match the seed report's published numbers
(``data/margins.yaml``, the single source of every target) and whose causal structure is
known: every planted parameter is returned in :attr:`SyntheticSurvey.truth` so that the
models can be checked by parameter recovery.

Generative story (one establishment ``e``, its interviewed employees ``i``)

1. Design. Sector x size class (independent draws from the assumed shares); the number of
   employees from a log-normal truncated to the size class; home-workers with screen-work
   and workload risk as binomial thinning with beta-distributed establishment fractions.
2. Establishment latents, all N(0, 1): ``policy`` (how active the employer's home-working
   policy is), ``communication`` (how well information reaches the staff) and
   ``home`` (how much the staff works at home).
3. Employer answers. The 15 measures of Table 1, the RI&E (size and sector effects solved
   jointly), its home-working content, the plan of approach, information, supervision,
   investigation of obstacles and the furniture offered load on ``policy``; logit
   intercepts are solved by Gauss-Hermite quadrature so the marginal shares hit the
   targets. Categorical answers without a published relation are drawn from their shares.
4. Interviews. A manager with probability 192/206 and a non-manager with probability
   193/206, drawn as one pattern per establishment (both / manager only / non-manager only)
   so that every establishment has at least one interviewed employee and the role rates
   are exact; counts are exact, not drawn (largest-remainder rounding of N x rate, in random
   order). Questionnaire completion 157/192 (managers) and 160/193 (non-managers), exact counts,
   missing completely at random.
5. Knowledge of measures. ``logit P(knows_m) = a[m, role] + b[role] * employer_m +
   sd_c * communication_e + sd_v * attentiveness_i``; ``a`` and ``b`` are solved so the
   employee columns of Table 1 and the seed's information loss are hit: on average 4
   (managers) and 5 (non-managers) of the 15 measures are reported by the employer and
   not known by the employee (employer yes / employee no, the seed's own definition).
6. Home-office share (logit-normal rather than beta, so that the establishment effect is
   additive on the logit scale; capped below 100), separate workspace, demographics (no
   structural effect on any outcome), hours, furniture.
7. Outcomes (questionnaire), with establishment random effects shared by colleagues and
   employee random effects: six workload aspects, two isolation items and three
   technostress items as cumulative-logit ordinals (cut points solved so the means hit the
   assumed targets), four complaint regions as logits (intercepts by region x role solved
   for the assumed shares, the employee random-effect SD solved for the published share
   with at least one KANS complaint). Non-completers have every questionnaire item empty;
   completers skip each item with probability 1% (item non-response, completely at random).

Planted effects (:data:`SLOPES`, ``truth["slopes"]``), specific to outcome item and role
as the seed's findings are: knowing about working-hours agreements lowers work-home
interference for managers and pressure from colleagues for non-managers (and the other
aspects weakly); knowing about social moments lowers both kinds of isolation, above all
for non-managers; knowing about conversations lowers non-managers' isolation from the
company; a separate workspace lowers and exhaustion raises back complaints; the
home-office share raises KANS complaints for managers only; difficulty leading remotely
raises managers' workload, above all work-home interference, telepressure and detachment.
Employer-reported measures, the home-office share (for workload and isolation) and the
demographics have effect zero. :func:`null_slopes` sets every exposure effect to zero.

Scenarios (:data:`SCENARIOS`, ``simulate(..., scenario_name=...)``) plant one threat to the
report's reading on top of this story: an attentive trait behind both knowledge and
reported workload, establishments with more problems taking more measures, employer
measures that act without the employee's knowledge, or questionnaire response that
depends on workload. ``truth["scenario"]`` records which, with its strength.

Calibration is deterministic: establishment-level parameters by quadrature, outcome
parameters against a fixed Monte Carlo calibration population drawn with
:data:`CALIBRATION_SEED` (independent of the simulation seed), cached per margins file.
All randomness of a simulation flows from one ``numpy.random.default_rng(seed)`` passed
down explicitly.

Public API: :func:`simulate` returns a :class:`SyntheticSurvey`; :func:`write` stores it as
``establishments.csv``, ``employees.csv`` and ``truth.json``; :func:`calibrate` returns the
solved parameters.
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
from scipy import optimize
from scipy.special import expit, logit, ndtr, ndtri

from thuiswerk.core import codebook as codebook_module
from thuiswerk.core.codebook import MANAGER, NON_MANAGER, ROLES
from thuiswerk.core.errors import ThuiswerkError
from thuiswerk.data.margins import Margins, load_margins

DEFAULT_N = 206
SURVEY_SEED = 20220201  # the seed the embedded synthetic survey is drawn with (runconfig.DEFAULT_SEED: a run's)
CALIBRATION_SEED = 20221231
CALIBRATION_N = 30_000
GH_NODES = 48

ROLE_KEY = {MANAGER: "manager", NON_MANAGER: "nonmanager"}

_GROUPS = codebook_module.load().groups
WORKLOAD_ASPECTS = _GROUPS["workload"]
ISOLATION_ITEMS = _GROUPS["isolation"]
TECHNO_ITEMS = _GROUPS["technostress"]
REGIONS = tuple(v.removeprefix("complaint_") for v in _GROUPS["complaints"])
KANS_CODES = tuple(v.removeprefix("complaint_") for v in _GROUPS["kans"])
DEMOGRAPHICS = ("age", "tenure_years", "living_alone", "children_at_home", "gender", "education")
FURNITURE_LEVELS = ("geen_combinatie", "hoogte_verstelbaar", "zit_sta")
PLANNED_ORDER = ("niet_structureel", "structureel_20_40", "structureel_40_80", "structureel_80_plus")
ADVANTAGES = _GROUPS["advantages"]
DISADVANTAGES = _GROUPS["disadvantages"]
PATTERNS = _GROUPS["working_patterns"]
OBSTACLES = ("no_insight", "employee_responsibility", "lack_knowledge", "unclear_obligations")
QUESTIONNAIRE_FLAG = "questionnaire_completed"

# Planted effects: the causal structure of the synthetic survey (not margins; the margins
# fix intercepts and cut points, these fix the slopes). Slopes differ by outcome item and
# role, as the seed report's findings do: ``SLOPES[block][predictor][role][item]`` on the
# latent (logit) scale of that block, per unit of the predictor as defined in
# :data:`PREDICTOR_UNITS`. A predictor absent for a role has slope zero for that role.


def _by_item(items: tuple[str, ...], default: float, **special: float) -> dict[str, float]:
    unknown = set(special) - set(items)
    if unknown:
        raise KeyError(f"unknown items {sorted(unknown)}")
    return {item: float(special.get(item, default)) for item in items}


_W, _I, _C = _GROUPS["workload"], _GROUPS["isolation"], _GROUPS["complaints"]
SLOPES: dict[str, dict[str, dict[str, dict[str, float]]]] = {
    "workload": {
        # Working-hours agreements: less work-home interference for managers, less pressure
        # from colleagues for non-managers, weakly less on every other aspect.
        "knows_working_hours_agreements": {
            MANAGER: _by_item(_W, -0.2, work_home_interference=-0.8),
            NON_MANAGER: _by_item(_W, -0.2, colleague_pressure=-0.8),
        },
        # Difficulty leading remotely (managers): above all work-home conflict, telepressure
        # and detachment problems.
        "leading_remotely_difficulty": {
            MANAGER: _by_item(_W, 0.15, work_home_interference=0.5, telepressure=0.5, detachment_problems=0.5),
        },
        "manager": {MANAGER: _by_item(_W, 0.2)},
    },
    "isolation": {
        "knows_social_moments": {MANAGER: _by_item(_I, -0.2), NON_MANAGER: _by_item(_I, -0.7)},
        "knows_conversations": {MANAGER: _by_item(_I, 0.0), NON_MANAGER: _by_item(_I, -0.1, isolation_company=-0.6)},
    },
    "complaints": {
        "separate_workspace": {r: _by_item(_C, 0.0, complaint_back=-0.5) for r in ROLES},
        "exhaustion": {r: _by_item(_C, 0.0, complaint_back=0.35) for r in ROLES},
        # home-office share raises arm/neck/shoulder (KANS) complaints of managers only
        "home_share": {MANAGER: _by_item(_C, 0.75, complaint_back=0.0), NON_MANAGER: _by_item(_C, 0.0)},
    },
}
# What one unit of each planted predictor is (the models use the same units).
PREDICTOR_UNITS = {
    "knows_working_hours_agreements": "knows the measure (0/1)",
    "knows_social_moments": "knows the measure (0/1)",
    "knows_conversations": "knows the measure (0/1)",
    "leading_remotely_difficulty": "one scale point of difficulty leading remotely, centred at 3 (managers only)",
    "manager": "manager (0/1)",
    "separate_workspace": "separate workspace (0/1)",
    "exhaustion": "one scale point of exhaustion, centred at 3 (the complete-data value)",
    "home_share": "50 percentage points of home-office share (about two SDs), centred at 50%",
}
# Centring of the continuous and ordinal predictors in the outcome equations.
CENTRE = {"leading_remotely_difficulty": 3.0, "exhaustion": 3.0, "home_share": 50.0, "home_share_unit": 50.0}


def null_slopes() -> dict[str, dict[str, dict[str, dict[str, float]]]]:
    """:data:`SLOPES` with every exposure effect zero (the role shift of workload kept).

    A survey simulated with these has no relation between any measure, the home-office
    share, a workspace, exhaustion or difficulty leading remotely and any outcome: the
    null surveys on which the evidence rule's false-positive rate is measured.
    """
    out = copy.deepcopy(SLOPES)
    for block, predictors in out.items():
        for name, roles in predictors.items():
            if (block, name) == ("workload", "manager"):
                continue
            for items in roles.values():
                for item in items:
                    items[item] = 0.0
    return out


# Structural constants (random-effect SDs, loadings, shapes); recorded in `truth`.
STRUCTURE: dict[str, Any] = {
    "policy_loading": {
        "employer_measures": 1.0,
        "rie_present": 0.8,
        "rie_homeworking_attention": 0.8,
        "plan_of_approach_homeworking": 0.8,
        "obstacles_investigated": 0.6,
        "information_instruction": 0.8,
        "active_supervision": 0.6,
        "furniture_offered": 0.8,
        "judgements": 0.8,
    },
    "plan_of_approach_attention_effect": 2.0,
    "size_lognormal": {
        "klein": {"sigma": 0.6, "bounds": [1, 49]},
        "midden": {"median": 110.0, "sigma": 0.5, "bounds": [50, 249]},
        "groot": {"median": 1000.0, "sigma": 0.9, "bounds": [250, 100_000]},
    },
    "risk_fraction_concentration": {"screen": 6.0, "workload": 5.0},
    "knowledge_sd": {"communication_establishment": 0.8, "attentiveness_employee": 0.5},
    "home_share_sd": {"establishment": 0.6, "employee": 0.9},
    "planned_homeworking_home_correlation": 0.7,
    "judgement_cuts": [-2.4, -1.4, -0.2, 1.2],
    "judgement_after_noise_sd": 0.6,
    "judgement_after_communication": 0.3,
    "ordinal_base_cuts": [-1.5, 0.0, 1.5, 3.0],
    "leading_difficulty_base_cuts": [-2.2, -0.7, 0.7, 2.2],
    "workload_sd": {"establishment": 0.4, "employee": 0.9},
    "isolation_sd": {"establishment": 0.3, "employee": 0.9},
    "isolation_workload_employee_correlation": 0.4,
    "techno_sd": {"employee": 0.8},
    "complaint_sd": {"establishment": 0.3},
    "overtime_sd": 3.0,
    "contract_hours_sd": {MANAGER: 3.0, NON_MANAGER: 5.0},
    "contract_hours_bounds": [8.0, 44.0],
    "age_sd": 9.0,
    "age_bounds": [20, 67],
    "tenure_start_age": 18,
    "tenure_beta_concentration": 3.0,
    "item_nonresponse_rate": 0.01,
    "home_share_max": 99.9,
    # The population frame (sector x size class) of the surveyed sectors: an assumed composition, not a
    # published one (the seed gives none). Most establishments are small, unlike the sample (100 of 206
    # large). Employees per establishment come from the same size-class distributions as the sample's.
    "population": {
        # the sampled establishments and 300 others per sampled one (about 62,000 for the default 206)
        "establishments_per_sampled_establishment": 300,
        "sector_shares": {
            "informatie_communicatie": 0.12,
            "financiele_dienstverlening": 0.05,
            "zakelijke_dienstverlening": 0.50,
            "overheid": 0.03,
            "onderwijs": 0.10,
            "cultuur_overig": 0.20,
        },
        "size_shares": {"klein": 0.92, "midden": 0.065, "groot": 0.015},
        "truth_establishments_per_stratum": 5_000,  # Monte Carlo size of the expected share of each stratum
    },
}

_GH_X, _GH_W = np.polynomial.hermite_e.hermegauss(GH_NODES)
_GH_W = _GH_W / _GH_W.sum()


class CalibrationError(ThuiswerkError, RuntimeError):
    """The margins cannot be reached by the generative model (exit 3: a margins file or size it cannot meet)."""

    exit_code = 3


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


# ============================================================================ helpers


def _gh_expit(location: np.ndarray | float, scale: float) -> np.ndarray:
    """E[expit(location + scale * Z)], Z ~ N(0, 1), over the last axis added here."""
    loc = np.asarray(location, dtype=float)[..., None]
    return expit(loc + scale * _GH_X) @ _GH_W


def _root(fun, lo: float = -30.0, hi: float = 30.0, what: str = "") -> float:
    f_lo, f_hi = fun(lo), fun(hi)
    if np.sign(f_lo) == np.sign(f_hi):
        raise CalibrationError(f"cannot calibrate {what}: no solution in [{lo}, {hi}]")
    return float(optimize.brentq(fun, lo, hi, xtol=1e-10, rtol=1e-12))


def _categorical(rng: np.random.Generator, probs: np.ndarray, size: int) -> np.ndarray:
    """Indices drawn from ``probs`` (last axis; broadcast against ``size`` rows)."""
    cum = np.cumsum(np.broadcast_to(probs, (size, np.shape(probs)[-1])), axis=-1)
    u = rng.random(size)[:, None] * cum[:, -1:]
    return (u >= cum).sum(axis=1)


def _exact_categorical(rng: np.random.Generator, probs: np.ndarray, size: int) -> np.ndarray:
    """Indices with the design's exact counts (largest-remainder rounding of ``size * probs``), in random order.

    Used for design quantities (who was interviewed, who completed the questionnaire) so that
    the default survey has the seed's exact counts rather than counts near them.
    """
    expected = np.asarray(probs, dtype=float) / np.sum(probs) * size
    counts = np.floor(expected).astype(np.int64)
    short = size - counts.sum()
    counts[np.argsort(-(expected - counts), kind="stable")[:short]] += 1
    return rng.permutation(np.repeat(np.arange(len(counts)), counts))


def _ordinal(eta: np.ndarray, cuts: np.ndarray, noise: np.ndarray) -> np.ndarray:
    """1..K+1 from a latent ``eta + noise`` and increasing cut points ``cuts``."""
    latent = (eta + noise)[:, None]
    return 1 + (latent > np.asarray(cuts)[None, :]).sum(axis=1)


def _ordinal_mean(eta: np.ndarray, cuts: np.ndarray) -> float:
    """Mean of a cumulative-logit ordinal, ``P(Y <= k) = expit(cut_k - eta)``."""
    return float(np.mean(1 + expit(eta[:, None] - np.asarray(cuts)[None, :]).sum(axis=1)))


def _normalised(values: list[float]) -> np.ndarray:
    arr = np.asarray(values, dtype=float)
    if (arr < 0).any() or arr.sum() <= 0:
        raise CalibrationError(f"shares must be non-negative with a positive sum: {values}")
    return arr / arr.sum()


def _as_margins(margins: Margins | str | os.PathLike | None) -> Margins:
    if margins is None:
        return load_margins()
    if isinstance(margins, Margins):
        return margins
    return load_margins(Path(margins))


def _truncated_lognormal_mean(mu: float, sigma: float, lo: float, hi: float) -> float:
    a, b = (np.log(lo) - mu) / sigma, (np.log(hi) - mu) / sigma
    mass = ndtr(b) - ndtr(a)
    return float(np.exp(mu + sigma**2 / 2) * (ndtr(b - sigma) - ndtr(a - sigma)) / mass)


def _draw_truncated_lognormal(rng, mu, sigma, lo, hi, size) -> np.ndarray:
    a, b = ndtr((np.log(lo) - mu) / sigma), ndtr((np.log(hi) - mu) / sigma)
    u = a + (b - a) * rng.random(size)
    return np.exp(mu + sigma * ndtri(u))


# ============================================================================ calibration


class _Targets:
    """Margin values by id, with a clear error when the generator needs a missing one."""

    def __init__(self, margins: Margins):
        self.margins = margins

    def __call__(self, margin_id: str) -> float:
        if margin_id not in self.margins:
            raise CalibrationError(f"the generator needs the margin {margin_id!r}, absent from the margins file")
        return self.margins.value(margin_id)

    def get(self, margin_id: str) -> float | None:
        return self.margins.value(margin_id) if margin_id in self.margins else None


def _calibrate_design(t: _Targets, cb) -> dict[str, Any]:
    sectors = cb.get("establishments", "sector").codes
    sizes = cb.get("establishments", "size_class").codes
    sector_w = _normalised([t(f"sector_share_{s}") for s in sectors])
    klein = t("establishments_below_50")
    midden = t("size_share_midden")
    size_w = np.array([klein, midden, 1.0 - klein - midden])
    if size_w[2] <= 0:
        raise CalibrationError("size shares klein + midden exceed 1")

    sl = copy.deepcopy(STRUCTURE["size_lognormal"])
    # klein: solve the median so that P(n < 10 | klein) = share below 10 / share below 50
    p10 = t("establishments_below_10") / klein
    lo_k, hi_k = sl["klein"]["bounds"]
    sig = sl["klein"]["sigma"]

    def below10(mu: float) -> float:
        a, b, c = (ndtr((np.log(x) - mu) / sig) for x in (lo_k - 0.5, 9.5, hi_k + 0.5))
        return (b - a) / (c - a) - p10

    sl["klein"]["median"] = float(np.exp(_root(below10, 0.0, 8.0, "size of small establishments")))
    mean_size = 0.0
    for w, name in zip(size_w, sizes):
        spec = sl[name]
        spec["mu"] = float(np.log(spec["median"]))
        lo, hi = spec["bounds"]
        spec["mean"] = _truncated_lognormal_mean(spec["mu"], spec["sigma"], lo - 0.5, hi + 0.5)
        mean_size += w * spec["mean"]
    screen_mean = t("screen_risk_per_establishment") / mean_size
    workload_mean = t("workload_risk_per_establishment") / t("screen_risk_per_establishment")
    if not (0 < screen_mean < 1 and 0 < workload_mean < 1):
        raise CalibrationError("screen-work / workload risk totals are incompatible with the establishment sizes")
    p_man = t("interviewed_managers_per_establishment")
    p_non = t("interviewed_nonmanagers_per_establishment")
    both = p_man + p_non - 1.0
    if both < 0:
        raise CalibrationError("interview rates imply establishments without any interviewed employee")
    return {
        "sectors": list(sectors),
        "sector_shares": dict(zip(sectors, sector_w.tolist())),
        "size_classes": list(sizes),
        "size_shares": dict(zip(sizes, size_w.tolist())),
        "size_lognormal": sl,
        "mean_n_employees": mean_size,
        "screen_fraction_mean": screen_mean,
        "workload_fraction_of_screen_mean": workload_mean,
        "risk_fraction_concentration": dict(STRUCTURE["risk_fraction_concentration"]),
        "interview_pattern": {"both": both, "manager_only": 1.0 - p_non, "nonmanager_only": 1.0 - p_man},
        "questionnaire_completion": {
            MANAGER: t("questionnaire_completed_manager"),
            NON_MANAGER: t("questionnaire_completed_nonmanager"),
        },
    }


def _solve_additive(
    prefix: str,
    design: dict,
    t: _Targets,
    loading: float,
    pre: np.ndarray | None = None,
) -> tuple[dict[str, float], dict[str, float], np.ndarray]:
    """Logit size intercepts + sector effects (loading on policy) hitting ``prefix_<size>``
    and ``prefix_<sector>`` margins jointly; ``pre`` multiplies the probability (a
    conditioning event such as having an RI&E). Returns intercepts, effects and the
    probability array (sector, size, quadrature node)."""
    sectors, sizes = design["sectors"], design["size_classes"]
    ws = np.array([design["sector_shares"][s] for s in sectors])
    wz = np.array([design["size_shares"][z] for z in sizes])
    pre = np.ones((len(sectors), len(sizes), GH_NODES)) if pre is None else pre
    size_targets = np.array([t(f"{prefix}_{z}") for z in sizes])
    free = [s for s in sectors if t.get(f"{prefix}_{s}") is not None]
    sector_targets = np.array([t(f"{prefix}_{s}") for s in free])
    free_idx = [sectors.index(s) for s in free]

    def probs(theta: np.ndarray) -> np.ndarray:
        eff = np.zeros(len(sectors))
        eff[free_idx] = theta[len(sizes) :]
        lin = eff[:, None, None] + theta[: len(sizes)][None, :, None] + loading * _GH_X[None, None, :]
        return pre * expit(lin)

    def residual(theta: np.ndarray) -> np.ndarray:
        p = probs(theta) @ _GH_W  # (sector, size)
        by_size = ws @ p
        by_sector = (p @ wz)[free_idx]
        return np.concatenate([by_size - size_targets, by_sector - sector_targets])

    start = np.concatenate([logit(np.clip(size_targets, 0.02, 0.98)), np.zeros(len(free))])
    sol = optimize.root(residual, start, method="hybr", options={"xtol": 1e-12})
    if not sol.success or np.max(np.abs(residual(sol.x))) > 1e-7:
        raise CalibrationError(f"cannot solve the {prefix} size and sector margins jointly: {sol.message}")
    theta = sol.x
    return (
        dict(zip(sizes, theta[: len(sizes)].tolist())),
        {s: (float(theta[len(sizes) + free.index(s)]) if s in free else 0.0) for s in sectors},
        probs(theta),
    )


def _calibrate_employer(t: _Targets, design: dict, measures: list[str]) -> dict[str, Any]:
    load = STRUCTURE["policy_loading"]
    out: dict[str, Any] = {"policy_loading": dict(load)}
    lam = load["employer_measures"]
    out["measure_intercepts"] = {
        m: _root(lambda a, m=m: _gh_expit(a, lam) - t(f"table1_employer_{m}"), what=f"employer_{m}") for m in measures
    }
    # RI&E: size intercepts and sector effects solved jointly; then attention given an RI&E
    rie_size, rie_sector, p_rie = _solve_additive("rie_present", design, t, load["rie_present"])
    att_size, att_sector, p_rie_att = _solve_additive(
        "rie_homeworking_attention", design, t, load["rie_homeworking_attention"], pre=p_rie
    )
    p_att = p_rie_att / p_rie  # P(attention | RI&E, cell, policy)
    both_given_attention = t("rie_homeworking_both") / t("rie_homeworking_attention")
    ws = np.array([design["sector_shares"][s] for s in design["sectors"]])
    wz = np.array([design["size_shares"][z] for z in design["size_classes"]])
    cell_w = ws[:, None] * wz[None, :]
    beta_att = STRUCTURE["plan_of_approach_attention_effect"]
    lam_pva = load["plan_of_approach_homeworking"]

    def pva_share(a: float) -> float:
        p = p_rie * (p_att * expit(a + beta_att + lam_pva * _GH_X) + (1 - p_att) * expit(a + lam_pva * _GH_X))
        return float(np.einsum("sz,szq,q->", cell_w, p, _GH_W))

    out["rie"] = {
        "scale": "logit P(rie_present=1) = size_intercept[size] + sector_effect[sector] + loading * policy",
        "size_intercept": rie_size,
        "sector_effect": rie_sector,
    }
    out["rie_homeworking"] = {
        "scale": "logit P(attention | RI&E) = size_intercept[size] + sector_effect[sector] + loading * policy; "
        "attention = een_risico or beide_risicos",
        "size_intercept": att_size,
        "sector_effect": att_sector,
        "p_both_given_attention": both_given_attention,
    }
    out["plan_of_approach"] = {
        "scale": "only with an RI&E: logit P = intercept + attention_effect * attention + loading * policy",
        "intercept": _root(lambda a: pva_share(a) - t("plan_of_approach_homeworking"), what="plan of approach"),
        "attention_effect": beta_att,
    }
    simple = {}
    for var in ("obstacles_investigated", "information_instruction", "active_supervision"):
        lam_v = load[var]
        simple[var] = _root(lambda a, v=var, lam_v=lam_v: _gh_expit(a, lam_v) - t(v), what=var)
    out["binary_intercepts"] = simple
    # furniture offered: only where the employer offers an ergonomic chair and desk
    lam_f = load["furniture_offered"]
    p_chair = expit(out["measure_intercepts"]["ergonomic_chair_desk"] + lam * _GH_X)

    def furniture(g: float, target: float) -> float:
        return float(_GH_W @ (p_chair * expit(g + lam_f * _GH_X))) - target

    out["furniture_offered"] = {
        "scale": "given employer_ergonomic_chair_desk = 1: logit P(level >= k) = threshold[k] + loading * policy",
        "threshold": {
            "hoogte_verstelbaar": _root(
                lambda g: furniture(g, t("furniture_offered_height_or_better")), what="furniture"
            ),
            "zit_sta": _root(lambda g: furniture(g, t("furniture_offered_sit_stand")), what="furniture"),
        },
    }
    # inspector judgements: cumulative probit, latent = loading * policy + N(0, 1); after
    # talking to the employees: latent - drop + k * communication + N(0, s)
    cuts0 = np.asarray(STRUCTURE["judgement_cuts"])
    lam_j = load["judgements"]
    k_c, s_after = STRUCTURE["judgement_after_communication"], STRUCTURE["judgement_after_noise_sd"]
    sd_before = np.sqrt(lam_j**2 + 1.0)
    sd_after = np.sqrt(lam_j**2 + 1.0 + k_c**2 + s_after**2)
    judgements: dict[str, Any] = {
        "scale": "cumulative probit: Y_before = 1 + #(cuts < loading*policy + e1), e1 ~ N(0,1); "
        "Y_after = 1 + #(cuts < loading*policy + e1 - drop + k*communication + e2), e2 ~ N(0, s)",
        "loading": lam_j,
        "communication_effect_after": k_c,
        "after_noise_sd": s_after,
    }
    for risk in ("screen", "workload"):
        target_b = t(f"judgement_{risk}_before_mean")
        target_a = t(f"judgement_{risk}_after_mean")
        shift = _root(lambda s: float(1 + ndtr(-(cuts0 + s) / sd_before).sum()) - target_b, -10, 10, "judgement")
        cuts = cuts0 + shift
        drop = _root(lambda d: float(1 + ndtr((-d - cuts) / sd_after).sum()) - target_a, -10, 10, "judgement drop")
        judgements[risk] = {"cuts": cuts.tolist(), "drop": drop}
    out["judgements"] = judgements
    return out


def _calibrate_knowledge(t: _Targets, measures: list[str]) -> dict[str, Any]:
    sd = STRUCTURE["knowledge_sd"]
    scale = float(np.hypot(sd["communication_establishment"], sd["attentiveness_employee"]))
    employer = np.array([t(f"table1_employer_{m}") for m in measures])
    out: dict[str, Any] = {
        "scale": "logit P(knows_m = 1) = intercept[role][m] + employer_effect[role] * employer_m "
        "+ sd_communication * communication_e + sd_attentiveness * attentiveness_i",
        "sd_communication_establishment": sd["communication_establishment"],
        "sd_attentiveness_employee": sd["attentiveness_employee"],
        "intercept": {},
        "employer_effect": {},
        "p_knows_given_reported": {},
        "p_knows_given_not_reported": {},
        "information_loss": {},
    }
    for role in ROLES:
        key = ROLE_KEY[role]
        known = np.array([t(f"table1_{key}_{m}") for m in measures])

        def intercepts(b: float) -> np.ndarray:
            return np.array(
                [
                    _root(lambda a, e=e, k=k: float(e * _gh_expit(a + b, scale) + (1 - e) * _gh_expit(a, scale)) - k)
                    for e, k in zip(employer, known)
                ]
            )

        def disagreements(b: float) -> float:
            """Expected number of measures the employer reports and the employee does not know."""
            a = intercepts(b)
            return float(np.sum(employer * (1 - _gh_expit(a + b, scale))))

        target = t(f"disagreement_{key}")
        b = _root(lambda b: disagreements(b) - target, 0.0, 12.0, f"disagreements of {role}")
        a = intercepts(b)
        p1, p0 = _gh_expit(a + b, scale), _gh_expit(a, scale)
        out["intercept"][role] = dict(zip(measures, a.tolist()))
        out["employer_effect"][role] = b
        out["p_knows_given_reported"][role] = dict(zip(measures, p1.tolist()))
        out["p_knows_given_not_reported"][role] = dict(zip(measures, p0.tolist()))
        out["information_loss"][role] = {
            "p_not_known_given_reported": dict(zip(measures, (1 - p1).tolist())),
            "pooled_p_not_known_given_reported": float(np.sum(employer * (1 - p1)) / np.sum(employer)),
            "expected_reported_not_known": float(np.sum(employer * (1 - p1))),
            "information_loss": float(np.sum(employer * (1 - p1)) / len(measures)),
            "one_minus_known_over_reported": float(1 - known.sum() / employer.sum()),
        }
    return out


def _calibrate_employee_inputs(t: _Targets) -> dict[str, Any]:
    sd = STRUCTURE["home_share_sd"]
    scale = float(np.hypot(sd["establishment"], sd["employee"]))
    home = {
        "scale": "home_share = 100 * expit(mu[role] + sd_establishment * home_e + sd_employee * e_i)",
        "sd_establishment": sd["establishment"],
        "sd_employee": sd["employee"],
        "mu": {
            role: _root(
                lambda m, r=role: 100 * float(_gh_expit(m, scale)) - t(f"home_share_{ROLE_KEY[r]}"), what="home share"
            )
            for role in ROLES
        },
        "max": STRUCTURE["home_share_max"],
    }
    cuts0 = np.asarray(STRUCTURE["leading_difficulty_base_cuts"])
    shift = _root(
        lambda s: _ordinal_mean(np.zeros(1), cuts0 + s) - t("leading_remotely_difficulty_mean"), -10, 10, "leading"
    )
    # furniture financed (employee) and present (inspector)
    offered_hb, offered_zs = t("furniture_offered_height_or_better"), t("furniture_offered_sit_stand")
    furniture: dict[str, Any] = {
        "scale": "financed = offered level with probability report[role], else geen_combinatie; "
        "present = max(financed, own), own >= hoogte_verstelbaar with probability own_hb[role], "
        "own = zit_sta with probability own_hb[role] * own_zs_given_hb[role]",
        "report": {},
        "own_hb": {},
        "own_zs_given_hb": {},
    }
    present_hb, present_zs = t("furniture_present_height_or_better"), t("furniture_present_sit_stand")
    for role in ROLES:
        q = t(f"furniture_financed_height_or_better_{ROLE_KEY[role]}") / offered_hb
        fin_hb, fin_zs = offered_hb * q, offered_zs * q
        own_hb = 1 - (1 - present_hb) / (1 - fin_hb)
        own_zs_given_hb = (1 - (1 - present_zs) / (1 - fin_zs)) / own_hb if own_hb > 0 else 0.0
        if not (0 <= q <= 1 and 0 <= own_hb <= 1 and 0 <= own_zs_given_hb <= 1):
            raise CalibrationError(f"furniture margins are inconsistent for {role}")
        furniture["report"][role] = q
        furniture["own_hb"][role] = own_hb
        furniture["own_zs_given_hb"][role] = own_zs_given_hb
    return {
        "home_share": home,
        "planned_homeworking_home_correlation": STRUCTURE["planned_homeworking_home_correlation"],
        "separate_workspace": {role: t(f"separate_workspace_{ROLE_KEY[role]}") for role in ROLES},
        "leading_remotely_difficulty": {
            "scale": "cumulative logit without predictors, P(Y <= k) = expit(cut_k)",
            "cuts": (cuts0 + shift).tolist(),
        },
        "furniture": furniture,
    }


def _calibrate_outcomes(t: _Targets, params: dict, cb) -> dict[str, Any]:
    """Cut points and intercepts solved against a fixed Monte Carlo calibration population."""
    rng = np.random.default_rng(CALIBRATION_SEED)
    est = _draw_establishments(params, CALIBRATION_N, rng)
    emp = _draw_employees(params, est, rng)
    noise = _draw_outcome_noise(rng, len(est["sector"]), len(emp["role"]), len(_questionnaire_items(cb)))
    out: dict[str, Any] = {}
    base = np.asarray(STRUCTURE["ordinal_base_cuts"])

    def solve_cuts(eta: np.ndarray, var: str) -> list[float]:
        target = t(f"{var}_mean")
        shift = _root(lambda s: _ordinal_mean(eta, base + s) - target, -15, 15, var)
        return (base + shift).tolist()

    slopes = params["slopes"]
    work = _workload_block(slopes, emp, noise)
    out["workload"] = {"cuts": {k: solve_cuts(work[:, j], k) for j, k in enumerate(WORKLOAD_ASPECTS)}}
    iso = _isolation_block(slopes, emp, noise)
    out["isolation"] = {"cuts": {k: solve_cuts(iso[:, j], k) for j, k in enumerate(ISOLATION_ITEMS)}}
    tech = _techno_block(noise)
    out["technostress"] = {"cuts": {k: solve_cuts(tech, k) for k in TECHNO_ITEMS}}
    # exhaustion as it would be drawn, then complaints
    ex_i = WORKLOAD_ASPECTS.index("exhaustion")
    exhaustion = _ordinal(
        work[:, ex_i], np.asarray(out["workload"]["cuts"]["exhaustion"]), noise["workload_logistic"][:, ex_i]
    )
    fixed = _complaint_fixed(slopes, emp, exhaustion)
    est_re = STRUCTURE["complaint_sd"]["establishment"] * noise["complaint_est"][emp["est_index"]]
    z = noise["complaint_emp"]
    is_man = emp["role"] == MANAGER

    def intercepts(sigma: float) -> dict[str, dict[str, float]]:
        res: dict[str, dict[str, float]] = {}
        for j, region in enumerate(REGIONS):
            res[region] = {}
            for role, rows in ((MANAGER, is_man), (NON_MANAGER, ~is_man)):
                offset = fixed[rows, j] + est_re[rows] + sigma * z[rows]
                target = t(f"complaint_{region}_{ROLE_KEY[role]}")
                res[region][role] = _root(
                    lambda a: float(expit(a + offset).mean()) - target, what=f"complaint_{region}"
                )
        return res

    kans_idx = [REGIONS.index(r) for r in KANS_CODES]

    def kans_any(sigma: float) -> float:
        alpha = intercepts(sigma)
        a = np.array([[alpha[r][MANAGER], alpha[r][NON_MANAGER]] for r in REGIONS])  # region x role
        lin = a[:, np.where(is_man, 0, 1)].T + fixed + est_re[:, None] + sigma * z[:, None]
        p = expit(lin[:, kans_idx])
        return float(np.mean(1 - np.prod(1 - p, axis=1)))

    target_any = t("kans_any")
    lo, hi = 0.0, 6.0
    if kans_any(lo) < target_any or kans_any(hi) > target_any:
        raise CalibrationError("the share with at least one KANS complaint is out of reach of the regional shares")
    sigma = _root(lambda s: kans_any(s) - target_any, lo, hi, "KANS correlation")
    out["complaints"] = {"sd_employee": sigma, "intercept": intercepts(sigma)}
    return out


def calibrate(margins: Margins | str | os.PathLike | None = None, slopes: dict | None = None) -> dict[str, Any]:
    """All generator parameters for ``margins`` and planted ``slopes`` (default :data:`SLOPES`).

    Deterministic; cached per margins content and slopes. The cut points and intercepts
    are solved with the slopes in place, so that a survey with other slopes (for example
    :func:`null_slopes`) still hits the published margins.
    """
    margins = _as_margins(margins)
    slopes = copy.deepcopy(SLOPES if slopes is None else slopes)
    key = margins.digest() + json.dumps(slopes, sort_keys=True)
    if key not in _CALIBRATION_CACHE:
        _CALIBRATION_CACHE[key] = _calibrate_uncached(margins, slopes)
    return copy.deepcopy(_CALIBRATION_CACHE[key])


_CALIBRATION_CACHE: dict[str, dict[str, Any]] = {}


def _calibrate_uncached(margins: Margins, slopes: dict) -> dict[str, Any]:
    cb = codebook_module.load()
    t = _Targets(margins)
    measures = list(cb.measures)
    params: dict[str, Any] = {"measures": measures, "margins_digest": margins.digest(), "slopes": slopes}
    params["design"] = _calibrate_design(t, cb)
    params["employer"] = _calibrate_employer(t, params["design"], measures)
    params["employer"]["categorical"] = _categorical_shares(t, cb)
    params["knowledge"] = _calibrate_knowledge(t, measures)
    params["employee_inputs"] = _calibrate_employee_inputs(t)
    params["employee_shares"] = _employee_shares(t)
    params["outcomes"] = _calibrate_outcomes(t, params, cb)
    return params


def _categorical_shares(t: _Targets, cb) -> dict[str, Any]:
    """Shares of the categorical employer answers without a modelled relation."""

    def rescaled(codes: list[str], ids: list[str]) -> dict[str, float]:
        return dict(zip(codes, _normalised([t(i) for i in ids]).tolist()))

    def codes(var: str) -> list[str]:
        return list(cb.get("establishments", var).codes)

    inc, struct = t("prepandemic_incidental"), t("prepandemic_structural")
    planned_split = _normalised([t(f"planned_{c}") for c in PLANNED_ORDER[1:]]) * t("planned_structural")
    change_yes, change_no_action = t("expected_change_yes"), t("expected_change_no_action")
    methods, reasons = codes("investigation_method"), codes("reason_not_investigated")
    out: dict[str, Any] = {
        "prepandemic_homeworking": {"nooit": 1 - inc - struct, "incidenteel": inc, "structureel": struct},
        "planned_homeworking": dict(zip(PLANNED_ORDER, [1 - t("planned_structural"), *planned_split.tolist()])),
        "free_to_choose_hours": rescaled(
            ["ja", "nog_niet", "nee"],
            ["free_to_choose_hours_yes", "free_to_choose_hours_not_yet", "free_to_choose_hours_no"],
        ),
        "electronic_monitoring": rescaled(
            ["nee", "van_plan", "ja"],
            ["electronic_monitoring_no", "electronic_monitoring_planned", "electronic_monitoring_yes"],
        ),
        "expected_change": {
            "ja": change_yes,
            "verbeterpunten_geen_actie": change_no_action,
            "geen_verbeterpunten": 1 - change_yes - change_no_action,
        },
        "investigation_method": rescaled(methods, [f"investigation_method_{c}" for c in methods]),
        "reason_not_investigated": rescaled(reasons, [f"reason_not_investigated_{c}" for c in reasons]),
        "obstacle_none": t("obstacle_none"),
        "obstacle_given_any": {o: t(f"obstacle_{o}") / (1 - t("obstacle_none")) for o in OBSTACLES},
    }
    for var in ("prevention_worker", "works_council"):
        act, nact = t(f"{var}_active"), t(f"{var}_not_active")
        out[var] = {"actief": act, "niet_actief": nact, "geen": 1 - act - nact}
    for var, shares in out.items():
        if isinstance(shares, dict) and any(v < 0 for v in shares.values()):
            raise CalibrationError(f"shares of {var} are negative: {shares}")
    if any(v > 1 for v in out["obstacle_given_any"].values()):
        raise CalibrationError("an obstacle is more frequent than 'any obstacle'")
    return out


def _employee_shares(t: _Targets) -> dict[str, Any]:
    return {
        "age_mean": {r: t(f"age_mean_{ROLE_KEY[r]}") for r in ROLES},
        "gender": {r: {"vrouw": t(f"gender_woman_{ROLE_KEY[r]}"), "anders": t("gender_other")} for r in ROLES},
        "education": {r: {"hoog": t(f"education_high_{ROLE_KEY[r]}"), "laag": t("education_low")} for r in ROLES},
        "tenure_mean": {r: t(f"tenure_mean_{ROLE_KEY[r]}") for r in ROLES},
        "contract_hours_mean": {r: t(f"contract_hours_mean_{ROLE_KEY[r]}") for r in ROLES},
        "overtime_mean": {r: t(f"overtime_{ROLE_KEY[r]}") for r in ROLES},
        "living_alone": t("living_alone"),
        "children_at_home": t("children_at_home"),
        "binary": {v: t(v) for v in (*ADVANTAGES, *DISADVANTAGES, *PATTERNS)},
        "workload_change": dict(
            zip(
                ["afgenomen", "gelijk", "toegenomen"],
                _normalised([t(f"workload_change_{c}") for c in ("afgenomen", "gelijk", "toegenomen")]).tolist(),
            )
        ),
    }


# ============================================================================ drawing


def _draw_establishments(params: dict, n: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Establishment variables (codebook names) and the latents ``_policy``, ``_communication``, ``_home``."""
    d = params["design"]
    emp_p = params["employer"]
    cat = emp_p["categorical"]
    sectors, sizes = d["sectors"], d["size_classes"]
    e: dict[str, Any] = {}
    sector_i = _categorical(rng, np.array([d["sector_shares"][s] for s in sectors]), n)
    size_i = _categorical(rng, np.array([d["size_shares"][z] for z in sizes]), n)
    e["sector"] = np.asarray(sectors, dtype=object)[sector_i]
    e["size_class"] = np.asarray(sizes, dtype=object)[size_i]
    n_emp: np.ndarray = np.zeros(n)
    for k, name in enumerate(sizes):
        rows = size_i == k
        spec = d["size_lognormal"][name]
        lo, hi = spec["bounds"]
        n_emp[rows] = _draw_truncated_lognormal(rng, spec["mu"], spec["sigma"], lo - 0.5, hi + 0.5, rows.sum())
    n_emp = np.clip(np.rint(n_emp), 1, None).astype(np.int64)
    for k, name in enumerate(sizes):  # guard the class bounds against rounding at the edges
        lo, hi = d["size_lognormal"][name]["bounds"]
        n_emp[size_i == k] = np.clip(n_emp[size_i == k], lo, hi)
    e["n_employees"] = n_emp
    conc = d["risk_fraction_concentration"]
    ms, mw = d["screen_fraction_mean"], d["workload_fraction_of_screen_mean"]
    f_screen = rng.beta(ms * conc["screen"], (1 - ms) * conc["screen"], n)
    e["n_screen_risk"] = rng.binomial(n_emp, f_screen)
    f_work = rng.beta(mw * conc["workload"], (1 - mw) * conc["workload"], n)
    e["n_workload_risk"] = rng.binomial(e["n_screen_risk"], f_work)

    policy = rng.standard_normal(n)
    communication = rng.standard_normal(n)
    home = rng.standard_normal(n)
    e["_policy"], e["_communication"], e["_home"] = policy, communication, home

    load = emp_p["policy_loading"]
    for m in params["measures"]:
        p = expit(emp_p["measure_intercepts"][m] + load["employer_measures"] * policy)
        e[f"employer_{m}"] = (rng.random(n) < p).astype(np.int64)

    def draw_cat(shares: dict[str, float]) -> np.ndarray:
        codes = list(shares)
        return np.asarray(codes, dtype=object)[_categorical(rng, np.array([shares[c] for c in codes]), n)]

    e["prepandemic_homeworking"] = draw_cat(cat["prepandemic_homeworking"])
    # planned home-working: ordered by a latent correlated with the establishment's home share
    rho = params["employee_inputs"]["planned_homeworking_home_correlation"]
    latent = rho * home + np.sqrt(1 - rho**2) * rng.standard_normal(n)
    cum = np.cumsum([cat["planned_homeworking"][c] for c in PLANNED_ORDER])[:-1]
    e["planned_homeworking"] = np.asarray(PLANNED_ORDER, dtype=object)[
        (latent[:, None] > ndtri(np.clip(cum, 1e-12, 1 - 1e-12))[None, :]).sum(axis=1)
    ]
    # furniture offered (only with an ergonomic chair and desk)
    thr = emp_p["furniture_offered"]["threshold"]
    u = rng.random(n)
    lam_f = load["furniture_offered"]
    p_hb = expit(thr["hoogte_verstelbaar"] + lam_f * policy)
    p_zs = expit(thr["zit_sta"] + lam_f * policy)
    level = np.where(u < p_zs, 2, np.where(u < p_hb, 1, 0)) * e["employer_ergonomic_chair_desk"]
    e["furniture_offered"] = np.asarray(FURNITURE_LEVELS, dtype=object)[level]
    e["free_to_choose_hours"] = draw_cat(cat["free_to_choose_hours"])
    none = (rng.random(n) < cat["obstacle_none"]).astype(np.int64)
    e["obstacle_none"] = none
    for o in OBSTACLES:
        e[f"obstacle_{o}"] = ((rng.random(n) < cat["obstacle_given_any"][o]) & (none == 0)).astype(np.int64)
    # RI&E, its home-working content, the plan of approach
    rie_p, att_p = emp_p["rie"], emp_p["rie_homeworking"]
    rie_lin = (
        np.array([rie_p["size_intercept"][z] for z in sizes])[size_i]
        + np.array([rie_p["sector_effect"][s] for s in sectors])[sector_i]
        + load["rie_present"] * policy
    )
    rie = rng.random(n) < expit(rie_lin)
    att_lin = (
        np.array([att_p["size_intercept"][z] for z in sizes])[size_i]
        + np.array([att_p["sector_effect"][s] for s in sectors])[sector_i]
        + load["rie_homeworking_attention"] * policy
    )
    attention = rie & (rng.random(n) < expit(att_lin))
    both = attention & (rng.random(n) < att_p["p_both_given_attention"])
    e["rie_present"] = rie.astype(np.int64)
    e["rie_homeworking"] = np.select(
        [~rie, rie & ~attention, attention & ~both], ["geen_rie", "geen_aandacht", "een_risico"], "beide_risicos"
    ).astype(object)
    pva = emp_p["plan_of_approach"]
    p_pva = expit(
        pva["intercept"] + pva["attention_effect"] * attention + load["plan_of_approach_homeworking"] * policy
    )
    bin_p = emp_p["binary_intercepts"]
    investigated = rng.random(n) < expit(bin_p["obstacles_investigated"] + load["obstacles_investigated"] * policy)
    e["obstacles_investigated"] = investigated.astype(np.int64)
    method = draw_cat(cat["investigation_method"])
    reason = draw_cat(cat["reason_not_investigated"])
    # np.where takes None as a scalar (an object array); the numpy stubs do not
    e["investigation_method"] = np.where(investigated, method, None)  # type: ignore[call-overload]
    e["reason_not_investigated"] = np.where(investigated, None, reason)  # type: ignore[call-overload]
    e["plan_of_approach_homeworking"] = (rie & (rng.random(n) < p_pva)).astype(np.int64)
    e["prevention_worker"] = draw_cat(cat["prevention_worker"])
    e["works_council"] = draw_cat(cat["works_council"])
    for var in ("information_instruction", "active_supervision"):
        e[var] = (rng.random(n) < expit(bin_p[var] + load[var] * policy)).astype(np.int64)
    e["electronic_monitoring"] = draw_cat(cat["electronic_monitoring"])
    # inspector judgements before and after talking to the employees
    j = emp_p["judgements"]
    for risk in ("screen", "workload"):
        cuts = np.asarray(j[risk]["cuts"])
        before = j["loading"] * policy + rng.standard_normal(n)
        after = (
            before
            - j[risk]["drop"]
            + j["communication_effect_after"] * communication
            + j["after_noise_sd"] * rng.standard_normal(n)
        )
        e[f"judgement_{risk}_before"] = 1 + (before[:, None] > cuts[None, :]).sum(axis=1)
        e[f"judgement_{risk}_after"] = 1 + (after[:, None] > cuts[None, :]).sum(axis=1)
    e["expected_change"] = draw_cat(cat["expected_change"])
    return e


def _draw_employees(params: dict, est: dict, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Interviewed employees: design, demographics, hours, knowledge, home situation, furniture."""
    d = params["design"]
    n_est = len(est["sector"])
    pattern = d["interview_pattern"]
    kind = _exact_categorical(
        rng, np.array([pattern["both"], pattern["manager_only"], pattern["nonmanager_only"]]), n_est
    )
    has_man = kind != 2
    has_non = (kind != 1) & ~((kind == 0) & (est["n_employees"] < 2))  # one employee: one interview
    est_index = np.concatenate([np.flatnonzero(has_man), np.flatnonzero(has_non)])
    roles = np.concatenate(
        [np.full(has_man.sum(), MANAGER, dtype=object), np.full(has_non.sum(), NON_MANAGER, dtype=object)]
    )
    order = np.lexsort((roles != MANAGER, est_index))
    est_index, roles = est_index[order], roles[order]
    n = len(est_index)
    is_man = roles == MANAGER
    w: dict[str, Any] = {"est_index": est_index, "role": roles, "is_manager": is_man}

    def by_role(values: dict[str, float]) -> np.ndarray:
        return np.where(is_man, values[MANAGER], values[NON_MANAGER])

    shares = params["employee_shares"]
    # demographics: no structural effect on any outcome
    age = rng.normal(by_role(shares["age_mean"]), STRUCTURE["age_sd"])
    w["age"] = np.clip(np.rint(age), *STRUCTURE["age_bounds"]).astype(np.int64)
    # tenure: a beta-distributed fraction of the working years since the start age
    start, conc = STRUCTURE["tenure_start_age"], STRUCTURE["tenure_beta_concentration"]
    frac = np.clip(by_role(shares["tenure_mean"]) / (by_role(shares["age_mean"]) - start), 0.01, 0.99)
    tenure = (w["age"] - start) * rng.beta(frac * conc, (1 - frac) * conc)
    w["tenure_years"] = np.round(tenure, 1)
    probs = np.stack(
        [
            1 - by_role({r: shares["gender"][r]["vrouw"] + shares["gender"][r]["anders"] for r in ROLES}),
            by_role({r: shares["gender"][r]["vrouw"] for r in ROLES}),
            by_role({r: shares["gender"][r]["anders"] for r in ROLES}),
        ],
        axis=1,
    )
    w["gender"] = np.asarray(["man", "vrouw", "anders"], dtype=object)[_categorical(rng, probs, n)]
    probs = np.stack(
        [
            by_role({r: shares["education"][r]["laag"] for r in ROLES}),
            1 - by_role({r: shares["education"][r]["hoog"] + shares["education"][r]["laag"] for r in ROLES}),
            by_role({r: shares["education"][r]["hoog"] for r in ROLES}),
        ],
        axis=1,
    )
    w["education"] = np.asarray(["laag", "middelbaar", "hoog"], dtype=object)[_categorical(rng, probs, n)]
    w["living_alone"] = (rng.random(n) < shares["living_alone"]).astype(np.int64)
    w["children_at_home"] = (rng.random(n) < shares["children_at_home"]).astype(np.int64)
    # hours
    contract = rng.normal(by_role(shares["contract_hours_mean"]), by_role(STRUCTURE["contract_hours_sd"]))
    contract = np.clip(np.round(contract * 2) / 2, *STRUCTURE["contract_hours_bounds"])
    overtime = rng.normal(by_role(shares["overtime_mean"]), STRUCTURE["overtime_sd"])
    w["contract_hours"] = contract
    w["actual_hours"] = np.clip(np.round((contract + overtime) * 2) / 2, 0, 80)
    # interview design
    completion = d["questionnaire_completion"]
    completed = np.zeros(n, dtype=np.int64)
    for role in ROLES:  # exact completion counts within each role
        rows = np.flatnonzero(roles == role)
        p = completion[role]
        completed[rows] = _exact_categorical(rng, np.array([1.0 - p, p]), len(rows))
    w[QUESTIONNAIRE_FLAG] = completed
    # knowledge of the 15 measures
    k = params["knowledge"]
    comm = k["sd_communication_establishment"] * est["_communication"][est_index]
    attentive = k["sd_attentiveness_employee"] * rng.standard_normal(n)
    w["_attentiveness"] = attentive
    for m in params["measures"]:
        lin = (
            by_role({r: k["intercept"][r][m] for r in ROLES})
            + by_role(k["employer_effect"]) * est[f"employer_{m}"][est_index]
            + comm
            + attentive
        )
        w[f"knows_{m}"] = (rng.random(n) < expit(lin)).astype(np.int64)
    # home-office share, separate workspace, leading remotely
    inputs = params["employee_inputs"]
    h = inputs["home_share"]
    lin = by_role(h["mu"]) + h["sd_establishment"] * est["_home"][est_index] + h["sd_employee"] * rng.standard_normal(n)
    w["home_share"] = np.minimum(np.round(100 * expit(lin), 1), h["max"])
    w["separate_workspace"] = (rng.random(n) < by_role(inputs["separate_workspace"])).astype(np.int64)
    lrd = _ordinal(np.zeros(n), np.asarray(inputs["leading_remotely_difficulty"]["cuts"]), rng.logistic(size=n))
    w["leading_remotely_difficulty"] = np.where(is_man, lrd, 0)
    # furniture financed (as the employee reports it) and present (inspector's inventory)
    f = inputs["furniture"]
    level_of = {code: i for i, code in enumerate(FURNITURE_LEVELS)}
    offered = np.array([level_of[x] for x in est["furniture_offered"]], dtype=np.int64)[est_index]
    financed = np.where(rng.random(n) < by_role(f["report"]), offered, 0)
    u = rng.random(n)
    own_hb = by_role(f["own_hb"])
    own = np.where(u < own_hb * by_role(f["own_zs_given_hb"]), 2, np.where(u < own_hb, 1, 0))
    w["furniture_financed"] = np.asarray(FURNITURE_LEVELS, dtype=object)[financed]
    w["furniture_present"] = np.asarray(FURNITURE_LEVELS, dtype=object)[np.maximum(financed, own)]
    # advantages, disadvantages, working patterns
    for var, p in shares["binary"].items():
        w[var] = (rng.random(n) < p).astype(np.int64)
    return w


def _draw_outcome_noise(rng: np.random.Generator, n_est: int, n_emp: int, n_items: int) -> dict[str, np.ndarray]:
    """All random effects and latent errors of the questionnaire outcomes."""
    return {
        "workload_est": rng.standard_normal(n_est),
        "workload_emp": rng.standard_normal(n_emp),
        "workload_logistic": rng.logistic(size=(n_emp, len(WORKLOAD_ASPECTS))),
        "isolation_est": rng.standard_normal(n_est),
        "isolation_emp": rng.standard_normal(n_emp),
        "isolation_logistic": rng.logistic(size=(n_emp, len(ISOLATION_ITEMS))),
        "techno_emp": rng.standard_normal(n_emp),
        "techno_logistic": rng.logistic(size=(n_emp, len(TECHNO_ITEMS))),
        "complaint_est": rng.standard_normal(n_est),
        "complaint_emp": rng.standard_normal(n_emp),
        "complaint_uniform": rng.random((n_emp, len(REGIONS))),
        "workload_change": rng.random(n_emp),
        "item_nonresponse": rng.random((n_emp, n_items)),
    }


def _predictor_values(emp: dict, exhaustion: np.ndarray | None = None) -> dict[str, np.ndarray]:
    """Each planted predictor per employee, in the units of :data:`PREDICTOR_UNITS`."""
    x = {
        "knows_working_hours_agreements": emp["knows_working_hours_agreements"].astype(float),
        "knows_social_moments": emp["knows_social_moments"].astype(float),
        "knows_conversations": emp["knows_conversations"].astype(float),
        "leading_remotely_difficulty": np.where(
            emp["is_manager"], emp["leading_remotely_difficulty"] - CENTRE["leading_remotely_difficulty"], 0.0
        ),
        "manager": emp["is_manager"].astype(float),
        "separate_workspace": emp["separate_workspace"].astype(float),
        "home_share": (emp["home_share"] - CENTRE["home_share"]) / CENTRE["home_share_unit"],
    }
    if exhaustion is not None:
        x["exhaustion"] = exhaustion - CENTRE["exhaustion"]
    return x


def _fixed_part(slopes: dict, block: str, items: tuple[str, ...], emp: dict, x: dict) -> np.ndarray:
    """(employee, item): sum over predictors of the role- and item-specific slope times x."""
    out = np.zeros((len(emp["role"]), len(items)))
    for name, by_role in slopes[block].items():
        for role, by_item in by_role.items():
            slope = np.array([by_item[item] for item in items])
            rows = emp["role"] == role
            out[rows] += x[name][rows, None] * slope[None, :]
    return out


def _scenario_shift(emp: dict, block: str) -> np.ndarray:
    """Per employee, what a scenario adds to a block's latent location (zero in the default survey)."""
    return emp.get(f"_shift_{block}", np.zeros(len(emp["role"])))


def _workload_block(slopes: dict, emp: dict, noise: dict) -> np.ndarray:
    """(employee, aspect): latent location of each workload aspect."""
    sd = STRUCTURE["workload_sd"]
    fixed = _fixed_part(slopes, "workload", WORKLOAD_ASPECTS, emp, _predictor_values(emp))
    person = sd["establishment"] * noise["workload_est"][emp["est_index"]] + sd["employee"] * noise["workload_emp"]
    return fixed + (person + _scenario_shift(emp, "workload"))[:, None]


def _isolation_block(slopes: dict, emp: dict, noise: dict) -> np.ndarray:
    """(employee, item): latent location of each isolation item."""
    sd = STRUCTURE["isolation_sd"]
    rho = STRUCTURE["isolation_workload_employee_correlation"]
    employee = rho * noise["workload_emp"] + np.sqrt(1 - rho**2) * noise["isolation_emp"]
    fixed = _fixed_part(slopes, "isolation", ISOLATION_ITEMS, emp, _predictor_values(emp))
    person = sd["establishment"] * noise["isolation_est"][emp["est_index"]] + sd["employee"] * employee
    return fixed + (person + _scenario_shift(emp, "isolation"))[:, None]


def _techno_block(noise: dict) -> np.ndarray:
    """Latent location of the technostress items (an employee effect only)."""
    return STRUCTURE["techno_sd"]["employee"] * noise["techno_emp"]


def _complaint_fixed(slopes: dict, emp: dict, exhaustion: np.ndarray) -> np.ndarray:
    """Fixed part of the complaint logits without intercepts (employee x region)."""
    regions = tuple(f"complaint_{r}" for r in REGIONS)
    return _fixed_part(slopes, "complaints", regions, emp, _predictor_values(emp, exhaustion))


def _draw_outcomes(params: dict, emp: dict, noise: dict) -> dict[str, np.ndarray]:
    """Questionnaire outcomes for every employee (masked later for non-completers)."""
    oc = params["outcomes"]
    out: dict[str, np.ndarray] = {}
    work = _workload_block(params["slopes"], emp, noise)
    for j, k in enumerate(WORKLOAD_ASPECTS):
        out[k] = _ordinal(work[:, j], np.asarray(oc["workload"]["cuts"][k]), noise["workload_logistic"][:, j])
    iso = _isolation_block(params["slopes"], emp, noise)
    for j, k in enumerate(ISOLATION_ITEMS):
        out[k] = _ordinal(iso[:, j], np.asarray(oc["isolation"]["cuts"][k]), noise["isolation_logistic"][:, j])
    tech = _techno_block(noise)
    for j, k in enumerate(TECHNO_ITEMS):
        out[k] = _ordinal(tech, np.asarray(oc["technostress"]["cuts"][k]), noise["techno_logistic"][:, j])
    fixed = _complaint_fixed(params["slopes"], emp, out["exhaustion"])
    c = oc["complaints"]
    is_man = emp["is_manager"]
    est_re = STRUCTURE["complaint_sd"]["establishment"] * noise["complaint_est"][emp["est_index"]]
    for j, region in enumerate(REGIONS):
        alpha = np.where(is_man, c["intercept"][region][MANAGER], c["intercept"][region][NON_MANAGER])
        shift = _scenario_shift(emp, "complaints")
        p = expit(alpha + fixed[:, j] + est_re + c["sd_employee"] * noise["complaint_emp"] + shift)
        out[f"complaint_{region}"] = (noise["complaint_uniform"][:, j] < p).astype(np.int64)
    change = params["employee_shares"]["workload_change"]
    codes = list(change)
    cum = np.cumsum([change[x] for x in codes])
    idx = np.minimum((noise["workload_change"][:, None] >= cum[None, :]).sum(axis=1), len(codes) - 1)
    out["workload_change"] = np.asarray(codes, dtype=object)[idx]
    return out


# ============================================================================ tables


def _questionnaire_items(cb) -> list[str]:
    return [v.name for v in cb.table("employees") if v.applies_when.get(QUESTIONNAIRE_FLAG) == 1]


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
    items = _questionnaire_items(cb)
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
    (:data:`SLOPES`; :func:`null_slopes` for a survey without any). ``scenario_name``
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
    margins = _as_margins(margins)
    params = calibrate(margins, slopes)
    cb = codebook_module.load()
    rng = np.random.default_rng(seed)
    est = _draw_establishments(params, n, rng)
    emp = _draw_employees(params, est, rng)
    noise = _draw_outcome_noise(rng, n, len(emp["role"]), len(_questionnaire_items(cb)))
    _plant(plan, params, est, emp, noise)
    outcomes = _draw_outcomes(params, emp, noise)
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
        sizes = np.clip(np.rint(_draw_truncated_lognormal(rng, sl["mu"], sl["sigma"], lo - 0.5, hi + 0.5, n)), lo, hi)
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
    est = _draw_establishments(mc, n, rng)
    emp = _draw_employees(mc, est, rng)
    noise = _draw_outcome_noise(rng, n, len(emp["role"]), len(_questionnaire_items(cb)))
    outcomes = _draw_outcomes(mc, emp, noise)
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
    "CALIBRATION_SEED",
    "DEFAULT_N",
    "SURVEY_SEED",
    "SCENARIOS",
    "SLOPES",
    "Scenario",
    "SyntheticSurvey",
    "calibrate",
    "null_slopes",
    "scenario",
    "simulate",
    "write",
]
