"""The only place that samples.

:func:`fit` builds the model from a spec and prepared inputs, draws the prior
predictive, samples the posterior (nutpie by default, PyMC's NUTS on request),
computes the pointwise log-likelihood and draws the posterior predictive. Every
random step gets its own seed derived from the one seed passed in, so the same
inputs give the same fit. Which log-likelihood is in which group is documented
in :mod:`thuiswerk.modelling.store`. :func:`expected_bytes` estimates the size of the
stored fit before sampling, for the fits folder's room check.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pymc as pm
import pytensor
import xarray as xr

from thuiswerk.core import dims
from thuiswerk.modelling import builders, loglik, store
from thuiswerk.modelling.prepare import ModelInputs
from thuiswerk.modelling.specs import ModelSpec

# Bit-for-bit reproducibility: with numba's fastmath the draws of a first (cold-cache)
# compile differ from those of later runs with the same seed. Measured cost: sampling
# about 1.5x slower on the workload model; worth it for "same inputs, same fits".
pytensor.config.numba__fastmath = False


def generated_src_dir() -> Path:
    """Where PyTensor keeps the Python source it generates for compiled functions: the user cache.

    By default PyTensor writes the source of each function it generates for numba
    to a new file in the system temporary folder and never removes it (measured:
    85 files per ``fit isolation`` with nutpie, 93 with ``--sampler pymc``). Under
    ``generated_src_dir`` it names them by their content, so a later fit reuses
    them (the same fit again adds none), and removes those unused for weeks.
    ``$XDG_CACHE_HOME/thuiswerk/pytensor-src`` (default ``~/.cache/thuiswerk/pytensor-src``);
    the draws do not depend on it (the same seed gave identical fits with either).
    """
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return cache / "thuiswerk" / "pytensor-src"


def use_generated_src_dir() -> str:
    """Point PyTensor's generated source at :func:`generated_src_dir` unless the user set a folder
    (``PYTENSOR_FLAGS=generated_src_dir=...``); the folder in use ("" is the system temporary folder,
    kept when the cache folder cannot be created)."""
    if not pytensor.config.generated_src_dir:
        try:
            folder = generated_src_dir()
            folder.mkdir(parents=True, exist_ok=True)
        except (OSError, RuntimeError):  # RuntimeError: no home folder
            return ""
        if os.access(folder, os.W_OK | os.X_OK):
            pytensor.config.generated_src_dir = str(folder)
    return str(pytensor.config.generated_src_dir)


use_generated_src_dir()

# Version of what fit() stores; part of every spec hash, so a change of the stored
# groups makes old fits stale instead of silently reusing them. (A change to how
# prepare.py builds a model's inputs needs no bump: the fit's data_hash is the hash of
# those inputs, workflow.inputs_hash.)
# 8: home-office share per 50 percentage points; 9: per-cell log-likelihood in its own
# group; 10: data_hash of the model's inputs instead of the whole survey; 11: per-cell log-likelihood and
# log prior summed per draw (all that power-scaling uses)
FIT_FORMAT = 11

Sampler = Literal["nutpie", "pymc", "numpyro", "nutpie-jax"]
# nutpie (numba) is the default; PyMC's own NUTS needs nothing more; numpyro and
# nutpie with the JAX backend need the ``bench`` extra (jax, numpyro).
SAMPLERS: tuple[str, ...] = ("nutpie", "pymc", "numpyro", "nutpie-jax")
JAX_HINT = 'needs JAX; install the benchmark extra: .venv/bin/pip install -e ".[bench]"'


@dataclass(frozen=True)
class SamplerSettings:
    """Sampler settings; part of the spec hash of every stored fit."""

    sampler: Sampler = "nutpie"
    chains: int = 4
    tune: int = 1000
    draws: int = 2000  # per chain: isolation (two items per employee) needs it for bulk ESS >= 400
    target_accept: float = 0.9
    prior_draws: int = 500

    def __post_init__(self) -> None:
        if self.sampler not in SAMPLERS:
            raise ValueError(f"sampler must be one of {SAMPLERS}, not {self.sampler!r}")
        if min(self.chains, self.tune, self.draws, self.prior_draws) < 1:
            raise ValueError("chains, tune, draws and prior_draws must be positive")
        if not 0.5 <= self.target_accept < 1.0:
            raise ValueError("target_accept must be in [0.5, 1)")

    def canonical(self) -> dict[str, Any]:
        return asdict(self) | {"fit_format": FIT_FORMAT}


def child_seeds(seed: int, n: int = 3) -> list[int]:
    """Independent 32-bit seeds for the prior, the posterior and the posterior predictive."""
    return [int(s.generate_state(1)[0]) for s in np.random.SeedSequence(seed).spawn(n)]


def fit(
    spec: ModelSpec,
    inputs: ModelInputs,
    settings: SamplerSettings,
    seed: int,
    progress: bool = True,
) -> xr.DataTree:
    """Sample one model; returns a DataTree with prior, posterior, predictive and log-likelihood groups.

    ``log_likelihood`` holds only ``y_by_employee`` (so ``az.loo(tree)`` needs no
    ``var_name``); the cell ``y``, summed over the cells per draw, is in ``log_likelihood_cell`` and the
    per-establishment ``y`` in ``log_likelihood_establishment`` (see :mod:`thuiswerk.modelling.store`).
    """
    prior_seed, sample_seed, ppc_seed = child_seeds(seed)
    model = builders.build(spec, inputs)
    started = time.perf_counter()
    with model:
        prior = pm.sample_prior_predictive(draws=settings.prior_draws, random_seed=prior_seed)
        trace, _ = sample_posterior(model, settings, sample_seed, progress=progress)
        pm.stats.compute_log_prior(trace, progressbar=False)  # for power-scaling prior sensitivity
        _add_employee_loglik(trace, inputs, spec.family)
        _add_cell_loglik_sum(trace, inputs, spec.family)
        if spec.family != "awareness":
            _add_establishment_loglik(trace, inputs, spec.family)
        pm.sample_posterior_predictive(trace, random_seed=ppc_seed, extend_inferencedata=True, progressbar=False)
    trace["constant_data"] = xr.DataTree(constant_data(inputs))
    trace.update(prior)
    _compact(trace)
    trace.attrs["wall_seconds"] = round(time.perf_counter() - started, 2)
    return trace


def _compact(trace: xr.DataTree) -> None:
    """Store predictive draws of ``y`` as int8 (categories 0..K-1) and the log prior of each
    variable as its sum over the variable's elements.

    Power-scaling sensitivity (``az.psense_summary``) sums the log prior over all
    elements of the chosen variables, per draw, before it uses it (and the cell
    log-likelihood over the cells: :func:`_add_cell_loglik_sum`), so the sensitivity is
    unchanged. Measured on the default fits, FIT_FORMAT 10 against 11: the elementwise
    log prior was 35-42 MB and the per-cell log-likelihood 60-185 MB (float32) of files
    of 187 (workload) and 355 MB (awareness), now 88 and 128 MB.
    """
    for group in ("posterior_predictive", "prior_predictive"):
        ds = trace[group].to_dataset()
        ds["y"] = ds["y"].astype(np.int8)
        trace[group] = xr.DataTree(ds)
    prior = _sum_per_draw(trace["log_prior"].to_dataset())
    prior.attrs["description"] = "log prior density of each variable, summed over its elements (power-scaling)"
    trace["log_prior"] = xr.DataTree(prior)


def _sum_per_draw(ds: xr.Dataset) -> xr.Dataset:
    """Each variable summed over every dimension but chain and draw; coordinates of the others dropped."""
    summed = {
        name: da.sum(dim=[d for d in da.dims if d not in ("chain", "draw")]).astype(np.float64)
        for name, da in ds.data_vars.items()
    }
    return xr.Dataset(summed, coords={c: ds[c] for c in ("chain", "draw") if c in ds.coords})


def expected_bytes(spec: ModelSpec, inputs: ModelInputs, settings: SamplerSettings) -> int:
    """About the size in bytes of the stored fit of ``spec`` on ``inputs``, before sampling.

    Counted from the built model (no sampling, no compiling): per posterior draw,
    every parameter and deterministic (posterior, 8 bytes), each free variable's
    summed log prior and the summed cell log-likelihood (8), each observed cell's
    predictive draw (1), the per-employee and per-establishment log-likelihoods (8
    each) and the sampler statistics; per prior draw, the parameters and a predictive
    draw; plus the data (constant and observed) and netCDF's own overhead.
    :func:`thuiswerk.modelling.store.room_needed` adds the margin.
    """
    model = builders.build(spec, inputs)
    free = sum(_n_values(model, v) for v in model.free_RVs)
    params = free + sum(_n_values(model, v) for v in model.deterministics)
    cells = sum(_n_values(model, v) for v in model.observed_RVs)
    n_emp = len(inputs.coords[dims.EMPLOYEE])
    n_est = len(inputs.coords[dims.ESTABLISHMENT])
    per_draw = 8 * params + 8 * (len(model.free_RVs) + 1) + cells + 8 * n_emp + 8 * n_est + 256
    per_prior_draw = 8 * params + cells
    data = sum(np.asarray(v).nbytes for v in inputs.data.values())
    overhead = 2**20 + 4096 * (len(model.named_vars) + 16)  # netCDF headers, per variable and group
    return settings.chains * settings.draws * per_draw + settings.prior_draws * per_prior_draw + 2 * data + overhead


def _n_values(model: pm.Model, var: Any) -> int:
    """Number of values of one model variable per draw: from its dims, else its shape."""
    names = model.named_vars_to_dims.get(var.name)
    if names and all(model.coords.get(d) is not None for d in names):
        return int(np.prod([len(model.coords[d]) for d in names]))
    if all(n is not None for n in var.type.shape):
        return int(np.prod(var.type.shape))
    return int(np.prod(var.shape.eval()))


def sample_posterior(
    model: pm.Model, settings: SamplerSettings, seed: int, progress: bool = False
) -> tuple[xr.DataTree, dict[str, float]]:
    """NUTS on ``model`` with the chosen sampler; returns the trace and its timings.

    ``setup_seconds`` is compilation and initialisation, ``sampling_seconds`` the
    sampler's own timing of warm-up plus draws (for numpyro it includes JAX's
    just-in-time compilation, which happens on the first draw).
    """
    kwargs: dict[str, Any] = {"nuts": {"target_accept": settings.target_accept}}
    missing = missing_modules(settings.sampler)
    if missing:
        raise ImportError(f"{', '.join(missing)} not installed: sampler {settings.sampler} {JAX_HINT}")
    # nutpie's mass matrix from the draws' variances (`use_grad_based_mass_matrix=False`,
    # as Stan does) raised min bulk ESS at 4 x 1000 draws (isolation 295 -> 515, workload
    # 414 -> 490, awareness 917 -> 1074), but with the default seed and 2000 draws it left
    # isolation's sigma_total at R-hat 1.011, over the policy's 1.01; the gradient-based
    # default (R-hat 1.006) stays until that is understood.
    if settings.sampler == "nutpie-jax":
        kwargs |= {"nuts_sampler": "nutpie", "compile_kwargs": {"backend": "jax", "gradient_backend": "jax"}}
    else:
        kwargs["nuts_sampler"] = settings.sampler
    started = time.perf_counter()
    with model:
        trace = pm.sample(
            draws=settings.draws,
            tune=settings.tune,
            chains=settings.chains,
            cores=min(settings.chains, os.cpu_count() or 1),
            random_seed=seed,
            progressbar=progress,
            compute_convergence_checks=False,
            **kwargs,
        )
    total = time.perf_counter() - started
    attrs = trace["posterior"].attrs | trace["sample_stats"].attrs
    sampling = float(attrs.get("sampling_time", total))
    return trace, {"setup_seconds": total - sampling, "sampling_seconds": sampling}


def missing_modules(sampler: str) -> list[str]:
    """The Python modules ``sampler`` needs that are not installed."""
    import importlib.util

    needs = {"numpyro": ["jax", "numpyro"], "nutpie-jax": ["jax"]}.get(sampler, [])
    return [m for m in needs if importlib.util.find_spec(m) is None]


def _add_employee_loglik(trace: xr.DataTree, inputs: ModelInputs, family: str) -> None:
    """Add ``y_by_employee``: each employee's log-likelihood with the employee effect integrated out.

    LOO then leaves out a whole employee (all items or measures at once), the unit at
    which models are compared; see :mod:`thuiswerk.modelling.loglik` for why marginal, not conditional.
    """
    n_emp = len(inputs.coords[dims.EMPLOYEE])
    posterior = trace["posterior"].to_dataset()
    values = loglik.employee_marginal_loglik(posterior, family, inputs.data, n_emp)
    da = xr.DataArray(
        values,
        dims=("chain", "draw", dims.EMPLOYEE),
        coords={"chain": posterior["chain"], "draw": posterior["draw"], dims.EMPLOYEE: inputs.coords[dims.EMPLOYEE]},
        attrs={"description": "log p(y_i | theta), employee intercept integrated out (Gauss-Hermite)"},
    )
    trace[store.LOGLIK_GROUP] = xr.DataTree(xr.Dataset({store.EMPLOYEE_LOGLIK: da}))


def _add_cell_loglik_sum(trace: xr.DataTree, inputs: ModelInputs, family: str) -> None:
    """Add the group ``log_likelihood_cell``: ``y`` (chain, draw), the sum over the cells of
    log p(y_c | theta), each conditional on every effect.

    All that power-scaling sensitivity uses of the cell likelihood (ArviZ sums it over
    the cells itself); computed by :func:`thuiswerk.modelling.loglik.conditional_loglik_sum`
    without the (draw x cell) array that PyMC's pointwise log-likelihood is.
    """
    posterior = trace["posterior"].to_dataset()
    total = loglik.conditional_loglik_sum(posterior, family, inputs.data)
    trace[store.CELL_LOGLIK_GROUP] = xr.DataTree(
        xr.Dataset(
            {"y": (("chain", "draw"), total)},
            coords={"chain": posterior["chain"], "draw": posterior["draw"]},
            attrs={"description": "sum over the cells of log p(y_c | theta), each conditional on every effect"},
        )
    )


ESTABLISHMENT_GROUP = store.ESTABLISHMENT_LOGLIK_GROUP


def _add_establishment_loglik(trace: xr.DataTree, inputs: ModelInputs, family: str) -> None:
    """Add the group ``log_likelihood_establishment``: ``y`` per establishment, both effects integrated.

    The unit for comparing models that differ in establishment-level predictors (the
    employer's reports): PSIS-LOO then leaves out a whole establishment. Computed on an
    evenly thinned subset of the draws (:data:`thuiswerk.modelling.loglik.ESTABLISHMENT_DRAWS`),
    which keeps the nested quadrature affordable; the draw coordinates say which.
    """
    posterior = loglik.thinned(trace["posterior"].to_dataset())
    values, index = loglik.establishment_marginal_loglik(posterior, family, inputs.data)
    ids = [inputs.coords[dims.ESTABLISHMENT][i] for i in index]
    trace[ESTABLISHMENT_GROUP] = xr.DataTree(
        xr.Dataset(
            {"y": (("chain", "draw", dims.ESTABLISHMENT), values)},
            coords={"chain": posterior["chain"], "draw": posterior["draw"], dims.ESTABLISHMENT: ids},
            attrs={
                "description": "log p(y_v | theta): all cells of establishment v, establishment and employee "
                "effects integrated out (nested Gauss-Hermite), on thinned draws"
            },
        )
    )


def constant_data(inputs: ModelInputs) -> xr.Dataset:
    """The index arrays and design matrix, labelled, so a stored fit explains its own cells."""
    d, c = inputs.data, inputs.coords
    per_obs = {k: v for k, v in d.items() if np.ndim(v) == 1 and len(v) == inputs.n_obs}
    data_vars: dict[str, tuple[tuple[str, ...], np.ndarray]] = {
        f"{k}_of_obs": ((dims.OBS,), v) for k, v in per_obs.items() if k != "y"
    }
    if "X" in d:
        data_vars["X"] = ((dims.EMPLOYEE, dims.PREDICTOR), d["X"])
    if "Z" in d:
        data_vars["Z"] = ((dims.EMPLOYEE, dims.TERM), d["Z"])
    if "reported_share" in d:
        data_vars["reported_share"] = ((dims.MEASURE, dims.ROLE), d["reported_share"])
    for key, dim in (("est_of_emp", dims.EMPLOYEE), ("role_of_emp", dims.EMPLOYEE)):
        if key in d:
            data_vars[key] = ((dim,), d[key])
    for key, dim in (("sector_of_est", dims.ESTABLISHMENT), ("size_of_est", dims.ESTABLISHMENT)):
        data_vars[key] = ((dim,), d[key])
    keep = {dims.OBS, dims.EMPLOYEE, dims.PREDICTOR, dims.TERM, dims.ESTABLISHMENT, dims.MEASURE, dims.ROLE}
    coords = {k: v for k, v in c.items() if k in keep}
    return xr.Dataset(data_vars, coords=coords)


# ------------------------------------------------------------- many fits of one design


def compile_swappable(model: pm.Model) -> Any:
    """Compile ``model`` (built with ``swappable=True``) once for nutpie; see :func:`sample_compiled`.

    Compilation (10-20 s on the default survey) dominates a short fit (2-5 s of
    sampling), so the many-fit workflows compile each design once per worker and
    swap the answers in (:data:`thuiswerk.modelling.builders.OBSERVED`).
    """
    import nutpie

    return nutpie.compile_pymc_model(model)


def sample_compiled(compiled: Any, y: np.ndarray, settings: SamplerSettings, seed: int) -> xr.DataTree:
    """NUTS (nutpie) on a compiled model given the answers ``y``, on one core.

    One core because these fits run side by side, one per worker; the chains run
    one after the other. The same compiled model, answers and seed give the same draws.
    """
    import nutpie

    from thuiswerk.modelling.builders import OBSERVED

    return nutpie.sample(
        compiled.with_data(**{OBSERVED: y}),
        draws=settings.draws,
        tune=settings.tune,
        chains=settings.chains,
        cores=1,
        seed=seed,
        save_warmup=False,
        progress_bar=False,
        target_accept=settings.target_accept,
    )


# ------------------------------------------------------------- the population model

# 4 x 1000 draws left R-hat of a cell-level SD at 1.011-1.013 (bulk ESS > 700) with two seeds; 4 x 2000 passes.
STRATA_SETTINGS = SamplerSettings(draws=2000, tune=1000, target_accept=0.95, prior_draws=200)
STRATA_KEEP = ("p", "sd_cell")  # what the findings read, and the pooling scale of the cells


def fit_strata(inputs: Any, settings: SamplerSettings, seed: int, progress: bool = True) -> xr.DataTree:
    """Sample the population model (:func:`thuiswerk.modelling.builders.build_strata`) of :func:`thuiswerk.modelling.strata.strata_inputs`.

    The convergence verdict (:func:`thuiswerk.modelling.diagnostics.diagnose`) is taken over every
    parameter and stored in the attribute ``diagnostics``; then only :data:`STRATA_KEEP`
    is kept, as float32 (the standardised effects ``z_*`` would triple the file).
    """
    from thuiswerk.modelling import diagnostics

    prior_seed, sample_seed, _ = child_seeds(seed)
    model = builders.build_strata(inputs)
    started = time.perf_counter()
    with model:
        prior = pm.sample_prior_predictive(draws=settings.prior_draws, random_seed=prior_seed, var_names=["p", "y"])
        trace, _ = sample_posterior(model, settings, sample_seed, progress=progress)
    verdict = diagnostics.diagnose(trace)
    posterior = trace["posterior"].to_dataset()[list(STRATA_KEEP)].astype(np.float32)
    trace["posterior"] = xr.DataTree(posterior)
    prior_ds = prior["prior"].to_dataset()[["p"]].astype(np.float32)
    trace["prior"] = xr.DataTree(prior_ds)
    trace["prior_predictive"] = xr.DataTree(prior["prior_predictive"].to_dataset().astype(np.int32))
    trace["constant_data"] = xr.DataTree(
        xr.Dataset(
            {"trials": (("indicator", "cell"), inputs.trials)},
            coords={k: inputs.coords[k] for k in ("indicator", "cell")},
        )
    )
    trace.attrs["diagnostics"] = json.dumps(verdict, sort_keys=True)
    trace.attrs["wall_seconds"] = round(time.perf_counter() - started, 2)
    return trace
