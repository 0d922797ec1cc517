"""The seed's information loss with the uncertainty of both of its parts.

The information loss of a role (the source report's chapter VI) is the expected number
of the 15 measures that an employee's employer reports and the employee does not know,
divided by 15::

    loss[r] = sum_m share[m, r] * (1 - P(knows m | reported, r)) / 15

The awareness model (:func:`thuiswerk.modelling.builders.build_awareness`) gives the
posterior of ``P(knows | reported)`` and takes ``share[m, r]``, the share of the role's
employees whose employer reports measure ``m``, as fixed: the sample's. That share is
itself an estimate from 206 establishments, so here each posterior draw is paired
with a draw of the shares from the Bayesian bootstrap over establishments (Rubin
1981: Dirichlet(1, ..., 1) weights on the establishments, the unit the employer's
report belongs to, so the one or two employees of an establishment move together).
The result is the loss's posterior with the shares' uncertainty; its mean stays the
sample's (the weights average to equal ones).

The bootstrap's randomness is seeded (:data:`SEED`), so the same fit gives the same
findings.
"""

from __future__ import annotations

from typing import cast

import numpy as np
import xarray as xr

from thuiswerk.analysis import posterior
from thuiswerk.core import dims

SEED = 20221201  # the Bayesian bootstrap's seed: fixed, so a fit gives the same findings every time
QUANTITIES = ("information_loss", "reported_not_known", "loss_if_reported", "loss_gap")


def has_design(tree: xr.DataTree) -> bool:
    """Whether the fit keeps what the bootstrap needs (each cell's employee, measure, report and role)."""
    if "constant_data" not in tree.children:
        return False
    const = tree["constant_data"]
    return all(
        k in const for k in ("reported_of_obs", "measure_of_obs", "role_of_obs", "employee_of_obs", "est_of_emp")
    )


def bootstrap_shares(tree: xr.DataTree, n_draws: int, seed: int = SEED) -> np.ndarray:
    """Draws (draw, measure, role) of the share of the role's employees whose employer reports each measure."""
    const = tree["constant_data"]
    n_measure = tree["posterior"].sizes[dims.MEASURE]
    n_role = tree["posterior"].sizes[dims.ROLE]
    emp = const["employee_of_obs"].to_numpy().astype(int)
    measure = const["measure_of_obs"].to_numpy().astype(int)
    role = const["role_of_obs"].to_numpy().astype(int)
    reported = const["reported_of_obs"].to_numpy().astype(float)
    est_of_emp = const["est_of_emp"].to_numpy().astype(int)
    n_est = int(tree["posterior"].sizes.get(dims.ESTABLISHMENT, est_of_emp.max() + 1))
    # per establishment: the number of the role's answered cells per measure and how many of them are reported
    cell = (measure * n_role + role).astype(int)
    est = est_of_emp[emp]
    trials = np.zeros((n_est, n_measure * n_role))
    hits = np.zeros((n_est, n_measure * n_role))
    np.add.at(trials, (est, cell), 1.0)
    np.add.at(hits, (est, cell), reported)
    weights = np.random.default_rng(seed).dirichlet(np.ones(n_est), size=n_draws)  # (draw, establishment)
    with np.errstate(invalid="ignore", divide="ignore"):
        shares = (weights @ hits) / (weights @ trials)
    return shares.reshape(n_draws, n_measure, n_role)


def draws(tree: xr.DataTree, quantity: str, role: int | None) -> np.ndarray:
    """Posterior draws of one information-loss quantity (:data:`QUANTITIES`) for role index ``role``
    (None for ``loss_gap``: non-managers minus managers), with the reported shares drawn too."""
    if quantity not in QUANTITIES:
        raise KeyError(quantity)
    p = posterior.draws(cast(xr.DataArray, tree["posterior"]["p_known_if_reported"]))  # (draw, measure, role)
    share = bootstrap_shares(tree, p.shape[0])
    missed = (share * (1.0 - p)).sum(axis=1)  # (draw, role)
    loss = missed / p.shape[1]
    if quantity == "loss_gap":
        return loss[:, 1] - loss[:, 0]
    assert role is not None
    if quantity == "information_loss":
        return loss[:, role]
    if quantity == "reported_not_known":
        return missed[:, role]
    return missed[:, role] / share[:, :, role].sum(axis=1)
