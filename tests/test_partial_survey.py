"""A survey from elsewhere: models fit what it holds, unidentifiable columns are left out with a reason
in words, findings that need them are "niet te schatten", and one failing model never stops the others.

Fast tier, no sampling: the adapted specs, the design analysis and the findings of a hand-made
posterior; `fit all` with a stand-in for the sampler.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import xarray as xr
from typer.testing import CliRunner

from thuiswerk.analysis import estimands, findings, wording
from thuiswerk.cli import app
from thuiswerk.core import dims, errors
from thuiswerk.data import simulate
from thuiswerk.data.survey import load_survey
from thuiswerk.modelling import prepare, specs, workflow

runner = CliRunner()


def _survey_folder(folder: Path, drop: tuple[str, ...] = (), empty_cell: bool = False, n: int = 40) -> Path:
    """A simulated survey without the ``drop`` columns; with ``empty_cell`` no non-manager knows
    conversations that the employer does not report (the interaction of the joint isolation model
    then equals knowing)."""
    simulate.write(simulate.simulate(n_establishments=n, seed=7), folder)
    emp = pd.read_csv(folder / "employees.csv", dtype=str, keep_default_na=False)
    est = pd.read_csv(folder / "establishments.csv", dtype=str, keep_default_na=False)
    if empty_cell:
        employer = emp["establishment_id"].map(est.set_index("establishment_id")["employer_conversations"])
        mask = (emp["role"] == "niet_leidinggevende") & (employer == "0")
        emp.loc[mask & (emp["knows_conversations"] != ""), "knows_conversations"] = "0"
    emp.drop(columns=list(drop)).to_csv(folder / "employees.csv", index=False)
    (folder / "population.csv").unlink(missing_ok=True)
    return folder


@pytest.fixture(scope="module")
def partial(tmp_path_factory) -> Path:
    return _survey_folder(
        tmp_path_factory.mktemp("partial"), drop=("detachment_problems", "complaint_arm"), empty_cell=True
    )


# --------------------------------------------------------------------------- the design


def test_an_interaction_with_an_empty_cell_is_left_out_with_its_reason_in_words(partial):
    survey = load_survey(partial)
    adapted = workflow.adapt(specs.get("isolation_joint"), survey)
    assert adapted.spec is not None
    assert [d.column for d in adapted.unidentified] == ["knows_x_employer_conversations|niet_leidinggevende"]
    reason = adapted.unidentified[0].dutch()
    assert reason == (
        "geen enkele niet-leidinggevende kent gesprekken om te zien wat er leeft zonder dat de werkgever die "
        "maatregel noemt"
    )
    assert "no non-manager knows conversations" in adapted.notices()[0]
    terms = [t for t, _, _ in adapted.spec.terms]
    assert "knows_x_employer_conversations|niet_leidinggevende" not in terms
    assert "knows_x_employer_conversations|leidinggevende" in terms  # the managers' term stays
    prepare.check_design(workflow.inputs_for(adapted.spec, survey, check=False), "ordinal")  # full rank now
    # the same survey without the empty cell keeps every term
    assert (
        workflow.adapt(specs.get("isolation_joint"), simulate.simulate(n_establishments=40, seed=7)).unidentified == ()
    )


def _inputs(columns: dict[str, np.ndarray], roles: np.ndarray) -> prepare.ModelInputs:
    n = len(roles)
    terms = [c for c in columns if "|" in c]
    covariates = [c for c in columns if "|" not in c]
    stack = lambda names: np.column_stack([columns[c] for c in names]) if names else np.zeros((n, 0))  # noqa: E731
    return prepare.ModelInputs(
        coords={dims.EMPLOYEE: list(range(n)), dims.PREDICTOR: covariates, dims.TERM: terms, dims.OBS: []},
        data={"X": stack(covariates), "Z": stack(terms), "role_of_emp": roles},
    )


def test_each_kind_of_dependency_is_found_in_design_order_and_explained():
    rng = np.random.default_rng(1)
    roles = np.array([0, 1] * 20)
    manager = (roles == 0).astype(float)
    knows = rng.integers(0, 2, 40) * manager
    cols = {
        "age_10": rng.normal(size=40),
        "knows_social_moments|leidinggevende": knows,
        "knows_x_employer_social_moments|leidinggevende": knows,  # equal: nobody knows it unreported
        "living_alone|leidinggevende": np.zeros(40),  # zero
        "home_share|leidinggevende": 0.4 * manager,  # constant within the role
        "exhaustion|leidinggevende": 2 * knows + 0.5 * manager,  # a combination
    }
    found = {d.column: d for d in prepare.dependencies(_inputs(cols, roles), "binary")}
    assert list(found) == list(cols)[2:]  # the later column of each dependency, never the first
    assert [found[c].kind for c in found] == ["equal", "zero", "constant", "combination"]
    assert "kent ingeplande momenten voor sociaal contact zonder dat de werkgever" in found[list(cols)[2]].dutch()
    assert found["living_alone|leidinggevende"].dutch() == "‘alleenwonend’ is bij alle leidinggevenden in het model 0"
    assert "dezelfde waarde" in found["home_share|leidinggevende"].dutch()
    assert "optelsom" in found["exhaustion|leidinggevende"].dutch()
    with pytest.raises(prepare.DesignError, match="living_alone") as refused:
        prepare.check_design(_inputs(cols, roles), "binary")
    assert refused.value.exit_code == 12
    # stored with a fit and read back
    again = prepare.Dependency.from_dict(json.loads(json.dumps(found["exhaustion|leidinggevende"].as_dict())))
    assert again == found["exhaustion|leidinggevende"]


def test_a_covariate_equal_to_the_intercepts_is_left_out_not_refused(partial):
    survey = load_survey(partial)
    spec = specs.with_overrides(specs.get("complaints"), {"predictors": ["manager", "age_10"]})
    adapted = workflow.adapt(spec, survey)
    assert [d.column for d in adapted.unidentified] == ["manager"]
    assert adapted.spec is not None and adapted.spec.predictors == ("age_10",)


# --------------------------------------------------------------------------- the items a survey holds


def test_models_fit_the_items_present_and_are_skipped_only_without_any(partial, tmp_path):
    survey = load_survey(partial)
    workload = workflow.adapt(specs.get("workload"), survey)
    assert workload.items == ("detachment_problems",)
    assert workload.spec is not None and "detachment_problems" not in workload.spec.outcomes
    assert len(workload.spec.outcomes) == len(specs.WORKLOAD_ASPECTS) - 1
    assert workload.left_out["items"] == ["detachment_problems"]
    complaints = workflow.adapt(specs.get("complaints_joint"), survey)
    assert complaints.items == ("complaint_arm",) and complaints.spec is not None
    # none of the items, or the exposure's column: skipped, with the reason in both languages
    none = _survey_folder(tmp_path / "none", drop=("isolation_colleagues", "isolation_company"))
    skipped = workflow.adapt(specs.get("isolation"), load_survey(none))
    assert skipped.spec is None and "none of its outcome items" in skipped.reason
    assert "geen van de uitkomsten" in skipped.reason_nl
    no_exposure = _survey_folder(tmp_path / "exposure", drop=("leading_remotely_difficulty",))
    skipped = workflow.adapt(specs.get("workload"), load_survey(no_exposure))
    assert skipped.spec is None and "leading_difficulty" in skipped.reason


# --------------------------------------------------------------------------- findings without a number


def _tree(model: str, items: list[str], terms: list[str], left_out: dict | None = None) -> xr.DataTree:
    """A posterior of ``slope[item, term]`` with every slope -1 (so every P is 1), as a fit stores it."""
    item_dim = dims.REGION if specs.get(model).family == "binary" else dims.ASPECT
    slope = xr.DataArray(
        -np.ones((2, 50, len(items), len(terms))),
        dims=("chain", "draw", item_dim, dims.TERM),
        coords={item_dim: items, dims.TERM: terms},
    )
    tree = xr.DataTree.from_dict({"posterior": xr.Dataset({"slope": slope})})
    tree.attrs["left_out"] = json.dumps(left_out or {})
    return tree


def test_findings_average_over_the_items_present_and_say_so():
    items = [a for a in specs.WORKLOAD_ASPECTS if a != "detachment_problems"]
    terms = [t for t, _, _ in specs.get("workload").terms]
    table = findings.compute({"workload": _tree("workload", items, terms)})
    row = table.loc["werkdruk_afspraken_werktijden"]  # expected negative: every slope is -1
    assert row["wording"] == findings.WORD_CLEAR and row["items"] == ",".join(items)
    assert wording.sentence(row).endswith("zit niet in de enquête.")
    gone = table.loc["afstand_nemen_moeite_leidinggeven"]  # a finding about the absent item itself
    assert gone["wording"] == findings.WORD_NOT_ESTIMABLE and np.isnan(gone["mean"])
    assert "zit niet in deze enquête" in gone["reason"]
    assert table.loc["werk_thuis_moeite_leidinggeven", "items"] == ""  # one item, present: nothing to say
    shown = wording.table_nl(table, ["werkdruk_afspraken_werktijden", "afstand_nemen_moeite_leidinggeven"])
    assert "zonder" in shown["Uitkomst"].iloc[0] and shown["Odds ratio"].iloc[1] == "–"


def test_a_finding_needing_a_left_out_term_is_not_estimable_and_its_neighbours_are_unaffected():
    spec = specs.get("isolation_joint")
    column = "knows_x_employer_conversations|niet_leidinggevende"
    terms = [t for t, _, _ in spec.terms if t != column]
    dependency = prepare.Dependency(column, (("knows_conversations|niet_leidinggevende", 1.0),))
    tree = _tree("isolation_joint", list(specs.ISOLATION_ASPECTS), terms, {"unidentified": [dependency.as_dict()]})
    table = findings.compute({"isolation_joint": tree})
    needs = lambda e: "knows_x_employer_conversations" in e.exposure and e.role != "manager"  # noqa: E731
    needing = [e.id for e in estimands.ESTIMANDS if e.model == "isolation_joint" and (needs(e) or (
        e.kind == "contrast" and any(needs(estimands.BY_ID[p]) for p in e.parts)))]  # fmt: skip
    assert "isolatie_kennis_min_melding_gesprekken" in needing  # a contrast of a finding that cannot be estimated
    for i in needing:
        assert table.loc[i, "wording"] == findings.WORD_NOT_ESTIMABLE
        assert table.loc[i, "reason"] == dependency.dutch()
        assert "niet te schatten op deze gegevens: geen enkele niet-leidinggevende" in wording.sentence(table.loc[i])
    others = table[~table["id"].isin(needing)]
    assert len(others) and findings.estimable(others).equals(others)
    slopes = others[others["id"].map(lambda i: estimands.BY_ID[i].kind == "slope")]
    assert len(slopes) and (slopes["wording"] == findings.WORD_CLEAR).all()
    # a term missing for any other reason (a --config that removed it) is still an error
    with pytest.raises(KeyError, match="no exposure term"):
        findings.compute({"isolation_joint": _tree("isolation_joint", list(specs.ISOLATION_ASPECTS), terms)})


def test_findings_of_a_model_that_was_not_fitted_have_a_row_without_a_number():
    table = findings.compute({}, not_fitted={"isolation": "geen van de uitkomsten zit in de enquête"},
                             not_current={"workload": "er is geen actuele fit"})  # fmt: skip
    iso = table[table["model"] == "isolation"]
    assert len(iso) == sum(e.model == "isolation" for e in estimands.ESTIMANDS)
    assert (iso["wording"] == findings.WORD_NOT_ESTIMABLE).all() and iso["mean"].isna().all()
    work = table[table["model"] == "workload"]
    assert (work["wording"] == findings.WORD_NOT_ESTIMATED).all()
    assert findings.estimable(table).empty
    assert "niet geschat" in wording.count_clear(table, list(work["id"]))


# --------------------------------------------------------------------------- one failing model never stops the others


def test_fit_all_carries_on_past_a_failing_model_and_exits_with_the_most_severe_code(partial, tmp_path, monkeypatch):
    fitted: list[str] = []

    def fake_fit(spec, survey, fits_dir, settings, seed, **kw):
        if spec.name == "isolation":
            raise RuntimeError("boom")  # a bug
        if spec.name == "complaints":
            raise errors.FitsLockedError("complaints is locked")
        fitted.append(spec.name)
        assert "left_out" in kw
        return workflow.FitResult(spec.name, fits_dir / f"{spec.name}.nc", False, 0.0, {})

    monkeypatch.setattr(workflow, "fit_model", fake_fit)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    result = runner.invoke(app, ["fit", "all", "--data", str(partial), "--fits", str(tmp_path / "fits")])
    assert len(fitted) == len(specs.SPECS) - 2  # every other model was fitted
    assert "Traceback" not in result.output
    assert "isolation: unexpected RuntimeError: boom" in result.output
    logs = list((tmp_path / "cache" / "thuiswerk" / "logs").glob("*.log"))
    assert len(logs) == 1 and "RuntimeError: boom" in logs[0].read_text()
    assert "complaints is locked" in result.output
    assert "failed" in result.output and "fitted" in result.output  # the summary table
    assert result.exit_code == errors.InternalError.exit_code


def test_an_unexpected_error_is_one_line_and_a_log_file(tmp_path, monkeypatch):
    import thuiswerk.data.survey

    def broken(*a, **kw):
        raise ZeroDivisionError("division by zero")

    monkeypatch.setattr(thuiswerk.data.survey, "validate_folder", broken)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    result = runner.invoke(app, ["validate", str(tmp_path)])
    assert result.exit_code == errors.InternalError.exit_code
    assert "unexpected ZeroDivisionError" in result.output and "Traceback" not in result.output
    monkeypatch.setenv("THUISWERK_DEBUG", "1")
    result = runner.invoke(app, ["validate", str(tmp_path)])
    assert isinstance(result.exception, ZeroDivisionError)


def test_the_most_severe_exit_code():
    assert errors.most_severe([]) == 0 and errors.most_severe([0, 0]) == 0
    assert errors.most_severe([4, 5]) == 5  # a failing fit that is there before a missing one
    assert errors.most_severe([5, 13, 4]) == 13  # a bug first
    assert errors.most_severe([12, 9]) == 9
    classes = [c for c in vars(errors).values() if isinstance(c, type) and issubclass(c, errors.ThuiswerkError)]
    from thuiswerk.data.files import DataError  # exit 2, defined with the survey's files

    assert set(errors.SEVERITY) == {c.exit_code for c in classes} | {DataError.exit_code}  # every code ranked


# --------------------------------------------------------------------------- the report without some models


def test_every_chapter_runs_when_some_models_have_no_current_fit(default_fits, tmp_path, monkeypatch):
    """The isolation models' fits are missing: the book leaves their results out, says so in its
    opening, and every other chapter cell and inline expression runs."""
    import matplotlib

    from chapters import Cell, chapter_paths, parse_chapter, run_cell
    from thuiswerk.core import nl
    from thuiswerk.reporting.context import load_context

    matplotlib.use("Agg")
    fits = tmp_path / "fits"
    fits.mkdir()
    missing = {"isolation", "isolation_employer", "isolation_joint"}
    for path in default_fits.glob("*.nc"):
        if path.stem not in missing:
            (fits / path.name).symlink_to(path)
    monkeypatch.setenv("THUISWERK_FITS", str(fits))
    ctx = load_context()
    assert set(ctx.not_current) == missing and not missing & set(ctx.specs)
    opening = ctx.left_out_markdown()
    assert "isolatie" in opening and nl.NOT_ESTIMATED in opening
    rows = ctx.findings[ctx.findings["model"].isin(missing)]
    assert len(rows) and (rows["wording"] == nl.NOT_ESTIMATED).all()
    said = []
    for path in chapter_paths():
        namespace: dict = {"__name__": "__quarto__"}
        for item in parse_chapter(path).items:
            if isinstance(item, Cell):
                run_cell(item.code, namespace)
            else:
                value = eval(item.expr, namespace)
                assert isinstance(value, str) and value.strip(), f"{path.name}: `{item.expr}` gave {value!r}"
                said.append(value)
    assert any(nl.NOT_ESTIMATED in s for s in said)  # an isolation finding's sentence says it
