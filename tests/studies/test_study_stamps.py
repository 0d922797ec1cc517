"""Study files say which survey and models they belong to; the report shows a study only for those.

Every study file (data/sbc.csv, kfold.csv, design.csv, scenarios.csv) carries in its
header, per model, the hash of what the model saw of the survey and the hash of its
spec (:func:`thuiswerk.studies.many.stamp`). The report compares that stamp with its own
models (:func:`thuiswerk.studies.many.current`, :func:`thuiswerk.studies.many.belongs`): a study of
another survey or of other models is not shown, and the text gives the command that
runs it on these data. No test here samples: the chapters' study code runs against a
context built from the survey alone (the data hash a current fit keeps is the hash of
its inputs), except the last test, which uses the default fits.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pymc as pm
import pytest
import xarray as xr
from matplotlib.figure import Figure

from thuiswerk.core.resources import REPO_ROOT
from thuiswerk.data import simulate
from thuiswerk.data.survey import Survey
from thuiswerk.modelling import builders, specs, workflow
from thuiswerk.modelling.fit import SamplerSettings
from thuiswerk.studies import design, kfold, many, sbc, scenarios

SHIPPED = REPO_ROOT / "data" / "synthetic"
OTHER_DATA = Path("/elsewhere/survey")  # where the report's other survey is said to be (only named in commands)
NOT_RUN = "niet op deze gegevens uitgevoerd"


def context(survey: Survey, data_dir: Path, **extra) -> SimpleNamespace:
    """What the chapters use of the report's context, as a current fit of every model on ``survey`` has it."""
    adapted = [workflow.adapt(s, survey) for s in workflow.resolve_specs(["all"])]
    chosen = {a.name: a.spec for a in adapted if a.spec is not None}
    provenance = {n: {"data_hash": workflow.inputs_hash(workflow.inputs_for(s, survey))} for n, s in chosen.items()}
    return SimpleNamespace(specs=chosen, provenance=provenance, data_dir=data_dir, fits_dir=REPO_ROOT / "data" / "fits",
                           seed=workflow.DEFAULT_SEED, **extra)  # fmt: skip


@pytest.fixture(scope="module")
def shipped_survey() -> Survey:
    return workflow.load_valid_survey(SHIPPED)


@pytest.fixture(scope="module")
def shipped(shipped_survey) -> SimpleNamespace:
    return context(shipped_survey, SHIPPED)


@pytest.fixture(scope="module")
def small_survey() -> Survey:
    s = simulate.simulate(n_establishments=30, seed=5)
    return Survey(s.establishments, s.employees)


@pytest.fixture(scope="module")
def small(small_survey) -> SimpleNamespace:
    return context(small_survey, OTHER_DATA)


# --------------------------------------------------------------------------- the stamp itself


def test_stamp_is_the_data_hash_of_a_fit_and_the_spec_hash(small_survey):
    spec = specs.get("isolation")
    inputs = workflow.inputs_for(spec, small_survey)
    stamped = many.stamp(spec, small_survey)
    assert stamped == {"isolation": {"data_hash": workflow.inputs_hash(inputs), "spec_hash": spec.hash()}}
    assert many.stamp([spec], inputs) == stamped == many.stamp(spec, workflow.inputs_hash(inputs))
    with pytest.raises(ValueError, match="one model"):
        many.stamp([spec, specs.get("workload")], inputs)
    other = specs.with_overrides(spec, {"priors": {"slope_sd": 0.7}})  # other priors: another spec, the same data
    assert many.stamp(other, small_survey)["isolation"] == stamped["isolation"] | {"spec_hash": other.hash()}
    assert other.hash() != spec.hash()


def test_belongs_needs_the_same_spec_and_data_for_every_model_it_names(small, shipped):
    now = many.current(small.specs, small.provenance)
    stamped = {"stamp": {m: now[m] for m in ("complaints", "complaints_employer")}}
    assert many.belongs(stamped, now) and many.belongs(json.dumps(stamped), now)
    elsewhere = many.current(shipped.specs, shipped.provenance)
    assert not many.belongs(stamped, elsewhere)
    assert "other data" in many.belongs(stamped, elsewhere).reason
    respecified = {n: v | {"spec_hash": "x"} if n == "complaints_employer" else v for n, v in now.items()}
    assert "another model specification" in many.belongs(stamped, respecified).reason
    assert "not one of the report's models" in many.belongs(stamped, {"complaints": now["complaints"]}).reason
    no_stamp = many.belongs({"seed": 2022, "job": "abc"}, now)
    assert not no_stamp and "no stamp" in no_stamp.reason
    unhashed = {"complaints": now["complaints"] | {"data_hash": ""}}  # a fit without a data hash matches nothing
    assert not many.belongs({"stamp": unhashed}, now | unhashed)


def test_every_study_job_carries_its_stamp_and_the_file_keeps_it(small_survey, small, shipped, tmp_path):
    isolation, employer = specs.get("isolation"), specs.get("isolation_employer")
    settings = SamplerSettings(chains=1, tune=10, draws=10)
    now = many.current(small.specs, small.provenance)
    # sbc on the survey's own design: the stamp is the survey's, as a fit of it has
    job = sbc.job(isolation, sbc.design_inputs(isolation, small_survey, None, 1), 2, seed=1, settings=settings)
    assert job.stamp == many.stamp(isolation, small_survey)
    # sbc on a simulated design of another size: never the survey's
    simulated = sbc.job(isolation, sbc.design_inputs(isolation, small_survey, 40, 1), 2, seed=1, settings=settings)
    assert not many.belongs({"stamp": simulated.stamp}, now)
    # kfold: every model of the job
    folds = kfold.job([isolation, employer], small_survey, 2, seed=1, settings=settings)
    assert folds.stamp == many.stamp([isolation, employer], small_survey)
    # design: the data of the fit the effects are drawn from
    inputs = workflow.inputs_for(isolation, small_survey)
    with builders.build(isolation, inputs):
        prior = pm.sample_prior_predictive(draws=4, random_seed=1)["prior"].to_dataset()
    tree = xr.DataTree.from_dict({"posterior": prior})
    tree.attrs = {"data_hash": workflow.inputs_hash(inputs), "spec_hash": "s", "seed": 1}
    power = design.job(isolation, "isolatie_sociale_momenten", tree, (30,), 1, seed=1, settings=settings)
    assert power.stamp == many.stamp(isolation, small_survey)
    bare = many.Job(kind="k", config={}, tasks=[], func=many.probe)
    assert dataclasses.replace(bare, stamp={"x": {}}).key == bare.key  # the stamp is not part of the key
    # written as the CLI writes them (``_study_meta(job, run, ..., stamp=job.stamp)``) and read back
    ranks = pd.DataFrame([{c: 0 for c in sbc.COLUMNS} | {"model": "isolation", "quantity": "rho"}])
    path = sbc.write(ranks, tmp_path / "sbc.csv", {"seed": 1, "job": job.key, "stamp": job.stamp})
    points = pd.DataFrame([{c: 0 for c in kfold.COLUMNS} | {"model": m} for m in ("isolation", "isolation_employer")])
    kfold.write(points, tmp_path / "kfold.csv", {"folds": 2, "job": folds.key, "stamp": folds.stamp})
    for read in (lambda: sbc.read(path), lambda: kfold.read(tmp_path / "kfold.csv")):
        rows, meta = read()
        assert all(many.stamp_of(meta[m]) for m in set(rows["model"]))
        assert all(many.belongs(meta[m], now) for m in set(rows["model"]))
        assert not any(many.belongs(meta[m], many.current(shipped.specs, shipped.provenance)) for m in meta)
    shown, other = sbc.for_report(small, path)
    assert shown is not None and list(shown["model"].unique()) == ["isolation"] and other == {}


def test_the_scenario_study_is_stamped_with_its_specs_and_the_generator(monkeypatch, tmp_path):
    """The study's attributes carry the stamp (the fits are replaced by a findings table)."""
    from thuiswerk.analysis import findings

    monkeypatch.setattr(workflow, "fit_model", lambda *args, **kwargs: None)
    monkeypatch.setattr(workflow, "load_fit", lambda spec, *args: spec.name)
    row = {"id": "werkdruk_moeite_leidinggeven", "model": "workload", "mean": 0.1, "q05": 0.0, "q95": 0.2,
           "p_expected_direction": 0.99, "wording": "duidelijk", "direction": "positive"}  # fmt: skip
    monkeypatch.setattr(findings, "compute", lambda trees: pd.DataFrame([row]))
    result = scenarios.study(("default",), n_establishments=30, models=("workload",))
    stamp = json.loads(result.attrs[many.STAMP])
    assert stamp == {"workload": {"data_hash": many.GENERATOR, "spec_hash": specs.get("workload").hash()}}
    back = scenarios.read(scenarios.write(result, tmp_path / "scenarios.csv"))
    assert many.stamp_of(back.attrs) == stamp


# --------------------------------------------------------------------------- the shipped files


def test_the_shipped_study_files_belong_to_the_shipped_survey_and_models(shipped_survey):
    """Fails when a change of the synthetic survey, of what a model sees of it or of a model's spec makes a
    shipped study stale: the message names the study to run again (and commit)."""
    names = [s.name for s in workflow.resolve_specs(["all"])]
    now = many.stamp([workflow.adapt(specs.get(n), shipped_survey).spec for n in names], shipped_survey)
    stale = []
    for study, command in ((sbc, "sbc MODEL --replicates 100"), (kfold, "kfold MODEL MODEL_employer --folds 10"),
                           (design, "design --finding ID ...")):  # fmt: skip
        rows, meta = study.read(study.RESULT_FILE)
        by = "finding" if study is design else "model"
        for value in dict.fromkeys(rows[by].astype(str)):
            verdict = many.belongs(meta.get(value, ""), now)
            if not verdict:
                stale.append(f"{study.RESULT_FILE.name}, {value}: {verdict.reason} (run `thuiswerk {command}`)")
    generated = {name: {"data_hash": many.GENERATOR, "spec_hash": v["spec_hash"]} for name, v in now.items()}
    verdict = many.belongs(scenarios.read(scenarios.STUDY_FILE).attrs, generated)
    if not verdict:
        stale.append(f"{scenarios.STUDY_FILE.name}: {verdict.reason} (run `thuiswerk scenarios`)")
    assert not stale, "\n".join(stale)


def test_the_report_would_show_every_shipped_study_on_the_shipped_survey(shipped):
    for study in (sbc, kfold, design):
        shown, other = study.for_report(shipped)
        rows, _ = study.read(study.RESULT_FILE)
        assert shown is not None and len(shown) == len(rows) and other == {}, study.__name__
    study, why = scenarios.for_report(shipped)
    assert study is not None and why == ""


# --------------------------------------------------------------------------- the chapters on other data


def _cells(name: str) -> dict[str, str]:
    """The code of a chapter's cells by label."""
    from chapters import parse_chapter

    return {str(c.options.get("label")): c.code for c in parse_chapter(REPO_ROOT / "report" / name).cells}


def run_cell(code: str, namespace: dict):
    """Execute a cell as Quarto would (tests/reporting/test_report.py)."""
    from chapters import run_cell as run

    return run(code, namespace)


def _from(code: str, marker: str) -> str:
    """The part of a cell from the line that starts with ``marker``: a chapter's study code without the rest."""
    lines = code.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(marker))
    return "\n".join(lines[start:])


def test_chapter_4_does_not_show_a_design_study_of_other_data(small, shipped_survey):
    """The report is about a small survey; the shipped design study was made for the shipped one."""
    ctx = SimpleNamespace(**vars(small), establishments=shipped_survey.establishments,
                          findings=pd.DataFrame({"mean": [2.0]}, index=["niet_bekend_aantal_nlg"]))  # fmt: skip
    cells, namespace = _cells("04-resultaten-tot-stand.qmd"), {"__name__": "__quarto__", "ctx": ctx}
    run_cell(cells["design-setup"], namespace)
    assert namespace["design_table"] is None
    text = namespace["design_text"]
    assert text.startswith(f"De simulatie voor de omvang van een volgende meting is {NOT_RUN}; de opdracht ‘")
    _, meta = design.read(design.RESULT_FILE)  # the shipped run's sizes and replicates, as its header keeps them
    shipped = json.loads(meta["werkdruk_afspraken_werktijden"])
    sizes = ",".join(str(n) for n in shipped["sizes"])
    command = (f"thuiswerk design --finding werkdruk_afspraken_werktijden --establishments {sizes} "
               f"--replicates {shipped['replicates']} --data {OTHER_DATA}")  # fmt: skip
    assert f"‘{command}’ maakt haar." in text
    figure, _ = run_cell(cells["fig-omvang"], namespace)
    assert isinstance(figure, Figure) and figure.get_gid() == "study-not-run"
    assert NOT_RUN in namespace["design_missing"] and command in namespace["design_missing"]


def test_appendix_a_does_not_show_a_scenario_study_of_other_models(small, monkeypatch):
    """The scenario study runs on the generator's surveys: it is shown for the models it fitted, not for others."""
    monkeypatch.setattr("thuiswerk.reporting.context.load_context", lambda: small)
    cells = _cells("A-methode-en-modellen.qmd")
    namespace: dict = {"__name__": "__quarto__"}
    run_cell(cells["setup"], namespace)
    assert namespace["scenario_study"] is not None  # another survey, the same models: shown
    other = dict(small.specs) | {"workload": specs.with_overrides(specs.get("workload"), {"priors": {"slope_sd": 0.9}})}
    monkeypatch.setattr(
        "thuiswerk.reporting.context.load_context", lambda: SimpleNamespace(**vars(small) | {"specs": other})
    )
    namespace = {"__name__": "__quarto__"}
    run_cell(cells["setup"], namespace)
    assert namespace["scenario_study"] is None
    assert namespace["scenario_text"].startswith("De scenariostudie is niet met de modellen van dit rapport uitgevoerd")
    assert "andere priors" in namespace["scenario_text"]  # `thuiswerk scenarios` fits the default models
    _, printed = run_cell(cells["tbl-scenarios"], namespace)
    assert "niet met deze modellen uitgevoerd |" in printed
    # the shipped specs in code changed since the study: the command makes it again
    monkeypatch.setattr(specs, "SPECS", specs.SPECS | {"workload": other["workload"]})
    namespace = {"__name__": "__quarto__"}
    run_cell(cells["setup"], namespace)
    assert namespace["scenario_text"] == ("De scenariostudie is niet met de modellen van dit rapport uitgevoerd; "
                                          "de opdracht ‘thuiswerk scenarios’ maakt haar.")  # fmt: skip
    _, printed = run_cell(cells["tbl-scenarios"], namespace)
    assert "niet met deze modellen uitgevoerd (thuiswerk scenarios)" in printed


def test_appendix_b_does_not_show_calibration_or_cross_validation_of_other_data(small, tmp_path, monkeypatch):
    """SBC and K-fold stamped for the small survey are not shown on the shipped one, and the reverse; a partly
    matching file shows the models that match and names the others with their command."""
    cells = _cells("B-diagnostiek.qmd")
    setup = _from(cells["setup"], "from thuiswerk.studies import kfold")

    def chapter(ctx) -> dict:
        ctx = SimpleNamespace(**vars(ctx), cached=lambda name, compute: compute())
        namespace = {"__name__": "__quarto__", "ctx": ctx, "pd": pd}
        run_cell(
            "from thuiswerk.core import nl\nfrom thuiswerk.reporting.figures import model_checks, placeholders, studies\n"
            "from thuiswerk.reporting import summaries\nfrom thuiswerk.reporting import tables\n" + setup,
            namespace,
        )
        return namespace

    ns = chapter(small)  # the shipped files, on another survey
    assert ns["sbc_ranks"] is None and ns["kfold_points"] is None
    assert ns["sbc_text"].startswith(f"De kalibratiestudie is {NOT_RUN}; de opdrachten ‘thuiswerk sbc awareness")
    for model in sbc.MODELS:
        assert f"‘thuiswerk sbc {model} --replicates 100 --data {OTHER_DATA}’" in ns["sbc_text"]
    assert ns["kfold_text"].startswith(f"De kruisvalidatie is {NOT_RUN}; de opdrachten ")
    for pair in ("complaints complaints_employer", "isolation isolation_employer"):
        assert f"‘thuiswerk kfold {pair} --folds 10 --data {OTHER_DATA}’" in ns["kfold_text"]
    _, printed = run_cell(cells["tbl-kalibratie"], ns)
    assert NOT_RUN in printed and "thuiswerk sbc isolation" in printed
    figure, _ = run_cell(cells["fig-kalibratie"], ns)
    assert isinstance(figure, Figure) and figure.get_gid() == "study-not-run"
    _, printed = run_cell(cells["tbl-kfold"], ns)
    # a table cell escapes '_' (and lets a long name break after it) and '--' (Pandoc would make it a dash)
    printed = printed.replace("\\_\u200b", "_").replace("\\-\\-", "--")
    assert NOT_RUN in printed and "thuiswerk kfold isolation isolation_employer --folds 10" in printed

    # one model stamped for the report's survey, the others not: that one is shown, the others named
    ranks, meta = sbc.read()
    meta = dict(meta)
    for model in meta:
        header = json.loads(meta[model])
        header["stamp"] = {model: many.current(small.specs, small.provenance)[model]} if model == "isolation" else {}
        meta[model] = json.dumps(header)
    header_lines = "".join(f"# {k}: {v}\n" for k, v in sorted(meta.items()))
    path = tmp_path / "sbc.csv"
    path.write_text(header_lines + ranks.to_csv(index=False), encoding="utf-8")
    monkeypatch.setattr(sbc, "RESULT_FILE", path)
    ns = chapter(small)
    assert list(ns["sbc_ranks"]["model"].unique()) == ["isolation"]
    quantities = ranks.loc[ranks["model"] == "isolation", "quantity"].nunique()  # as many as the file holds
    assert f"Van de {quantities} grootheden van isolatie (kennis van de werknemer)" in ns["sbc_text"]
    assert (f"De kalibratiestudie van kennis van maatregelen en klachten (kennis van de werknemer) is {NOT_RUN}"
            in ns["sbc_text"])  # fmt: skip
    assert "thuiswerk sbc isolation " not in ns["sbc_text"]

    # no file at all: the text as before
    monkeypatch.setattr(sbc, "RESULT_FILE", tmp_path / "absent.csv")
    ns = chapter(small)
    assert ns["sbc_text"] == ("De kalibratiestudie is voor deze versie niet uitgevoerd; "
                              "de opdracht ‘thuiswerk sbc MODEL’ maakt haar.")  # fmt: skip


def test_commands_repeat_the_reports_options(small, monkeypatch):
    """Paths inside the repository stay relative; mapping and prior overrides come from the report's environment;
    `thuiswerk sbc` gets no --fits (it reads no fits)."""
    ctx = SimpleNamespace(**vars(small) | {"data_dir": REPO_ROOT / "data" / "synthetic", "fits_dir": Path("/tmp/f"),
                                           "seed": 7})  # fmt: skip
    monkeypatch.setenv("THUISWERK_CONFIG", "priors.yaml")
    monkeypatch.delenv("THUISWERK_MAPPING", raising=False)
    assert many.report_run(ctx).command("kfold", "a") == "thuiswerk kfold a --fits /tmp/f --seed 7 --config priors.yaml"
    assert many.report_run(ctx, fits=False).command("sbc", "a") == "thuiswerk sbc a --seed 7 --config priors.yaml"
    assert many.not_run_nl("De kruisvalidatie", ["x"]) == f"De kruisvalidatie is {NOT_RUN}; de opdracht ‘x’ maakt haar."


# --------------------------------------------------------------------------- with the default fits


def test_the_chapters_show_the_shipped_studies_with_the_default_fits(default_fits, monkeypatch):
    """The stamps match what the stored fits keep (their data_hash) and the specs the report uses."""
    from thuiswerk.reporting.context import load_context

    monkeypatch.setenv("THUISWERK_FITS", str(default_fits))
    ctx = load_context()
    for study in (sbc, kfold, design):
        shown, other = study.for_report(ctx)
        assert shown is not None and other == {}, study.__name__
        assert len(shown) == len(study.read(study.RESULT_FILE)[0])
    assert scenarios.for_report(ctx)[0] is not None
