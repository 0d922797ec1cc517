"""Employee-level log-likelihood with the employee's own effect integrated out.

PSIS-LOO that leaves out one employee is unstable when the likelihood is
conditional on that employee's random intercept: the intercept is informed only
by the left-out cells, so the importance ratios have heavy tails (Pareto k > 0.7
for many employees). Integrating the intercept out of each employee's likelihood,
per posterior draw, gives the marginal predictive density of a new employee of the
same establishment, the quantity LOO should estimate, and well-behaved weights
(Merkle, Furr & Rabe-Hesketh 2019, "Bayesian comparison of latent variable
models: conditional versus marginal likelihoods").

    log p(y_i | theta) = log integral prod_j p(y_ij | eta_ij + sigma_employee * z) N(z | 0, 1) dz

computed with Gauss-Hermite quadrature (probabilists' nodes). The establishment,
sector and size-class effects stay conditional (they are shared by colleagues).
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor

import numba
import numpy as np
import xarray as xr

# Quadrature nodes per family. Measured on the default fits against 150 nodes (max abs
# error of an employee's log-likelihood): awareness 3e-5 and ordinal 5e-5 with 15 nodes;
# binary (4 items, sigma_employee about 1.7) 0.03 with 15 nodes, 2e-4 with 41.
N_NODES = {"awareness": 15, "ordinal": 15, "binary": 41}


def _stacked(posterior: xr.Dataset, name: str) -> np.ndarray:
    da = posterior[name]
    other = [d for d in da.dims if d not in ("chain", "draw")]
    return da.stack(sample=("chain", "draw")).transpose("sample", *other).to_numpy()


def _establishment_effect(posterior: xr.Dataset, data: dict, conditional: bool = True) -> np.ndarray:
    """(sample, establishment): sigma * z (when ``conditional``) + sector + size class."""
    sector = _stacked(posterior, "b_sector")[:, data["sector_of_est"]]
    size = _stacked(posterior, "b_size_class")[:, data["size_of_est"]]
    if not conditional:
        return sector + size
    sigma = _stacked(posterior, "sigma_establishment")
    z = _stacked(posterior, "z_establishment")
    return z * sigma[:, None] + sector + size


def _fixed_part(
    posterior: xr.Dataset, family: str, data: dict, conditional: bool = True
) -> tuple[np.ndarray, np.ndarray | None]:
    """Linear predictor per (sample, cell) without the employee effect; cut points for ordinal.

    With ``conditional=False`` the establishment's own effect (sigma * z) is left out
    too, for a likelihood that integrates it.
    """
    est = _establishment_effect(posterior, data, conditional)[:, data["est_of_emp"]]  # (S, employee)
    emp = data["employee"]
    if family == "awareness":
        alpha = _stacked(posterior, "alpha")  # (S, measure, role, reported)
        eta = alpha[:, data["measure"], data["role"], data["reported"]] + est[:, emp]
        return eta, None
    item = data["aspect"] if family == "ordinal" else data["region"]
    eta = est[:, emp]
    if data["X"].shape[1]:
        eta = eta + (_stacked(posterior, "beta") @ data["X"].T)[:, emp]  # beta (S, P), X (E, P)
    if data["Z"].shape[1]:
        slope = _stacked(posterior, "slope")  # (S, item, term)
        z_cell = data["Z"][emp]  # (cell, term)
        for a in np.unique(item):  # one matrix product per item, not a (S, cell, term) array
            cells = np.flatnonzero(item == a)
            eta[:, cells] += slope[:, a, :] @ z_cell[cells].T
    if family == "ordinal":
        return eta, _stacked(posterior, "cutpoints")  # (S, aspect, K-1)
    if family == "binary":
        intercept = _stacked(posterior, "intercept")  # (S, region, role)
        return eta + intercept[:, item, data["role_of_emp"][emp]], None
    raise ValueError(f"unknown family {family!r}")


@numba.njit(cache=True, inline="always")
def _log_expit(x: float) -> float:
    return x - np.log1p(np.exp(x)) if x < 0.0 else -np.log1p(np.exp(-x))


@numba.njit(cache=True, inline="always")
def _expit(x: float) -> float:
    return 1.0 / (1.0 + np.exp(-x)) if x >= 0.0 else np.exp(x) / (1.0 + np.exp(x))


@numba.njit(cache=True, nogil=True)
def _marginal(eta, cuts, item, y, starts, group, n_group, sigma_in, nodes, log_w, sigma_out, u_nodes, u_log_w, ordinal):
    """(sample, group): log of the nested Gauss-Hermite integral over an outer and an inner effect.

    Cells ``starts[e]:starts[e + 1]`` belong to inner unit ``e`` (an employee), which
    belongs to ``group[e]``. Per draw ``s`` and outer node ``u`` (effect
    ``sigma_out[s] * u``, shared by a group) each unit's cells are integrated over the
    inner effect ``sigma_in[s] * x`` (nodes ``x``, log weights ``log_w``), the units'
    log integrals added per group, and the group's integral taken over ``u``. One
    outer node at 0 with log weight 0 gives the per-unit integral alone.

    ``ordinal``: ``cuts[s, item[c]]`` are the cut points of cell ``c``'s item and
    ``y[c]`` its category 0..K-1; else ``y[c]`` is 0/1 (logit link).

    Compiled without the GIL and without numba's own threads (whose OpenMP layer is
    not safe in forked processes): :func:`_integrate` runs blocks of draws on threads.
    """
    n_samples = eta.shape[0]
    n_units = starts.shape[0] - 1
    n_inner, n_outer = nodes.shape[0], u_nodes.shape[0]
    n_cut = cuts.shape[2]
    out = np.empty((n_samples, n_group))
    for s in range(n_samples):
        per_group = np.zeros((n_group, n_outer))
        inner = np.empty(n_inner)
        for o in range(n_outer):
            shift_out = sigma_out[s] * u_nodes[o]
            for e in range(n_units):
                for k in range(n_inner):
                    shift = shift_out + sigma_in[s] * nodes[k]
                    total = log_w[k]
                    for c in range(starts[e], starts[e + 1]):
                        x = eta[s, c] + shift
                        if ordinal:
                            cat = y[c]
                            upper = _expit(cuts[s, item[c], cat] - x) if cat < n_cut else 1.0
                            lower = _expit(cuts[s, item[c], cat - 1] - x) if cat > 0 else 0.0
                            total += np.log(max(upper - lower, 1e-300))
                        else:
                            total += _log_expit(x if y[c] == 1 else -x)
                    inner[k] = total
                top = inner.max()
                per_group[group[e], o] += top + np.log(np.exp(inner - top).sum())
        for g in range(n_group):
            row = per_group[g] + u_log_w
            top = row.max()
            out[s, g] = top + np.log(np.exp(row - top).sum())
    return out


_NO_EFFECT = (np.zeros(1), np.zeros(1))  # one node at 0 with weight 1: no effect to integrate


DRAW_BLOCK = 100  # draws per chain in one block: bounds memory at about chains * DRAW_BLOCK * cells floats


def _integrate(
    posterior: xr.Dataset,
    family: str,
    data: dict,
    inner: tuple[np.ndarray, np.ndarray],
    outer: tuple[np.ndarray, np.ndarray],
    unit: str,
) -> tuple[np.ndarray, np.ndarray]:
    """(chain, draw, unit) log-likelihood of the units that have cells, and those units' indices.

    ``unit`` is ``"employee"`` (employee effect integrated over the ``inner`` nodes,
    establishment effect conditional), ``"establishment"`` (both integrated: ``outer``
    nodes over the establishment effect) or ``"survey"`` (every effect conditional, all
    cells summed: the likelihood that power-scaling scales; one unit). Blocks of
    :data:`DRAW_BLOCK` draws run on as many threads as cores, each building only its
    own (draws x cells) arrays.
    """
    y, emp = np.asarray(data["y"]), np.asarray(data["employee"])
    order = np.argsort(emp, kind="stable")  # each employee's cells one contiguous run
    present, starts = np.unique(emp[order], return_index=True)
    starts = np.append(starts, len(order)).astype(np.int64)
    if unit == "establishment":
        units, group = np.unique(data["est_of_emp"][present], return_inverse=True)
    elif unit == "employee":
        units, group = present, np.arange(len(present))
    else:
        units, group = np.zeros(1, dtype=np.int64), np.zeros(len(present), dtype=np.int64)
    ordinal = family == "ordinal"
    item = np.asarray(data["aspect"] if ordinal else np.zeros(len(y)))[order].astype(np.int64)
    y_sorted, group = y[order].astype(np.int64), group.astype(np.int64)

    def block(draws: slice) -> np.ndarray:
        part = posterior.isel(draw=draws)
        eta, cuts = _fixed_part(part, family, data, conditional=unit != "establishment")
        n = eta.shape[0]
        sigma_in, sigma_out = _stacked(part, "sigma_employee"), np.zeros(n)
        if unit == "establishment":
            sigma_out = _stacked(part, "sigma_establishment")
        elif unit == "survey":  # the employee's own effect too, conditional
            eta += sigma_in[:, None] * _stacked(part, "z_employee")[:, emp]
            sigma_in = np.zeros(n)
        cuts = np.zeros((n, 1, 1)) if cuts is None else np.ascontiguousarray(cuts)
        values = _marginal(
            np.ascontiguousarray(eta[:, order]), cuts, item, y_sorted, starts, group, len(units), sigma_in, *inner,
            sigma_out, *outer, ordinal,
        )  # fmt: skip
        return values.reshape(part.sizes["chain"], part.sizes["draw"], len(units))

    n_draw = posterior.sizes["draw"]
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        parts = list(pool.map(block, [slice(a, a + DRAW_BLOCK) for a in range(0, n_draw, DRAW_BLOCK)]))
    return np.concatenate(parts, axis=1), units


def conditional_loglik_sum(posterior: xr.Dataset, family: str, data: dict) -> np.ndarray:
    """(chain, draw) sum over all cells of log p(y_c | theta), conditional on every effect.

    The likelihood that power-scaling sensitivity scales (ArviZ sums it over the cells
    itself); the same as summing PyMC's pointwise log-likelihood, without the
    (draw x cell) array.
    """
    values, _ = _integrate(posterior, family, data, _NO_EFFECT, _NO_EFFECT, unit="survey")
    return values[..., 0]


def _nodes(n: int) -> tuple[np.ndarray, np.ndarray]:
    nodes, weights = np.polynomial.hermite_e.hermegauss(n)
    return nodes, np.log(weights / weights.sum())


def employee_marginal_loglik(
    posterior: xr.Dataset, family: str, data: dict, n_employees: int, n_nodes: int | None = None
) -> np.ndarray:
    """(chain, draw, employee) log-likelihood of each employee's cells, employee effect integrated out."""
    nodes = _nodes(N_NODES[family] if n_nodes is None else n_nodes)
    values, present = _integrate(posterior, family, data, nodes, _NO_EFFECT, unit="employee")
    out = np.zeros(values.shape[:2] + (n_employees,))  # an employee without cells has likelihood 1
    out[..., present] = values
    return out


ESTABLISHMENT_NODES = 11  # outer nodes over the establishment effect (sigma_establishment is small)
ESTABLISHMENT_DRAWS = 1000  # posterior draws used (evenly thinned): 11x the employee-level cost per draw


def thinned(posterior: xr.Dataset, max_draws: int = ESTABLISHMENT_DRAWS) -> xr.Dataset:
    """The posterior with at most ``max_draws`` draws in total, evenly spaced within each chain."""
    per_chain = max(1, max_draws // posterior.sizes["chain"])
    n_draw = posterior.sizes["draw"]
    if per_chain >= n_draw:
        return posterior
    return posterior.isel(draw=np.unique(np.linspace(0, n_draw - 1, per_chain).round().astype(int)))


def establishment_marginal_loglik(
    posterior: xr.Dataset,
    family: str,
    data: dict,
    n_nodes: int | None = None,
    n_establishment_nodes: int = ESTABLISHMENT_NODES,
) -> tuple[np.ndarray, np.ndarray]:
    """(chain, draw, establishment) log-likelihood of all cells of an establishment's employees.

    Both random effects are integrated out (nested Gauss-Hermite: the establishment
    effect outside, each employee's effect inside); sector and size class stay
    conditional. This is the likelihood of leaving out a whole establishment, the unit
    at which models that differ in establishment-level predictors (the employer's
    reports) must be compared. Returns the values and the indices of the
    establishments that have cells (the others have no likelihood to leave out).
    """
    nodes = _nodes(N_NODES[family] if n_nodes is None else n_nodes)
    return _integrate(posterior, family, data, nodes, _nodes(n_establishment_nodes), unit="establishment")
