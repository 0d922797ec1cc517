"""Predictors and exposures as formula terms in the configuration (issue 26), no real sampling."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

import thuiswerk as tw
from thuiswerk.cli import app
from thuiswerk.core import dims, errors
from thuiswerk.data import simulate
from thuiswerk.data.survey import load_survey
from thuiswerk.modelling import prepare, specs, store
from thuiswerk.modelling.workflow import adapt, inputs_for

runner = CliRunner()
TERM = "age_10:female"
CONFIG = f'workload:\n  predictors: [age_10, female, "{TERM}", "I(age_10 ** 2)"]\n'


@pytest.fixture(scope="module")
def survey():
    return simulate.simulate(n_establishments=30, seed=7)


@pytest.fixture
def config(tmp_path):
    path = tmp_path / "formula.yaml"
    path.write_text(CONFIG, encoding="utf-8")
    return path


def test_a_config_term_is_the_product_of_the_named_columns(survey, config):
    spec = specs.with_overrides(specs.get("workload"), specs.load_overrides(config)["workload"])
    assert spec.predictors == ("age_10", "female", TERM, "I(age_10 ** 2)")
    inputs = inputs_for(spec, survey)
    X, names = inputs.data["X"], inputs.coords[dims.PREDICTOR]
    age, female = X[:, names.index("age_10")], X[:, names.index("female")]
    np.testing.assert_allclose(X[:, names.index(TERM)], age * female, rtol=0, atol=1e-12)
    np.testing.assert_allclose(X[:, names.index("I(age_10 ** 2)")], age**2, rtol=0, atol=1e-12)
    assert np.any(X[:, names.index(TERM)] != 0)


def test_a_named_predictor_is_computed_as_before(survey):
    joined = prepare._joined(survey.establishments, survey.employees)
    for name, (_, column) in prepare.PREDICTORS.items():
        expected = np.asarray(column(joined), dtype=float)
        np.testing.assert_array_equal(prepare.predictor_values(joined, name), expected)


def test_labels_of_formula_terms():
    assert prepare.predictor_label(TERM) == "Leeftijd (per 10 jaar, t.o.v. 45) × Vrouw"
    assert prepare.coordinate_label(TERM) == "Leeftijd (per 10 jaar, t.o.v. 45) × Vrouw"
    assert prepare.predictor_label("I(age_10 ** 2)") == "I(age_10 ** 2)"
    assert prepare.parameter_name(f"beta[{TERM}]").endswith(": Leeftijd (per 10 jaar, t.o.v. 45) × Vrouw")


def test_an_empty_input_stays_empty_and_is_counted(survey):
    employees = survey.employees.copy()
    answered = employees.index[employees["questionnaire_completed"] == 1]
    one = answered[0]
    employees["gender"] = employees["gender"].astype(object)
    employees.loc[one, "gender"] = None  # female is NaN for this employee
    joined = prepare._joined(survey.establishments, employees)
    for term in (TERM, "I(female == 1)", "I(gender == 'vrouw')"):
        values = prepare.predictor_values(joined, term)
        row = int(np.flatnonzero(joined["employee_id"] == employees.loc[one, "employee_id"])[0])
        assert np.isnan(values[row]), term
        assert np.isnan(values).sum() == 1, term  # formulae drops no row and fills none
    base = prepare.ordinal_inputs(survey.establishments, employees, specs.WORKLOAD_ASPECTS, ["age_10"])
    with_term = prepare.ordinal_inputs(survey.establishments, employees, specs.WORKLOAD_ASPECTS, ["age_10", TERM])
    key = "employee with an empty predictor"
    assert with_term.excluded.get(key, 0) == base.excluded.get(key, 0) + 1
    assert len(with_term.coords[dims.EMPLOYEE]) == len(base.coords[dims.EMPLOYEE]) - 1


@pytest.mark.parametrize(
    ("entry", "fragment"),
    [
        ("age_10:femal", "unknown variable(s) femal"),
        ("femal", "unknown predictor 'femal'"),
        ("I(age_10 **", "does not parse"),
        ("C(sector)", "several columns"),
        ("sector", "category column"),
        ("age_10*female", "one term"),
        ("age_10|female", "group-specific"),
    ],
)
def test_a_bad_entry_names_the_file_model_and_term(tmp_path, entry, fragment):
    path = tmp_path / "bad.yaml"
    path.write_text(f'workload:\n  predictors: [age_10, "{entry}"]\n', encoding="utf-8")
    with pytest.raises(ValueError) as caught:
        specs.load_overrides(path)
    message = str(caught.value)
    assert message.startswith(f"{path}: workload: predictor {entry!r}: ")
    assert fragment in message


def test_a_bad_term_through_the_cli_is_a_message_and_an_exit_code(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text('workload:\n  predictors: ["age_10:femal"]\n', encoding="utf-8")
    result = runner.invoke(app, ["fit", "workload", "--config", str(path), "--fits", str(tmp_path / "fits")])
    assert result.exit_code == errors.UsageError.exit_code
    assert "age_10:femal" in result.output and "Traceback" not in result.output


def test_a_bad_term_through_the_api_is_a_usage_error():
    with pytest.raises(errors.UsageError, match="femal"):
        tw.model("workload", predictors=["age_10:femal"])


def test_an_exposure_may_be_a_formula_term(survey):
    spec = tw.model("workload", exposures={"home_share:female": ["leidinggevende", "niet_leidinggevende"]})
    inputs = inputs_for(spec, survey)
    joined = prepare._joined(survey.establishments, survey.employees)
    joined = joined[joined["employee_id"].isin(inputs.coords[dims.EMPLOYEE])].reset_index(drop=True)
    expected = prepare.predictor_values(joined, "home_share") * prepare.predictor_values(joined, "female")
    np.testing.assert_allclose(inputs.data["Z"].sum(axis=1), expected, rtol=0, atol=1e-12)


def test_a_term_of_an_absent_column_is_left_out_with_the_covariates(tmp_path):
    folder = tmp_path / "partial"
    simulate.write(simulate.simulate(n_establishments=30, seed=5), folder)
    employees = pd.read_csv(folder / "employees.csv", dtype=str)
    employees.drop(columns=["children_at_home"]).to_csv(folder / "employees.csv", index=False)
    survey = load_survey(folder)
    spec = tw.model("workload", predictors=["age_10", "children_at_home:female", "I(age_10 ** 2)"])
    adapted = adapt(spec, survey)
    assert adapted.spec is not None
    assert adapted.dropped == ("children_at_home:female",)
    assert adapted.spec.predictors == ("age_10", "I(age_10 ** 2)")
    assert any("children_at_home:female" in line for line in adapted.notices())


def test_a_fit_with_a_term_stores_it_in_its_configuration(survey, tmp_path):
    spec = tw.model("workload", predictors=["age_10", "female", TERM])
    tree = tw.fit_model(spec, survey, tmp_path / "fits", sampler="pymc", chains=1, tune=10, draws=10, progress=False)
    stored = json.loads(store.read_attrs(tmp_path / "fits" / "workload.nc")["spec"])
    assert stored["predictors"] == ["age_10", "female", TERM]
    assert TERM in [str(p) for p in tree["posterior"]["beta"].coords[dims.PREDICTOR].values]
    assert spec.hash() != specs.get("workload").hash()


def test_default_specs_keep_their_hashes():
    """The default specs hold names only: their canonical form (and the stored fits' hashes) did not change."""
    for spec in specs.SPECS.values():
        assert all(p in prepare.PREDICTORS for p in spec.predictors)
        assert all(p in prepare.PREDICTORS for p, _ in spec.exposures)
        assert specs.with_overrides(spec, {"predictors": list(spec.predictors)}).hash() == spec.hash()
