"""The sampling tier (real, tiny, seeded fits): every builder through `thuiswerk fit` with NUTS,
the store, cache hit / miss / refusal, and `thuiswerk check` on real diagnostics."""

from __future__ import annotations

import re
import shutil

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from thuiswerk.analysis import checks, compare
from thuiswerk.cli import app
from thuiswerk.cli.main import EXIT_DIAGNOSTICS, EXIT_STALE
from thuiswerk.data import simulate
from thuiswerk.modelling import store

pytestmark = pytest.mark.sampling  # the default tier runs the rest of the package on mocked draws

runner = CliRunner()
TINY = ["--sampler", "pymc", "--chains", "2", "--tune", "60", "--draws", "60"]
MODELS = ["awareness", "workload", "complaints", "workload_employer"]  # every family, and one comparison pair


@pytest.fixture(scope="module")
def fitted(tmp_path_factory):
    root = tmp_path_factory.mktemp("fits")
    data, fits = root / "survey", root / "fits"
    simulate.write(simulate.simulate(n_establishments=25, seed=3), data)
    result = runner.invoke(app, ["fit", *MODELS, "--data", str(data), "--fits", str(fits), *TINY])
    assert result.exit_code == 0, result.output
    return data, fits, result.output


def test_fit_writes_one_file_per_model_with_provenance(fitted):
    data, fits, output = fitted
    for name in MODELS:
        tree = store.read(fits / f"{name}.nc")
        assert tree.attrs["model"] == name
        groups = {"prior", "posterior", "log_likelihood", "log_likelihood_cell", "posterior_predictive", "sample_stats"}
        assert groups <= set(tree.children)
        # az.loo(tree) needs one array in log_likelihood: the employee-level (marginal) one,
        # a log-probability of discrete data
        assert list(tree["log_likelihood"].data_vars) == ["y_by_employee"]
        by_emp = tree["log_likelihood"]["y_by_employee"].to_numpy()
        assert np.isfinite(by_emp).all() and (by_emp <= 1e-9).all()
    assert "excluded:" in output and "did not complete the questionnaire" in output


def test_rerun_is_a_cache_hit_that_does_not_sample(fitted):
    data, fits, _ = fitted
    path = fits / "workload.nc"
    before = path.stat().st_mtime_ns
    result = runner.invoke(app, ["fit", "workload", "--data", str(data), "--fits", str(fits), *TINY])
    assert result.exit_code == 0, result.output
    assert "cached, not refitted" in result.output
    assert path.stat().st_mtime_ns == before


def test_changed_prior_is_a_cache_miss(fitted, tmp_path):
    data, fits, _ = fitted
    config = tmp_path / "priors.yaml"
    config.write_text("complaints:\n  priors:\n    beta_sd: 0.3\n")
    fits2 = tmp_path / "fits"
    fits2.mkdir()
    (fits2 / "complaints.nc").write_bytes((fits / "complaints.nc").read_bytes())
    result = runner.invoke(
        app, ["fit", "complaints", "--data", str(data), "--fits", str(fits2), "--config", str(config), *TINY]
    )
    assert result.exit_code == 0, result.output
    assert "fitted in" in result.output
    original = store.read_attrs(fits / "complaints.nc")
    assert store.read_attrs(fits2 / "complaints.nc")["spec_hash"] != original["spec_hash"]
    # reverting the prior takes the replaced fit back instead of sampling again
    back = runner.invoke(app, ["fit", "complaints", "--data", str(data), "--fits", str(fits2), *TINY])
    assert back.exit_code == 0, back.output
    assert "taken back, not refitted" in back.output
    assert store.read_attrs(fits2 / "complaints.nc")["spec_hash"] == original["spec_hash"]
    listed = store.list_fits(fits2)
    assert sorted(listed["state"]) == ["current", "kept"]  # the --config fit is kept in turn
    assert len(store.prune_kept(fits2)) == 1 and list(store.list_fits(fits2)["state"]) == ["current"]


def test_check_prints_diagnostics_and_fails_tiny_fits(fitted):
    data, fits, _ = fitted
    result = runner.invoke(app, ["check", *MODELS, "--data", str(data), "--fits", str(fits)])
    assert result.exit_code == EXIT_DIAGNOSTICS, result.output  # 120 draws cannot reach ESS 400
    for name in MODELS:
        assert name in result.output
    assert "bulk ESS" in result.output


def test_check_refuses_fits_of_other_data(fitted, tmp_path):
    _, fits, _ = fitted
    other = tmp_path / "other"
    simulate.write(simulate.simulate(n_establishments=25, seed=4), other)
    result = runner.invoke(app, ["check", "workload", "--data", str(other), "--fits", str(fits)])
    assert result.exit_code == EXIT_STALE
    assert "data changed" in result.output and "thuiswerk fit workload" in result.output


def _swap(folder, column: str) -> None:
    """Swap the answers of two employees who differ on ``column`` (the survey stays valid)."""
    path = folder / "employees.csv"
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    values = frame[column]
    i = values.index[values != ""][0]
    j = values.index[(values != values[i]) & (values != "")][0]
    frame.loc[[i, j], column] = [values[j], values[i]]
    frame.to_csv(path, index=False)


def test_a_fit_is_stale_only_when_its_own_inputs_change(fitted, tmp_path):
    """The data hash is that of the model's inputs: an answer no model reads leaves every fit
    current; an answer the workload model reads makes its fit stale and no other."""
    data, fits, _ = fitted
    figure_only, workload_only = tmp_path / "figure_only", tmp_path / "workload_only"
    shutil.copytree(data, figure_only)
    _swap(figure_only, "furniture_present")  # fig-meubilair-aanwezig; read by no model
    result = runner.invoke(app, ["check", *MODELS, "--data", str(figure_only), "--fits", str(fits)])
    assert result.exit_code == EXIT_DIAGNOSTICS, result.output  # current, so checked (and tiny fits fail)
    shutil.copytree(data, workload_only)
    _swap(workload_only, "psychological_workload")
    result = runner.invoke(app, ["check", *MODELS, "--data", str(workload_only), "--fits", str(fits)])
    # the two current fits are checked (and fail: tiny), the stale ones are named with the command that refits them
    assert result.exit_code == EXIT_DIAGNOSTICS, result.output
    stale = {name for name in MODELS if f"{name}.nc" in result.output}
    assert stale == {"workload", "workload_employer"} and "data changed" in result.output
    assert "Not checked" in result.output and "thuiswerk fit workload workload_employer" in result.output
    assert {"awareness", "complaints"} <= set(re.findall(r"^\s*(\w+)\s+\d\.\d{3}", result.stdout, re.M))


def test_unknown_model_is_a_usage_error(fitted):
    data, fits, _ = fitted
    result = runner.invoke(app, ["fit", "workloads", "--data", str(data), "--fits", str(fits)])
    assert result.exit_code != 0 and "unknown model" in result.output


def test_predictive_checks_cover_every_aspect_region_and_measure(fitted):
    _, fits, _ = fitted
    workload = store.read(fits / "workload.nc")
    table = checks.predictive_table(workload)
    assert list(table.index) == list(workload["posterior"].coords["aspect"].values)
    assert ((table["observed"] >= 1) & (table["observed"] <= 5)).all()
    assert (table["lo"] <= table["predicted"]).all() and (table["predicted"] <= table["hi"]).all()
    cats = checks.category_table(workload)
    np.testing.assert_allclose(cats.groupby("aspect")["observed"].sum(), 1.0)
    complaints = checks.predictive_table(store.read(fits / "complaints.nc"))
    assert ((complaints["observed"] >= 0) & (complaints["observed"] <= 1)).all()
    awareness = checks.predictive_table(store.read(fits / "awareness.nc"))
    assert len(awareness) == 15


def test_loo_per_model_and_the_knowledge_versus_employer_comparison(fitted):
    _, fits, _ = fitted
    trees = {name: store.read(fits / f"{name}.nc") for name in MODELS}
    table = compare.loo_table(trees)
    assert set(table.index) == set(MODELS)
    assert (table["elpd_loo"] < 0).all() and (table["max_pareto_k"] > 0).all()
    pair = compare.knowledge_vs_employer(trees)
    assert list(pair.index) == ["workload"]
    row = pair.loc["workload"]
    assert np.isclose(row["elpd_diff"], row["elpd_known"] - row["elpd_employer"])
    assert row["se_diff"] > 0


# Plausibility bounds of the prior predictive checks that justify the default priors:
# the prior must allow every realistic mean (wide enough) without piling up at the
# ends of the scale (not absurd). Ordinal means on 1..5, shares on 0..1.
PRIOR_BOUNDS = {
    "workload": {"q05_min": 1.2, "q95_max": 4.8, "width_min": 1.0},
    "complaints": {"q05_min": 0.02, "q95_max": 0.8, "width_min": 0.15},
    "awareness": {"q05_min": 0.05, "q95_max": 0.95, "width_min": 0.3},
}


@pytest.mark.parametrize("name", sorted(PRIOR_BOUNDS))
def test_prior_predictive_spread_is_plausible(fitted, name):
    _, fits, _ = fitted
    spread = checks.prior_predictive_spread(store.read(fits / f"{name}.nc"))
    bounds = PRIOR_BOUNDS[name]
    assert spread["q05"] >= bounds["q05_min"], spread
    assert spread["q95"] <= bounds["q95_max"], spread
    assert spread["q95"] - spread["q05"] >= bounds["width_min"], spread


def test_prior_sensitivity_covers_the_chosen_parameters(fitted):
    _, fits, _ = fitted
    tree = store.read(fits / "workload.nc")
    table = checks.prior_sensitivity(tree, ["beta", "sigma_total", "rho", "not_a_variable"])
    n_beta = tree["posterior"].sizes["predictor"]
    assert len(table) == n_beta + 2
    assert (table["prior"] >= 0).all() and (table["likelihood"] >= 0).all()
    flagged = table["prior"] > 0.05
    assert (table.loc[flagged, "diagnosis"].str.startswith("potential")).all()
    assert not table.loc[~flagged, "diagnosis"].str.startswith("potential").any()


def test_the_convergence_verdict_is_stored_with_the_fit(fitted):
    data, fits, _ = fitted
    import json

    verdict = json.loads(store.read_attrs(fits / "workload.nc")["diagnostics"])
    assert verdict["passed"] is False and "bulk ESS" in verdict["failures"]  # 120 draws cannot reach ESS 400


def test_compare_uses_whichever_models_are_fitted_and_gates_on_convergence(fitted):
    """Four of the ten models are fitted: compare names the other six; the tiny fits fail the policy."""
    data, fits, _ = fitted
    options = ["--data", str(data), "--fits", str(fits)]
    refused = runner.invoke(app, ["compare", *options])
    assert refused.exit_code == EXIT_DIAGNOSTICS, refused.output
    assert "fails the convergence policy" in refused.output and "--allow-failing" in refused.output
    assert "Traceback" not in refused.output
    marked = runner.invoke(app, ["compare", *options, "--allow-failing"])
    assert marked.exit_code == EXIT_STALE, marked.output  # six models are not fitted: named, and exit 4
    assert "Not compared" in marked.output and "isolation" in marked.output  # not fitted: named
    assert "thuiswerk fit " in marked.output and f"--fits {fits}" in marked.output
    for name in MODELS:
        assert f"{name} (FAILS check)" in marked.output
    assert "Known by the employee" in marked.output  # the workload pair is fitted
