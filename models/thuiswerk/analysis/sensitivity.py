"""Do the clear findings survive questionnaire non-response that is not ignorable?

The health models use the employees who completed the online questionnaire and
assume that the others are missing at random. Two alternatives, each applied to
the stored posterior by reweighting its draws (no refit):

1. **Missing at random given the interview** (inverse-probability weighting).
   Everyone interviewed answered the interview questions (:mod:`thuiswerk.analysis.nonresponse`),
   so P(completes the questionnaire | interview data) is estimated for every
   employee (logistic regression on the standardised interview characteristics,
   normal(0, 1) priors, posterior mode) and respondent *i* gets weight
   ``w_i = 1 / p_i``, scaled to mean 1.
2. **Missing depending on the outcome itself** (exponential tilting, a tipping
   point). P(completes | y) = expit(a + gamma * s_i), with s_i the employee's
   standardised outcome score (the mean of his or her answers to the model's
   items); ``a`` follows from the response rate (the weights 1 / P sum to the
   number interviewed). gamma > 0: those with *more* workload, isolation or
   complaints responded more often. For each finding that is *duidelijk*, the
   smallest |gamma| (on a grid, in the direction that weakens it) at which it no
   longer is, reported as an odds ratio of responding per standard deviation of
   the outcome score.

Reweighting: the pseudo-posterior that raises employee *i*'s likelihood to the
power ``w_i`` differs from the posterior by the ratio ``exp(sum_i (w_i - 1) l_i)``,
with ``l_i`` the stored per-employee log-likelihood (the employee's own effect
integrated out; :mod:`thuiswerk.modelling.loglik`). Pareto-smoothed importance sampling
(``arviz_stats``) gives the weights of the draws and its k diagnostic: above
:data:`K_MAX` the reweighted posterior is not trusted, and said so.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
import xarray as xr
from scipy.optimize import minimize
from scipy.special import expit

from thuiswerk.analysis import findings, nonresponse, posterior, wording
from thuiswerk.analysis.estimands import BY_ID, Estimand
from thuiswerk.core import nl
from thuiswerk.core.codebook import MANAGER
from thuiswerk.modelling import store

K_MAX = 0.7
#: log-odds of completing the questionnaire per standard deviation of the outcome score
GAMMAS = tuple(float(g) for g in np.round(np.arange(0.1, 3.001, 0.1), 2))
PRIOR_SD = 1.0  # of each standardised coefficient of the response model

COLUMNS = ["id", "model", "p_main", "p_ipw", "k_ipw", "tip_gamma", "reach"]


# --------------------------------------------------------------------------- weights


def response_propensity(employees: pd.DataFrame) -> tuple[pd.Series, list[str]]:
    """P(questionnaire completed | interview data) per employee id, and the characteristics used.

    Predictors: manager, and every interview characteristic of
    :data:`thuiswerk.analysis.nonresponse.CHARACTERISTICS` the survey has without a missing
    value (one with missing values is left out, never filled in), standardised.
    """
    answered = (employees["questionnaire_completed"].astype("Float64") == 1).to_numpy(dtype=bool)
    columns = {"manager": (employees["role"] == MANAGER).astype(float)}
    for key, ch in nonresponse.CHARACTERISTICS.items():
        try:
            values = ch.values(employees).astype(float)
        except KeyError:
            continue
        if values.notna().all() and values.std() > 0:
            columns[key] = values
    X = pd.DataFrame(columns).to_numpy()
    X = (X - X.mean(axis=0)) / X.std(axis=0)
    X = np.column_stack([np.ones(len(X)), X])
    y = answered.astype(float)

    def objective(b: np.ndarray) -> tuple[float, np.ndarray]:
        eta = X @ b
        p = expit(eta)
        logp = y * np.log(np.clip(p, 1e-300, None)) + (1 - y) * np.log(np.clip(1 - p, 1e-300, None))
        penalty = 0.5 * np.sum(b[1:] ** 2) / PRIOR_SD**2
        return float(-logp.sum() + penalty), -(X.T @ (y - p)) + np.r_[0.0, b[1:] / PRIOR_SD**2]

    fit = minimize(objective, np.zeros(X.shape[1]), jac=True, method="BFGS")
    return pd.Series(expit(X @ fit.x), index=employees["employee_id"].astype(str).to_numpy()), list(columns)


def ipw_weights(propensity: pd.Series, ids) -> np.ndarray:
    """``1 / p_i`` for the respondents ``ids``, scaled to mean 1."""
    w = 1.0 / propensity.loc[[str(i) for i in ids]].to_numpy()
    return w / w.mean()


def outcome_score(tree: xr.DataTree) -> np.ndarray:
    """Per employee of the fit: the mean of his or her answers (categories or 0/1), standardised."""
    y = tree["observed_data"]["y"].to_numpy().astype(float)
    employee = tree["constant_data"]["employee_of_obs"].to_numpy()
    n = tree[store.LOGLIK_GROUP][store.EMPLOYEE_LOGLIK].sizes["employee"]
    score = np.bincount(employee, weights=y, minlength=n) / np.maximum(np.bincount(employee, minlength=n), 1)
    return (score - score.mean()) / score.std()


def tilt_weights(score: np.ndarray, gamma: float, response_rate: float) -> np.ndarray:
    """Weights ``1 / P(respond | s)`` with P = expit(a + gamma * s), ``a`` such that they average 1 / rate; mean 1."""
    # mean(1 + exp(-a - gamma s)) = 1 / rate  <=>  exp(-a) = (1 / rate - 1) / mean(exp(-gamma s))
    inverse = 1.0 + (1.0 / response_rate - 1.0) * np.exp(-gamma * score) / np.mean(np.exp(-gamma * score))
    return inverse / inverse.mean()


def reweight(tree: xr.DataTree, weights: np.ndarray) -> tuple[np.ndarray, float]:
    """PSIS log-weights (normalised, over the stacked draws) of the pseudo-posterior with employee weights, and k."""
    loglik = tree[store.LOGLIK_GROUP][store.EMPLOYEE_LOGLIK]
    values = loglik.stack(sample=("chain", "draw")).transpose("sample", "employee").to_numpy()
    return posterior.psis_log_weights(values @ (np.asarray(weights, dtype=float) - 1.0))


def _p_direction(estimand: Estimand, values: np.ndarray, log_weights: np.ndarray) -> float:
    hits = values < 0 if estimand.direction == "negative" else values > 0
    return float(np.exp(log_weights)[hits].sum())


# --------------------------------------------------------------------------- the table


def compute(trees: Mapping[str, xr.DataTree], table: pd.DataFrame, employees: pd.DataFrame) -> pd.DataFrame:
    """One row per *duidelijk* slope finding of ``table`` (the findings table of ``trees``).

    ``p_main``: P(expected direction) as published; ``p_ipw``: under weighting for
    response given the interview data (``k_ipw`` its Pareto k; NaN above
    :data:`K_MAX`). Outcome-dependent response, walking up :data:`GAMMAS` in each
    direction while the reweighting holds (k <= :data:`K_MAX`): ``tip_gamma`` is
    the smallest |gamma| at which the finding is no longer *duidelijk*, signed
    (NaN: it stayed *duidelijk*); ``reach`` is how far the reweighting could look
    (the smaller, over the two directions, of the largest |gamma| it held for).
    """
    clear = table[(table["wording"] == nl.EVIDENCE_CLEAR) & (table["model"] != "awareness")]
    propensity, _ = response_propensity(employees)
    rate = float((employees["questionnaire_completed"].astype("Float64") == 1).mean())
    rows = []
    for model, group in clear.groupby("model", sort=False):
        tree = trees[str(model)]
        ids = tree[store.LOGLIK_GROUP]["employee"].to_numpy()
        estimands = [BY_ID[i] for i in group["id"]]
        values = {e.id: findings.draws(e, tree) for e in estimands}
        lw_ipw, k_ipw = reweight(tree, ipw_weights(propensity, ids))
        score = outcome_score(tree)
        paths: dict[float, list[tuple[float, np.ndarray]]] = {}  # direction -> [(gamma, log weights)] while k <= K_MAX
        for sign in (1.0, -1.0):
            paths[sign] = []
            for g in GAMMAS:
                lw, k = reweight(tree, tilt_weights(score, sign * g, rate))
                if k > K_MAX:
                    break
                paths[sign].append((sign * g, lw))
        reach = min((abs(path[-1][0]) if path else 0.0) for path in paths.values())
        for e in estimands:
            tips = [
                next((g for g, lw in path if _p_direction(e, values[e.id], lw) < nl.EVIDENCE_CLEAR_THRESHOLD), None)
                for path in paths.values()
            ]
            found = [t for t in tips if t is not None]
            rows.append(
                {
                    "id": e.id,
                    "model": model,
                    "p_main": float(table.at[e.id, "p_expected_direction"]),  # type: ignore[arg-type]
                    "p_ipw": _p_direction(e, values[e.id], lw_ipw) if k_ipw <= K_MAX else np.nan,
                    "k_ipw": k_ipw,
                    "tip_gamma": min(found, key=abs) if found else np.nan,
                    "reach": reach,
                }
            )
    out = pd.DataFrame(rows, columns=COLUMNS)
    order = {finding_id: i for i, finding_id in enumerate(clear["id"])}  # the findings table's order, not the models'
    return out.sort_values("id", key=lambda ids: ids.map(order), kind="stable").reset_index(drop=True)


def _tip_text(row: pd.Series) -> str:
    if np.isnan(row["tip_gamma"]):
        if row["reach"] <= 0:
            return nl.MARKER  # the reweighting does not hold even for the smallest step
        return f"boven {nl.number(np.exp(row['reach']), 1)}"
    who = "meer" if row["tip_gamma"] > 0 else "minder"
    return f"{nl.number(np.exp(abs(row['tip_gamma'])), 1)} ({who})"


def table_nl(sens: pd.DataFrame) -> pd.DataFrame:
    """The sensitivity table as the report shows it, each finding described as in the findings table."""
    shown = wording.described(list(sens["id"]))
    return pd.DataFrame(
        {
            "Verband": shown["Verband"],
            "Uitkomst": shown["Uitkomst"],
            "Wie": shown["Wie"],
            "Kans: hoofdanalyse": [wording.probability(p) for p in sens["p_main"]],
            "Kans: gewogen naar het interview": [
                nl.MARKER if np.isnan(p) else wording.probability(p) for p in sens["p_ipw"]
            ],
            "Omslagpunt (odds ratio per SD)": [_tip_text(r) for _, r in sens.iterrows()],
        }
    )


def sentence(sens: pd.DataFrame) -> str:
    """What the two alternatives do to the clear findings, in Dutch, from the table."""
    n = len(sens)
    if n == 0:
        return "Geen enkel verband is duidelijk, dus er is ook geen verband dat door non-respons zou kunnen verdwijnen."
    kept_ipw = int((sens["p_ipw"] >= nl.EVIDENCE_CLEAR_THRESHOLD).sum())
    failed_ipw = int(sens["p_ipw"].isna().sum())
    text = (
        f"Gewogen naar wat de werknemers in het interview vertelden, {nl.verb(kept_ipw, 'blijft', 'blijven')} "
        f"{nl.count_of(kept_ipw, n)} duidelijke verbanden duidelijk"
    )
    text += f" (bij {nl.count_words(failed_ipw)} is de herweging onbetrouwbaar)." if failed_ipw else "."
    tipping = sens.loc[sens["tip_gamma"].notna()]
    steady = sens.loc[sens["tip_gamma"].isna()]
    reach = float(steady["reach"].min()) if len(steady) else 0.0
    if tipping.empty:
        if reach <= 0:
            return text + (
                " Of ze een non-respons zouden doorstaan die van de uitkomst zelf afhangt, is met herweging "
                "niet na te gaan."
            )
        return text + (
            " Ook als de kans om de vragenlijst in te vullen van de uitkomst zelf afhing, blijven ze duidelijk, "
            f"tot ten minste een odds ratio van {nl.number(np.exp(reach), 1)} per standaardafwijking van de "
            "uitkomst; verder reikt de herweging niet."
        )
    weakest = tipping.iloc[int(np.argmin(tipping["tip_gamma"].abs().to_numpy()))]
    what, outcome = wording.finding_clause(str(weakest["id"]))
    who = "meer" if weakest["tip_gamma"] > 0 else "minder"
    odds = nl.number(np.exp(abs(weakest["tip_gamma"])), 1)
    others = f"{nl.count_words(len(tipping) - 1)} andere" if len(tipping) > 1 else ""
    text += (
        f" {nl.capitalize_first(what)}{',' if what.startswith('dat ') else ''} is niet meer duidelijk als werknemers met "
        f"{who} {outcome} de vragenlijst vaker invulden, met een odds ratio van {odds} per "
        "standaardafwijking van hun uitkomst"
    )
    text += f"; {others} verbanden pas bij een even sterke of sterkere selectie." if others else "."
    if len(steady) and reach > 0:
        text += (
            f" De overige blijven duidelijk tot ten minste een odds ratio van {nl.number(np.exp(reach), 1)}; "
            "verder reikt de herweging niet."
        )
    return text
