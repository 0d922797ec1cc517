"""Prior and posterior predictive checks, computed from a stored fit alone.

Each check is a tidy table: an observed statistic beside the predictive mean and
90% interval of the same statistic over draws. Prior predictive checks justify the
default priors (plausible spread on the 1-5 scale and on the probability scale);
posterior predictive checks show whether a fitted model reproduces the data. The
report's appendix plots these tables; the fast tests assert their properties.
"""

from __future__ import annotations

import arviz as az
import numpy as np
import pandas as pd
import xarray as xr

from thuiswerk import dims

PROB = 0.90


def _cell_groups(tree: xr.DataTree) -> tuple[str, np.ndarray, list[str]]:
    """Which cell property to group by (aspect, region or measure) and its labels."""
    cd = tree["constant_data"]
    for key, dim in (("aspect_of_obs", dims.ASPECT), ("region_of_obs", dims.REGION), ("measure_of_obs", dims.MEASURE)):
        if key in cd:
            labels = list(tree["posterior"].coords[dim].values) if dim in tree["posterior"].coords else None
            idx = cd[key].to_numpy()
            if labels is None:
                labels = [str(i) for i in range(int(idx.max()) + 1)]
            return dim, idx, [str(x) for x in labels]
    raise KeyError("the fit has no aspect_of_obs, region_of_obs or measure_of_obs in constant_data")


def _draws(group: xr.Dataset) -> np.ndarray:
    """(sample, obs) array of predicted values."""
    y = group["y"]
    return y.stack(sample=("chain", "draw")).transpose("sample", dims.OBS).to_numpy()


def predictive_table(tree: xr.DataTree, group: str = "posterior_predictive") -> pd.DataFrame:
    """Per cell group: observed mean of y and the predictive mean and 90% interval of that mean.

    For ordinal models y is reported on the 1..K scale (mean score); for binary models
    as a share.
    """
    dim, idx, labels = _cell_groups(tree)
    observed = tree["observed_data"]["y"].to_numpy()
    predicted = _draws(tree[group].to_dataset())
    shift = 1.0 if dim == dims.ASPECT else 0.0  # ordinal 0..K-1 -> 1..K
    rows = []
    for g, label in enumerate(labels):
        cells = idx == g
        if not cells.any():
            continue
        means = predicted[:, cells].mean(axis=1) + shift
        lo, hi = np.quantile(means, [(1 - PROB) / 2, (1 + PROB) / 2])
        obs = float(observed[cells].mean() + shift)
        rows.append(
            {
                dim: label,
                "observed": obs,
                "predicted": float(means.mean()),
                "lo": float(lo),
                "hi": float(hi),
                "inside": bool(lo <= obs <= hi),
            }
        )
    return pd.DataFrame(rows).set_index(dim)


def category_table(tree: xr.DataTree, group: str = "posterior_predictive") -> pd.DataFrame:
    """Ordinal models: observed and predicted share of each answer category per aspect."""
    dim, idx, labels = _cell_groups(tree)
    if dim != dims.ASPECT:
        raise ValueError("category_table is for ordinal models")
    observed = tree["observed_data"]["y"].to_numpy()
    predicted = _draws(tree[group].to_dataset())
    k = int(max(observed.max(), predicted.max())) + 1
    rows = []
    for g, label in enumerate(labels):
        cells = idx == g
        for cat in range(k):
            shares = (predicted[:, cells] == cat).mean(axis=1)
            lo, hi = np.quantile(shares, [(1 - PROB) / 2, (1 + PROB) / 2])
            rows.append(
                {
                    dim: label,
                    "category": cat + 1,
                    "observed": float((observed[cells] == cat).mean()),
                    "predicted": float(shares.mean()),
                    "lo": float(lo),
                    "hi": float(hi),
                }
            )
    return pd.DataFrame(rows).set_index([dim, "category"])


def prior_predictive_spread(tree: xr.DataTree) -> dict[str, float]:
    """Quantiles over prior draws of the overall mean of y (1..K scale or share)."""
    dim, _, _ = _cell_groups(tree)
    shift = 1.0 if dim == dims.ASPECT else 0.0
    means = _draws(tree["prior_predictive"].to_dataset()).mean(axis=1) + shift
    q = np.quantile(means, [0.05, 0.5, 0.95])
    return {"q05": float(q[0]), "median": float(q[1]), "q95": float(q[2])}


def prior_sensitivity(tree: xr.DataTree, var_names: list[str]) -> pd.DataFrame:
    """Power-scaling sensitivity (Kallioinen et al. 2024) of the chosen posterior variables.

    Each prior with a chosen scale is power-scaled (the unit-normal ``z_*`` of the
    non-centred effects are structure, not choices, and are left out), as is the
    cell-level likelihood ``y``. ArviZ reports the sensitivity of each variable to
    the prior and to the likelihood and a diagnosis ("prior-data conflict" or "strong
    prior / weak likelihood") where the prior sensitivity exceeds 0.05.
    """
    priors = [v for v in tree["log_prior"].data_vars if not str(v).startswith("z_")]
    names = [v for v in var_names if v in tree["posterior"].data_vars]
    result = az.psense_summary(
        tree, var_names=names, prior_var_names=priors, likelihood_var_names=["y"], round_to=6
    )
    return pd.DataFrame(result)
