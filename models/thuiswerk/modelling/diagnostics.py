"""Convergence diagnostics and the pass/fail policy.

Computed with ArviZ on every posterior variable (free parameters and
deterministics): max R-hat, min bulk and tail ESS, divergences, E-BFMI per
chain. :func:`table` gives one row per model; :func:`parameter_table` one row
per parameter element (the report's appendix).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import arviz as az
import numpy as np
import pandas as pd
import xarray as xr

from thuiswerk.core import nl


@dataclass(frozen=True)
class Policy:
    rhat_max: float = 1.01
    ess_bulk_min: float = 400.0
    divergences_max: int = 0
    bfmi_min: float = 0.3  # E-BFMI below 0.3 signals poor exploration of the energy distribution


def _minmax(tree: xr.DataTree, fn: str) -> float:
    """Min or max over every element of every variable (NaN-free variables only)."""
    per_var = [float(getattr(var, fn)()) for var in tree.to_dataset().data_vars.values() if var.size]
    return float(getattr(np, fn)(per_var))


def diagnose(tree: xr.DataTree, policy: Policy = Policy()) -> dict:
    """One model's diagnostics and verdict."""
    n_div = int(tree["sample_stats"]["diverging"].sum())
    bfmi = np.asarray(az.bfmi(tree).to_dataset()["energy"].values, dtype=float)
    row: dict[str, Any] = {
        "max_rhat": _minmax(az.rhat(tree), "max"),
        "min_ess_bulk": _minmax(az.ess(tree, method="bulk"), "min"),
        "min_ess_tail": _minmax(az.ess(tree, method="tail"), "min"),
        "divergences": n_div,
        "min_bfmi": float(bfmi.min()),
        "chains": int(tree["posterior"].sizes["chain"]),
        "draws": int(tree["posterior"].sizes["draw"]),
    }
    failures = []
    if not row["max_rhat"] <= policy.rhat_max:
        failures.append(f"R-hat {row['max_rhat']:.3f} > {policy.rhat_max}")
    if not row["min_ess_bulk"] >= policy.ess_bulk_min:
        failures.append(f"bulk ESS {row['min_ess_bulk']:.0f} < {policy.ess_bulk_min:.0f}")
    if row["divergences"] > policy.divergences_max:
        failures.append(f"{row['divergences']} divergences")
    if not row["min_bfmi"] >= policy.bfmi_min:
        failures.append(f"E-BFMI {row['min_bfmi']:.2f} < {policy.bfmi_min}")
    row["passed"] = not failures
    row["failures"] = "; ".join(failures)
    return row


def table(trees: dict[str, xr.DataTree], policy: Policy = Policy()) -> pd.DataFrame:
    return pd.DataFrame([{"model": name, **diagnose(tree, policy)} for name, tree in trees.items()]).set_index("model")


def parameter_table(tree: xr.DataTree, var_names: list[str] | None = None, prob: float | None = None) -> pd.DataFrame:
    """Per parameter element: mean, sd, central interval, ESS and R-hat (ArviZ's summary), unrounded.

    The interval is the report's central (equal-tailed) interval, :data:`thuiswerk.core.nl.PROB`
    (90%) unless ``prob`` is given, never ArviZ's default of 89% (``stats.ci_prob``); its
    columns are ``eti90_lb`` and ``eti90_ub``.
    """
    if prob is None:
        prob = nl.PROB
    summary = az.summary(tree, var_names=var_names, ci_prob=prob, ci_kind="eti", round_to="none")
    return pd.DataFrame(summary)


def variable_table(tree: xr.DataTree) -> pd.DataFrame:
    """Every posterior variable (all its elements): count, max R-hat, min bulk and tail ESS.

    Covers every parameter, including the hundreds of establishment and employee
    effects, in one row per variable.
    """
    rhat = az.rhat(tree).to_dataset()
    bulk = az.ess(tree, method="bulk").to_dataset()
    tail = az.ess(tree, method="tail").to_dataset()
    rows = []
    for name in tree["posterior"].data_vars:
        rows.append(
            {
                "variable": str(name),
                "elements": int(rhat[name].size),
                "max_rhat": float(rhat[name].max()),
                "min_ess_bulk": float(bulk[name].min()),
                "min_ess_tail": float(tail[name].min()),
            }
        )
    return pd.DataFrame(rows).set_index("variable")
