"""Simulation-based calibration (SBC) of a model on the survey's own design.

Is the posterior right on average? Per replicate (Talts et al. 2018; Modrák et al.
2023): draw every parameter from the prior, draw the answers of the survey's
employees (the real design: establishments, roles, predictors, the same cells) from
the model with those parameters, fit the model to those answers, and record the rank
of the drawn value of every scalar quantity of interest among
:data:`RANKED_DRAWS` evenly thinned posterior draws. If the model and the sampler
are right, each rank is uniform on 0..RANKED_DRAWS.

Quantities: the findings' estimands of the model (what the report's sentences
say), the standard deviations (``sigma_total``, ``rho``, ``tau``, ``role_sd``, ``slope_spread``)
and the locations (``mu``, ``exposure_mean``, ``slope_mean``, ``beta``, ``cutpoints``, ``intercept``),
every element a quantity of its own.

Uniformity per quantity: the ranks become PIT values ``(rank + V) / (L + 1)`` with
``V`` uniform (seeded), tested with ArviZ's ``pot_c`` test (``arviz_stats``
``uniformity_test``), and their ECDF compared with the 95% simultaneous band of
``arviz_stats.ecdf_utils.ecdf_pit`` (Säilynoja et al. 2022), as the R ``SBC``
package and ``simuk`` do. The fits run through :mod:`thuiswerk.studies.many` (Dask); each
worker compiles the design once and swaps the answers in.

``thuiswerk sbc MODEL`` runs it; :data:`RESULT_FILE` (``data/sbc.csv``) holds the
ranks of the shipped run, which appendix B shows.
"""

from __future__ import annotations

import functools
import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pymc as pm
import xarray as xr

from thuiswerk.analysis import estimands, findings, wording
from thuiswerk.core import dims
from thuiswerk.core.resources import study_file
from thuiswerk.data import simulate
from thuiswerk.data.survey import Survey
from thuiswerk.modelling import builders, workflow
from thuiswerk.modelling import fit as fitting
from thuiswerk.modelling.fit import SamplerSettings
from thuiswerk.modelling.prepare import ModelInputs
from thuiswerk.modelling.specs import ModelSpec
from thuiswerk.studies import many

KIND = "sbc"
MODELS = ("awareness", "isolation", "complaints")  # one per family: the study appendix B shows
SETTINGS = SamplerSettings(chains=2, tune=500, draws=1000)  # ranks among every 20th draw
RANKED_DRAWS = 99  # ranks 0..99: 100 bins
RESULT_FILE = study_file("sbc.csv")  # the report reads it; `thuiswerk sbc` writes resources.study_output
COMMAND = "thuiswerk sbc"
SD_VARS = ("sigma_total", "rho", "tau", "role_sd", "slope_spread")
LOCATION_VARS = ("mu", "exposure_mean", "slope_mean", "beta", "cutpoints", "intercept")
BAND_PROB = 0.95
ALPHA = 0.05  # level of each uniformity test (before Bonferroni over the quantities of a model)
COLUMNS = ["model", "replicate", "quantity", "kind", "rank", "n_draws", "divergences", "max_rhat", "truth"]


# ------------------------------------------------------------------ quantities


def quantities(spec: ModelSpec, posterior: xr.Dataset, constant: xr.Dataset | None = None) -> dict[str, np.ndarray]:
    """Every scalar quantity of interest of ``spec`` as draws (flattened over chain and draw).

    ``constant``: the design as a stored fit keeps it (:func:`thuiswerk.modelling.fit.constant_data`),
    which the marginal findings average over (the share with a complaint over the design's employees).
    """
    groups = {"posterior": posterior} | ({"constant_data": constant} if constant is not None else {})
    tree = xr.DataTree.from_dict(groups)
    out = {
        e.id: np.asarray(findings.draws(e, tree), float).ravel() for e in estimands.ESTIMANDS if e.model == spec.name
    }
    for var in SD_VARS + LOCATION_VARS:
        if var not in posterior:
            continue
        da = posterior[var]
        other = [d for d in da.dims if d not in ("chain", "draw")]
        flat = da.stack(sample=("chain", "draw")).transpose(*other, "sample")
        if not other:
            out[var] = flat.to_numpy().ravel()
            continue
        for index in np.ndindex(*[da.sizes[d] for d in other]):
            labels = ",".join(str(da[d].values[i]) for d, i in zip(other, index))
            out[f"{var}[{labels}]"] = flat.to_numpy()[index]
    return out


def kind_of(quantity: str) -> str:
    base = quantity.split("[")[0]
    if base in SD_VARS:
        return "sd"
    if base in LOCATION_VARS:
        return "location"
    return "estimand"


# ------------------------------------------------------------------ one replicate (runs on a worker)


@dataclass(frozen=True)
class Payload:
    spec: ModelSpec
    inputs: ModelInputs
    settings: SamplerSettings
    design: str  # hash of spec and inputs: the compiled model's key on a worker


def _model(payload: Payload) -> tuple[pm.Model, Any]:
    model = builders.build(payload.spec, payload.inputs, swappable=True)
    return model, fitting.compile_swappable(model)


def thinned_index(n: int, keep: int = RANKED_DRAWS) -> np.ndarray:
    return np.linspace(0, n - 1, keep).round().astype(int)


def replicate(payload: Payload, task: int, seed: int) -> dict[str, Any]:
    """One SBC replicate: prior draw, answers from it, fit, ranks (a :mod:`thuiswerk.studies.many` task)."""
    import time

    from arviz_stats.base import array_stats

    logging.getLogger("pymc").setLevel(logging.WARNING)  # not "Sampling: [...]" for every replicate
    (model, compiled), compile_seconds = many.compiled(payload.design, lambda: _model(payload))
    prior_seed, sample_seed = fitting.child_seeds(seed, 2)
    with model:
        prior = pm.sample_prior_predictive(draws=1, random_seed=prior_seed)
    y = prior["prior_predictive"]["y"].values[0, 0]
    constant = fitting.constant_data(payload.inputs)
    truth = {k: float(v[0]) for k, v in quantities(payload.spec, prior["prior"].to_dataset(), constant).items()}
    started = time.perf_counter()
    trace = fitting.sample_compiled(compiled, y, payload.settings, sample_seed)
    sampling = time.perf_counter() - started
    posterior = trace["posterior"].to_dataset()
    drawn = quantities(payload.spec, posterior, constant)
    keep = thinned_index(posterior.sizes["chain"] * posterior.sizes["draw"])
    chains, n_draw = posterior.sizes["chain"], posterior.sizes["draw"]
    with np.errstate(all="ignore"):  # one chain: no R-hat (NaN)
        rhat = max(
            float(array_stats.rhat(v.reshape(chains, n_draw), chain_axis=0, draw_axis=1)) for v in drawn.values()
        )
    return {
        "replicate": task,
        "ranks": {q: int((v[keep] < truth[q]).sum()) for q, v in drawn.items()},
        "truth": truth,
        "n_draws": RANKED_DRAWS,
        "divergences": int(trace["sample_stats"]["diverging"].sum()),
        "max_rhat": round(rhat, 4) if np.isfinite(rhat) else None,  # None: one chain
        many.TIMING: {"compile_seconds": round(compile_seconds, 2), "sampling_seconds": round(sampling, 2)},
    }


# ------------------------------------------------------------------ the job


def design_inputs(spec: ModelSpec, survey: Survey, n_establishments: int | None, seed: int) -> ModelInputs:
    """The model's inputs on the survey's design, or on a simulated survey of ``n_establishments``.

    Only the design is used (who was asked what, with which predictors); every
    replicate draws its own answers.
    """
    n_survey = survey.establishments.shape[0]
    if n_establishments is None or n_establishments == n_survey:
        return workflow.inputs_for(spec, survey)
    simulated = simulate.simulate(n_establishments=n_establishments, seed=seed)
    return workflow.inputs_for(spec, Survey(simulated.establishments, simulated.employees))


def job(
    spec: ModelSpec, inputs: ModelInputs, replicates: int, seed: int, settings: SamplerSettings = SETTINGS
) -> many.Job:
    design = many.config_hash(spec.canonical(), workflow.inputs_hash(inputs))
    config = {
        "model": spec.canonical(),
        "inputs": workflow.inputs_hash(inputs),
        "settings": settings.canonical(),
        "ranked_draws": RANKED_DRAWS,
        "seed": seed,
    }
    return many.Job(
        kind=KIND,
        config=config,
        tasks=list(range(replicates)),
        func=replicate,
        payload=Payload(spec, inputs, settings, design),
        labels={"what": spec.name, "establishments": str(len(inputs.coords[dims.ESTABLISHMENT]))},
        stamp=many.stamp(spec, inputs),  # the design's inputs: a simulated design never matches a survey's fit
    )


def frame(spec: ModelSpec, records: list[dict[str, Any]]) -> pd.DataFrame:
    """Long table of ranks: one row per replicate and quantity (columns :data:`COLUMNS`)."""
    rows = [
        {
            "model": spec.name,
            "replicate": r["replicate"],
            "quantity": q,
            "kind": kind_of(q),
            "rank": rank,
            "n_draws": r["n_draws"],
            "divergences": r["divergences"],
            "max_rhat": r["max_rhat"],
            "truth": r["truth"][q],
        }
        for r in records
        for q, rank in r["ranks"].items()
    ]
    return pd.DataFrame(rows, columns=COLUMNS)


# ------------------------------------------------------------------ uniformity


def pit(ranks: np.ndarray, n_draws: int, rng: np.random.Generator) -> np.ndarray:
    """Continuous PIT values from ranks 0..n_draws: uniform on (0, 1) exactly when the ranks are."""
    ranks = np.asarray(ranks, float)
    return (ranks + rng.uniform(size=ranks.shape)) / (n_draws + 1)


def _quantity_rng(seed: int, model: str, quantity: str) -> np.random.Generator:
    return np.random.default_rng([seed, *map(ord, f"{model}|{quantity}"[:64])])


@functools.lru_cache(maxsize=8)
def _band(n: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Evaluation points and the simultaneous band of the ECDF of ``n`` uniform values (depends on ``n`` only)."""
    from arviz_stats.ecdf_utils import ecdf_pit

    x, _, lower, upper = ecdf_pit(np.linspace(0, 1, n), BAND_PROB, 1000, rng=np.random.default_rng(seed))
    return x, lower, upper


def _ecdfs(ranks: pd.DataFrame, seed: int):
    """Per model and quantity: its rows, PIT values, evaluation points, ECDF and the band."""
    for (model, quantity), group in ranks.groupby(["model", "quantity"], sort=False):
        values = pit(
            group["rank"].to_numpy(), int(group["n_draws"].iloc[0]), _quantity_rng(seed, str(model), str(quantity))
        )
        x, lower, upper = _band(len(values), seed)
        ecdf = np.searchsorted(np.sort(values), x, side="right") / len(values)
        yield model, quantity, group, values, x, ecdf, lower, upper


def uniformity(ranks: pd.DataFrame, seed: int) -> pd.DataFrame:
    """Per model and quantity: replicates, ``p_value`` of the uniformity test (pot_c), and
    whether the ECDF leaves the simultaneous 95% band (``outside_band``)."""
    from arviz_stats.base import array_stats

    rows = []
    for model, quantity, group, values, x, ecdf, lower, upper in _ecdfs(ranks, seed):
        rows.append(
            {
                "model": model,
                "quantity": quantity,
                "kind": group["kind"].iloc[0],
                "replicates": len(values),
                "p_value": float(array_stats.uniformity_test(values, method="pot_c")[0]),
                "outside_band": bool(((ecdf < lower - 1e-12) | (ecdf > upper + 1e-12)).any()),
                "max_ecdf_difference": float(np.abs(ecdf - x).max()),
            }
        )
    return pd.DataFrame(rows)


def ecdf_curves(ranks: pd.DataFrame, seed: int) -> pd.DataFrame:
    """ECDF minus the uniform CDF per model and quantity, with the simultaneous band (for the figure)."""
    out = [
        pd.DataFrame(
            {
                "model": model,
                "quantity": quantity,
                "x": x,
                "difference": ecdf - x,
                "lower": lower - x,
                "upper": upper - x,
            }
        )  # fmt: skip
        for model, quantity, _, _, x, ecdf, lower, upper in _ecdfs(ranks, seed)
    ]
    return pd.concat(out, ignore_index=True)


def summary(ranks: pd.DataFrame, seed: int) -> pd.DataFrame:
    """Per model: replicates, quantities, divergent replicates, tests below :data:`ALPHA` and below
    ALPHA / quantities (Bonferroni), ECDFs outside the band, the smallest p-value and its quantity."""
    tests = uniformity(ranks, seed)
    per_rep = ranks.drop_duplicates(["model", "replicate"])
    rows = []
    for model, group in tests.groupby("model", sort=False):
        reps = per_rep[per_rep["model"] == model]
        worst = group.iloc[int(np.argmin(group["p_value"].to_numpy()))]
        m = len(group)
        rows.append(
            {
                "model": model,
                "replicates": int(group["replicates"].max()),
                "quantities": m,
                "divergent_replicates": int((reps["divergences"] > 0).sum()),
                "rhat_above_1_01": int((reps["max_rhat"] > 1.01).sum()),
                "p_below_alpha": int((group["p_value"] < ALPHA).sum()),
                "p_below_bonferroni": int((group["p_value"] < ALPHA / m).sum()),
                "outside_band": int(group["outside_band"].sum()),
                "min_p_value": float(worst["p_value"]),
                "worst_quantity": str(worst["quantity"]),
            }
        )
    return pd.DataFrame(rows)


# ------------------------------------------------------------------ the shipped file


def write(ranks: pd.DataFrame, path: Path, meta: dict[str, Any]) -> Path:
    """Merge ``ranks`` into the CSV at ``path`` (other models' rows kept), provenance per model in the header."""
    return many.merge_csv(ranks, path, COLUMNS, meta)


def read(path: Path = RESULT_FILE) -> tuple[pd.DataFrame, dict[str, str]]:
    """The ranks and the per-model provenance of a file written by :func:`write`."""
    return many.read_csv(path)


def for_report(ctx: Any, path: Path | None = None) -> tuple[pd.DataFrame | None, dict[str, str]]:
    """The ranks of the models whose calibration belongs to the report's survey and models (None: none),
    and for every other model of the file that the report has, the command that runs it on these data.

    ``ctx`` is the report's context (``specs``, ``provenance``, ``data_dir``, ``fits_dir``, ``seed``).
    """
    ranks, meta = read(path or RESULT_FILE)
    shown, other = many.belonging(ranks, meta, many.current(ctx.specs, ctx.provenance))
    run = many.report_run(ctx, fits=False)  # `thuiswerk sbc` reads no fits
    commands: dict[str, str] = {}
    for model in other:
        if model in ctx.specs:
            replicates = json.loads(meta.get(model) or "{}").get("replicates")
            commands[model] = run.command(KIND, model, *(["--replicates", str(replicates)] if replicates else []))
    return shown, commands


# ------------------------------------------------------------------ Dutch (appendix B)


def quantity_nl(quantity: str) -> str:
    """The Dutch name of a quantity: a finding by what it is about, a parameter by its glossary name."""
    from thuiswerk.core import nl
    from thuiswerk.modelling import prepare

    if quantity in estimands.BY_ID:
        e = estimands.BY_ID[quantity]
        who = wording.ROLE_NL[e.role]
        if e.kind == "slope":
            return f"{nl.capitalize_first(e.subject)} en {e.relation} ({who})"
        if e.exposure in nl.PARAMETER_NL:
            return f"{nl.capitalize_first(nl.parameter_nl(e.exposure))} ({who})"
        return f"Niet bekend terwijl genoemd: {nl.measure_label(e.exposure)} ({who})"
    return prepare.parameter_name(quantity)


def table_nl(table: pd.DataFrame) -> pd.DataFrame:
    """:func:`summary` for the report: one row per model."""
    from thuiswerk.core import nl

    return pd.DataFrame(
        {
            "Model": [nl.model_nl(m) for m in table["model"]],
            "Replicaties": [nl.number(v, 0) for v in table["replicates"]],
            "Grootheden": [nl.number(v, 0) for v in table["quantities"]],
            "Met divergenties": [nl.number(v, 0) for v in table["divergent_replicates"]],
            f"p < {nl.number(ALPHA, 2)}": [nl.number(v, 0) for v in table["p_below_alpha"]],
            "Na Bonferroni": [nl.number(v, 0) for v in table["p_below_bonferroni"]],
            "Buiten de band": [nl.number(v, 0) for v in table["outside_band"]],
            "Kleinste p (grootheid)": [
                f"{nl.number(p, 3)} ({quantity_nl(q)})" for p, q in zip(table["min_p_value"], table["worst_quantity"])
            ],
        }
    )


def sentence(table: pd.DataFrame) -> str:
    """What the calibration study says, from :func:`summary`."""
    from thuiswerk.core import nl

    quantities = int(table["quantities"].sum())
    outside = int(table["outside_band"].sum())
    below = int(table["p_below_alpha"].sum())
    bonferroni = int(table["p_below_bonferroni"].sum())
    expected = nl.number(ALPHA * quantities, 0)
    text = (
        f"Van de {nl.number(quantities, 0)} grootheden van {nl.models_nl(table['model'])} "
        f"{nl.verb(below, 'heeft', 'hebben')} er {nl.number(below, 0)} een p-waarde onder {nl.number(ALPHA, 2)} "
        f"(bij goede kalibratie verwacht je er door toeval ongeveer {expected}) en "
        f"{nl.verb(outside, 'verlaat', 'verlaten')} {nl.number(outside, 0)} de simultane band. "
    )
    if bonferroni == 0:
        return text + (
            "Na correctie voor het aantal toetsen per model (Bonferroni) wijst geen toets op een model "
            "dat zijn onzekerheid stelselmatig te klein of te groot schat of een parameter scheef schat."
        )
    worst = table[table["p_below_bonferroni"] > 0]
    names = nl.join_words(f"{quantity_nl(q)} ({nl.model_nl(m, mid_sentence=True)})"
                          for m, q in zip(worst["model"], worst["worst_quantity"]))  # fmt: skip
    return text + (
        f"Ook na correctie voor het aantal toetsen (Bonferroni) {nl.verb(bonferroni, 'wijkt', 'wijken')} "
        f"{nl.number(bonferroni, 0)} af, het sterkst {names}: die posterior is daar niet betrouwbaar gekalibreerd."
    )
