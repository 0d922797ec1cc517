"""PSIS-LOO per model and the comparison of employee-known with employer-reported measures.

The unit left out is the employee (``y_by_employee``: all items or regions of one
employee together), because cells of one employee share that employee's effect.
The seed's finding "only measures employees know about relate to health" is
tested as a model comparison: each outcome model with the employees' knowledge
(``workload``, ``isolation``, ``complaints``) against the same model with the
employer's reports in its place (``*_employer``), by expected log predictive
density. Pareto k is reported for every model; k > 0.7 marks an unreliable
PSIS estimate for that employee.
"""

from __future__ import annotations

import arviz as az
import numpy as np
import pandas as pd
import xarray as xr

from thuiswerk import specs

VAR = "y_by_employee"
K_THRESHOLD = 0.7


def loo(tree: xr.DataTree):
    return az.loo(tree, var_name=VAR)


def loo_table(trees: dict[str, xr.DataTree]) -> pd.DataFrame:
    rows = []
    for name, tree in trees.items():
        result = loo(tree)
        k = np.asarray(result.pareto_k)
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


def knowledge_vs_employer(trees: dict[str, xr.DataTree]) -> pd.DataFrame:
    """One row per outcome: elpd of knowledge model minus employer model, with its SE.

    ``z = elpd_diff / se_diff``; a positive difference favours the employees'
    knowledge. The difference and its SE come from the paired pointwise values.
    """
    rows = []
    for spec in specs.SPECS.values():
        if spec.compares_with is None or spec.name not in trees or spec.compares_with not in trees:
            continue
        known, employer = loo(trees[spec.compares_with]), loo(trees[spec.name])
        diff = np.asarray(known.elpd_i).ravel() - np.asarray(employer.elpd_i).ravel()
        se = float(np.sqrt(diff.size * np.var(diff)))
        rows.append(
            {
                "outcome": spec.compares_with,
                "elpd_known": float(known.elpd),
                "elpd_employer": float(employer.elpd),
                "elpd_diff": float(diff.sum()),
                "se_diff": se,
                "z": float(diff.sum() / se) if se > 0 else np.nan,
            }
        )
    return pd.DataFrame(rows).set_index("outcome")
