"""A survey without optional columns: validated, and fitted as far as its columns allow, never with made-up values."""

from __future__ import annotations

import json
import re

import pandas as pd
import pytest
from typer.testing import CliRunner

from thuiswerk.cli import app
from thuiswerk.cli.main import EXIT_DIAGNOSTICS
from thuiswerk.data import simulate
from thuiswerk.data.survey import load_survey
from thuiswerk.modelling import store
from thuiswerk.modelling.specs import SPECS
from thuiswerk.modelling.workflow import adapt

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
    from thuiswerk.core import nl
    from thuiswerk.reporting.context import ReportContext

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
    complete = ReportContext(
        data_dir=partial,
        fits_dir=partial,
        seed=1,
        establishments=survey.establishments,
        employees=survey.employees,
        specs={},
        fits={},
        provenance={},
        data_hash="",
        git_commit="",
    )
    assert complete.left_out_markdown() == ""


# --------------------------------------------------------------------------- only what the models read


def _model_columns(survey) -> dict[str, list[str]]:
    """Per table, the columns the ten models read: found by fitting-input preparation on a survey without any."""
    import dataclasses

    from thuiswerk.core import codebook
    from thuiswerk.modelling import workflow

    cb = codebook.load()
    optional = {c for t in ("establishments", "employees") for c in cb.optional(t)}

    def prepare_all(establishments, employees):
        bare = dataclasses.replace(survey, establishments=establishments, employees=employees)
        for spec in SPECS.values():
            workflow.inputs_for(spec, bare)

    needed = set(workflow.lacking(prepare_all, survey.establishments, survey.employees, optional))
    return {
        t: [c for c in frame.columns if c in needed or c not in optional]
        for t in ("establishments", "employees")
        for frame in [survey.table(t)]
    }


@pytest.fixture(scope="module")
def bare(tmp_path_factory, default_fits):
    """The default synthetic survey with only the columns the models read.

    The models see exactly the same inputs, so the default fits are current for it
    (a fit's data hash is that of its inputs): nothing is refitted.
    """
    from thuiswerk.core.resources import REPO_ROOT

    folder = tmp_path_factory.mktemp("bare")
    source = REPO_ROOT / "data" / "synthetic"
    keep = _model_columns(load_survey(source))
    for table, columns in keep.items():
        frame = pd.read_csv(source / f"{table}.csv", dtype=str, keep_default_na=False)
        frame[columns].to_csv(folder / f"{table}.csv", index=False)
    return folder, default_fits, keep


def test_a_survey_with_only_the_model_columns_validates_and_its_fits_are_current(bare):
    from thuiswerk.modelling import workflow

    folder, fits, _ = bare
    survey = load_survey(folder)
    assert sum(len(c) for c in survey.absent.values()) > 40, "the bare survey lacks most of the codebook"
    adapted = [adapt(s, survey) for s in SPECS.values()]
    assert all(a.spec == SPECS[a.name] for a in adapted), "every model is fitted as it is, nothing dropped"
    result = runner.invoke(app, ["validate", str(folder)])
    assert result.exit_code == 0, result.output
    assert workflow.stale_fits(list(SPECS.values()), survey, fits, workflow.DEFAULT_SEED) == {}


def test_every_chapter_runs_on_it_and_says_what_it_lacks(bare, monkeypatch):
    """Every cell and inline expression of the book runs on the bare survey; a figure that needs
    an absent column is replaced by one that names it; the opening lists every absent column."""
    import matplotlib
    from IPython.core.pylabtools import print_figure  # what Quarto's Jupyter kernel uses to show a figure
    from matplotlib.figure import Figure

    from chapters import Cell, chapter_paths, parse_chapter, run_cell
    from thuiswerk.core import nl
    from thuiswerk.reporting.context import load_context

    matplotlib.use("Agg")
    folder, fits, _ = bare
    monkeypatch.setenv("THUISWERK_DATA", str(folder))
    monkeypatch.setenv("THUISWERK_FITS", str(fits))
    ctx = load_context()
    absent = [c for cols in ctx.absent.values() for c in cols]
    opening = ctx.left_out_markdown()
    assert all(nl.label(c) in opening for c in absent)
    placeholders = []
    for path in chapter_paths():
        if path.name == "B-diagnostiek.qmd":  # diagnostics of the fits only (the same fits; test_report runs it)
            assert not re.search(r"ctx\.(employees|establishments)|load_survey", path.read_text(encoding="utf-8"))
            continue
        namespace: dict = {"__name__": "__quarto__"}
        for item in parse_chapter(path).items:
            if isinstance(item, Cell):
                value, _ = run_cell(item.code, namespace)
                if isinstance(value, Figure) and value.get_gid() == "unavailable":
                    placeholders.append(str(item.options.get("label")))
                    text = " ".join(t.get_text() for ax in value.axes for t in ax.texts)
                    assert "de enquête bevat" in text and "niet" in text, text
                    assert print_figure(value, "png"), "Jupyter must show it as an image, not as text"
            else:
                value = eval(item.expr, namespace)
                assert isinstance(value, str) and value.strip(), f"{path.name}: `{item.expr}` gave {value!r}"
    # figures of model columns only are drawn (complaints, workload, isolation); the others say what they lack
    assert not {"fig-klachten", "fig-werkdruk", "fig-isolatie"} & set(placeholders)
    assert {"fig-belemmeringen", "fig-rie", "fig-meubilair-aanwezig"} <= set(placeholders), placeholders
