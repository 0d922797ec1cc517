"""The benchmark's logic (interleaving, stopping, ratios, slopes, outputs) and the Stan
programs' data contract. Timings are never asserted: the benchmark prints figures."""

from __future__ import annotations

import importlib.util
import os
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import xarray as xr
from typer.testing import CliRunner

from thuiswerk.cli import app
from thuiswerk.cli.main import EXIT_USAGE
from thuiswerk.data.survey import load_survey
from thuiswerk.modelling import builders, specs, stanref
from thuiswerk.modelling.workflow import inputs_for
from thuiswerk.studies import bench

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "data" / "synthetic"
runner = CliRunner()


# --------------------------------------------------------------------------- Stan programs


def _declared_data(program: str) -> dict[str, str]:
    """Name -> declaration of every variable in a Stan program's data block."""
    block = re.search(r"\ndata \{(.*?)\n\}", program, re.DOTALL).group(1)
    out = {}
    for line in block.splitlines():
        line = line.split("//")[0].strip().rstrip(";")
        if line:
            out[line.split()[-1]] = line
    return out


@pytest.fixture(scope="module")
def survey():
    return load_survey(DEFAULT_DATA)


@pytest.mark.parametrize("name", list(specs.SPECS))
def test_stan_data_matches_the_programs_data_block(survey, name):
    spec = specs.get(name)
    inputs = inputs_for(spec, survey)
    data = stanref.stan_data(spec, inputs)
    declared = _declared_data(stanref.program(spec.family))
    assert set(data) == set(declared), set(data) ^ set(declared)
    n = data["N"]
    for key, decl in declared.items():
        if decl.startswith("array[N]"):
            assert len(data[key]) == n, key
        upper = re.search(r"upper=(\w+)", decl)
        lower = re.search(r"lower=(\w+)", decl)
        if decl.startswith("array[") and upper:
            bound = int(upper.group(1)) if upper.group(1).isdigit() else data[upper.group(1)]
            lo = int(lower.group(1)) if lower and lower.group(1).isdigit() else -np.inf
            values = np.asarray(data[key])
            assert values.min() >= lo and values.max() <= bound, key  # 1-based, in range
    if spec.family != "awareness":
        assert (
            np.shape(data["X"]) == (data["N_emp"], data["P"]) == (len(inputs.coords["employee"]), len(spec.predictors))
        )
        assert np.shape(data["Z"]) == (data["N_emp"], data["T"]) == (len(inputs.coords["employee"]), len(spec.terms))
        assert data["E"] == len(spec.exposures) == len(inputs.coords["exposure"])
        exposure_of_term = [inputs.coords["exposure"][e - 1] for e in data["term_exposure"]]
        assert exposure_of_term == [predictor for _, predictor, _ in spec.terms]  # 1-based, in spec order
    # every prior of the spec reaches Stan (sigma_total's scale under its own name)
    for prior, value in spec.priors.items():
        assert data["sigma_total_sd" if prior == "sigma_total" else prior] == value


@pytest.mark.parametrize("family", ["awareness", "ordinal", "binary"])
def test_stan_parameters_are_the_pymc_models_free_parameters(survey, family):
    """Every free parameter of the PyMC model is a Stan parameter of the same name, and vice versa."""
    spec = next(s for s in specs.SPECS.values() if s.family == family)
    model = builders.build(spec, inputs_for(spec, survey))
    block = re.search(r"\nparameters \{(.*?)\n\}", stanref.program(family), re.DOTALL).group(1)
    stan_params = {line.split("//")[0].strip().rstrip(";").split()[-1] for line in block.splitlines() if line.strip()}
    assert stan_params == {rv.name for rv in model.free_RVs}


def test_chain_draw_undoes_pystans_interleaving():
    chains, draws = 3, 5
    # PyStan's layout: the last axis runs over draws, chains interleaved (draw-major).
    truth = np.arange(chains * draws * 2).reshape(chains, draws, 2).astype(float)
    stan_layout = truth.transpose(2, 1, 0).reshape(2, draws * chains)
    np.testing.assert_array_equal(stanref._chain_draw(stan_layout, chains, draws), truth)


def _tree(values: dict[str, np.ndarray]) -> xr.DataTree:
    ds = xr.Dataset({k: (("chain", "draw", *[f"{k}_dim{i}" for i in range(v.ndim - 2)]), v) for k, v in values.items()})
    return xr.DataTree.from_dict({"posterior": ds})


def test_agreement_flags_a_shifted_posterior_and_passes_the_same_one():
    rng = np.random.default_rng(1)
    a = _tree({"beta": rng.normal(size=(4, 1000, 3)), "sigma": rng.normal(1, 0.1, size=(4, 1000))})
    b = _tree({"beta": rng.normal(size=(4, 1000, 3)), "sigma": rng.normal(1, 0.1, size=(4, 1000))})
    same = stanref.agreement(a, b, ["beta", "sigma"])
    assert len(same) == 4 and same["z"].abs().max() < stanref.critical_z(len(same))
    shifted = _tree(
        {"beta": rng.normal(size=(4, 1000, 3)) + np.array([0, 0, 0.2]), "sigma": rng.normal(1, 0.1, size=(4, 1000))}
    )
    flagged = stanref.agreement(a, shifted, ["beta", "sigma"])
    assert list(flagged.index[flagged["z"].abs() > stanref.critical_z(len(flagged))]) == ["beta[2]"]


def test_critical_z_grows_with_the_number_of_comparisons():
    assert 2.5 < stanref.critical_z(1) < 2.6  # two-sided 1%
    assert stanref.critical_z(100) > stanref.critical_z(10) > stanref.critical_z(1)


# --------------------------------------------------------------------------- the runner


def _fake_result(job):
    seconds = {"nutpie": 10.0, "pymc": 40.0, "stan": 20.0}[job["sampler"]]
    return {
        "status": "ok", "n_employees": 385, "n_obs": 1000, "n_parameters": 700,
        "import_seconds": 1.0, "load_seconds": 0.5, "setup_seconds": 2.0, "sampling_seconds": seconds,
        "worker_seconds": seconds + 3.0, "min_ess_bulk": 800.0, "max_rhat": 1.002, "divergences": 0,
        "grad_per_draw": 31.0, "peak_memory_mb": 500.0, "process_seconds": seconds + 3.5,
    }  # fmt: skip


def test_run_interleaves_samplers_and_writes_the_csv_after_every_run(tmp_path, monkeypatch):
    calls = []
    monkeypatch.setattr(bench, "simulate_data", lambda n, out: tmp_path / f"n{n}")

    def fake_worker(job, env, timeout):
        calls.append((job["model"], job["sampler"], env["NUMBA_CACHE_DIR"]))
        assert (tmp_path / "bench.csv").exists() == (len(calls) > 1)
        return _fake_result(job)

    monkeypatch.setattr(bench, "run_worker", fake_worker)
    frame = bench.run(["workload"], [206], ["nutpie", "pymc", "stan"], 2, tmp_path, report=lambda _: None)
    assert [c[1] for c in calls] == ["nutpie", "pymc", "stan"] * 2  # A B C A B C
    assert list(frame["cache"]) == ["cold"] * 3 + ["warm"] * 3
    assert len({c[2] for c in calls}) == 3  # one compilation cache per sampler, reused by the warm repeat
    assert len(pd.read_csv(tmp_path / "bench.csv")) == 6


def test_a_timed_out_configuration_is_not_tried_at_a_larger_size(tmp_path, monkeypatch):
    monkeypatch.setattr(bench, "simulate_data", lambda n, out: tmp_path / f"n{n}")

    def fake_worker(job, env, timeout):
        if job["sampler"] == "pymc":
            return {"status": "timeout", "error": "stopped after 20 minutes", "peak_memory_mb": 900.0}
        return _fake_result(job)

    monkeypatch.setattr(bench, "run_worker", fake_worker)
    frame = bench.run(["workload"], [206, 2060], ["nutpie", "pymc"], 1, tmp_path, report=lambda _: None)
    status = frame.set_index(["n_establishments", "sampler"])["status"]
    assert status[(206, "pymc")] == "timeout" and status[(2060, "pymc")] == "skipped"
    assert status[(2060, "nutpie")] == "ok"
    md = bench.markdown(frame)
    assert "Runs that did not finish" in md and "timed out at a smaller N" in md


def test_outputs_when_every_run_timed_out(tmp_path):
    """A benchmark of one size where nothing finished (the N = 20,600 isolation run did
    exactly that) still writes its tables, naming the run, instead of a traceback."""
    settings = {"chains": 4, "tune": 1000, "draws": 1000, "target_accept": 0.9, "seed": 1, "timeout_seconds": 1800}
    frame = pd.DataFrame(
        [settings | {"n_establishments": 20600, "model": "isolation", "sampler": "nutpie", "repeat": 1,
                     "cache": "cold", "status": "timeout", "error": "stopped after 30 minutes",
                     "peak_memory_mb": 2495.0}]
    )  # fmt: skip
    paths = bench.write_outputs(frame, tmp_path)
    md = paths["markdown"].read_text()
    assert "Runs that did not finish" in md and "stopped after 30 minutes" in md
    assert bench.comparison_table(frame).empty


def _frame(rows):
    settings = {"chains": 4, "tune": 1000, "draws": 1000, "target_accept": 0.9, "seed": 1, "timeout_seconds": 1200}
    return pd.DataFrame([settings | {"status": "ok", "repeat": 1, "cache": "cold"} | r for r in rows])


def test_comparison_table_gives_each_samplers_ratio_to_stan():
    frame = _frame(
        [
            {"n_establishments": 206, "model": m, "sampler": s, "min_ess_bulk": ess, "total_seconds": t,
             "sampling_seconds": t / 2, "ess_per_total_second": ess / t, "ess_per_sampling_second": 2 * ess / t,
             "setup_seconds": 1.0, "peak_memory_mb": 100.0, "max_rhat": 1.0, "divergences": 0, "grad_per_draw": 15.0}
            for m in ("workload", "complaints")
            for s, ess, t in (("stan", 1000.0, 100.0), ("nutpie", 1500.0, 50.0))
        ]
    )  # fmt: skip
    table = bench.comparison_table(frame).set_index(["model", "sampler"])
    assert table.loc[("workload", "nutpie"), "vs_stan_total"] == pytest.approx(3.0)
    assert table.loc[("complaints", "stan"), "vs_stan_total"] == pytest.approx(1.0)


def test_scaling_slope_recovers_a_power_law():
    sizes = [206, 2060, 20600]
    frame = _frame(
        [{"n_establishments": n, "model": "workload", "sampler": "nutpie", "total_seconds": 3.0 * n**1.2,
          "sampling_seconds": 2.0 * n**1.1, "peak_memory_mb": 50.0 * n**0.5} for n in sizes]
    )  # fmt: skip
    row = bench.scaling_table(frame).iloc[0]
    assert row["time_slope"] == pytest.approx(1.2) and row["memory_slope"] == pytest.approx(0.5)
    assert row["sampling_slope"] == pytest.approx(1.1)
    assert row["sizes"] == "206, 2060, 20600"


def test_outputs_are_a_csv_a_markdown_table_and_a_figure(tmp_path):
    frame = _frame(
        [{"n_establishments": n, "model": "workload", "sampler": "nutpie", "total_seconds": 0.1 * n,
          "sampling_seconds": 0.05 * n, "setup_seconds": 1.0, "peak_memory_mb": 100.0 + n, "min_ess_bulk": 900.0,
          "ess_per_total_second": 9000.0 / n, "ess_per_sampling_second": 18000.0 / n, "max_rhat": 1.001,
          "divergences": 0, "grad_per_draw": 15.0} for n in (206, 2060)]
    )  # fmt: skip
    paths = bench.write_outputs(frame, tmp_path)
    assert pd.read_csv(paths["csv"]).shape[0] == 2
    md = paths["markdown"].read_text()
    assert "## N = 206 establishments" in md and "## Growth with N" in md
    assert paths["figure"].stat().st_size > 10_000


# --------------------------------------------------------------------------- a real worker, tiny


needs_psutil = pytest.mark.skipif(
    importlib.util.find_spec("psutil") is None, reason="psutil (dev and bench extras) is not installed"
)


@needs_psutil
@pytest.mark.sampling  # nutpie samples in the worker process, where the mock of the default tier does not reach
def test_worker_runs_one_configuration_in_a_fresh_process(survey):
    """nutpie on the default survey, 2 chains x 30 + 30: every figure of a row is filled."""
    job = {"model": "isolation", "sampler": "nutpie", "data": str(DEFAULT_DATA), "chains": 2, "tune": 30,
           "draws": 30, "target_accept": 0.9, "seed": 7, "timeout_seconds": 600}  # fmt: skip
    result = bench.run_worker(job, dict(os.environ), timeout=600)
    assert result["status"] == "ok", result
    inputs = inputs_for(specs.get("isolation"), survey)
    assert (result["n_employees"], result["n_obs"]) == (len(inputs.coords["employee"]), inputs.n_obs)
    assert 0 < result["setup_seconds"] < result["worker_seconds"] <= result["process_seconds"] + 1
    assert result["sampling_seconds"] > 0 and result["peak_memory_mb"] > 100
    assert 1 <= result["grad_per_draw"] <= 1023 and result["min_ess_bulk"] > 0 and result["max_rhat"] > 0.9


@needs_psutil
def test_worker_past_its_time_limit_is_stopped():
    job = {"model": "isolation", "sampler": "nutpie", "data": str(DEFAULT_DATA), "chains": 2, "tune": 30,
           "draws": 30, "target_accept": 0.9, "seed": 7, "timeout_seconds": 1}  # fmt: skip
    result = bench.run_worker(job, dict(os.environ), timeout=1.0)
    assert result["status"] == "timeout" and "stopped after" in result["error"]


# --------------------------------------------------------------------------- the command


@pytest.mark.parametrize(
    "args, message",
    [
        (["--samplers", "nutpie,jags"], "unknown jags"),
        (["--models", "workload,stress"], "unknown stress"),
        (["--establishments", "206,lots"], "positive whole numbers"),
    ],
)
def test_bench_usage_errors(args, message, tmp_path):
    result = runner.invoke(app, ["bench", *args, "--out", str(tmp_path)])
    assert result.exit_code == EXIT_USAGE
    assert message in result.output
    assert not (tmp_path / "bench.csv").exists()


def test_bench_names_the_extra_when_a_sampler_is_missing(tmp_path, monkeypatch):
    monkeypatch.setattr(bench, "missing_modules", lambda samplers: {"stan": ["stan"]})
    result = runner.invoke(app, ["bench", "--samplers", "stan", "--out", str(tmp_path)])
    assert result.exit_code == EXIT_USAGE
    assert 'pip install -e ".[bench]"' in result.output


def test_workflow_times_a_cold_fit_a_rerun_and_a_refit_after_one_prior_change(tmp_path, monkeypatch):
    import yaml

    seen = []

    def fake_monitored(argv, env, timeout):
        seen.append((argv, env["NUMBA_CACHE_DIR"]))
        fits = Path(argv[argv.index("--fits") + 1])
        fits.mkdir(parents=True, exist_ok=True)
        (fits / f"m{len(seen)}.nc").write_bytes(b"0" * 2**21)  # each step leaves one more 2 MiB fit
        return bench.Monitored(0, 12.0, 800.0, "  fitted in 10 s -> x\n" if len(seen) != 2 else "  cached\n")

    monkeypatch.setattr(bench, "monitored", fake_monitored)
    frame = bench.workflow(tmp_path, DEFAULT_DATA, timeout=60, report=lambda _: None)
    assert frame["step"].str.startswith("fit all").all() and len(frame) == 2 + len(bench.PRIOR_CHANGES)
    assert list(frame["models_refitted"]) == [1, 0, 1, 1]
    assert list(frame["fits_on_disk_mb"]) == [2, 4, 6, 8]  # the fits folder measured after each step
    assert len({cache for _, cache in seen}) == 1  # one cache, empty at the start: cold, then warm
    configs = [yaml.safe_load(Path(argv[argv.index("--config") + 1]).read_text()) for argv, _ in seen[2:]]
    for before, after in zip([{}, *configs], configs):
        (model,) = set(after) - set(before)  # one more model changed than in the step before
        ((prior, value),) = after[model]["priors"].items()
        assert value != specs.get(model).priors[prior]
    assert (tmp_path / "workflow.md").read_text().count("| fit all") == 4


def test_fit_with_a_jax_sampler_but_no_jax_names_the_extra(monkeypatch, tmp_path):
    from thuiswerk.modelling import fit

    monkeypatch.setattr(fit, "missing_modules", lambda sampler: ["jax", "numpyro"])
    result = runner.invoke(app, ["fit", "workload", "--sampler", "numpyro", "--fits", str(tmp_path)])
    assert result.exit_code == EXIT_USAGE and 'pip install -e ".[bench]"' in result.output
    assert not list(tmp_path.iterdir())
