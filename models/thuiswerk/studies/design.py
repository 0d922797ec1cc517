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
exposure effect zero (:func:`thuiswerk.data.generator.null_slopes`), each fitted with every
outcome model, the joint models included, and every slope and contrast finding worded
(:func:`null_job`; ``thuiswerk null``, ``tests/analysis/test_null_calibration.py`` in the slow
tier). :func:`null_summary` gives the two rates that multiplicity separates: per finding
(the rule holds it at 1 - 0.975 = 2.5%) and per survey (the share of null surveys with at
least one *duidelijk* among their dozens of findings); appendix A says both.
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
    """Shift the finding's role means so that the estimand equals ``effect``; returns the old value.

    A role's mean slope is ``exposure_mean + role_sd * z_role`` (the role's deviation where the
    exposure has more than one role; :func:`thuiswerk.modelling.builders.shared_roles`): the shift
    goes into ``z_role`` there, into ``exposure_mean`` for a one-role exposure, so every slope of
    the finding moves by the same amount.
    """
    if "+" in estimand.exposure:
        raise ValueError(f"{estimand.id} is a contrast of a joint model; give a stated effect for a single exposure")
    terms = [term_name(estimand.exposure, r) for r in estimands.ROLE_CODES[estimand.role]]
    all_terms = list(coords[dims.TERM])
    index = [all_terms.index(t) for t in terms]
    exposure_of = np.array([list(coords[dims.EXPOSURE]).index(t.split("|")[0]) for t in all_terms])
    item_dim = dims.ASPECT if dims.ASPECT in coords else dims.REGION
    items = list(estimands.OUTCOME_ITEMS.get(estimand.outcome, (estimand.outcome,)))
    rows = [list(coords[item_dim]).index(i) for i in items if i in coords[item_dim]]  # the items the model has
    shared = builders.shared_roles(exposure_of)
    role_sd = float(values["role_sd"])
    mean = values["exposure_mean"][exposure_of] + shared * role_sd * values["z_role"]
    slope = mean[index] + values["slope_spread"][exposure_of[index]] * values["z_slope"][np.ix_(rows, index)]
    current = float(slope.mean())
    shift = effect - current
    values["z_role"] = values["z_role"].copy()
    values["exposure_mean"] = values["exposure_mean"].copy()
    for t in index:
        if shared[t]:
            values["z_role"][t] += shift / role_sd
        else:
            values["exposure_mean"][exposure_of[t]] += shift
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


NULL_KIND = "null"
NULL_SETTINGS = SamplerSettings(chains=2, tune=500, draws=1000)
NULL_FILE = study_file("null.csv")  # appendix A reads it; `thuiswerk null` writes resources.study_output
NULL_COMMAND = "thuiswerk null"
# the findings the evidence rule words with an expected direction (a marginal effect is a complaint slope on the
# share scale: worded on its own, so counted on its own)
NULL_FINDING_KINDS = ("slope", "contrast", "marginal")
#: The outcome models, the joint models included: every model with a slope or contrast finding.
NULL_MODELS = tuple(dict.fromkeys(e.model for e in estimands.ESTIMANDS if e.kind in NULL_FINDING_KINDS))
NULL_COLUMNS = ["replicate", "id", "model", "kind", "mean", "p_expected_direction", "wording"]
# what a null replicate stores (2: with kind, contrasts and the joint models; 3: and the marginal effects); part of
# the job key
NULL_RECORD = 3
NOMINAL_RATE = 1.0 - nl.EVIDENCE_CLEAR_THRESHOLD  # P(duidelijk) of one finding on a null survey, by the rule
NULL_LEVEL = 0.95  # of the Wilson interval of a share of null surveys


@dataclass(frozen=True)
class NullPayload:
    specs: tuple[ModelSpec, ...]
    n_establishments: int
    settings: SamplerSettings


def null_findings(models: Any) -> tuple[estimands.Estimand, ...]:
    """The slope and contrast findings of ``models`` (names): what a null survey words."""
    chosen = set(models)
    return tuple(e for e in estimands.ESTIMANDS if e.kind in NULL_FINDING_KINDS and e.model in chosen)


def null_replicate(payload: NullPayload, task: int, seed: int) -> dict[str, Any]:
    """One survey with every planted exposure effect zero; every slope and contrast finding of ``payload.specs``.

    Each model is fitted as the simulated survey allows it (:func:`thuiswerk.modelling.workflow.adapt`: on a
    small survey a term the data cannot identify is left out, and its findings have no number); a contrast
    comes from the draws of its joint model's fit, as in the report.
    """
    logging.getLogger("pymc").setLevel(logging.WARNING)
    survey_seed, sample_seed = fitting.child_seeds(seed, 2)
    s = simulate.simulate(n_establishments=payload.n_establishments, seed=survey_seed, slopes=generator.null_slopes())
    survey = Survey(s.establishments, s.employees)
    trees = {}
    compile_seconds = sampling_seconds = 0.0
    for spec in payload.specs:
        adapted = workflow.adapt(spec, survey)
        if adapted.spec is None:
            continue
        inputs = workflow.inputs_for(adapted.spec, survey)
        started = time.perf_counter()
        compiled = fitting.compile_swappable(builders.build(adapted.spec, inputs, swappable=True))
        compile_seconds += time.perf_counter() - started
        started = time.perf_counter()
        tree = fitting.sample_compiled(compiled, inputs.data["y"], payload.settings, sample_seed)
        sampling_seconds += time.perf_counter() - started
        tree.attrs["left_out"] = json.dumps(adapted.left_out, sort_keys=True)
        # the design, as a stored fit keeps it: the marginal effects are computed over the employees of the fit
        tree["constant_data"] = xr.DataTree(fitting.constant_data(inputs))
        trees[spec.name] = tree
    chosen = null_findings(s.name for s in payload.specs)
    table = findings.compute(trees, chosen)
    table["kind"] = table["id"].map(lambda i: estimands.BY_ID[i].kind)
    return {
        "replicate": task,
        "findings": table[NULL_COLUMNS[1:]].to_dict(orient="records"),
        many.TIMING: {
            "fits": len(trees),
            "compile_seconds_all": round(compile_seconds, 2),
            "sampling_seconds_all": round(sampling_seconds, 2),
        },
    }


def null_job(
    models: Any,
    replicates: int,
    seed: int,
    n_establishments: int = simulate.DEFAULT_N,
    settings: SamplerSettings = NULL_SETTINGS,
) -> many.Job:
    """``replicates`` null surveys of ``n_establishments``, each fitted with ``models`` (specs or names).

    The surveys are the generator's (with :func:`thuiswerk.data.generator.null_slopes`), never the user's: the
    stamp names :data:`thuiswerk.studies.many.GENERATOR` as the data and each model's spec.
    """
    from thuiswerk.modelling import specs as specs_module

    chosen = tuple(m if isinstance(m, ModelSpec) else specs_module.get(m) for m in models)
    config = {"models": {s.name: s.canonical() for s in chosen}, "establishments": n_establishments,
              "settings": settings.canonical(), "seed": seed, "slopes": "null", "record": NULL_RECORD}  # fmt: skip
    return many.Job(
        kind=NULL_KIND,
        config=config,
        tasks=list(range(replicates)),
        func=null_replicate,
        payload=NullPayload(chosen, n_establishments, settings),
        labels={"what": ", ".join(s.name for s in chosen)},
        stamp=many.stamp(chosen, many.GENERATOR),
    )


def null_frame(records: list[dict[str, Any]]) -> pd.DataFrame:
    """One row per null survey and finding (columns :data:`NULL_COLUMNS`) from the records of :func:`null_job`."""
    rows = [{"replicate": r["replicate"]} | row for r in records for row in r["findings"]]
    return pd.DataFrame(rows, columns=NULL_COLUMNS)


def _wilson(k: int, n: int, level: float = NULL_LEVEL) -> tuple[float, float]:
    """Wilson's interval (``level``) of a binomial share ``k`` of ``n``."""
    from scipy.stats import norm

    if n == 0:
        return float("nan"), float("nan")
    z = float(norm.ppf(0.5 + level / 2))
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return float(max(0.0, centre - half)), float(min(1.0, centre + half))


def _clustered_rate(hits: pd.Series, counts: pd.Series) -> tuple[float, float]:
    """The share of findings with a word over all surveys, and its Monte Carlo standard error.

    Findings of one survey share its data, so they are not independent: the error is
    that of a ratio over surveys (``hits`` and ``counts`` per survey; with the same
    number of findings in every survey, the standard deviation of the per-survey
    rates over the square root of the number of surveys). NaN with one survey.
    """
    total = float(counts.sum())
    rate = float(hits.sum()) / total
    surveys = len(counts)
    if surveys < 2:
        return rate, float("nan")
    residual = hits.to_numpy(float) - rate * counts.to_numpy(float)
    return rate, float(np.sqrt(surveys / (surveys - 1) * np.sum(residual**2)) / total)


@dataclass(frozen=True)
class NullSummary:
    """What the null surveys say of the evidence rule (:func:`null_summary`)."""

    surveys: int
    findings: int  # findings with a number, over all surveys
    findings_per_survey: float
    rate_clear: float  # per finding: 'duidelijk' (the expected direction)
    se_clear: float  # its Monte Carlo standard error, over surveys
    rate_opposite: float  # per finding: 'duidelijk tegen de verwachting'
    se_opposite: float
    rate_hint: float
    surveys_clear: int  # surveys with at least one 'duidelijk'
    share_clear: float
    share_clear_interval: tuple[float, float]  # Wilson, NULL_LEVEL
    surveys_either: int  # surveys with at least one 'duidelijk' or 'duidelijk tegen de verwachting'
    share_either: float
    share_either_interval: tuple[float, float]
    mean_clear: float  # 'duidelijk' findings per null survey: what chance alone gives on these data
    se_mean_clear: float
    mean_p_expected: float

    def row(self) -> dict[str, Any]:
        """The summary as one flat row (for a table)."""
        out = {k: v for k, v in self.__dict__.items() if not k.endswith("_interval")}
        for name in ("share_clear", "share_either"):
            out[f"{name}_lo"], out[f"{name}_hi"] = getattr(self, f"{name}_interval")
        return out


def null_summary(results: pd.DataFrame) -> NullSummary:
    """The evidence rule's false positives on null surveys (rows of :func:`null_frame`; findings without a
    number are left out): per finding, 'duidelijk' and 'duidelijk tegen de verwachting' with Monte Carlo
    errors that respect the findings' sharing of a survey; per survey, the share with at least one of them
    (Wilson's interval) and the mean number of 'duidelijk'."""
    rows = results[results["p_expected_direction"].notna() & ~results["wording"].isin(findings.NO_NUMBER)]
    if rows.empty:
        raise ValueError("no null finding with a number")
    clear = rows["wording"] == nl.EVIDENCE_CLEAR
    opposite = rows["wording"] == nl.EVIDENCE_OPPOSITE
    by = rows["replicate"]
    counts = rows.groupby(by).size()
    n_clear = clear.groupby(by).sum().reindex(counts.index)
    n_opposite = opposite.groupby(by).sum().reindex(counts.index)
    surveys = len(counts)
    rate_clear, se_clear = _clustered_rate(n_clear, counts)
    rate_opposite, se_opposite = _clustered_rate(n_opposite, counts)
    k_clear = int((n_clear > 0).sum())
    k_either = int(((n_clear + n_opposite) > 0).sum())
    return NullSummary(
        surveys=surveys,
        findings=len(rows),
        findings_per_survey=float(counts.mean()),
        rate_clear=rate_clear,
        se_clear=se_clear,
        rate_opposite=rate_opposite,
        se_opposite=se_opposite,
        rate_hint=float((rows["wording"] == nl.EVIDENCE_HINT).mean()),
        surveys_clear=k_clear,
        share_clear=k_clear / surveys,
        share_clear_interval=_wilson(k_clear, surveys),
        surveys_either=k_either,
        share_either=k_either / surveys,
        share_either_interval=_wilson(k_either, surveys),
        mean_clear=float(n_clear.mean()),
        se_mean_clear=float(n_clear.std(ddof=1) / np.sqrt(surveys)) if surveys > 1 else float("nan"),
        mean_p_expected=float(rows["p_expected_direction"].mean()),
    )


def null_write(results: pd.DataFrame, path: Path, meta: dict[str, Any]) -> Path:
    """Write the null study (replacing the file: its surveys are one run's) with its header line ``# null: {meta}``."""
    path = Path(path)
    header = f"# {NULL_KIND}: {json.dumps(meta, sort_keys=True)}\n"
    tmp = path.with_name(f".{path.name}.part")
    tmp.write_text(header + results[NULL_COLUMNS].to_csv(index=False), encoding="utf-8")
    tmp.replace(path)
    return path


def null_read(path: Path = NULL_FILE) -> tuple[pd.DataFrame, dict[str, Any]]:
    """The rows of a null study and its header (parsed)."""
    rows, meta = many.read_csv(path)
    return rows, json.loads(meta.get(NULL_KIND) or "{}")


def null_for_report(ctx: Any, path: Path | None = None) -> tuple[NullSummary | None, dict[str, Any], str]:
    """The null study's summary if it belongs to the report (else None), its header, and else the Dutch
    sentence that says it was not run on these data, with the command that runs it.

    It belongs when every model it names has the spec the report's fit of it has (the
    surveys are the generator's, :data:`thuiswerk.studies.many.GENERATOR`) and its surveys
    are as large as the report's (``ctx.establishments``).
    """
    path = path or NULL_FILE
    subject = "De nulkalibratie van de regel (dezelfde modellen op gesimuleerde enquêtes zonder enig verband)"
    run = many.report_run(ctx, fits=False)  # `thuiswerk null` reads no fits
    if not Path(path).is_file():
        return None, {}, many.not_run_nl(subject, [run.command(NULL_KIND)])
    rows, header = null_read(path)
    size = len(ctx.establishments)
    fits = many.belongs(header, many.current(ctx.specs, ctx.provenance, data=many.GENERATOR))
    if not fits or header.get("establishments") != size or rows.empty:
        replicates = header.get("replicates")
        options = ["--replicates", str(replicates)] if replicates else []
        return None, header, many.not_run_nl(subject, [run.command(NULL_KIND, *options)])
    return null_summary(rows), header, ""


def null_worded(table: pd.DataFrame) -> pd.DataFrame:
    """The rows of a findings table the null study speaks for: slope and contrast findings with a number."""
    kinds = table["id"].map(lambda i: estimands.BY_ID[i].kind if i in estimands.BY_ID else "")
    return findings.estimable(table[kinds.isin(NULL_FINDING_KINDS)])


def null_sentence(summary: NullSummary, header: dict[str, Any], report_findings: int, report_clear: int) -> str:
    """Dutch, appendix A: what the null surveys say, and how many 'duidelijk' chance alone gives among the
    ``report_findings`` findings of this report (``report_clear`` of which the report words 'duidelijk')."""
    # an inline expression's output is text, not Markdown: the words in quotes, not in asterisks
    clear, opposite = f"‘{nl.EVIDENCE_CLEAR}’", f"‘{nl.EVIDENCE_OPPOSITE}’"
    per_survey = nl.number(summary.findings_per_survey, 0 if summary.findings_per_survey.is_integer() else 1)
    within = summary.rate_clear <= NOMINAL_RATE + 2 * summary.se_clear
    text = (
        f"Op {nl.number(summary.surveys, 0)} gesimuleerde enquêtes van "
        f"{nl.number(int(header.get('establishments', 0)), 0)} vestigingen zonder enig verband tussen een "
        f"blootstelling en een uitkomst zijn de uitkomstmodellen en de gezamenlijke modellen geschat, en is elk van "
        f"de {per_survey} verbanden en verschillen per enquête met deze regel geformuleerd. Van die "
        f"{nl.number(summary.findings, 0)} verbanden heette {nl.percent(summary.rate_clear, 1)} {clear} "
        f"(Monte-Carlo-standaardfout {nl.percent(summary.se_clear, 1)}) en {nl.percent(summary.rate_opposite, 1)} "
        f"{opposite} (standaardfout {nl.percent(summary.se_opposite, 1)}); "
    )
    text += (
        f"per verband blijft de regel dus binnen de marge van de beoogde {nl.percent(NOMINAL_RATE, 1)}. "
        if within
        else f"per verband ligt dat boven de beoogde {nl.percent(NOMINAL_RATE, 1)}. "
    )
    lo, hi = summary.share_clear_interval
    k, either, n = summary.surveys_clear, summary.surveys_either, summary.surveys
    text += (
        f"Maar met zoveel verbanden tegelijk {nl.verb(k, 'noemde', 'noemden')} "
        f"{nl.of_total(k, n, 'enquêtes', 'enquête')} ({nl.percent(summary.share_clear)}, "
        f"{nl.percent(NULL_LEVEL)}-interval {nl.percent_interval(lo, hi)}) ten minste één verband {clear}, en "
        f"{nl.of_total(either, n, 'enquêtes', 'enquête')} ten minste één {clear} of {opposite}. "
        f"Toeval alleen maakte gemiddeld {nl.number(summary.mean_clear, 1)} verbanden per enquête {clear}; onder "
        f"de {nl.number(report_findings, 0)} verbanden en verschillen van dit rapport zijn dat er naar verwachting "
        f"{nl.number(summary.rate_clear * report_findings, 1)} (dit rapport noemt er "
        f"{nl.number(report_clear, 0)} {clear})."
    )
    return text


def null_expected_nl(report_findings: int) -> str:
    """Dutch: how many 'duidelijk' chance alone gives among ``report_findings`` findings if each stays at the
    rule's nominal rate (what appendix A says when the null study was not run on these data)."""
    return (
        f"Blijft elk verband afzonderlijk op de beoogde {nl.percent(NOMINAL_RATE, 1)}, dan geeft toeval alleen "
        f"onder de {nl.number(report_findings, 0)} verbanden en verschillen van dit rapport naar verwachting "
        f"{nl.number(NOMINAL_RATE * report_findings, 1)} verbanden die ‘{nl.EVIDENCE_CLEAR}’ heten."
    )


# ------------------------------------------------------------------ Dutch (chapter 4)


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
                 f"ook bij een zeer grote meting niet op {nl.percent(1.0)}.")  # fmt: skip
    return text
