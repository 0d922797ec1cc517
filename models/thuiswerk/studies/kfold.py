"""K-fold cross-validation by establishment.

How well does a model predict the answers of an establishment it has not seen? The
establishments are split into K folds, stratified by sector and size class (each
stratum spread evenly over the folds, seeded); per fold the model is fitted without
the fold's establishments, and each left-out establishment's answers get their log
predictive density: the mean over posterior draws of the likelihood with the
establishment's and its employees' effects integrated out (nested Gauss-Hermite,
:func:`thuiswerk.modelling.loglik.establishment_marginal_loglik`; sector and size class from
the fit). Summed over establishments this is elpd_kfold, the quantity PSIS-LOO by
establishment estimates without refitting, and the check on it where LOO's Pareto k
is high (the employee-knowledge against employer-report comparison of
:mod:`thuiswerk.analysis.compare`): the same folds for every model, so two models are compared
establishment by establishment.

Every (model, fold) fit is a task of :mod:`thuiswerk.studies.many`; the folds differ in size,
so each fit compiles its own model.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy.special import logsumexp

from thuiswerk.core.resources import study_file
from thuiswerk.data.survey import Survey
from thuiswerk.modelling import builders, loglik, workflow
from thuiswerk.modelling import fit as fitting
from thuiswerk.modelling.fit import SamplerSettings
from thuiswerk.modelling.specs import ModelSpec
from thuiswerk.studies import many

KIND = "kfold"
SETTINGS = SamplerSettings(chains=2, tune=500, draws=1000)
HELD_OUT_DRAWS = 1000  # posterior draws for the held-out log predictive density
RESULT_FILE = study_file("kfold.csv")  # the report reads it; `thuiswerk kfold` writes resources.study_output
COMMAND = "thuiswerk kfold"
STRATA = ("sector", "size_class")
COLUMNS = ["model", "fold", "establishment_id", "elpd", "divergences", "max_rhat"]


def folds(establishments: pd.DataFrame, k: int, seed: int) -> pd.Series:
    """Fold (0..k-1) of each establishment, by ``establishment_id``: stratified by sector and size class.

    Within each stratum the establishments are shuffled (seeded) and dealt out in turn,
    continuing where the previous stratum stopped, so every fold gets its share of every
    stratum and the folds differ in size by at most one.
    """
    if not 2 <= k <= len(establishments):
        raise ValueError(f"folds must be between 2 and the number of establishments ({len(establishments)}), not {k}")
    rng = np.random.default_rng(seed)
    out = {}
    dealt = 0
    ordered = establishments.sort_values([*STRATA, "establishment_id"])
    for _, stratum in ordered.groupby(list(STRATA), sort=True, observed=True):
        ids = stratum["establishment_id"].astype(str).to_numpy()
        for est in rng.permutation(ids):
            out[est] = dealt % k
            dealt += 1
    return pd.Series(out, name="fold").loc[establishments["establishment_id"].astype(str)]


def subset(survey: Survey, ids: set[str]) -> Survey:
    est, emp = survey.establishments, survey.employees
    return Survey(
        est[est["establishment_id"].astype(str).isin(ids)].reset_index(drop=True),
        emp[emp["establishment_id"].astype(str).isin(ids)].reset_index(drop=True),
    )


@dataclass(frozen=True)
class Payload:
    specs: dict[str, ModelSpec]
    survey: Survey
    fold_of: dict[str, int]
    settings: SamplerSettings


def fold_fit(payload: Payload, task: tuple[str, int], seed: int) -> dict[str, Any]:
    """Fit one model without one fold; the held-out establishments' log predictive densities."""
    from arviz_stats.base import array_stats

    name, fold = task
    spec = payload.specs[name]
    held = {e for e, f in payload.fold_of.items() if f == fold}
    train = workflow.inputs_for(spec, subset(payload.survey, set(payload.fold_of) - held))
    test = workflow.inputs_for(spec, subset(payload.survey, held), check=False)  # only scored
    for dim in set(train.coords) - {"establishment", "employee", "obs"}:
        if list(train.coords[dim]) != list(test.coords[dim]):
            raise ValueError(f"fold {fold}: the held-out establishments have other {dim} values than the others")
    started = time.perf_counter()
    compiled = fitting.compile_swappable(builders.build(spec, train, swappable=True))
    compile_seconds = time.perf_counter() - started
    started = time.perf_counter()
    trace = fitting.sample_compiled(compiled, train.data["y"], payload.settings, seed)
    sampling = time.perf_counter() - started
    posterior = trace["posterior"].to_dataset()
    values, index = loglik.establishment_marginal_loglik(loglik.thinned(posterior, HELD_OUT_DRAWS), spec.family,
                                                         test.data)  # fmt: skip
    flat = values.reshape(-1, values.shape[-1])
    elpd = logsumexp(flat, axis=0) - np.log(flat.shape[0])
    chains, n_draw = posterior.sizes["chain"], posterior.sizes["draw"]
    with np.errstate(all="ignore"):  # one chain: no R-hat (NaN)
        rhat = max(
            float(array_stats.rhat(posterior[v].values, chain_axis=0, draw_axis=1)) for v in ("sigma_total", "rho")
        )
    return {
        "model": name,
        "fold": fold,
        "establishments": [test.coords["establishment"][i] for i in index],
        "elpd": [float(v) for v in elpd],
        "draws": chains * n_draw,
        "divergences": int(trace["sample_stats"]["diverging"].sum()),
        "max_rhat": round(rhat, 4) if np.isfinite(rhat) else None,  # None: one chain
        many.TIMING: {"compile_seconds": round(compile_seconds, 2), "sampling_seconds": round(sampling, 2)},
    }


def job(specs: list[ModelSpec], survey: Survey, k: int, seed: int, settings: SamplerSettings = SETTINGS) -> many.Job:
    fold_of = {str(e): int(f) for e, f in folds(survey.establishments, k, seed).items()}
    names = [s.name for s in specs]
    stamp = many.stamp(specs, survey)  # per model: the hash of its inputs from this survey, and of its spec
    data = many.config_hash({name: made["data_hash"] for name, made in stamp.items()})
    config = {
        "models": {s.name: s.canonical() for s in specs},
        "data": data,
        "folds": k,
        "fold_of": many.config_hash(fold_of),
        "settings": settings.canonical(),
        "held_out_draws": HELD_OUT_DRAWS,
        "seed": seed,
    }
    return many.Job(
        kind=KIND,
        config=config,
        tasks=[(name, fold) for fold in range(k) for name in names],
        func=fold_fit,
        payload=Payload({s.name: s for s in specs}, survey, fold_of, settings),
        labels={"what": ", ".join(names), "folds": str(k)},
        stamp=stamp,
    )


def frame(records: list[dict[str, Any]]) -> pd.DataFrame:
    """One row per model and held-out establishment (columns :data:`COLUMNS`)."""
    rows = [
        {
            "model": r["model"],
            "fold": r["fold"],
            "establishment_id": e,
            "elpd": v,
            "divergences": r["divergences"],
            "max_rhat": r["max_rhat"],
        }  # fmt: skip
        for r in records
        for e, v in zip(r["establishments"], r["elpd"])
    ]
    return pd.DataFrame(rows, columns=COLUMNS)


def _total(values: np.ndarray) -> tuple[float, float]:
    return float(values.sum()), float(np.sqrt(len(values) * values.var(ddof=1))) if len(values) > 1 else float("nan")


def totals(pointwise: pd.DataFrame, loo: dict[str, Any] | None = None) -> pd.DataFrame:
    """Per model: elpd_kfold with its SE, establishments, folds, and (where given) PSIS-LOO by establishment.

    ``loo`` maps a model to ``compare.loo_establishment(tree)`` of its full fit.
    """
    rows = []
    for model, group in pointwise.groupby("model", sort=False):
        elpd, se = _total(group["elpd"].to_numpy())
        row: dict[str, Any] = {"model": model, "elpd_kfold": elpd, "se": se, "establishments": len(group),
               "folds": group["fold"].nunique(), "divergent_folds": int((group.drop_duplicates("fold")["divergences"] > 0).sum())}  # fmt: skip
        if loo and str(model) in loo:
            result = loo[str(model)]
            k_values = np.asarray(result.pareto_k).ravel()
            row |= {"elpd_loo": float(result.elpd), "se_loo": float(result.se),
                    "n_k_above_0_7": int((k_values > 0.7).sum())}  # fmt: skip
        rows.append(row)
    return pd.DataFrame(rows)


def difference(pointwise: pd.DataFrame, first: str, second: str) -> dict[str, Any]:
    """elpd_kfold of ``first`` minus ``second``, paired by establishment, with its SE."""
    pair = pointwise[pointwise["model"].isin([first, second])]  # other outcomes may cover other establishments
    wide = pair.pivot(index="establishment_id", columns="model", values="elpd")
    if wide[[first, second]].isna().any().any():
        raise ValueError(f"{first} and {second} were not evaluated on the same establishments")
    diff, se = _total((wide[first] - wide[second]).to_numpy())
    return {"first": first, "second": second, "elpd_diff": diff, "se_diff": se, "establishments": len(wide)}


def write(pointwise: pd.DataFrame, path: Path, meta: dict[str, Any]) -> Path:
    """Merge ``pointwise`` into the CSV at ``path`` (other models' rows kept), provenance in the header."""
    return many.merge_csv(pointwise, path, COLUMNS, meta)


def read(path: Path = RESULT_FILE) -> tuple[pd.DataFrame, dict[str, str]]:
    return many.read_csv(path, dtype={"establishment_id": str})


def for_report(ctx: Any, path: Path | None = None) -> tuple[pd.DataFrame | None, dict[str, str]]:
    """The rows of the models whose cross-validation belongs to the report's survey and models (None: none),
    and for every other model of the file that the report has, the command that runs it on these data (the
    models that were run together, on the same folds, share one command).

    ``ctx`` is the report's context (``specs``, ``provenance``, ``data_dir``, ``fits_dir``, ``seed``).
    """
    points, meta = read(path or RESULT_FILE)
    shown, other = many.belonging(points, meta, many.current(ctx.specs, ctx.provenance))
    run = many.report_run(ctx)
    headers = {model: json.loads(meta.get(model) or "{}") for model in other}
    together: dict[str, list[str]] = {}
    for model, header in headers.items():
        if model in ctx.specs:
            together.setdefault(str(header.get("job", model)), []).append(model)
    commands: dict[str, str] = {}
    for models in together.values():
        folds = headers[models[0]].get("folds")
        command = run.command(KIND, *models, *(["--folds", str(folds)] if folds else []))
        commands |= dict.fromkeys(models, command)
    return shown, commands


# ------------------------------------------------------------------ Dutch (appendix B)


def _pairs(pointwise: pd.DataFrame, comparison: pd.DataFrame) -> list[tuple[str, str, pd.Series]]:
    """(knowledge model, employer model, its row of the LOO comparison) for each pair in both."""
    models = set(pointwise["model"])
    return [(str(o), f"{o}_employer", row) for o, row in comparison.iterrows() if {str(o), f"{o}_employer"} <= models]


def table_nl(pointwise: pd.DataFrame, comparison: pd.DataFrame) -> pd.DataFrame:
    """Per model elpd from K-fold and from PSIS-LOO by establishment; per pair their difference.

    ``comparison`` is :func:`thuiswerk.reporting.summaries.loo_comparison` (PSIS-LOO by establishment);
    standard errors in parentheses.
    """
    from thuiswerk.core import nl

    loo = {}
    for outcome, row in comparison.iterrows():
        loo[str(outcome)] = row["elpd_known"]
        loo[f"{outcome}_employer"] = row["elpd_employer"]
    rows = []
    for _, t in totals(pointwise).iterrows():
        name = str(t["model"])
        rows.append({"Model of verschil": nl.model_nl(name),
                     "Kruisvalidatie": f"{nl.number(t['elpd_kfold'], 1)} ({nl.number(t['se'], 1)})",
                     "PSIS-LOO": nl.number(loo[name], 1) if name in loo else nl.MARKER})  # fmt: skip
    for known, employer, row in _pairs(pointwise, comparison):
        d = difference(pointwise, known, employer)
        rows.append({"Model of verschil": f"Verschil kennis min opgave: {str(row['label']).lower()}",
                     "Kruisvalidatie": f"{nl.number(d['elpd_diff'], 1)} ({nl.number(d['se_diff'], 1)})",
                     "PSIS-LOO": f"{nl.number(row['elpd_diff'], 1)} ({nl.number(row['se_diff'], 1)})"})  # fmt: skip
    return pd.DataFrame(rows)


def sentence(pointwise: pd.DataFrame, comparison: pd.DataFrame) -> str:
    """Does K-fold agree with PSIS-LOO on the knowledge-versus-employer verdict? From the same numbers."""
    from thuiswerk.analysis import compare
    from thuiswerk.core import nl

    parts, differ, verdicts = [], [], set()
    for known, employer, row in _pairs(pointwise, comparison):
        d = difference(pointwise, known, employer)
        verdict = compare.loo_verdict(d["elpd_diff"], d["se_diff"])
        verdicts.add(verdict)
        if verdict != str(row["verdict"]):
            differ.append(str(row["label"]).lower())
        parts.append(
            f"voor {str(row['label']).lower()} {nl.number(d['elpd_diff'], 1)} (standaardfout "
            f"{nl.number(d['se_diff'], 1)}; met PSIS-LOO {nl.number(row['elpd_diff'], 1)})"
        )
    if not parts:
        return "De kruisvalidatie is niet voor een paar van een kennismodel en een werkgevermodel uitgevoerd."
    text = (
        "In de kruisvalidatie is het verschil in elpd tussen het model met de kennis van de werknemer en dat "
        f"met de opgave van de werkgever {nl.join_words(parts)}. "
    )
    if differ:
        return text + f"Het oordeel wijkt af van dat met PSIS-LOO voor {nl.join_words(differ)}."
    shared = f" (‘{verdicts.pop()}’)" if len(verdicts) == 1 else ""
    return text + f"Het oordeel{shared} is {'bij elke uitkomst ' if len(parts) > 1 else ''}hetzelfde als met PSIS-LOO."
