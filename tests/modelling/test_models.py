"""Model specs, input preparation and builders (no sampling)."""

from __future__ import annotations

import numpy as np
import pymc as pm
import pytest

from thuiswerk.core import dims
from thuiswerk.data.simulate import simulate
from thuiswerk.modelling import builders, prepare, specs
from thuiswerk.modelling.workflow import inputs_for, resolve_specs


@pytest.fixture(scope="module")
def survey():
    return simulate(n_establishments=40, seed=11)


@pytest.fixture(scope="module")
def built(survey):
    out = {}
    for spec in specs.SPECS.values():
        inputs = inputs_for(spec, survey)
        out[spec.name] = (spec, inputs, builders.build(spec, inputs))
    return out


def test_every_dim_comes_from_dims_module(built):
    for name, (_, _, model) in built.items():
        used = {d for var_dims in model.named_vars_to_dims.values() for d in var_dims}
        assert used <= set(dims.ALL), f"{name} uses undeclared dims {used - set(dims.ALL)}"


def test_logp_is_finite_at_the_initial_point(built):
    for name, (_, _, model) in built.items():
        logp = model.compile_logp()(model.initial_point())
        assert np.isfinite(logp), name


def test_builders_do_not_mutate_inputs(survey):
    spec = specs.get("workload")
    inputs = inputs_for(spec, survey)
    before = {k: v.copy() for k, v in inputs.data.items()}
    builders.build(spec, inputs)
    builders.build(spec, inputs)
    for key, value in before.items():
        np.testing.assert_array_equal(inputs.data[key], value)


def test_non_respondents_are_counted_not_dropped_silently(survey):
    spec = specs.get("workload")
    inputs = inputs_for(spec, survey)
    emp = survey.employees
    n_nonresp = int((emp["questionnaire_completed"] == 0).sum())
    assert inputs.excluded["employee did not complete the questionnaire"] == n_nonresp
    n_items = int(emp.loc[emp["questionnaire_completed"] == 1, list(spec.outcomes)].isna().sum().sum())
    assert inputs.excluded.get("empty item (item non-response)", 0) == n_items
    assert inputs.n_obs == (len(emp) - n_nonresp) * len(spec.outcomes) - n_items


def test_ordinal_outcomes_are_zero_based_and_predictors_match_spec(survey):
    spec = specs.get("isolation")
    inputs = inputs_for(spec, survey)
    assert inputs.data["y"].min() >= 0 and inputs.data["y"].max() <= 4
    assert inputs.data["X"].shape == (len(inputs.coords[dims.EMPLOYEE]), len(spec.predictors))
    assert inputs.coords[dims.PREDICTOR] == list(spec.predictors)


def test_awareness_inputs_pair_each_employee_with_each_measure(survey):
    inputs = prepare.awareness_inputs(survey.establishments, survey.employees)
    n_measures = len(inputs.coords[dims.MEASURE])
    assert inputs.n_obs == len(survey.employees) * n_measures
    # the employer's report is copied from the employee's own establishment
    est = survey.establishments.set_index("establishment_id")
    first = survey.employees.iloc[0]
    reported = inputs.data["reported"][:n_measures]
    expected = [int(est.loc[first["establishment_id"], f"employer_{m}"]) for m in inputs.coords[dims.MEASURE]]
    assert reported.tolist() == expected


def test_prior_predictive_cutpoints_are_ordered(built):
    _, _, model = built["workload"]
    with model:
        prior = pm.sample_prior_predictive(draws=200, random_seed=1)
    cuts = prior["prior"]["cutpoints"].to_numpy()
    assert (np.diff(cuts, axis=-1) > 0).all()


def test_overrides_change_priors_and_hash_and_reject_unknown_keys():
    spec = specs.get("workload")
    changed = specs.with_overrides(spec, {"priors": {"beta_sd": 0.25}})
    assert changed.priors["beta_sd"] == 0.25 and spec.priors["beta_sd"] == 0.5
    assert changed.hash() != spec.hash()
    with pytest.raises(ValueError, match="unknown prior"):
        specs.with_overrides(spec, {"priors": {"beta_typo": 1}})
    with pytest.raises(KeyError, match="unknown model"):
        resolve_specs(["workloads"])


def test_employer_variants_share_outcomes_with_the_model_they_are_compared_with():
    for spec in specs.SPECS.values():
        if spec.compares_with:
            base = specs.get(spec.compares_with)
            assert spec.outcomes == base.outcomes and spec.family == base.family
            names = list(spec.predictors) + [p for p, _ in spec.exposures]
            assert any(p.startswith("employer_") for p in names)
            assert not any(p.startswith("knows_") for p in names)


# ----------------------------------------------------------------------------- identifiability


def test_no_design_column_of_any_model_is_a_combination_of_the_intercepts():
    survey = simulate()  # the default survey
    for spec in specs.SPECS.values():
        if spec.family == "awareness":
            continue
        inputs = inputs_for(spec, survey)  # runs prepare.check_design
        n_cols = inputs.data["X"].shape[1] + inputs.data["Z"].shape[1]
        assert n_cols == len(spec.predictors) + len(spec.terms)


def test_a_predictor_equal_to_the_role_intercepts_is_refused(survey):
    spec = specs.with_overrides(specs.get("complaints"), {"predictors": ["manager", "age_10"]})
    with pytest.raises(prepare.DesignError, match="manager"):
        inputs_for(spec, survey)
    # in an ordinal model (no role intercept) the same column is identified
    inputs_for(specs.with_overrides(specs.get("workload"), {"predictors": ["manager", "age_10"]}), survey)


def test_a_duplicated_exposure_is_refused(survey):
    base = specs.get("isolation")
    spec = specs.with_overrides(
        base,
        {
            "predictors": ["knows_social_moments"],
            "exposures": {"knows_social_moments": ["leidinggevende", "niet_leidinggevende"]},
        },
    )
    with pytest.raises(prepare.DesignError, match="knows_social_moments"):
        inputs_for(spec, survey)


def test_exposure_terms_apply_to_their_role_only(survey):
    spec = specs.get("workload")
    inputs = inputs_for(spec, survey)
    terms = inputs.coords[dims.TERM]
    role = inputs.data["role_of_emp"]
    j = terms.index("leading_difficulty|leidinggevende")
    assert (inputs.data["Z"][role == 1, j] == 0).all()  # non-managers
    assert inputs.data["Z"][role == 0, j].std() > 0
    assert set(inputs.coords[dims.EXPOSURE]) == {p for p, _ in spec.exposures}
