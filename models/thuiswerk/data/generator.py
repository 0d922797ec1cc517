"""The synthetic survey's generative story: planted effects, structure, and the draws from solved parameters.

The real microdata of the *Arbo in Bedrijf Special Thuiswerken* are confidential; the
synthetic survey (:mod:`thuiswerk.data.simulate`) has the same design and the same
columns (see ``data/codebook.yaml``) and a known causal structure. This module is that
structure: the planted slopes (:data:`SLOPES`), the structural constants
(:data:`STRUCTURE`) and the functions that draw establishments, employees and
questionnaire outcomes from a parameter set solved to the published margins
(:func:`thuiswerk.data.calibrate.calibrate`).

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

All randomness of a draw flows from the ``numpy.random.Generator`` passed down
explicitly; a scenario's shifts (:mod:`thuiswerk.data.simulate`) enter through
``emp["_shift_<block>"]`` and the establishment effects in ``noise``.
"""

from __future__ import annotations

import copy
from typing import Any

import numpy as np
from scipy.special import expit, ndtr, ndtri

from thuiswerk.core import codebook as codebook_module
from thuiswerk.core.codebook import MANAGER, NON_MANAGER, ROLES

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


# ============================================================================ helpers


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


def ordinal(eta: np.ndarray, cuts: np.ndarray, noise: np.ndarray) -> np.ndarray:
    """1..K+1 from a latent ``eta + noise`` and increasing cut points ``cuts``."""
    latent = (eta + noise)[:, None]
    return 1 + (latent > np.asarray(cuts)[None, :]).sum(axis=1)


def draw_truncated_lognormal(rng, mu, sigma, lo, hi, size) -> np.ndarray:
    """``size`` draws of a log-normal (``mu``, ``sigma`` on the log scale) truncated to [``lo``, ``hi``]."""
    a, b = ndtr((np.log(lo) - mu) / sigma), ndtr((np.log(hi) - mu) / sigma)
    u = a + (b - a) * rng.random(size)
    return np.exp(mu + sigma * ndtri(u))


# ============================================================================ drawing


def draw_establishments(params: dict, n: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
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
        n_emp[rows] = draw_truncated_lognormal(rng, spec["mu"], spec["sigma"], lo - 0.5, hi + 0.5, rows.sum())
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


def draw_employees(params: dict, est: dict, rng: np.random.Generator) -> dict[str, np.ndarray]:
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
    lrd = ordinal(np.zeros(n), np.asarray(inputs["leading_remotely_difficulty"]["cuts"]), rng.logistic(size=n))
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


def draw_outcome_noise(rng: np.random.Generator, n_est: int, n_emp: int, n_items: int) -> dict[str, np.ndarray]:
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


def workload_block(slopes: dict, emp: dict, noise: dict) -> np.ndarray:
    """(employee, aspect): latent location of each workload aspect."""
    sd = STRUCTURE["workload_sd"]
    fixed = _fixed_part(slopes, "workload", WORKLOAD_ASPECTS, emp, _predictor_values(emp))
    person = sd["establishment"] * noise["workload_est"][emp["est_index"]] + sd["employee"] * noise["workload_emp"]
    return fixed + (person + _scenario_shift(emp, "workload"))[:, None]


def isolation_block(slopes: dict, emp: dict, noise: dict) -> np.ndarray:
    """(employee, item): latent location of each isolation item."""
    sd = STRUCTURE["isolation_sd"]
    rho = STRUCTURE["isolation_workload_employee_correlation"]
    employee = rho * noise["workload_emp"] + np.sqrt(1 - rho**2) * noise["isolation_emp"]
    fixed = _fixed_part(slopes, "isolation", ISOLATION_ITEMS, emp, _predictor_values(emp))
    person = sd["establishment"] * noise["isolation_est"][emp["est_index"]] + sd["employee"] * employee
    return fixed + (person + _scenario_shift(emp, "isolation"))[:, None]


def techno_block(noise: dict) -> np.ndarray:
    """Latent location of the technostress items (an employee effect only)."""
    return STRUCTURE["techno_sd"]["employee"] * noise["techno_emp"]


def complaint_fixed(slopes: dict, emp: dict, exhaustion: np.ndarray) -> np.ndarray:
    """Fixed part of the complaint logits without intercepts (employee x region)."""
    regions = tuple(f"complaint_{r}" for r in REGIONS)
    return _fixed_part(slopes, "complaints", regions, emp, _predictor_values(emp, exhaustion))


def draw_outcomes(params: dict, emp: dict, noise: dict) -> dict[str, np.ndarray]:
    """Questionnaire outcomes for every employee (masked later for non-completers)."""
    oc = params["outcomes"]
    out: dict[str, np.ndarray] = {}
    work = workload_block(params["slopes"], emp, noise)
    for j, k in enumerate(WORKLOAD_ASPECTS):
        out[k] = ordinal(work[:, j], np.asarray(oc["workload"]["cuts"][k]), noise["workload_logistic"][:, j])
    iso = isolation_block(params["slopes"], emp, noise)
    for j, k in enumerate(ISOLATION_ITEMS):
        out[k] = ordinal(iso[:, j], np.asarray(oc["isolation"]["cuts"][k]), noise["isolation_logistic"][:, j])
    tech = techno_block(noise)
    for j, k in enumerate(TECHNO_ITEMS):
        out[k] = ordinal(tech, np.asarray(oc["technostress"]["cuts"][k]), noise["techno_logistic"][:, j])
    fixed = complaint_fixed(params["slopes"], emp, out["exhaustion"])
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


def questionnaire_items(cb) -> list[str]:
    """The employees' variables asked only of those who completed the questionnaire."""
    return [v.name for v in cb.table("employees") if v.applies_when.get(QUESTIONNAIRE_FLAG) == 1]
