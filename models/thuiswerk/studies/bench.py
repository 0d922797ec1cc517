"""Benchmark: every model with every sampler on the same simulated data and seeds.

``thuiswerk bench`` simulates a survey of each requested size (the generator's
default seed; 206 establishments is the embedded default survey), then runs
every (model, sampler) configuration in a fresh Python process, interleaving the
samplers (A B C A B C ...) so that drift of the machine hits all alike. Per run
it records set-up seconds (model build and compilation), sampling seconds
(warm-up plus draws), total wall seconds of the process (interpreter start,
imports and data loading included), the peak memory of the process tree, the
minimum bulk ESS over all free parameters, ESS per sampling and per total
second, the maximum R-hat, divergences and gradient evaluations per draw.

The first repeat of each configuration starts from an empty compilation cache
(``cold``: PyTensor/numba, httpstan); later repeats reuse it (``warm``). A
configuration still running after the time limit is stopped and reported as
such, and the same model and sampler are not tried at a larger size.

Outputs in ``--out``: ``bench.csv`` (one row per run, written after every run),
``bench.md`` (tables with each sampler's ratio to Stan, and the growth with N)
and ``bench.png``. Nothing here is a timed test; it prints figures.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, cast

import numpy as np
import pandas as pd

from thuiswerk.core.runconfig import DEFAULT_SEED

SAMPLERS = ("nutpie", "nutpie-jax", "pymc", "numpyro", "stan")
DEFAULT_SAMPLERS = ("nutpie", "pymc", "numpyro", "stan")
REFERENCE = "stan"
DEFAULT_ESTABLISHMENTS = (206,)
EXTRA_HINT = 'install the benchmark extra: .venv/bin/pip install -e ".[bench]"'


@dataclass(frozen=True)
class BenchSettings:
    chains: int = 4
    tune: int = 1000
    draws: int = 1000
    target_accept: float = 0.9
    seed: int = DEFAULT_SEED
    timeout_seconds: float = 20 * 60


def missing_modules(samplers: Sequence[str]) -> dict[str, list[str]]:
    """Sampler -> the Python modules it needs that are not installed (psutil for every run)."""
    import importlib.util

    from thuiswerk.modelling import fit

    out = {}
    for sampler in samplers:
        needs = ["psutil", "stan"] if sampler == REFERENCE else ["psutil"]
        missing = [m for m in needs if importlib.util.find_spec(m) is None]
        if sampler != REFERENCE:
            missing += fit.missing_modules(sampler)
        if missing:
            out[sampler] = missing
    return out


# --------------------------------------------------------------------------- the worker


def measure(tree, var_names: Sequence[str]) -> dict[str, float]:
    """Min bulk ESS and max R-hat over every element of ``var_names``; divergences; gradients per draw."""
    import arviz as az

    from thuiswerk.modelling.diagnostics import _minmax

    var_names = list(var_names)
    stats = tree["sample_stats"].to_dataset()
    return {
        "min_ess_bulk": _minmax(az.ess(tree, var_names=var_names, method="bulk"), "min"),
        "max_rhat": _minmax(az.rhat(tree, var_names=var_names), "max"),
        "divergences": int(stats["diverging"].sum()),
        "grad_per_draw": float(stats["n_steps"].mean()),
    }


def run_one(job: dict[str, Any]) -> dict[str, Any]:
    """One configuration in this process: load, build, compile, sample, measure."""
    from thuiswerk.data.survey import load_survey
    from thuiswerk.modelling import builders, specs
    from thuiswerk.modelling.fit import SamplerSettings, child_seeds, sample_posterior
    from thuiswerk.modelling.workflow import inputs_for

    imported = time.perf_counter()
    survey = load_survey(Path(job["data"]))
    spec = specs.get(job["model"])
    inputs = inputs_for(spec, survey)
    model = builders.build(spec, inputs)
    loaded = time.perf_counter()
    seed = child_seeds(job["seed"])[1]  # the posterior's seed, as in thuiswerk.modelling.fit
    if job["sampler"] == "stan":
        from thuiswerk.modelling import stanref

        tree, timings = stanref.sample(
            spec, inputs, chains=job["chains"], tune=job["tune"], draws=job["draws"],
            seed=seed, target_accept=job["target_accept"], model=model,
        )  # fmt: skip
    else:
        settings = SamplerSettings(
            sampler=job["sampler"], chains=job["chains"], tune=job["tune"], draws=job["draws"],
            target_accept=job["target_accept"],
        )  # fmt: skip
        tree, timings = sample_posterior(model, settings, seed)
    finished = time.perf_counter()
    free = [rv.name for rv in model.free_RVs]
    return {
        "n_employees": len(inputs.coords["employee"]),
        "n_obs": inputs.n_obs,
        "n_parameters": int(sum(np.prod(tree["posterior"][v].shape[2:], dtype=int) for v in free)),
        "import_seconds": imported - job["started"],
        "load_seconds": loaded - imported,
        "setup_seconds": timings["setup_seconds"] + (loaded - imported),
        "sampling_seconds": timings["sampling_seconds"],
        "worker_seconds": finished - job["started"],
        **measure(tree, free),
    }


def _worker_main(job_path: str) -> None:
    job = json.loads(Path(job_path).read_text())
    job["started"] = time.perf_counter() - (time.time() - job["spawned"])  # include interpreter start-up
    try:
        result = {"status": "ok", **run_one(job)}
    except Exception as exc:  # noqa: BLE001 - reported in the table, not a traceback in the middle of a benchmark
        result = {"status": "error", "error": f"{type(exc).__name__}: {exc}"[:500]}
    Path(job["result"]).write_text(json.dumps(result))


# --------------------------------------------------------------------------- the parent


def _tree_rss(proc) -> int:
    import psutil

    total = 0
    try:
        procs = [proc, *proc.children(recursive=True)]
    except psutil.Error:
        return 0
    for p in procs:
        try:
            total += p.memory_info().rss
        except psutil.Error:
            pass
    return total


def _kill_tree(proc) -> None:
    import psutil

    try:
        children = proc.children(recursive=True)
    except psutil.Error:
        children = []
    for p in [*children, proc]:
        try:
            p.kill()
        except psutil.Error:
            pass


@dataclass(frozen=True)
class Monitored:
    returncode: int | None  # None when stopped at the time limit
    seconds: float
    peak_memory_mb: float
    output: str  # stdout and stderr


def monitored(argv: list[str], env: dict[str, str], timeout: float) -> Monitored:
    """Run a command; wall seconds and the peak memory (RSS summed over its process tree, every 0.1 s).

    A command still running after ``timeout`` seconds is killed with its children.
    """
    import psutil

    with tempfile.TemporaryFile("w+") as log:
        started = time.perf_counter()
        popen = subprocess.Popen(argv, env=env, stdout=log, stderr=subprocess.STDOUT)
        proc = psutil.Process(popen.pid)
        peak, returncode = 0, None
        while (returncode := popen.poll()) is None:
            peak = max(peak, _tree_rss(proc))
            if time.perf_counter() - started > timeout:
                _kill_tree(proc)
                popen.wait()
                break
            time.sleep(0.1)
        seconds = time.perf_counter() - started
        log.seek(0)
        output = log.read()
    return Monitored(returncode, seconds, peak / 2**20, output)


def run_worker(job: dict[str, Any], env: dict[str, str], timeout: float) -> dict[str, Any]:
    """Run one configuration in a fresh Python process (see :func:`run_one`)."""
    with tempfile.TemporaryDirectory(prefix="thuiswerk-bench-") as tmp:
        job_path, result_path = Path(tmp) / "job.json", Path(tmp) / "result.json"
        job = job | {"result": str(result_path), "spawned": time.time()}
        job_path.write_text(json.dumps(job))
        run = monitored([sys.executable, "-m", "thuiswerk.studies.bench", str(job_path)], env, timeout)
        if run.returncode is None:
            return {
                "status": "timeout",
                "error": f"stopped after {_duration(timeout)}",
                "peak_memory_mb": run.peak_memory_mb,
            }
        if not result_path.exists():
            return {"status": "error", "error": f"worker exited {run.returncode}: {run.output[-500:]}",
                    "peak_memory_mb": run.peak_memory_mb}  # fmt: skip
        result = json.loads(result_path.read_text())
    return result | {"peak_memory_mb": run.peak_memory_mb, "process_seconds": run.seconds}


def _duration(seconds: float) -> str:
    return f"{seconds / 60:.0f} minutes" if seconds >= 120 else f"{seconds:.0f} s"


def cache_env(cache_dir: Path) -> dict[str, str]:
    """Environment that puts every compilation cache (PyTensor/numba, httpstan) in ``cache_dir``."""
    env = dict(os.environ)
    flags = [f for f in env.get("PYTENSOR_FLAGS", "").split(",") if f and not f.startswith("base_compiledir")]
    env["PYTENSOR_FLAGS"] = ",".join([*flags, f"base_compiledir={cache_dir / 'pytensor'}"])
    env["NUMBA_CACHE_DIR"] = str(cache_dir / "numba")
    env["XDG_CACHE_HOME"] = str(cache_dir / "xdg")  # httpstan's compiled models
    return env


def simulate_data(n_establishments: int, out: Path) -> Path:
    """The simulated survey of one size (the generator's default seed), written once."""
    from thuiswerk.data import simulate as sim

    folder = out / "data" / f"n{n_establishments}"
    if not (folder / "employees.csv").exists():
        sim.write(sim.simulate(n_establishments=n_establishments, seed=sim.SURVEY_SEED), folder)
    return folder


def run(
    models: Sequence[str],
    establishments: Sequence[int],
    samplers: Sequence[str],
    repeats: int,
    out: Path,
    settings: BenchSettings = BenchSettings(),
    report: Callable[[str], None] = print,
) -> pd.DataFrame:
    """Every configuration, interleaved by sampler; ``bench.csv`` is rewritten after each run."""
    out.mkdir(parents=True, exist_ok=True)
    rows: list[dict[str, Any]] = []
    stopped: set[tuple[str, str]] = set()  # (model, sampler) that timed out at a smaller N
    total = len(establishments) * len(models) * repeats * len(samplers)
    done = 0
    for n in sorted(establishments):
        data = simulate_data(n, out)
        for model in models:
            for repeat in range(repeats):
                for sampler in samplers:
                    done += 1
                    base = {"model": model, "sampler": sampler, "n_establishments": n, "repeat": repeat + 1,
                            "cache": "cold" if repeat == 0 else "warm", **asdict(settings)}  # fmt: skip
                    label = f"[{done}/{total}] N={n} {model} {sampler} ({base['cache']})"
                    if (model, sampler) in stopped:
                        rows.append(base | {"status": "skipped", "error": "timed out at a smaller N"})
                        report(f"{label}: skipped (timed out at a smaller N)")
                        _write_csv(rows, out)
                        continue
                    cache = out / "cache" / f"{sampler}-{model}-n{n}"
                    if repeat == 0 and cache.exists():
                        shutil.rmtree(cache)
                    job = {"model": model, "sampler": sampler, "data": str(data), **asdict(settings)}
                    report(f"{label}: running")
                    result = run_worker(job, cache_env(cache), settings.timeout_seconds)
                    row = base | _derived(result)
                    rows.append(row)
                    _write_csv(rows, out)
                    report(f"{label}: {_one_line(row)}")
                    if row["status"] == "timeout":
                        stopped.add((model, sampler))
    return pd.DataFrame(rows)


def _derived(result: dict[str, Any]) -> dict[str, Any]:
    row = dict(result)
    if row.get("status") == "ok":
        row["total_seconds"] = row["worker_seconds"]
        row["ess_per_sampling_second"] = row["min_ess_bulk"] / row["sampling_seconds"]
        row["ess_per_total_second"] = row["min_ess_bulk"] / row["total_seconds"]
    return row


def _one_line(row: dict[str, Any]) -> str:
    if row["status"] != "ok":
        return f"{row['status']}: {row.get('error', '')}"
    return (
        f"set-up {row['setup_seconds']:.0f} s, sampling {row['sampling_seconds']:.0f} s, "
        f"total {row['total_seconds']:.0f} s, {row['peak_memory_mb']:.0f} MB, min ESS {row['min_ess_bulk']:.0f}, "
        f"{row['ess_per_total_second']:.1f} ESS/s, R-hat {row['max_rhat']:.3f}, {row['divergences']} div."
    )


def _write_csv(rows: list[dict[str, Any]], out: Path) -> None:
    path = out / "bench.csv"
    tmp = path.with_suffix(".csv.tmp")
    pd.DataFrame(rows).to_csv(tmp, index=False)
    tmp.replace(path)


# --------------------------------------------------------------------------- the user's workflow

# One prior changed per step: the cheapest (workload) and the costliest (awareness) refit.
PRIOR_CHANGES: dict[str, dict[str, dict[str, float]]] = {
    "workload": {"priors": {"beta_sd": 0.9}},
    "awareness": {"priors": {"tau_sd": 0.9}},
}


def workflow(
    out: Path, data: Path, timeout: float, sampler: str = "nutpie", report: Callable[[str], None] = print
) -> pd.DataFrame:
    """Time what a statistician runs: ``thuiswerk fit all`` from an empty compilation cache, the
    same command again (nothing changed), and ``fit all`` after changing one prior of one model;
    with the peak memory of each step and the size of the fits on disk after it."""
    import yaml

    out.mkdir(parents=True, exist_ok=True)
    cache, fits = out / "cache" / "workflow", out / "workflow-fits"
    for folder in (cache, fits):
        if folder.exists():
            shutil.rmtree(folder)
    command = [sys.executable, "-m", "thuiswerk.cli", "fit", "all", "--data", str(data), "--fits", str(fits),
               "--sampler", sampler]  # fmt: skip
    steps = [("fit all, cold compilation cache", command), ("fit all again, nothing changed", command)]
    changes: dict[str, Any] = {}
    for model, change in PRIOR_CHANGES.items():
        changes[model] = change  # cumulative: each step changes one prior more than the last
        config = out / f"workflow-{model}.yaml"
        config.write_text(yaml.safe_dump(changes))
        prior, value = next(iter(change["priors"].items()))
        steps.append((f"fit all after changing {model}'s {prior} to {value}", [*command, "--config", str(config)]))
    rows = []
    for step, argv in steps:
        report(f"{step}: running")
        run = monitored(argv, cache_env(cache), timeout)
        status = "ok" if run.returncode == 0 else ("timeout" if run.returncode is None else "error")
        refitted = run.output.count("fitted in")
        on_disk = sum(f.stat().st_size for f in fits.glob("*.nc")) / 2**20
        rows.append({"step": step, "sampler": sampler, "status": status, "seconds": run.seconds,
                     "peak_memory_mb": run.peak_memory_mb, "models_refitted": refitted,
                     "fits_on_disk_mb": round(on_disk)})  # fmt: skip
        report(
            f"{step}: {status}, {run.seconds:.0f} s, {run.peak_memory_mb:.0f} MB, {refitted} model(s) fitted, "
            f"fits {on_disk:.0f} MB on disk"
        )
        if status != "ok":
            report(run.output[-1000:])
    frame = pd.DataFrame(rows)
    frame.to_csv(out / "workflow.csv", index=False)
    (out / "workflow.md").write_text("# thuiswerk bench --workflow\n\n" + _md(frame) + "\n", encoding="utf-8")
    return frame


# --------------------------------------------------------------------------- summaries


def _with_columns(frame: pd.DataFrame, cols: list[str]) -> pd.DataFrame:
    """``frame`` with the result columns a run that did not finish never got, as NaN."""
    return frame.reindex(columns=[*frame.columns, *(c for c in cols if c not in frame.columns)])


def comparison_table(frame: pd.DataFrame) -> pd.DataFrame:
    """Median over repeats per (N, model, sampler, cache), with ESS per total second relative to Stan."""
    cols = ["setup_seconds", "sampling_seconds", "total_seconds", "peak_memory_mb", "min_ess_bulk",
            "ess_per_sampling_second", "ess_per_total_second", "max_rhat", "divergences", "grad_per_draw"]  # fmt: skip
    ok = _with_columns(frame[frame["status"] == "ok"], cols)  # none ok (all timed out): an empty table
    keys = ["n_establishments", "model", "cache", "sampler"]
    table = ok.groupby(keys)[cols].median()
    table["runs"] = ok.groupby(keys).size()
    if REFERENCE in set(ok["sampler"]):
        ref = table.xs(REFERENCE, level="sampler")
        for col, name in (("ess_per_total_second", "vs_stan_total"), ("ess_per_sampling_second", "vs_stan_sampling")):
            table[name] = (
                table[col] / ref[col].reindex(cast(pd.MultiIndex, table.index).droplevel("sampler")).to_numpy()
            )
    return table.reset_index()


def scaling_table(frame: pd.DataFrame) -> pd.DataFrame:
    """Per model and sampler: the slope of log(seconds) and log(peak memory) on log(N).

    The total includes costs that do not grow with N (start-up, compilation), so its
    slope is below the sampling slope at small N; both are given.
    """
    rows = []
    cols = ["total_seconds", "sampling_seconds", "peak_memory_mb"]
    for (model, sampler), g in _with_columns(frame, cols).groupby(["model", "sampler"]):
        ok = g[g["status"] == "ok"].groupby("n_establishments")[cols].median()
        row: dict[str, Any] = {"model": model, "sampler": sampler, "sizes": ", ".join(str(n) for n in ok.index)}
        slopes = (
            ("total_seconds", "time_slope"),
            ("sampling_seconds", "sampling_slope"),
            ("peak_memory_mb", "memory_slope"),
        )
        for col, name in slopes:
            row[name] = float(np.polyfit(np.log(ok.index), np.log(ok[col]), 1)[0]) if len(ok) >= 2 else math.nan
        for n, v in ok["total_seconds"].items():
            row[f"seconds_n{n}"] = v
        for n, v in ok["peak_memory_mb"].items():
            row[f"mb_n{n}"] = v
        stopped = g[g["status"].isin(["timeout", "skipped"])]["n_establishments"]
        row["not_finished"] = ", ".join(str(n) for n in sorted(set(stopped))) or ""
        rows.append(row)
    return pd.DataFrame(rows)


def markdown(frame: pd.DataFrame) -> str:
    """The benchmark as markdown: settings, per-size comparison table, scaling, failures."""
    s = frame.iloc[0]
    lines = [
        "# thuiswerk bench",
        "",
        (
            f"{int(s['chains'])} chains x {int(s['tune'])} tuning + {int(s['draws'])} draws, target_accept "
            f"{s['target_accept']}, seed {int(s['seed'])}; medians over repeats. ESS = minimum bulk ESS over all "
            "free parameters; total = wall seconds of a fresh process (start-up, imports, compile, sampling); "
            "`vs_stan` = ESS per second relative to Stan at the same cache state."
        ),
        "",
    ]
    table = comparison_table(frame)
    for n, g in table.groupby("n_establishments"):
        lines += [f"## N = {n} establishments", "", _md(g.drop(columns="n_establishments")), ""]
    if frame["n_establishments"].nunique() > 1:
        lines += ["## Growth with N (slope of log seconds and log memory on log N)", "", _md(scaling_table(frame)), ""]
    bad = frame[frame["status"] != "ok"]
    if len(bad):
        lines += ["## Runs that did not finish", "",
                  _md(bad[["n_establishments", "model", "sampler", "repeat", "status", "error"]]), ""]  # fmt: skip
    return "\n".join(lines)


def _md(frame: pd.DataFrame) -> str:
    def fmt(v):
        if isinstance(v, float):
            return "" if math.isnan(v) else (f"{v:.3f}" if abs(v) < 10 else f"{v:.0f}")
        return str(v)

    header = "| " + " | ".join(map(str, frame.columns)) + " |"
    rule = "|" + "|".join("---" for _ in frame.columns) + "|"
    body = ["| " + " | ".join(fmt(v) for v in row) + " |" for row in frame.itertuples(index=False)]
    return "\n".join([header, rule, *body])


def figure(frame: pd.DataFrame, path: Path) -> Path:
    """ESS per total second by model and sampler (log scale), one panel per cache state at the
    smallest size; and total seconds against N (log-log) when several sizes were run."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import seaborn as sns

    ok = frame[frame["status"] == "ok"]
    sizes = sorted(ok["n_establishments"].unique())
    first = ok[ok["n_establishments"] == sizes[0]]
    caches = [c for c in ("cold", "warm") if c in set(first["cache"])]
    panels = len(caches) + (len(sizes) > 1)
    fig, axes = plt.subplots(1, panels, figsize=(6.5 * panels, 4.8), squeeze=False)
    order = sorted(first["model"].unique())
    hue_order = [s for s in SAMPLERS if s in set(ok["sampler"])]
    for ax, cache in zip(axes[0], caches):
        sns.barplot(first[first["cache"] == cache], x="model", y="ess_per_total_second", hue="sampler",
                    order=order, hue_order=hue_order, estimator="median", errorbar=None, ax=ax)  # fmt: skip
        ax.set(yscale="log", ylabel="min bulk ESS per total wall second", xlabel="")
        ax.set_title(f"N = {sizes[0]}, {cache} compilation cache")
        ax.tick_params(axis="x", rotation=30)
    if len(sizes) > 1:
        ax = axes[0, -1]
        sns.lineplot(ok, x="n_establishments", y="total_seconds", hue="model", style="sampler",
                     estimator="median", errorbar=None, marker="o", ax=ax)  # fmt: skip
        ax.set(xscale="log", yscale="log", xlabel="establishments", ylabel="total wall seconds")
        ax.set_title("Growth with N")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path


def write_outputs(frame: pd.DataFrame, out: Path) -> dict[str, Path]:
    _write_csv(cast(list[dict[str, Any]], frame.to_dict("records")), out)  # the columns are named by str
    md = out / "bench.md"
    md.write_text(markdown(frame), encoding="utf-8")
    paths = {"csv": out / "bench.csv", "markdown": md}
    if (frame["status"] == "ok").any():
        paths["figure"] = figure(frame, out / "bench.png")
    return paths


if __name__ == "__main__":
    _worker_main(sys.argv[1])


# ------------------------------------------------------------------ many fits on Dask


def many_fits(out: Path, replicates: int = 24, model: str = "isolation", report=print) -> pd.DataFrame:
    """What the many-fit runner costs and gains (``thuiswerk bench --many``); writes ``many.md`` and ``many.csv``.

    1. Per-task overhead: 200 empty tasks (:func:`thuiswerk.studies.many.probe`) on 1 and 2 workers.
    2. ``replicates`` SBC replicates of ``model`` on the embedded survey with 1 and with 2
       workers, each from empty results and fresh worker processes (compilation included),
       so the speed-up and replicates per hour are what a user gets.
    3. The projection to 50 workers: compile once per worker, then the replicates divided
       over the workers, plus the measured overhead per task.
    """
    import tempfile

    from thuiswerk.modelling import specs, workflow
    from thuiswerk.studies import many, sbc

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    rows = []
    for workers in (1, 2):
        with tempfile.TemporaryDirectory() as scratch:
            job = many.Job(kind="probe", config={"bench": workers}, tasks=list(range(200)), func=many.probe)
            outcome = many.run(job, Path(scratch), 1, workers=workers, progress=False)
        rows.append({"what": "empty task", "workers": workers, "tasks": 200, "seconds": outcome.seconds,
                     "per_task": outcome.seconds / 200})  # fmt: skip
        report(f"empty tasks, {workers} worker(s): {outcome.seconds / 200 * 1000:.0f} ms per task")
    spec = specs.get(model)
    survey = workflow.load_valid_survey(Path("data/synthetic"))
    inputs = workflow.inputs_for(spec, survey)
    for workers in (1, 2):
        job = sbc.job(spec, inputs, replicates, seed=workers)  # other seeds: nothing reused between the two
        with tempfile.TemporaryDirectory() as scratch:
            outcome = many.run(job, Path(scratch), workers, workers=workers, progress=False)
        timing = [r[many.TIMING] for r in outcome.ordered(job)]
        compile_s = [t["compile_seconds"] for t in timing if t["compile_seconds"] > 0]
        rows.append({"what": f"sbc {model}", "workers": workers, "tasks": replicates, "seconds": outcome.seconds,
                     "per_task": outcome.seconds / replicates, "compiles": len(compile_s),
                     "compile_seconds": float(np.mean(compile_s)),
                     "fit_seconds": float(np.mean([t["task_seconds"] for t in timing if t["compile_seconds"] == 0]))})  # fmt: skip
        report(f"sbc {model}, {workers} worker(s): {replicates} replicates in {outcome.seconds:.0f} s "
               f"({3600 * replicates / outcome.seconds:.0f} per hour)")  # fmt: skip
    frame = pd.DataFrame(rows)
    frame.to_csv(out / "many.csv", index=False)
    (out / "many.md").write_text(many_markdown(frame), encoding="utf-8")
    return frame


def many_markdown(frame: pd.DataFrame, projected: tuple[int, ...] = (1, 2, 50), replicates: int = 200) -> str:
    """The measured table and the projection to more workers (compile once each, then replicates / workers)."""
    sbc_rows = frame[frame["what"].str.startswith("sbc")]
    empty = frame[frame["what"] == "empty task"].set_index("workers")["per_task"]
    lines = ["| run | workers | tasks | seconds | per hour | speed-up |", "|---|---|---|---|---|---|"]
    base = float(sbc_rows[sbc_rows["workers"] == 1]["seconds"].iloc[0]) if len(sbc_rows) else float("nan")
    for _, r in frame.iterrows():
        speed = f"{base / r['seconds']:.2f}x" if str(r["what"]).startswith("sbc") else ""
        lines.append(f"| {r['what']} | {r['workers']} | {r['tasks']} | {r['seconds']:.1f} | "
                     f"{3600 * r['tasks'] / r['seconds']:.0f} | {speed} |")  # fmt: skip
    if len(sbc_rows):
        one = sbc_rows[sbc_rows["workers"] == 1].iloc[0]
        compile_s, fit_s, overhead = float(one["compile_seconds"]), float(one["fit_seconds"]), float(empty.max())
        lines += ["", f"Projection for {replicates} replicates (compile {compile_s:.0f} s once per worker, "
                  f"{fit_s:.1f} s per fit, {overhead * 1000:.0f} ms overhead per task):", "",
                  "| workers | minutes | replicates per hour |", "|---|---|---|"]  # fmt: skip
        for w in projected:
            seconds = compile_s + np.ceil(replicates / w) * fit_s + replicates * overhead
            lines.append(f"| {w} | {seconds / 60:.1f} | {3600 * replicates / seconds:.0f} |")
    return "\n".join(lines) + "\n"
