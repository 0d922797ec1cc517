"""The design of the next survey, and the evidence rule on surveys without any effect.

**Design analysis.** How many establishments must the next wave visit so that a
finding is *duidelijk* (posterior probability of the expected direction at least
0.975) with, say, 80% probability? For each size N: a survey design of N
establishments is simulated once (the synthetic generator's design: sectors, size
classes, roles, predictors, questionnaire response), and each replicate draws the
model's population-level parameters from the current posterior (all but the
establishments' and employees' own effects, which are drawn anew for the new
establishments), optionally sets the finding to a stated effect (``effect``, on the
finding's log-odds scale), draws the answers, fits the model and words the finding by
the one evidence rule. Per N: the probability of *duidelijk* (with its Monte Carlo
error) and the expected width of the 90% interval. Each worker compiles each design
once and swaps the answers in.

**Null calibration.** The same machinery runs the check that the evidence rule says
*duidelijk* rarely when nothing is there: surveys simulated with every planted
exposure effect zero (:func:`thuiswerk.data.generator.null_slopes`), each fitted with the
knowledge and employer models (``tests/analysis/test_null_calibration.py``, slow tier).
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pymc as pm
import xarray as xr

from thuiswerk.analysis import estimands, findings, wording
from thuiswerk.core import dims, nl
from thuiswerk.core.resources import study_file
from thuiswerk.data import generator, simulate
from thuiswerk.data.survey import Survey
from thuiswerk.modelling import builders, workflow
from thuiswerk.modelling import fit as fitting
from thuiswerk.modelling.fit import SamplerSettings
from thuiswerk.modelling.prepare import ModelInputs
from thuiswerk.modelling.specs import ModelSpec, term_name
from thuiswerk.studies import many

KIND = "design"
SETTINGS = SamplerSettings(chains=2, tune=500, draws=1000)  # 2,000 draws: P near 0.975 within about 0.004
SIZES = (100, 206, 400, 800)
RESULT_FILE = study_file("design.csv")  # the report reads it; `thuiswerk design` writes resources.study_output
COMMAND = "thuiswerk design"
TARGET_POWER = 0.8
UNIT_DIMS = {dims.ESTABLISHMENT, dims.EMPLOYEE}  # parameters drawn anew for a new survey
COLUMNS = ["finding", "effect", "establishments", "replicate", "truth", "mean", "q05", "q95",
           "p_expected_direction", "wording", "divergences"]  # fmt: skip


def slope_finding(finding: str) -> estimands.Estimand:
    """The estimand ``finding``, which must be a slope with an expected direction."""
    if finding not in estimands.BY_ID:
        raise KeyError(f"unknown finding {finding!r}; `thuiswerk findings` lists them")
    estimand = estimands.BY_ID[finding]
    if estimand.kind != "slope" or estimand.direction is None:
        raise ValueError(f"{finding} is descriptive (no expected direction); the design analysis needs a slope finding")
    return estimand


def population_draws(posterior: xr.Dataset, model: pm.Model) -> list[str]:
    """The free parameters a new survey shares with this one (not indexed by establishment or employee)."""
    names = []
    for rv in model.free_RVs:
        if not set(model.named_vars_to_dims.get(rv.name) or ()) & UNIT_DIMS and rv.name in posterior:
            names.append(rv.name)
    return names


def set_effect(values: dict[str, np.ndarray], estimand: estimands.Estimand, coords: dict, effect: float) -> float:
    """Shift the finding's ``slope_mean`` terms so that the estimand equals ``effect``; returns the old value."""
    if "+" in estimand.exposure:
        raise ValueError(f"{estimand.id} is a contrast of a joint model; give a stated effect for a single exposure")
    terms = [term_name(estimand.exposure, r) for r in estimands.ROLE_CODES[estimand.role]]
    index = [list(coords[dims.TERM]).index(t) for t in terms]
    item_dim = dims.ASPECT if dims.ASPECT in coords else dims.REGION
    items = list(estimands.OUTCOME_ITEMS.get(estimand.outcome, (estimand.outcome,)))
    rows = [list(coords[item_dim]).index(i) for i in items if i in coords[item_dim]]  # the items the model has
    spread = values["slope_spread"][[coords[dims.EXPOSURE].index(t.split("|")[0]) for t in terms]]
    z = values["z_slope"][np.ix_(rows, index)]
    current = float((values["slope_mean"][index] + spread * z).mean())
    values["slope_mean"] = values["slope_mean"].copy()
    values["slope_mean"][index] += effect - current
    return current


@dataclass(frozen=True)
class Payload:
    spec: ModelSpec
    finding: str
    designs: dict[int, ModelInputs]  # establishments -> the simulated design
    draws: xr.Dataset  # the population-level parameters of the current fit, draws stacked in ``sample``
    truths: np.ndarray  # the finding's value in each of those draws
    effect: float | None
    settings: SamplerSettings


def _compiled_design(payload: Payload, n: int) -> tuple[pm.Model, Any]:
    model = builders.build(payload.spec, payload.designs[n], swappable=True)
    return model, fitting.compile_swappable(model)


def replicate(payload: Payload, task: tuple[int, int], seed: int) -> dict[str, Any]:
    """One simulated survey of ``task[0]`` establishments, fitted; the finding's posterior and wording."""
    logging.getLogger("pymc").setLevel(logging.WARNING)
    n, rep = task
    estimand = estimands.BY_ID[payload.finding]
    key = many.config_hash(payload.spec.canonical(), workflow.inputs_hash(payload.designs[n]))
    (model, compiled), compile_seconds = many.compiled(key, lambda: _compiled_design(payload, n))
    pick_seed, y_seed, sample_seed = fitting.child_seeds(seed, 3)
    draw = int(np.random.default_rng(pick_seed).integers(payload.draws.sizes["sample"]))
    values = {str(name): np.asarray(payload.draws[name].isel(sample=draw).values) for name in payload.draws.data_vars}
    coords = {k: list(v) for k, v in model.coords.items()}
    if payload.effect is not None:
        set_effect(values, estimand, coords, payload.effect)
        truth = float(payload.effect)
    else:
        truth = float(payload.truths[draw])
    fixed = pm.do(model, values)
    y = pm.draw(fixed["y"], random_seed=y_seed)
    started = time.perf_counter()
    trace = fitting.sample_compiled(compiled, y, payload.settings, sample_seed)
    sampling = time.perf_counter() - started
    row = findings.summarise(estimand, findings.draws(estimand, trace))
    return {
        "establishments": n,
        "replicate": rep,
        "truth": truth,
        "mean": row["mean"],
        "q05": row["q05"],
        "q95": row["q95"],
        "p_expected_direction": row["p_expected_direction"],
        "wording": row["wording"],
        "divergences": int(trace["sample_stats"]["diverging"].sum()),
        many.TIMING: {"compile_seconds": round(compile_seconds, 2), "sampling_seconds": round(sampling, 2)},
    }


def designs(spec: ModelSpec, sizes: tuple[int, ...], seed: int) -> dict[int, ModelInputs]:
    """One simulated survey design per size, each with its own seed from ``seed``."""
    out = {}
    for n in sizes:
        s = simulate.simulate(n_establishments=n, seed=many.task_seed(seed, "design-survey", n))
        out[n] = workflow.inputs_for(spec, Survey(s.establishments, s.employees))
    return out


def job(
    spec: ModelSpec,
    finding: str,
    tree: xr.DataTree,
    sizes: tuple[int, ...],
    replicates: int,
    seed: int,
    effect: float | None = None,
    settings: SamplerSettings = SETTINGS,
) -> many.Job:
    """The design analysis of ``finding`` from the current fit ``tree`` of its model."""
    estimand = slope_finding(finding)
    if estimand.model != spec.name:
        raise ValueError(f"{finding} is a finding of {estimand.model}, not of {spec.name}")
    posterior = tree["posterior"].to_dataset()
    by_size = designs(spec, sizes, seed)
    keep = population_draws(posterior, builders.build(spec, by_size[sizes[0]]))
    population = posterior[keep].stack(sample=("chain", "draw"))  # the order of findings.draws
    truths = findings.draws(estimand, tree)
    config = {
        "model": spec.canonical(),
        "finding": finding,
        "fit": {k: str(tree.attrs.get(k)) for k in ("data_hash", "spec_hash", "seed")},
        "effect": effect,
        "settings": settings.canonical(),
        "seed": seed,
    }
    return many.Job(
        kind=KIND,
        config=config,
        tasks=[(n, r) for n in sizes for r in range(replicates)],
        func=replicate,
        payload=Payload(spec, finding, by_size, population, truths, effect, settings),
        labels={"what": finding, "sizes": ",".join(map(str, sizes))},
        stamp=many.stamp(spec, str(tree.attrs.get("data_hash"))),  # the data of the fit the effects come from
    )


def frame(finding: str, effect: float | None, records: list[dict[str, Any]]) -> pd.DataFrame:
    rows = [{"finding": finding, "effect": "posterior" if effect is None else effect} | {k: r[k] for k in COLUMNS[2:]}
            for r in records]  # fmt: skip
    return pd.DataFrame(rows, columns=COLUMNS)


def power(results: pd.DataFrame) -> pd.DataFrame:
    """Per finding, effect and size: replicates, P(duidelijk) with its Monte Carlo SE, P(aanwijzing),
    mean width of the 90% interval, and the mean true value of the finding."""
    rows = []
    for (finding, effect, n), group in results.groupby(["finding", "effect", "establishments"], sort=False):
        p = float((group["wording"] == nl.EVIDENCE_CLEAR).mean())
        r = len(group)
        rows.append(
            {
                "finding": finding,
                "effect": effect,
                "establishments": int(str(n)),
                "replicates": r,
                "p_clear": p,
                "se_clear": float(np.sqrt(p * (1 - p) / r)),
                "p_hint": float((group["wording"] == nl.EVIDENCE_HINT).mean()),
                "width": float((group["q95"] - group["q05"]).mean()),
                "truth": float(group["truth"].mean()),
            }
        )
    return pd.DataFrame(rows).sort_values(["finding", "effect", "establishments"], kind="stable", ignore_index=True)


def smallest_size(table: pd.DataFrame, target: float = TARGET_POWER) -> int | None:
    """The smallest size in ``table`` (one finding and effect) at which P(duidelijk) reaches ``target``."""
    reached = table[table["p_clear"] >= target]
    return int(reached["establishments"].min()) if len(reached) else None


def write(results: pd.DataFrame, path: Path, meta: dict[str, Any]) -> Path:
    return many.merge_csv(results, path, COLUMNS, meta, by="finding")


def read(path: Path = RESULT_FILE) -> tuple[pd.DataFrame, dict[str, str]]:
    return many.read_csv(path)


def for_report(ctx: Any, path: Path | None = None) -> tuple[pd.DataFrame | None, dict[str, str]]:
    """The rows of the findings whose design analysis belongs to the report's survey and fits (None: none),
    and for every other finding of the file whose model the report has, the command that runs it again.

    ``ctx`` is the report's context (``specs``, ``provenance``, ``data_dir``, ``fits_dir``, ``seed``).
    """
    results, meta = read(path or RESULT_FILE)
    shown, other = many.belonging(results, meta, many.current(ctx.specs, ctx.provenance), by="finding")
    run = many.report_run(ctx)
    commands: dict[str, str] = {}
    for finding in other:
        if finding not in estimands.BY_ID or estimands.BY_ID[finding].model not in ctx.specs:
            continue
        header = json.loads(meta.get(finding) or "{}")
        options = ["--finding", finding]
        if header.get("sizes"):
            options += ["--establishments", ",".join(str(n) for n in header["sizes"])]
        if header.get("replicates"):
            options += ["--replicates", str(header["replicates"])]
        if header.get("effect") is not None:
            options += ["--effect", str(header["effect"])]
        commands[finding] = run.command(KIND, *options)
    return shown, commands


# ------------------------------------------------------------------ null calibration


NULL_SETTINGS = SamplerSettings(chains=2, tune=500, draws=1000)


@dataclass(frozen=True)
class NullPayload:
    models: tuple[str, ...]
    n_establishments: int
    settings: SamplerSettings


def null_replicate(payload: NullPayload, task: int, seed: int) -> dict[str, Any]:
    """One survey with every planted exposure effect zero; its slope findings of ``payload.models``."""
    from thuiswerk.modelling import specs

    logging.getLogger("pymc").setLevel(logging.WARNING)
    survey_seed, sample_seed = fitting.child_seeds(seed, 2)
    s = simulate.simulate(n_establishments=payload.n_establishments, seed=survey_seed, slopes=generator.null_slopes())
    survey = Survey(s.establishments, s.employees)
    trees = {}
    started = time.perf_counter()
    for name in payload.models:
        spec = specs.get(name)
        inputs = workflow.inputs_for(spec, survey)
        compiled = fitting.compile_swappable(builders.build(spec, inputs, swappable=True))
        trees[name] = fitting.sample_compiled(compiled, inputs.data["y"], payload.settings, sample_seed)
    chosen = tuple(e for e in estimands.ESTIMANDS if e.kind == "slope" and e.model in payload.models)
    table = findings.compute(trees, chosen)
    return {
        "replicate": task,
        "findings": table[["id", "model", "mean", "p_expected_direction", "wording"]].to_dict(orient="records"),
        many.TIMING: {"seconds": round(time.perf_counter() - started, 2)},
    }


def null_job(models: tuple[str, ...], replicates: int, seed: int, n_establishments: int = simulate.DEFAULT_N,
             settings: SamplerSettings = NULL_SETTINGS) -> many.Job:  # fmt: skip
    from thuiswerk.modelling import specs

    config = {"models": {m: specs.get(m).canonical() for m in models}, "establishments": n_establishments,
              "settings": settings.canonical(), "seed": seed, "slopes": "null"}  # fmt: skip
    return many.Job(
        kind="null",
        config=config,
        tasks=list(range(replicates)),
        func=null_replicate,
        payload=NullPayload(tuple(models), n_establishments, settings),
        labels={"what": ", ".join(models)},
    )


# ------------------------------------------------------------------ Dutch (chapter 2)


def sentence(table: pd.DataFrame, current: int, target: float = TARGET_POWER) -> str:
    """What the design analysis of one finding says, from :func:`power` (one finding and effect)."""
    if table["finding"].nunique() != 1 or table["effect"].nunique() != 1:
        raise ValueError("sentence() takes the power table of one finding and one effect")
    e = estimands.BY_ID[str(table["finding"].iloc[0])]
    effect = table["effect"].iloc[0]
    rows = table.sort_values("establishments")
    sizes = rows["establishments"].tolist()

    def at(n: int) -> str:
        row = rows[rows["establishments"] == n].iloc[0]
        return f"{nl.percent(row['p_clear'])} bij {nl.number(n, 0)} vestigingen"

    given = ("met de onzekerheid over dat verband die deze enquête laat" if str(effect) == "posterior"
             else f"als het verband {nl.number(float(effect), 2)} op de logitschaal is")  # fmt: skip
    text = (
        f"Hoe groot moet een volgende meting zijn om het verband tussen {e.subject} en {e.relation} "
        f"({wording.ROLE_NL[e.role]}) duidelijk te kunnen vaststellen? Volgens een simulatie {given}, is de kans "
        f"dat de meting het verband duidelijk noemt {nl.join_words([at(n) for n in sizes])}"
    )
    if current in sizes:
        text += f" (deze enquête bezocht er {nl.number(current, 0)})"
    smallest = smallest_size(rows, target)
    if smallest is None:
        text += f". Ook bij {nl.number(max(sizes), 0)} vestigingen blijft die kans onder {nl.percent(target)}"
    else:
        text += f". Vanaf {nl.number(smallest, 0)} vestigingen is die kans minstens {nl.percent(target)}"
    first, last = rows.iloc[0], rows.iloc[-1]
    text += (
        f"; het {nl.percent(findings.PROB)}-interval van het verband is dan gemiddeld "
        f"{nl.number(last['width'], 2)} breed, tegen {nl.number(first['width'], 2)} bij "
        f"{nl.number(int(first['establishments']), 0)} vestigingen."
    )
    if str(effect) == "posterior":
        text += (" Omdat het verband zelf onzeker is en in een deel van de simulaties klein, komt die kans "
                 "ook bij een zeer grote meting niet op 100%.")  # fmt: skip
    return text
