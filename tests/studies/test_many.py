"""Many-fit workflows on Dask (thuiswerk.studies.many, sbc, kfold, design): seeds, resuming, a lost worker.

The cheap tests use :func:`thuiswerk.studies.many.probe` (no fit). The SBC tests fit a tiny
survey with short chains on a ``LocalCluster``, and again through a scheduler and two
workers started as separate processes on localhost, one of which is killed halfway:
every replicate must be there and equal to the local run's.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pymc as pm
import pytest
import xarray as xr

from thuiswerk.core import errors
from thuiswerk.data import simulate
from thuiswerk.data.survey import Survey
from thuiswerk.modelling import specs
from thuiswerk.modelling.fit import SamplerSettings
from thuiswerk.studies import kfold, many, sbc

TINY = SamplerSettings(chains=1, tune=60, draws=100)
TINY_N = 24
REPLICATES = 4


def probe_job(tasks: int = 6, wait: float = 0.0, config: dict | None = None) -> many.Job:
    return many.Job(kind="probe", config=config or {"test": 1}, tasks=list(range(tasks)), func=many.probe, payload=wait)


# ------------------------------------------------------------------ seeds and store, no fits


def test_task_seed_depends_on_run_seed_kind_and_task_only():
    assert many.task_seed(1, "sbc", 3) == many.task_seed(1, "sbc", 3)
    seeds = {many.task_seed(1, "sbc", t) for t in range(50)}
    assert len(seeds) == 50
    assert many.task_seed(2, "sbc", 3) != many.task_seed(1, "sbc", 3)
    assert many.task_seed(1, "design", 3) != many.task_seed(1, "sbc", 3)
    assert many.task_name((206, 7)) == "r0206-r0007"
    assert many.task_name(("workload", 3)) == "workload-r0003"


def test_job_key_is_content_addressed():
    assert probe_job(config={"a": 1, "b": 2}).key == probe_job(config={"b": 2, "a": 1}).key
    assert probe_job(config={"a": 1}).key != probe_job(config={"a": 2}).key
    # the number of tasks is not part of the key: more replicates extend a run
    assert probe_job(tasks=3).key == probe_job(tasks=9).key


@pytest.mark.dask
def test_run_stores_resumes_and_does_not_depend_on_workers(tmp_path):
    job = probe_job(tasks=6)
    two = many.run(job, tmp_path / "two", seed=5, workers=2, progress=False)
    assert two.computed == 6 and two.reused == 0
    assert sorted(p.name for p in two.folder.glob("r*.json")) == [f"r{i:04d}.json" for i in range(6)]
    again = many.run(job, tmp_path / "two", seed=5, workers=2, progress=False)
    assert again.computed == 0 and again.reused == 6
    (two.folder / "r0003.json").unlink()
    resumed = many.run(job, tmp_path / "two", seed=5, workers=2, progress=False)
    assert resumed.computed == 1 and resumed.reused == 5
    one = many.run(job, tmp_path / "one", seed=5, workers=1, progress=False)
    assert [many.without_timing(r) for r in one.ordered(job)] == [many.without_timing(r) for r in two.ordered(job)]
    other_seed = many.run(job, tmp_path / "three", seed=6, workers=1, progress=False)
    assert other_seed.ordered(job)[0]["values"] != one.ordered(job)[0]["values"]


def _boom(payload, task, seed):
    raise RuntimeError(f"task {task} cannot run")


@pytest.mark.dask
def test_failed_tasks_are_named_and_the_rest_kept(tmp_path, monkeypatch):
    monkeypatch.setattr(many, "RETRIES", 0)
    job = many.Job(kind="boom", config={}, tasks=[0, 1], func=_boom)
    with pytest.raises(errors.ReplicatesFailedError) as info:
        many.run(job, tmp_path, seed=1, workers=1, progress=False)
    assert info.value.exit_code == 11
    assert "2 of 2 boom tasks failed" in info.value.message and "cannot run" in info.value.message
    assert "again" in info.value.hint


@pytest.mark.dask
def test_unreachable_scheduler_is_a_usage_error(tmp_path):
    with pytest.raises(errors.UsageError, match="no Dask scheduler answers at tcp://127.0.0.1:9"):
        many.run(probe_job(), tmp_path, seed=1, scheduler="tcp://127.0.0.1:9", progress=False)


# ------------------------------------------------------------------ K-fold folds (no fit)


def test_folds_are_stratified_and_cover_every_establishment_once():
    survey = simulate.simulate(n_establishments=206)
    est = survey.establishments
    fold = kfold.folds(est, 10, seed=3)
    assert list(fold.index) == est["establishment_id"].astype(str).tolist()
    sizes = fold.value_counts()
    assert sorted(sizes.index) == list(range(10)) and sizes.max() - sizes.min() <= 1
    by_stratum = pd.crosstab([est["sector"].to_numpy(), est["size_class"].to_numpy()], fold.to_numpy())
    assert (by_stratum.max(axis=1) - by_stratum.min(axis=1)).max() <= 1  # each stratum dealt out evenly
    assert not fold.equals(kfold.folds(est, 10, seed=4))
    with pytest.raises(ValueError, match="folds must be between 2"):
        kfold.folds(est, 1, seed=3)


# ------------------------------------------------------------------ SBC on a tiny survey


@pytest.fixture(scope="module")
def tiny_sbc():
    s = simulate.simulate(n_establishments=TINY_N, seed=11)
    spec = specs.get("isolation")
    inputs = sbc.design_inputs(spec, Survey(s.establishments, s.employees), None, 11)
    return spec, sbc.job(spec, inputs, REPLICATES, seed=7, settings=TINY)


@pytest.fixture(scope="module")
def local_sbc(tiny_sbc, tmp_path_factory):
    spec, job = tiny_sbc
    outcome = many.run(job, tmp_path_factory.mktemp("sbc-local"), seed=7, workers=2, progress=False)
    return outcome.ordered(job)


@pytest.mark.dask
def test_tiny_sbc_on_a_local_cluster(tiny_sbc, local_sbc):
    spec, job = tiny_sbc
    assert [r["replicate"] for r in local_sbc] == list(range(REPLICATES))
    ranks = sbc.frame(spec, local_sbc)
    assert ranks["rank"].between(0, sbc.RANKED_DRAWS).all()
    quantities = set(ranks["quantity"])
    assert {"isolatie_sociale_momenten", "sigma_total", "rho"} <= quantities
    assert any(q.startswith("cutpoints[") for q in quantities) and any(
        q.startswith("slope_spread[") for q in quantities
    )
    assert ranks.groupby("quantity").size().eq(REPLICATES).all()
    # the drawn truths differ between replicates (each has its own prior draw)
    assert ranks[ranks["quantity"] == "sigma_total"]["truth"].nunique() == REPLICATES
    # a compiled model is reused on a worker: at most one compile per worker
    compiles = [r[many.TIMING]["compile_seconds"] > 0 for r in local_sbc]
    assert 1 <= sum(compiles) <= 2 < REPLICATES + 1
    summary = sbc.summary(ranks, seed=1)
    assert summary.loc[0, "quantities"] == len(quantities) and summary.loc[0, "replicates"] == REPLICATES


def test_uniformity_flags_ranks_that_are_not_uniform():
    rng = np.random.default_rng(0)
    fine = pd.DataFrame({"model": "m", "quantity": "calibrated", "kind": "sd", "rank": rng.integers(0, 100, 200),
                         "n_draws": 99, "replicate": range(200), "divergences": 0, "max_rhat": 1.0})  # fmt: skip
    biased = fine.assign(quantity="too narrow", rank=np.where(rng.uniform(size=200) < 0.5, 0, 99))
    tests = sbc.uniformity(pd.concat([fine, biased]), seed=1).set_index("quantity")
    assert tests.loc["calibrated", "p_value"] > 0.01 and not tests.loc["calibrated", "outside_band"]
    assert tests.loc["too narrow", "p_value"] < 1e-6 and tests.loc["too narrow", "outside_band"]


@pytest.mark.dask
def test_sbc_file_merges_models(tmp_path, tiny_sbc, local_sbc):
    spec, _ = tiny_sbc
    ranks = sbc.frame(spec, local_sbc)
    path = tmp_path / "sbc.csv"
    sbc.write(ranks.assign(model="awareness"), path, {"seed": 1})
    sbc.write(ranks, path, {"seed": 2})
    back, meta = sbc.read(path)
    assert set(back["model"]) == {"awareness", "isolation"} and len(back) == 2 * len(ranks)
    assert json.loads(meta["isolation"])["seed"] == 2 and json.loads(meta["awareness"])["seed"] == 1
    sbc.write(ranks, path, {"seed": 3})  # replaces isolation's rows, keeps awareness
    back, meta = sbc.read(path)
    assert len(back) == 2 * len(ranks) and json.loads(meta["isolation"])["seed"] == 3


# ------------------------------------------------------------------ a scheduler and workers started by hand


def _dask(*args: str, log: Path) -> subprocess.Popen:
    exe = Path(sys.executable).with_name("dask")
    return subprocess.Popen([str(exe), *args], stdout=log.open("w"), stderr=subprocess.STDOUT)


def _wait_for(path: Path, seconds: float = 60) -> None:
    end = time.monotonic() + seconds
    while not path.exists() or not path.read_text().strip():
        if time.monotonic() > end:
            raise AssertionError(f"{path} was not written within {seconds} s")
        time.sleep(0.2)


@pytest.mark.dask
def test_scheduler_started_by_hand_with_a_worker_killed_halfway(tmp_path, tiny_sbc, local_sbc):
    spec, job = tiny_sbc
    scheduler_file = tmp_path / "scheduler.json"
    procs = [_dask("scheduler", "--scheduler-file", str(scheduler_file), "--port", "0", "--no-dashboard",
                   log=tmp_path / "scheduler.log")]  # fmt: skip
    try:
        _wait_for(scheduler_file)
        address = json.loads(scheduler_file.read_text())["address"]
        for i in range(2):
            procs.append(_dask("worker", address, "--nthreads", "1", "--no-dashboard", "--name", f"w{i}",
                               log=tmp_path / f"worker{i}.log"))  # fmt: skip
        from distributed import Client

        with Client(address, timeout="30s") as c:
            c.wait_for_workers(2, timeout=60)
        killed = []

        def kill_one(name, record):
            if not killed:
                victim = procs[2]  # the second worker, whatever it is doing
                os.kill(victim.pid, signal.SIGKILL)
                killed.append(name)

        outcome = many.run(job, tmp_path / "results", seed=7, scheduler=address, progress=False, on_result=kill_one)
        assert killed, "no result arrived before the worker was killed"
        assert procs[2].wait(timeout=10) == -signal.SIGKILL
        records = outcome.ordered(job)
        assert [r["replicate"] for r in records] == list(range(REPLICATES))
        assert [many.without_timing(r) for r in records] == [many.without_timing(r) for r in local_sbc]
    finally:
        for p in procs:
            if p.poll() is None:
                p.terminate()
        for p in procs:
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                p.kill()


# ------------------------------------------------------------------ K-fold and design on a small survey


@pytest.fixture(scope="module")
def small_survey():
    s = simulate.simulate(n_establishments=60, seed=3)
    return Survey(s.establishments, s.employees)


@pytest.mark.dask
def test_tiny_kfold_scores_every_establishment_once(small_survey, tmp_path):
    spec = specs.get("isolation")
    job = kfold.job([spec], small_survey, 2, seed=5, settings=TINY)
    assert job.tasks == [("isolation", 0), ("isolation", 1)]
    outcome = many.run(job, tmp_path, seed=5, workers=2, progress=False)
    points = kfold.frame(outcome.ordered(job))
    scored = set(points["establishment_id"])
    with_answers = set(
        small_survey.employees.loc[small_survey.employees["questionnaire_completed"] == 1, "establishment_id"]
    )
    assert scored == with_answers and points["establishment_id"].is_unique
    fold_of = kfold.folds(small_survey.establishments, 2, seed=5)
    assert (points["fold"].to_numpy() == fold_of.loc[points["establishment_id"]].to_numpy()).all()
    assert np.isfinite(points["elpd"]).all() and (points["elpd"] < 0).all()
    totals = kfold.totals(points)
    assert totals.loc[0, "elpd_kfold"] == pytest.approx(points["elpd"].sum())
    other_outcome = points.iloc[:-3].assign(model="other")  # another outcome, fewer establishments
    same = kfold.difference(pd.concat([points, points.assign(model="copy"), other_outcome]), "isolation", "copy")
    assert same["elpd_diff"] == 0 and same["establishments"] == len(points)
    with pytest.raises(ValueError, match="not evaluated on the same establishments"):
        kfold.difference(pd.concat([points, other_outcome]), "isolation", "other")


@pytest.mark.dask
def test_design_sets_the_stated_effect_and_words_the_finding(small_survey, tmp_path):
    from thuiswerk.analysis import estimands, findings
    from thuiswerk.modelling import builders, workflow
    from thuiswerk.studies import design

    spec = specs.get("isolation")
    inputs = workflow.inputs_for(spec, small_survey)
    model = builders.build(spec, inputs)
    with model:
        prior = pm.sample_prior_predictive(draws=20, random_seed=1)["prior"].to_dataset()
    tree = xr.DataTree.from_dict({"posterior": prior})
    estimand = estimands.BY_ID["isolatie_sociale_momenten"]
    names = ("exposure_mean", "role_sd", "z_role", "slope_spread", "z_slope")  # the free parameters of the slopes
    values = {k: prior[k].isel(chain=0, draw=0).to_numpy() for k in names}
    coords = {k: list(v) for k, v in model.coords.items()}
    design.set_effect(values, estimand, coords, -0.8)
    shifted = prior.isel(chain=[0], draw=[0]).copy()
    slope = pm.draw(pm.do(model, values)["slope"])  # the model's own slopes from the shifted parameters
    shifted["slope"] = (("chain", "draw", "aspect", "term"), slope[None, None])
    assert findings.draws(estimand, xr.DataTree.from_dict({"posterior": shifted}))[0] == pytest.approx(-0.8)
    with pytest.raises(ValueError, match="descriptive"):
        design.slope_finding("informatieverlies_lg")
    job = design.job(spec, "isolatie_sociale_momenten", tree, (60, 80), 1, seed=5, effect=-3.0, settings=TINY)
    outcome = many.run(job, tmp_path, seed=5, workers=2, progress=False)
    results = design.frame("isolatie_sociale_momenten", -3.0, outcome.ordered(job))
    assert list(results["establishments"]) == [60, 80] and (results["truth"] == -3.0).all()
    assert set(results["wording"]) <= {findings.WORD_CLEAR, findings.WORD_HINT, findings.WORD_NONE}
    assert (results["mean"] < 0).all()  # an effect of -3 logits is found in the right direction
    table = design.power(results)
    assert list(table["replicates"]) == [1, 1] and table["p_clear"].between(0, 1).all()
    assert "vestigingen" in design.sentence(table, 60)


def test_bench_projection_arithmetic():
    from thuiswerk.studies import bench

    frame = pd.DataFrame(
        [
            {"what": "empty task", "workers": 1, "tasks": 200, "seconds": 4.0, "per_task": 0.02},
            {"what": "empty task", "workers": 2, "tasks": 200, "seconds": 2.0, "per_task": 0.01},
            {"what": "sbc isolation", "workers": 1, "tasks": 20, "seconds": 120.0, "per_task": 6.0,
             "compiles": 1, "compile_seconds": 20.0, "fit_seconds": 5.0},
            {"what": "sbc isolation", "workers": 2, "tasks": 20, "seconds": 80.0, "per_task": 4.0,
             "compiles": 2, "compile_seconds": 20.0, "fit_seconds": 5.0},
        ]
    )  # fmt: skip
    text = bench.many_markdown(frame, projected=(1, 50), replicates=200)
    assert "| sbc isolation | 2 | 20 | 80.0 | 900 | 1.50x |" in text
    # 50 workers: 20 s compile + ceil(200 / 50) * 5 s + 200 * 0.02 s = 44 s
    assert f"| 50 | {44 / 60:.1f} | {3600 * 200 / 44:.0f} |" in text
    # 1 worker: 20 + 200 * 5 + 4 = 1024 s
    assert f"| 1 | {1024 / 60:.1f} | {3600 * 200 / 1024:.0f} |" in text


def test_calibration_sentence_names_a_miscalibrated_quantity():
    rng = np.random.default_rng(1)
    ranks = pd.DataFrame({"model": "isolation", "quantity": "sigma_total", "kind": "sd", "rank": rng.integers(0, 100, 100),
                          "n_draws": 99, "replicate": range(100), "divergences": 0, "max_rhat": 1.0})  # fmt: skip
    fine = sbc.summary(ranks, seed=1)
    assert "geen toets" in sbc.sentence(fine)
    narrow = ranks.assign(rank=np.where(rng.uniform(size=100) < 0.5, 0, 99))
    text = sbc.sentence(sbc.summary(narrow, seed=1))
    assert "wijkt 1 af" in text and "totale standaardafwijking" in text.lower()


def test_design_sentence_follows_the_table():
    from thuiswerk.studies import design

    table = pd.DataFrame({"finding": "werkdruk_afspraken_werktijden", "effect": "posterior",
                          "establishments": [100, 206, 400], "replicates": 30, "p_clear": [0.2, 0.5, 0.9],
                          "se_clear": 0.05, "p_hint": 0.1, "width": [0.8, 0.55, 0.4], "truth": -0.2})  # fmt: skip
    text = design.sentence(table, 206)
    assert "50% bij 206 vestigingen" in text and "Vanaf 400 vestigingen is die kans minstens 80%" in text
    assert design.smallest_size(table) == 400 and design.smallest_size(table, 0.95) is None
    assert "blijft die kans onder 95%" in design.sentence(table, 206, target=0.95)
