"""Prior and posterior predictive checks, computed from a stored fit alone.

Each check is a tidy table: an observed statistic beside the predictive mean and
90% interval of the same statistic over draws. Prior predictive checks justify the
default priors (plausible spread on the 1-5 scale and on the probability scale);
posterior predictive checks show whether a fitted model reproduces the data. The
report's appendix plots these tables; the fast tests assert their properties.

:func:`prior_checks` checks what matters rather than the mean: the share of answers
at the extremes of an ordinal scale, the share of employees with at least one KANS
complaint, and the spread of establishment means, for the prior or the posterior
predictive draws alike.

Disclosure control: :func:`predictive_table` and :func:`category_table` give the
number of employees ``n`` behind each observed value and blank (``NaN``) the
observed value, the prediction and its interval of a group of fewer than
:data:`thuiswerk.core.nl.MIN_CELL` employees (:func:`thuiswerk.core.disclosure.protect`;
with employee effects in the model, the prediction for so few employees would
nearly repeat their answers). :func:`statistic_counts` gives the ``n`` behind
each statistic of :func:`prior_checks`, for the same minimum in its table.
"""

from __future__ import annotations

from collections.abc import Callable

import arviz as az
import numpy as np
import pandas as pd
import xarray as xr

from thuiswerk.core import dims, disclosure, nl
from thuiswerk.core.nl import MIN_CELL
from thuiswerk.data.describe import KANS_REGIONS

CHECK_VALUES = ["observed", "predicted", "lo", "hi"]  # blanked together for a group below the minimum


def _cell_groups(tree: xr.DataTree) -> tuple[str, np.ndarray, list[str]]:
    """Which cell property to group by (aspect, region or measure) and its labels."""
    cd = tree["constant_data"]
    for key, dim in (("aspect_of_obs", dims.ASPECT), ("region_of_obs", dims.REGION), ("measure_of_obs", dims.MEASURE)):
        if key in cd:
            labels = _coord_labels(tree, dim)  # posterior, else prior (a prior-only fit)
            idx = cd[key].to_numpy()
            if labels is None:
                labels = [str(i) for i in range(int(idx.max()) + 1)]
            return dim, idx, [str(x) for x in labels]
    raise KeyError("the fit has no aspect_of_obs, region_of_obs or measure_of_obs in constant_data")


def _draws(group: xr.Dataset) -> np.ndarray:
    """(sample, obs) array of predicted values."""
    y = group["y"]
    return y.stack(sample=("chain", "draw")).transpose("sample", dims.OBS).to_numpy()


def _respondents(tree: xr.DataTree, cells: np.ndarray) -> int:
    """The number of employees behind the ``cells`` (a boolean mask over the observations)."""
    cd = tree["constant_data"]
    if "employee_of_obs" in cd:
        return int(np.unique(cd["employee_of_obs"].to_numpy()[cells]).size)
    return int(cells.sum())


def _protect(table: pd.DataFrame, dim: str, position: str | None, min_n: int) -> pd.DataFrame:
    """Blank :data:`CHECK_VALUES` of the groups of fewer than ``min_n`` employees; ``inside`` is False there."""
    out = disclosure.protect(
        table, unit=dim, measures=(disclosure.Measure("observed"),), values=CHECK_VALUES, position=position, min_n=min_n
    )
    if "inside" in out.columns:
        out["inside"] = out["inside"].astype(bool) & ~out[disclosure.SUPPRESSED]
    return out.drop(columns=[disclosure.SECONDARY])


def predictive_table(tree: xr.DataTree, group: str = "posterior_predictive", min_n: int = MIN_CELL) -> pd.DataFrame:
    """Per cell group: observed mean of y and the predictive mean and 90% interval of that mean.

    For ordinal models y is reported on the 1..K scale (mean score); for binary models
    as a share. ``n`` is the number of employees behind the group; for fewer than
    ``min_n`` the observed value, the prediction and its interval are ``NaN``,
    ``suppressed`` is True and ``inside`` False (count only the shown rows).
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
        lo, hi = np.quantile(means, [(1 - nl.PROB) / 2, (1 + nl.PROB) / 2])
        obs = float(observed[cells].mean() + shift)
        rows.append(
            {
                dim: label,
                "observed": obs,
                "predicted": float(means.mean()),
                "lo": float(lo),
                "hi": float(hi),
                "inside": bool(lo <= obs <= hi),
                "n": _respondents(tree, cells),
            }
        )
    return _protect(pd.DataFrame(rows), dim, None, min_n).set_index(dim)


def category_table(tree: xr.DataTree, group: str = "posterior_predictive", min_n: int = MIN_CELL) -> pd.DataFrame:
    """Ordinal models: observed and predicted share of each answer category per aspect.

    ``n`` is the number of employees who answered the aspect; for fewer than
    ``min_n`` every category of the aspect is blanked (``suppressed``).
    """
    dim, idx, labels = _cell_groups(tree)
    if dim != dims.ASPECT:
        raise ValueError("category_table is for ordinal models")
    observed = tree["observed_data"]["y"].to_numpy()
    predicted = _draws(tree[group].to_dataset())
    k = int(max(observed.max(), predicted.max())) + 1
    rows = []
    for g, label in enumerate(labels):
        cells = idx == g
        n = _respondents(tree, cells)
        for cat in range(k):
            shares = (predicted[:, cells] == cat).mean(axis=1)
            lo, hi = np.quantile(shares, [(1 - nl.PROB) / 2, (1 + nl.PROB) / 2])
            rows.append(
                {
                    dim: label,
                    "category": cat + 1,
                    "observed": float((observed[cells] == cat).mean()),
                    "predicted": float(shares.mean()),
                    "lo": float(lo),
                    "hi": float(hi),
                    "n": n,
                }
            )
    return _protect(pd.DataFrame(rows), dim, "category", min_n).set_index([dim, "category"])


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
    cell-level likelihood ``y`` (stored in the ``log_likelihood_cell`` group). ArviZ reports the sensitivity of each variable to
    the prior and to the likelihood and a diagnosis ("prior-data conflict" or "strong
    prior / weak likelihood") where the prior sensitivity exceeds 0.05.
    """
    priors = [v for v in tree["log_prior"].data_vars if not str(v).startswith("z_")]
    names = [v for v in var_names if v in tree["posterior"].data_vars]
    from thuiswerk.modelling import store

    result = az.psense_summary(  # the cell-level y is kept in its own group (store.with_cell_loglik)
        store.with_cell_loglik(tree), var_names=names, prior_var_names=priors, likelihood_var_names=["y"], round_to=6
    )
    return pd.DataFrame(result)


POOLING_QUANTITIES = ("item_difference", "role_difference", "slope_spread", "role_sd")


def _pooling_draws(group: xr.Dataset) -> dict[str, np.ndarray]:
    """Per quantity of :data:`POOLING_QUANTITIES`, its values over draws (and over item pairs or exposures)."""
    slope = group["slope"]
    item_dim = next(d for d in slope.dims if d not in ("chain", "draw", dims.TERM))
    values = slope.transpose(..., item_dim, dims.TERM).to_numpy()
    values = values.reshape(-1, *values.shape[-2:])  # (draw, item, term)
    first, second = np.triu_indices(values.shape[1], k=1)
    items = np.abs(values[:, first, :] - values[:, second, :]).ravel()
    terms = [str(t) for t in slope[dims.TERM].values]
    exposures: dict[str, list[int]] = {}
    for position, term in enumerate(terms):
        exposures.setdefault(term.split("|")[0], []).append(position)
    pairs = [pos for pos in exposures.values() if len(pos) == 2]
    mean = group["slope_mean"].transpose(..., dims.TERM).to_numpy().reshape(-1, len(terms))
    roles = np.concatenate([np.abs(mean[:, a] - mean[:, b]) for a, b in pairs]) if pairs else np.zeros(0)
    return {
        "item_difference": items,
        "role_difference": roles,
        "slope_spread": group["slope_spread"].to_numpy().ravel(),
        "role_sd": group["role_sd"].to_numpy().ravel(),
    }


def pooling_prior_table(tree: xr.DataTree) -> pd.DataFrame:
    """What the pooling priors imply, beside what the data made of it: one row per quantity.

    ``item_difference``: the absolute difference between two aspects' (or regions') slopes of one
    exposure and role; ``role_difference``: between the two roles' mean slopes of one exposure;
    ``slope_spread`` and ``role_sd``: the two scales. Quantiles (5%, 50%, 95%) over the stored prior
    draws (``prior``) and over the posterior draws, on the logit scale.
    """
    prior, posterior = (_pooling_draws(tree[g].to_dataset()) for g in ("prior", "posterior"))
    rows = []
    for name in POOLING_QUANTITIES:
        row: dict[str, object] = {"quantity": name}
        for label, values in (("prior", prior[name]), ("posterior", posterior[name])):
            q = np.quantile(values, [0.05, 0.5, 0.95]) if len(values) else np.full(3, np.nan)
            row |= {f"{label}_q05": float(q[0]), f"{label}_median": float(q[1]), f"{label}_q95": float(q[2])}
        rows.append(row)
    return pd.DataFrame(rows)


# --- Checks of what matters (appendix A) -------------------------------------------
#
# The overall mean of y (prior_predictive_spread) cannot tell a prior that piles the
# answers up at both ends of the scale from one that spreads them sensibly. Measured on
# the default synthetic survey (500 prior draws): with Normal(0, 1) slopes the workload
# model puts a median 53% of the answers in category 1 or 5 (90%: 41-67%; observed 34%),
# with Normal(0, 0.5) slopes 44% (32-57%), while the mean score looks harmless in both.
# These statistics look at the tails and at the between-establishment spread, per draw,
# for a prior or a posterior predictive group alike.

EXTREME_SHARE = "extreme_share"  # ordinal: share of answers in the lowest or highest category
ANY_KANS = "any_kans"  # binary: share of employees with at least one KANS complaint
ESTABLISHMENT_SD = "establishment_sd"  # every family: SD of the establishment means of y


_FAMILY_KEYS = (("aspect_of_obs", "ordinal"), ("region_of_obs", "binary"), ("measure_of_obs", "awareness"))


def _family(tree: xr.DataTree) -> str:
    """The outcome family of a fit, from the index arrays in its constant data."""
    cd = tree["constant_data"]
    for key, family in _FAMILY_KEYS:
        if key in cd:
            return family
    raise KeyError("the fit has no aspect_of_obs, region_of_obs or measure_of_obs in constant_data")


def _coord_labels(tree: xr.DataTree, dim: str) -> list[str] | None:
    """Labels of ``dim`` from the first group that has them (a prior-only fit has no posterior)."""
    for group in ("posterior", "prior", "constant_data", "observed_data"):
        if group in tree.children and dim in tree[group].coords:
            return [str(x) for x in tree[group].coords[dim].values]
    return None


def _n_categories(tree: xr.DataTree, observed: np.ndarray, predicted: np.ndarray) -> int:
    """K of an ordinal scale: one more than the number of cut points, else from the values."""
    cuts = _coord_labels(tree, dims.CUT)
    if cuts is not None:
        return len(cuts) + 1
    return int(max(observed.max(), predicted.max())) + 1


def extreme_share(y: np.ndarray, n_categories: int) -> np.ndarray:
    """Per row of ``y`` (sample, obs; categories 0..K-1): share of cells at 0 or K-1."""
    y = np.atleast_2d(y)
    return ((y == 0) | (y == n_categories - 1)).mean(axis=1)


def _segments(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Order of the cells by ``keys`` and the start of each key's run (for ``reduceat``)."""
    order = np.argsort(keys, kind="stable")
    sorted_keys = keys[order]
    starts = np.flatnonzero(np.r_[True, sorted_keys[1:] != sorted_keys[:-1]])
    return order, starts


def any_kans_share(y: np.ndarray, employee: np.ndarray, region: np.ndarray, kans: np.ndarray) -> np.ndarray:
    """Per row of ``y`` (sample, obs; 0/1): share of employees with a complaint in a KANS region.

    ``employee`` and ``region`` index each cell; ``kans`` holds the region indices of
    neck, shoulders and arm. As in figure 2, the denominator is the employees who
    answered every KANS item (an employee with an empty KANS item is left out).
    """
    y = np.atleast_2d(y)
    cells = np.isin(region, kans)
    n_kans = np.bincount(employee[cells], minlength=int(employee.max()) + 1 if employee.size else 0)
    complete = n_kans == len(kans)
    cells &= complete[employee]
    if not cells.any():
        return np.full(y.shape[0], np.nan)
    order, starts = _segments(employee[cells])
    any_complaint = np.maximum.reduceat(y[:, cells][:, order], starts, axis=1) > 0
    return any_complaint.mean(axis=1)


def establishment_sd(y: np.ndarray, establishment: np.ndarray, chunk: int = 1000) -> np.ndarray:
    """Per row of ``y`` (sample, obs): SD (ddof 0) over establishments of the mean of y in each.

    ``establishment`` indexes each cell; only establishments with at least one cell
    count. The mean is over all cells of the establishment (every item or region of
    every employee), so a shift of y (0..K-1 or 1..K) does not change the SD.
    """
    y = np.atleast_2d(y)
    order, starts = _segments(establishment)
    counts = np.diff(np.r_[starts, establishment.size])
    out = np.empty(y.shape[0])
    for lo in range(0, y.shape[0], chunk):  # bounds the memory of a posterior with 8000 draws
        block = y[lo : lo + chunk][:, order]
        means = np.add.reduceat(block, starts, axis=1, dtype=np.float64) / counts
        out[lo : lo + chunk] = means.std(axis=1)
    return out


def _statistic_draws(tree: xr.DataTree, group: str) -> dict[str, tuple[float, np.ndarray]]:
    """Per statistic of the fit's family: its observed value and its value in each draw of ``group``."""
    family = _family(tree)
    cd = tree["constant_data"]
    observed = tree["observed_data"]["y"].to_numpy()
    predicted = _draws(tree[group].to_dataset())
    statistics: dict[str, Callable[[np.ndarray], np.ndarray]] = {}
    if family == "ordinal":
        k = _n_categories(tree, observed, predicted)
        statistics[EXTREME_SHARE] = lambda y: extreme_share(y, k)
    if family == "binary":
        labels = _coord_labels(tree, dims.REGION)
        if labels is None:
            raise KeyError("the fit has no region coordinate; cannot find the KANS regions")
        kans = np.array([labels.index(r) for r in KANS_REGIONS if r in labels], dtype=np.int64)
        if len(kans) == 0:
            raise KeyError(f"none of the KANS regions {KANS_REGIONS} among the regions {labels}")
        employee, region = cd["employee_of_obs"].to_numpy(), cd["region_of_obs"].to_numpy()
        statistics[ANY_KANS] = lambda y: any_kans_share(y, employee, region, kans)
    est = cd["est_of_emp"].to_numpy()[cd["employee_of_obs"].to_numpy()]
    statistics[ESTABLISHMENT_SD] = lambda y: establishment_sd(y, est)
    return {name: (float(fn(observed[None, :])[0]), fn(predicted)) for name, fn in statistics.items()}


def statistic_counts(tree: xr.DataTree) -> dict[str, int]:
    """The number of respondents behind each observed statistic of :func:`prior_checks`.

    Employees for ``extreme_share``; employees who answered every KANS item for
    ``any_kans``; establishments with data for ``establishment_sd``. A table
    shows an observed statistic only from :data:`thuiswerk.core.nl.MIN_CELL` on.
    """
    family = _family(tree)
    cd = tree["constant_data"]
    employee = cd["employee_of_obs"].to_numpy()
    counts: dict[str, int] = {}
    if family == "ordinal":
        counts[EXTREME_SHARE] = int(np.unique(employee).size)
    if family == "binary":
        labels = _coord_labels(tree, dims.REGION) or []
        kans = [labels.index(r) for r in KANS_REGIONS if r in labels]
        cells = np.isin(cd["region_of_obs"].to_numpy(), kans)
        per_employee = np.bincount(employee[cells], minlength=int(employee.max()) + 1 if employee.size else 0)
        counts[ANY_KANS] = int((per_employee == len(kans)).sum()) if kans else 0
    counts[ESTABLISHMENT_SD] = int(np.unique(cd["est_of_emp"].to_numpy()[employee]).size)
    return counts


def prior_checks(tree: xr.DataTree, group: str = "prior_predictive") -> pd.DataFrame:
    """Predictive checks of what matters, one row per statistic, for a prior or posterior predictive group.

    - ordinal: ``extreme_share``, the share of answers in the lowest or highest category;
    - binary: ``any_kans``, the share of employees with at least one KANS complaint (neck,
      shoulders or arm; employees who answered all three items);
    - every family: ``establishment_sd``, the SD across establishments with data of the
      establishment mean of y (mean score of an ordinal scale, share of complaints, share
      of measures known).

    Columns: ``statistic``, ``observed``, ``median`` and the 90% interval ``lo``-``hi`` of
    the statistic over the draws of ``group``, and ``inside`` (observed within it).
    """
    if group not in ("prior_predictive", "posterior_predictive"):
        raise ValueError(f"group must be prior_predictive or posterior_predictive, not {group!r}")
    rows = []
    for name, (obs, draws) in _statistic_draws(tree, group).items():
        med, lo, hi = np.nanquantile(draws, [0.5, (1 - nl.PROB) / 2, (1 + nl.PROB) / 2])
        rows.append(
            {
                "statistic": name,
                "observed": obs,
                "median": float(med),
                "lo": float(lo),
                "hi": float(hi),
                "inside": bool(lo <= obs <= hi),
            }
        )
    return pd.DataFrame(rows, columns=["statistic", "observed", "median", "lo", "hi", "inside"])
