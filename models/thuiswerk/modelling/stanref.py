"""Stan reference implementations of the three model families (PyStan 3).

The ``.stan`` programs in ``thuiswerk/modelling/stan/`` are written independently of the
PyMC builders (:mod:`thuiswerk.modelling.builders`) to be the same likelihood and priors.
They serve two purposes: the benchmark (:mod:`thuiswerk.studies.bench`) times Stan on
the same data and seeds as the PyMC samplers, and the slow-tier agreement test
checks that both give the same posterior means within Monte Carlo error, an
independent check that the PyMC model is the model we think it is.

Priors are passed as data, so one compiled program serves every model of a
family and a prior change needs no recompilation (httpstan caches compiled
programs on disk). Draws come back with the PyMC model's variable names, dims
and coords, so every comparison is by name.

Needs the ``bench`` extra: ``pip install -e ".[bench]"``.
"""

from __future__ import annotations

import time
from importlib import resources
from typing import Any

import numpy as np
import pandas as pd
import pymc as pm
import xarray as xr

from thuiswerk.modelling.builders import shared_roles
from thuiswerk.modelling.prepare import ModelInputs
from thuiswerk.modelling.specs import ModelSpec

INSTALL_HINT = 'PyStan is not installed; install the benchmark extra: .venv/bin/pip install -e ".[bench]"'

# Stan's sampler statistics under PyMC's names.
_STATS = {
    "divergent__": "diverging",
    "n_leapfrog__": "n_steps",
    "energy__": "energy",
    "stepsize__": "step_size",
    "treedepth__": "tree_depth",
    "accept_stat__": "acceptance_rate",
    "lp__": "lp",
}


def program(family: str) -> str:
    """The Stan program of a model family."""
    return resources.files("thuiswerk.modelling").joinpath("stan", f"{family}.stan").read_text(encoding="utf-8")


def _one_based(a: np.ndarray) -> list[int]:
    return (np.asarray(a, dtype=np.int64) + 1).tolist()


def stan_data(spec: ModelSpec, inputs: ModelInputs) -> dict[str, Any]:
    """Inputs and priors in the form the family's Stan program declares."""
    d, c, p = inputs.data, inputs.coords, spec.priors
    common = {
        "N": int(inputs.n_obs),
        "N_emp": len(c["employee"]),
        "N_est": len(c["establishment"]),
        "N_sector": len(c["sector"]),
        "N_size": len(c["size_class"]),
        "employee": _one_based(d["employee"]),
        "est_of_emp": _one_based(d["est_of_emp"]),
        "sector_of_est": _one_based(d["sector_of_est"]),
        "size_of_est": _one_based(d["size_of_est"]),
        "sigma_total_sd": p["sigma_total"],
        "rho_alpha": p["rho_alpha"],
        "rho_beta": p["rho_beta"],
        "group_sd": p["group_sd"],
    }
    if spec.family == "awareness":
        return common | {
            "N_measure": len(c["measure"]),
            "y": d["y"].astype(int).tolist(),
            "measure": _one_based(d["measure"]),
            "role": _one_based(d["role"]),
            "reported": _one_based(d["reported"]),
            "mu_sd": p["mu_sd"],
            "tau_sd": p["tau_sd"],
        }
    # Adjustment covariates (one slope each) and exposure terms (a slope per item,
    # partially pooled around the term's mean with a spread per exposure; the terms' means
    # around the exposure's, where it has both roles).
    design = {
        "P": int(d["X"].shape[1]),
        "X": np.asarray(d["X"], dtype=float),
        "T": int(d["Z"].shape[1]),
        "E": len(c["exposure"]),
        "Z": np.asarray(d["Z"], dtype=float),
        "term_exposure": _one_based(d["term_exposure"]),
        "beta_sd": p["beta_sd"],
        "slope_sd": p["slope_sd"],
        "role_scale": p["role_scale"],
        "role_log_sd": p["role_log_sd"],
        "item_scale": p["item_scale"],
        "item_log_sd": p["item_log_sd"],
        "shared": shared_roles(d["term_exposure"]),
    }
    if spec.family == "ordinal":
        return (
            common
            | design
            | {
                "N_aspect": len(c["aspect"]),
                "K": len(c["cut"]) + 1,
                "y": _one_based(d["y"]),  # categories 0..K-1 -> 1..K
                "aspect": _one_based(d["aspect"]),
                "cut_first_mu": p["cut_first_mu"],
                "cut_first_sd": p["cut_first_sd"],
                "gap_log_mu": p["gap_log_mu"],
                "gap_log_sd": p["gap_log_sd"],
            }
        )
    return (
        common
        | design
        | {
            "N_region": len(c["region"]),
            "y": d["y"].astype(int).tolist(),
            "region": _one_based(d["region"]),
            "role_of_emp": _one_based(d["role_of_emp"]),
            "intercept_mu": p["intercept_mu"],
            "intercept_sd": p["intercept_sd"],
        }
    )


def _pystan():
    try:
        import stan
    except ImportError as exc:  # pragma: no cover - depends on the installed extras
        raise ImportError(INSTALL_HINT) from exc
    return stan


def sample(
    spec: ModelSpec,
    inputs: ModelInputs,
    *,
    chains: int,
    tune: int,
    draws: int,
    seed: int,
    target_accept: float = 0.9,
    model: pm.Model | None = None,
) -> tuple[xr.DataTree, dict[str, float]]:
    """Compile (or take from httpstan's cache) and sample; returns the draws and the timings.

    ``model`` is the PyMC model of the same spec and inputs: its variable names,
    dims and coords label Stan's draws.
    """
    stan = _pystan()
    from thuiswerk.modelling import builders

    model = model if model is not None else builders.build(spec, inputs)
    started = time.perf_counter()
    posterior = stan.build(program(spec.family), data=stan_data(spec, inputs), random_seed=int(seed))
    compiled = time.perf_counter()
    fit = posterior.sample(num_chains=chains, num_warmup=tune, num_samples=draws, delta=target_accept)
    sampled = time.perf_counter()
    tree = xr.DataTree.from_dict(
        {"posterior": _posterior(fit, model, chains, draws), "sample_stats": _sample_stats(fit, chains, draws)}
    )
    return tree, {"setup_seconds": compiled - started, "sampling_seconds": sampled - compiled}


def _chain_draw(values: np.ndarray, chains: int, draws: int) -> np.ndarray:
    """PyStan's last axis interleaves chains (draw-major); make it leading (chain, draw)."""
    shape = values.shape[:-1]
    out = values.reshape(*shape, draws, chains)
    return np.moveaxis(out, (-1, -2), (0, 1))


def _posterior(fit, model: pm.Model, chains: int, draws: int) -> xr.Dataset:
    data_vars = {}
    for name in fit.param_names:
        if name not in model.named_vars:
            continue
        dims = tuple(model.named_vars_to_dims.get(name, ()))
        shape = tuple(len(model.coords[d]) for d in dims)
        values = _chain_draw(np.asarray(fit[name]), chains, draws).reshape(chains, draws, *shape)
        data_vars[name] = (("chain", "draw", *dims), values)
    coords = {d: list(v) for d, v in model.coords.items() if any(d in dv[0] for dv in data_vars.values())}
    return xr.Dataset(data_vars, coords=coords | {"chain": np.arange(chains), "draw": np.arange(draws)})


def _sample_stats(fit, chains: int, draws: int) -> xr.Dataset:
    data_vars = {}
    for stan_name, name in _STATS.items():
        values = _chain_draw(np.asarray(fit[stan_name]).reshape(-1), chains, draws)
        if name == "diverging":
            values = values.astype(bool)
        data_vars[name] = (("chain", "draw"), values)
    return xr.Dataset(data_vars, coords={"chain": np.arange(chains), "draw": np.arange(draws)})


def agreement(a: xr.DataTree, b: xr.DataTree, var_names: list[str]) -> pd.DataFrame:
    """Per parameter element: both posterior means, their Monte Carlo SEs and the z-score of the difference.

    Two correct samplers of the same posterior differ in each mean by Monte Carlo
    error only, so z = (mean_a - mean_b) / sqrt(mcse_a^2 + mcse_b^2) is about
    standard normal. ``critical_z`` gives the Bonferroni bound for all elements.
    """
    import arviz as az

    def _as_dataset(x):
        return x.to_dataset() if hasattr(x, "to_dataset") else x

    pa, pb = (t["posterior"].to_dataset()[var_names] for t in (a, b))
    ma, mb = pa.mean(("chain", "draw")), pb.mean(("chain", "draw"))
    sa, sb = (_as_dataset(az.mcse(p, method="mean")) for p in (pa, pb))
    rows = []
    for name in var_names:
        labels = _element_labels(ma[name])
        for label, va, vb, ea, eb in zip(
            labels, *(np.atleast_1d(x[name].values).ravel() for x in (ma, mb, sa, sb)), strict=True
        ):
            rows.append({"parameter": f"{name}{label}", "mean_a": va, "mean_b": vb, "mcse_a": ea, "mcse_b": eb})
    frame = pd.DataFrame(rows).set_index("parameter")
    frame["z"] = (frame["mean_a"] - frame["mean_b"]) / np.hypot(frame["mcse_a"], frame["mcse_b"])
    return frame


def critical_z(n_elements: int, alpha: float = 0.01) -> float:
    """Two-sided Bonferroni critical value for ``n_elements`` simultaneous z-tests."""
    from scipy.stats import norm

    return float(norm.ppf(1.0 - alpha / (2.0 * n_elements)))


def _element_labels(da: xr.DataArray) -> list[str]:
    if da.ndim == 0:
        return [""]
    grids = np.meshgrid(*(da[d].values for d in da.dims), indexing="ij")
    return ["[" + ", ".join(str(g.ravel()[i]) for g in grids) + "]" for i in range(da.size)]
