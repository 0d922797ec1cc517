"""Does a finding's word depend on the chosen priors? Each finding under power-scaled priors.

Appendix A's model-level check (:func:`thuiswerk.analysis.checks.prior_sensitivity`) asks how far each
parameter moves when the priors weigh a little more or less. What a reader reads is the word of a
finding, so here every worded finding (slope, contrast, marginal effect) is recomputed with the
priors power-scaled (Kallioinen, Paananen, Bürkner & Vehtari 2024): the joint prior of the chosen
scales raised to the power ``alpha``, the likelihood unchanged::

    p_alpha(theta | y)  proportional to  p(theta)^alpha p(y | theta)

``alpha`` = :data:`WEAKER` halves the prior's weight (every normal prior's standard deviation times
sqrt 2), ``alpha`` = :data:`STRONGER` doubles it (divided by sqrt 2): a reasonable analyst's other
choices, not a tiny perturbation. The posterior draws are reweighted by
``p(theta)^(alpha - 1)`` (the stored ``log_prior`` group, summed over every prior with a chosen
scale; the unit-normal ``z_*`` of the non-centred effects are structure and stay), smoothed by
Pareto-smoothed importance sampling; where its k exceeds :data:`K_MAX` the reweighted posterior is
not trusted and the word under that prior is left open (NaN). The word follows the one rule
(:func:`thuiswerk.analysis.findings.wording`, with the equivalence region of the "no relation"
findings), so a row ``changes`` when the word under either prior differs from the published one.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
import xarray as xr

from thuiswerk.analysis import findings, posterior
from thuiswerk.analysis.estimands import BY_ID
from thuiswerk.core import nl

WEAKER = 0.5  # the priors' weight halved
STRONGER = 2.0  # and doubled
ALPHAS = {"weaker": WEAKER, "stronger": STRONGER}
K_MAX = 0.7
KINDS = ("slope", "contrast", "marginal")  # the findings the rule words
COLUMNS = ["id", "model", "p_main", "word_main"] + [
    f"{c}_{name}" for name in ALPHAS for c in ("p", "word", "k")
] + ["changes"]  # fmt: skip


def log_prior(tree: xr.DataTree) -> np.ndarray:
    """Per stacked draw: the log density of every prior with a chosen scale (not the unit-normal ``z_*``)."""
    group = tree["log_prior"].to_dataset()
    n = group.sizes["chain"] * group.sizes["draw"]
    total = np.zeros(n)
    for name, values in group.data_vars.items():
        if not str(name).startswith("z_"):
            total += posterior.draws(values).reshape(n, -1).sum(axis=1)
    return total


def power_weights(lp: np.ndarray, alpha: float) -> tuple[np.ndarray, float]:
    """PSIS-smoothed normalised log weights of the draws for the prior to the power ``alpha``, and Pareto k."""
    return posterior.psis_log_weights((alpha - 1.0) * lp)


def weighted_word(estimand_id: str, values: np.ndarray, log_weights: np.ndarray) -> tuple[float, str]:
    """P(expected direction) and the word under reweighted draws (the one rule, :func:`findings.judge`)."""
    w = np.exp(log_weights - log_weights.max())
    p, _, word = findings.judge(BY_ID[estimand_id], values, w / w.sum())
    return p, word


def compute(trees: Mapping[str, xr.DataTree], table: pd.DataFrame) -> pd.DataFrame:
    """One row per worded finding of ``table`` (the findings table of ``trees``): its probability and word as
    published and under the weaker and the stronger priors, the Pareto k of each, and whether a word changes."""
    worded = findings.estimable(table)
    worded = worded[worded["id"].map(lambda i: i in BY_ID and BY_ID[i].kind in KINDS)]
    rows = []
    for model, group in worded.groupby("model", sort=False):
        tree = trees.get(str(model))
        if tree is None or "log_prior" not in tree.children:
            continue
        lp = log_prior(tree)
        weights = {name: power_weights(lp, alpha) for name, alpha in ALPHAS.items()}
        for finding_id in group["id"]:
            values = findings.draws(BY_ID[finding_id], tree)
            published = table.loc[finding_id]
            row = {"id": finding_id, "model": model, "p_main": float(published["p_expected_direction"]),
                   "word_main": str(published["wording"])}  # fmt: skip
            changes = False
            for name, (lw, k) in weights.items():
                if k > K_MAX:
                    p, word = float("nan"), ""
                else:
                    p, word = weighted_word(finding_id, values, lw)
                    changes = changes or word != row["word_main"]
                row |= {f"p_{name}": p, f"word_{name}": word, f"k_{name}": k}
            rows.append(row | {"changes": changes})
    return pd.DataFrame(rows, columns=COLUMNS)


# --------------------------------------------------------------------------- Dutch (appendix A)


def table_nl(sens: pd.DataFrame) -> pd.DataFrame:
    """The findings a reader acts on and the ones a prior could change: every *duidelijk* finding and every
    finding whose word changes under a power-scaled prior, with the probability and word under each prior."""
    from thuiswerk.analysis import wording

    rows = sens[sens["changes"] | sens["word_main"].isin([findings.WORD_CLEAR, findings.WORD_OPPOSITE])]
    out = pd.DataFrame({"Bevinding": list(rows["id"])})
    out["Kans (gepubliceerd)"] = [wording.probability(p) for p in rows["p_main"]]
    out["Oordeel (gepubliceerd)"] = list(rows["word_main"])
    for name, label in (("weaker", "halve"), ("stronger", "dubbele")):
        out[f"Kans ({label} prior)"] = [nl.MARKER if np.isnan(p) else wording.probability(p) for p in rows[f"p_{name}"]]
        out[f"Oordeel ({label} prior)"] = [w or nl.MARKER for w in rows[f"word_{name}"]]
    return out


def sentence(sens: pd.DataFrame) -> str:
    """How many worded findings keep their word when the priors weigh half or twice as much."""
    n = len(sens)
    if n == 0:
        return "Er zijn geen bevindingen met een oordeel om op de priors te toetsen."
    changed = int(sens["changes"].sum())
    open_ = int(sens[[f"p_{name}" for name in ALPHAS]].isna().any(axis=1).sum())
    text = (
        f"Van de {nl.number(n, 0)} bevindingen met een oordeel "
        + (
            "houden alle hetzelfde oordeel"
            if changed == 0
            else f"{nl.verb(n - changed, 'houdt', 'houden')} er {nl.number(n - changed, 0)} hetzelfde oordeel"
        )
        + " als de priors half zo zwaar of twee keer zo zwaar wegen"
    )
    if changed:
        text += f"; bij {nl.number(changed, 0)} verandert het oordeel"
    if open_:
        text += (
            f". Bij {nl.number(open_, 0)} is de herweging niet betrouwbaar (Pareto-k boven "
            f"{nl.number(K_MAX, 1)}) en blijft die prior buiten beschouwing"
        )
    return text + "."
