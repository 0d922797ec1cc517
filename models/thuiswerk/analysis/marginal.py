"""Findings on the source report's own scale: the change in the share of employees with a complaint.

The source report speaks of the share of home workers with at least one KANS complaint
(neck, shoulders or arm) and of the share with back complaints; the complaint model's
slopes are log-odds per body region. An average marginal effect (AME) puts a slope back
on the source report's scale: per posterior draw, for every employee of the finding's
role(s) in the fit, the probability of at least one complaint of the outcome's regions
(``1 - prod(1 - p_region)``, the regions' probabilities given the employee's own
establishment and employee effects, i.e. for these employees) with the exposure set
to one value minus the same with it set to another, averaged over the employees:

- a yes/no exposure (every value of its column 0 or 1): yes minus no for everybody;
- a graded exposure (home-office share per 50 percentage points, a scale point of
  exhaustion): half a unit above minus half a unit below each employee's own value,
  the change per unit around where the employees are.

The result is a difference of shares (0-1; the report prints it in percentage points).
Only the employee-knowledge complaint model's own exposures have such rows
(:data:`thuiswerk.analysis.estimands.MARGINAL`); the joint models' sums of slopes
(knowing where the employer reports) have no single column to set.
"""

from __future__ import annotations

from typing import cast

import numpy as np
import xarray as xr

from thuiswerk.analysis import posterior
from thuiswerk.core import dims
from thuiswerk.modelling.specs import term_name

# Posterior draws are worked through in chunks of this many, so that the arrays (draws x employees x
# regions) stay small; every draw is used (one value per posterior draw, as every other finding).
CHUNK = 1000


def _any(eta: np.ndarray) -> np.ndarray:
    """P(at least one) over the last axis (regions) from the regions' log-odds."""
    return 1.0 - np.exp(-np.logaddexp(0.0, eta).sum(axis=-1))


def average_marginal_effect(tree: xr.DataTree, exposure: str, roles: tuple[str, ...], regions: list[str]) -> np.ndarray:
    """Draws of the change in P(at least one complaint of ``regions``) per unit of ``exposure`` (module docstring).

    ``tree`` is a binary-family fit (:func:`thuiswerk.modelling.builders.build_binary`) with its
    constant data; ``roles`` are role codes. Raises ``KeyError`` for a term or region the fit lacks.
    """
    post, const = tree["posterior"], tree["constant_data"]
    region_coords = [str(r) for r in post["slope"].coords[dims.REGION].values]
    missing = [r for r in regions if r not in region_coords]
    if missing:
        raise KeyError(f"the fit has no region {missing}")
    r_idx = np.array([region_coords.index(r) for r in regions])
    term_coords = [str(t) for t in post["slope"].coords[dims.TERM].values]
    role_coords = [str(r) for r in post["intercept"].coords[dims.ROLE].values]

    X = const["X"].to_numpy().astype(float)  # (employee, predictor)
    Z = const["Z"].to_numpy().astype(float)  # (employee, term)
    role_of_emp = const["role_of_emp"].to_numpy().astype(int)
    est_of_emp = const["est_of_emp"].to_numpy().astype(int)
    sector = const["sector_of_est"].to_numpy().astype(int)
    size = const["size_of_est"].to_numpy().astype(int)

    chosen = np.isin(np.array(role_coords)[role_of_emp], roles)
    terms = [term_name(exposure, r) for r in roles]
    absent = [t for t in terms if t not in term_coords]
    if absent:
        raise KeyError(f"the fit has no exposure term {absent}")
    # the column of each chosen employee's own term (the exposure for his or her role)
    own_col = np.array([term_coords.index(term_name(exposure, role_coords[k])) for k in role_of_emp[chosen]])
    rows = np.flatnonzero(chosen)
    values = Z[rows, own_col]
    binary = bool(np.isin(values, (0.0, 1.0)).all())

    d = {k: posterior.draws(cast(xr.DataArray, post[k])) for k in (
        "intercept", "beta", "slope", "z_establishment", "sigma_establishment", "b_sector", "b_size_class",
        "z_employee", "sigma_employee")}  # fmt: skip
    n = d["beta"].shape[0]
    out = np.empty(n)
    for start in range(0, n, CHUNK):
        c = {k: v[start : start + CHUNK] for k, v in d.items()}
        est = (
            c["z_establishment"] * c["sigma_establishment"][:, None]
            + c["b_sector"][:, sector]
            + c["b_size_class"][:, size]
        )  # (draw, establishment)
        person = est[:, est_of_emp[rows]] + c["sigma_employee"][:, None] * c["z_employee"][:, rows]  # (draw, emp)
        slope = c["slope"][:, r_idx, :]  # (draw, region, term)
        base = (
            c["intercept"][:, r_idx, :][:, :, role_of_emp[rows]].transpose(0, 2, 1)  # (draw, emp, region)
            + (X[rows] @ c["beta"].T).T[:, :, None]
            + np.einsum("et,drt->der", Z[rows], slope)
            + person[:, :, None]
        )
        own_slope = slope[:, :, own_col].transpose(0, 2, 1)  # (draw, emp, region): the exposure's slope for each
        if binary:
            high = base + (1.0 - values)[None, :, None] * own_slope
            low = base - values[None, :, None] * own_slope
        else:
            high, low = base + 0.5 * own_slope, base - 0.5 * own_slope
        out[start : start + CHUNK] = (_any(high) - _any(low)).mean(axis=1)
    return out
