"""PSIS-LOO per model and the comparison of employee-known with employer-reported measures.

Per model (:func:`loo_table`) the unit left out is the employee (``y_by_employee``:
all items or regions of one employee together, the employee's effect integrated).

The seed's finding "only measures employees know about relate to health" is
tested as a model comparison (:func:`knowledge_vs_employer`): each outcome model
with the employees' knowledge (``workload``, ``isolation``, ``complaints``) against
the same model with the employer's reports in its place (``*_employer``), by
expected log predictive density. The employer's reports are establishment-level,
so the unit left out there is the whole establishment, with both its effect and
its employees' effects integrated out (``log_likelihood_establishment``, see
:func:`thuiswerk.modelling.loglik.establishment_marginal_loglik`); leaving out one employee
while keeping the establishment's estimated effect would let that effect carry the
employer's information. The two models must cover the same establishments and
employees, or the comparison is refused. Pareto k is reported; k > 0.7 marks an
unreliable PSIS estimate for that unit.
"""

from __future__ import annotations

import arviz as az
import numpy as np
import pandas as pd
import xarray as xr

from thuiswerk.core.errors import UsageError
from thuiswerk.modelling import specs

VAR = "y_by_employee"
K_THRESHOLD = 0.7


def loo(tree: xr.DataTree):
    """PSIS-LOO over employees; ArviZ's Pareto-k warning is left to the caller (:func:`pareto_k_note`)."""
    import warnings

    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*[Pp]areto.*", category=UserWarning)
        return az.loo(tree, var_name=VAR)


def pareto_k_note(model: str, k: np.ndarray) -> str | None:
    """One sentence on the employees whose Pareto k makes PSIS-LOO unreliable (None when there are none)."""
    high = int((k > K_THRESHOLD).sum())
    if not high:
        return None
    return (
        f"{model}: {high} of {k.size} employees {'has' if high == 1 else 'have'} Pareto k above {K_THRESHOLD} "
        f"(largest {k.max():.2f}): leaving {'that employee' if high == 1 else 'one of them'} out changes the "
        "posterior too much for PSIS to approximate, so this model's "
        "elpd_loo is uncertain beyond its SE. The establishment-level LOO (appendix B) leaves out whole "
        "establishments and is the comparison to trust here."
    )


def loo_table(trees: dict[str, xr.DataTree], report=None) -> pd.DataFrame:
    """elpd_loo, SE, p_loo and Pareto k per model; ``report(line)`` gets one note per model with high k."""
    rows = []
    for name, tree in trees.items():
        result = loo(tree)
        k = np.asarray(result.pareto_k)
        note = pareto_k_note(name, k)
        if note and report is not None:
            report(note)
        rows.append(
            {
                "model": name,
                "elpd_loo": float(result.elpd),
                "se": float(result.se),
                "p_loo": float(result.p),
                "n": int(k.size),
                "max_pareto_k": float(k.max()),
                "n_k_above_0_7": int((k > K_THRESHOLD).sum()),
            }
        )
    return pd.DataFrame(rows).set_index("model")


ESTABLISHMENT_GROUP = "log_likelihood_establishment"


class ComparisonError(UsageError):
    """Two fits cannot be compared: they do not cover the same units (exit 3)."""


def loo_establishment(tree: xr.DataTree):
    """PSIS-LOO leaving out whole establishments (both random effects integrated)."""
    if ESTABLISHMENT_GROUP not in tree.children:
        raise ComparisonError(f"the fit has no {ESTABLISHMENT_GROUP} group; refit it with this version")
    loglik = tree[ESTABLISHMENT_GROUP].to_dataset()
    posterior = tree["posterior"].to_dataset().sel(draw=loglik["draw"])  # the same thinned draws (for r_eff)
    import warnings

    with warnings.catch_warnings():  # high k is reported in the table (max_pareto_k, n_k_above_0_7)
        warnings.filterwarnings("ignore", message=".*[Pp]areto.*", category=UserWarning)
        return az.loo(xr.DataTree.from_dict({"posterior": posterior, "log_likelihood": loglik}), var_name="y")


def _same_units(known: xr.DataTree, employer: xr.DataTree, outcome: str) -> None:
    for group, dim in ((ESTABLISHMENT_GROUP, "establishment"), ("constant_data", "employee")):
        a, b = known[group].to_dataset()[dim].values, employer[group].to_dataset()[dim].values
        if len(a) != len(b) or (a != b).any():
            raise ComparisonError(
                f"{outcome}: the knowledge and employer models cover different {dim}s ({len(a)} against {len(b)}); "
                "refit both on the same survey"
            )


def knowledge_vs_employer(trees: dict[str, xr.DataTree]) -> pd.DataFrame:
    """One row per outcome: elpd of knowledge model minus employer model, leaving out establishments.

    ``z = elpd_diff / se_diff``; a positive difference favours the employees'
    knowledge. The difference and its SE come from the paired pointwise values;
    ``max_pareto_k`` and ``n_k_above_0_7`` are over both models' establishments.
    """
    rows = []
    for spec in specs.SPECS.values():
        if spec.compares_with is None or spec.name not in trees or spec.compares_with not in trees:
            continue
        _same_units(trees[spec.compares_with], trees[spec.name], spec.compares_with)
        known, employer = loo_establishment(trees[spec.compares_with]), loo_establishment(trees[spec.name])
        diff = np.asarray(known.elpd_i).ravel() - np.asarray(employer.elpd_i).ravel()
        se = float(np.sqrt(diff.size * np.var(diff)))
        k = np.concatenate([np.asarray(known.pareto_k).ravel(), np.asarray(employer.pareto_k).ravel()])
        rows.append(
            {
                "outcome": spec.compares_with,
                "elpd_known": float(known.elpd),
                "elpd_employer": float(employer.elpd),
                "elpd_diff": float(diff.sum()),
                "se_diff": se,
                "z": float(diff.sum() / se) if se > 0 else np.nan,
                "establishments": int(diff.size),
                "max_pareto_k": float(k.max()),
                "n_k_above_0_7": int((k > K_THRESHOLD).sum()),
            }
        )
    columns = ["outcome", "elpd_known", "elpd_employer", "elpd_diff", "se_diff", "z", "establishments",
               "max_pareto_k", "n_k_above_0_7"]  # fmt: skip
    return pd.DataFrame(rows, columns=columns).set_index("outcome")


# The rule that words a knowledge-versus-employer difference (documented in thuiswerk.reporting.summaries).
LOO_MIN_DIFF = 4.0  # elpd differences below this are small (Sivula et al. 2022)
LOO_SE_FACTOR = 2.0
LOO_SAME = "geen duidelijk verschil"
LOO_KNOWLEDGE = "kennis van de werknemer voorspelt duidelijk beter"
LOO_EMPLOYER = "opgave van de werkgever voorspelt duidelijk beter"


def loo_verdict(elpd_diff: float, se_diff: float) -> str:
    """The verdict on ``elpd_diff`` (knowledge minus employer) with standard error ``se_diff``, in Dutch:
    small below :data:`LOO_MIN_DIFF` elpd units or within :data:`LOO_SE_FACTOR` standard errors."""
    if abs(elpd_diff) < LOO_MIN_DIFF or abs(elpd_diff) < LOO_SE_FACTOR * se_diff:
        return LOO_SAME
    return LOO_KNOWLEDGE if elpd_diff > 0 else LOO_EMPLOYER
