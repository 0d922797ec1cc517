"""A survey without optional columns: validated, and fitted as far as its columns allow, never with made-up values."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from typer.testing import CliRunner

from thuiswerk import simulate, store
from thuiswerk.cli import EXIT_DIAGNOSTICS, app
from thuiswerk.data import load_survey
from thuiswerk.specs import SPECS
from thuiswerk.workflow import adapt

runner = CliRunner()
TINY = ["--sampler", "pymc", "--chains", "2", "--tune", "50", "--draws", "50"]
# one covariate of every outcome model, and both isolation outcomes
DROPPED = ["children_at_home", "isolation_colleagues", "isolation_company"]


@pytest.fixture(scope="module")
def partial(tmp_path_factory):
    folder = tmp_path_factory.mktemp("partial")
    simulate.write(simulate.simulate(n_establishments=30, seed=5), folder)
    employees = pd.read_csv(folder / "employees.csv", dtype=str)
    employees.drop(columns=DROPPED).to_csv(folder / "employees.csv", index=False)
    return folder


def test_absent_columns_are_absent_not_filled(partial):
    survey = load_survey(partial)
    assert set(DROPPED) <= set(survey.absent["employees"])
    assert not set(DROPPED) & set(survey.employees.columns)
    result = runner.invoke(app, ["validate", str(partial)])
    assert result.exit_code == 0, result.output
    assert "children_at_home" in result.output  # the summary says what is absent


def test_models_are_skipped_or_fitted_without_the_absent_covariate(partial):
    survey = load_survey(partial)
    outcome = {name: adapt(spec, survey) for name, spec in SPECS.items()}
    for name in ("isolation", "isolation_employer", "isolation_joint"):
        assert outcome[name].spec is None and "isolation_" in outcome[name].reason
    for name in ("workload", "complaints", "workload_employer"):
        assert outcome[name].dropped == ("children_at_home",)
        assert "children_at_home" not in outcome[name].spec.predictors
        assert set(outcome[name].spec.predictors) == set(SPECS[name].predictors) - {"children_at_home"}
    assert outcome["awareness"].spec == SPECS["awareness"] and outcome["awareness"].dropped == ()


def test_fit_names_what_it_leaves_out_and_the_fit_records_it(partial, tmp_path):
    fits = tmp_path / "fits"
    result = runner.invoke(app, ["fit", "complaints", "isolation", "--data", str(partial), "--fits", str(fits), *TINY])
    assert result.exit_code == 0, result.output
    assert "isolation: not fitted on this survey" in result.output
    assert "complaints: fitted without the covariate(s) children_at_home" in result.output
    assert not (fits / "isolation.nc").exists()
    attrs = store.read_attrs(fits / "complaints.nc")
    assert "children_at_home" in json.loads(attrs["absent_columns"])["employees"]
    assert "children_at_home" not in json.loads(attrs["spec"])["predictors"]
    # the same survey reads the fit as current (the adapted spec, not the default one): check
    # gets as far as the diagnostics, which 50 draws fail, instead of calling the fit stale
    check = runner.invoke(app, ["check", "complaints", "--data", str(partial), "--fits", str(fits)])
    assert check.exit_code == EXIT_DIAGNOSTICS, check.output


def test_the_report_says_what_the_survey_lacks(partial):
    """The report's opening names every absent column, every model not fitted and every covariate left out."""
    from thuiswerk import nl
    from thuiswerk.summaries import ReportContext

    survey = load_survey(partial)
    outcome = {name: adapt(spec, survey) for name, spec in SPECS.items()}
    ctx = ReportContext(
        data_dir=partial, fits_dir=partial, seed=1, establishments=survey.establishments,
        employees=survey.employees, specs={}, fits={}, provenance={}, data_hash="", git_commit="",
        absent={t: c for t, c in survey.absent.items() if c},
        left_out={n: a.reason for n, a in outcome.items() if a.spec is None},
        dropped={n: a.dropped for n, a in outcome.items() if a.dropped},
    )  # fmt: skip
    text = ctx.left_out_markdown()
    for column in DROPPED:
        assert nl.label(column) in text
    assert "isolatie (kennis van de werknemer)" in text and "het achtergrondkenmerk thuiswonende kinderen" in text
    complete = ReportContext(data_dir=partial, fits_dir=partial, seed=1, establishments=survey.establishments,
                             employees=survey.employees, specs={}, fits={}, provenance={}, data_hash="", git_commit="")
    assert complete.left_out_markdown() == ""
