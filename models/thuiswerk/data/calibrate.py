"""Solving the synthetic survey's generator parameters to the published margins.

:func:`calibrate` returns every parameter the generator (:mod:`thuiswerk.data.generator`)
draws with: intercepts, cut points, shares and scales solved so that the synthetic
survey's sample margins match the seed report's published numbers
(``data/margins.yaml``, the single source of every target), with the planted slopes in
place. :class:`CalibrationError` says which margin it cannot reach.

Calibration is deterministic: establishment-level parameters by quadrature, outcome
parameters against a fixed Monte Carlo calibration population drawn with
:data:`CALIBRATION_SEED` (independent of the simulation seed), cached per margins file.
"""

from __future__ import annotations

import copy
import json
import os
from pathlib import Path
from typing import Any

import numpy as np
from scipy import optimize
from scipy.special import expit, logit, ndtr

from thuiswerk.core import codebook as codebook_module
from thuiswerk.core.codebook import MANAGER, NON_MANAGER, ROLES
from thuiswerk.core.errors import ThuiswerkError
from thuiswerk.data.generator import (
    ADVANTAGES,
    DISADVANTAGES,
    ISOLATION_ITEMS,
    KANS_CODES,
    OBSTACLES,
    PATTERNS,
    PLANNED_ORDER,
    REGIONS,
    SLOPES,
    STRUCTURE,
    TECHNO_ITEMS,
    WORKLOAD_ASPECTS,
    complaint_fixed,
    draw_employees,
    draw_establishments,
    draw_outcome_noise,
    isolation_block,
    ordinal,
    questionnaire_items,
    techno_block,
    workload_block,
)
from thuiswerk.data.margins import Margins, load_margins

CALIBRATION_SEED = 20221231
CALIBRATION_N = 30_000
GH_NODES = 48

ROLE_KEY = {MANAGER: "manager", NON_MANAGER: "nonmanager"}

_GH_X, _GH_W = np.polynomial.hermite_e.hermegauss(GH_NODES)
_GH_W = _GH_W / _GH_W.sum()


class CalibrationError(ThuiswerkError, RuntimeError):
    """The margins cannot be reached by the generative model (exit 3: a margins file or size it cannot meet)."""

    exit_code = 3


def _gh_expit(location: np.ndarray | float, scale: float) -> np.ndarray:
    """E[expit(location + scale * Z)], Z ~ N(0, 1), over the last axis added here."""
    loc = np.asarray(location, dtype=float)[..., None]
    return expit(loc + scale * _GH_X) @ _GH_W


def _root(fun, lo: float = -30.0, hi: float = 30.0, what: str = "") -> float:
    f_lo, f_hi = fun(lo), fun(hi)
    if np.sign(f_lo) == np.sign(f_hi):
        raise CalibrationError(f"cannot calibrate {what}: no solution in [{lo}, {hi}]")
    return float(optimize.brentq(fun, lo, hi, xtol=1e-10, rtol=1e-12))


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
    est = draw_establishments(params, CALIBRATION_N, rng)
    emp = draw_employees(params, est, rng)
    noise = draw_outcome_noise(rng, len(est["sector"]), len(emp["role"]), len(questionnaire_items(cb)))
    out: dict[str, Any] = {}
    base = np.asarray(STRUCTURE["ordinal_base_cuts"])

    def solve_cuts(eta: np.ndarray, var: str) -> list[float]:
        target = t(f"{var}_mean")
        shift = _root(lambda s: _ordinal_mean(eta, base + s) - target, -15, 15, var)
        return (base + shift).tolist()

    slopes = params["slopes"]
    work = workload_block(slopes, emp, noise)
    out["workload"] = {"cuts": {k: solve_cuts(work[:, j], k) for j, k in enumerate(WORKLOAD_ASPECTS)}}
    iso = isolation_block(slopes, emp, noise)
    out["isolation"] = {"cuts": {k: solve_cuts(iso[:, j], k) for j, k in enumerate(ISOLATION_ITEMS)}}
    tech = techno_block(noise)
    out["technostress"] = {"cuts": {k: solve_cuts(tech, k) for k in TECHNO_ITEMS}}
    # exhaustion as it would be drawn, then complaints
    ex_i = WORKLOAD_ASPECTS.index("exhaustion")
    exhaustion = ordinal(
        work[:, ex_i], np.asarray(out["workload"]["cuts"]["exhaustion"]), noise["workload_logistic"][:, ex_i]
    )
    fixed = complaint_fixed(slopes, emp, exhaustion)
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
    """All generator parameters for ``margins`` and ``slopes`` (default :data:`thuiswerk.data.generator.SLOPES`).

    Deterministic; cached per margins content and slopes. The cut points and intercepts
    are solved with the slopes in place, so that a survey with other slopes (for example
    :func:`thuiswerk.data.generator.null_slopes`) still hits the published margins.
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
