"""Missing answers are never filled in: an employer's "weet niet" on a measure and an unanswered
knowledge question are empty cells the codebook allows, and every model that would need them
leaves them out and counts them."""

from __future__ import annotations

import numpy as np

from thuiswerk.data import simulate
from thuiswerk.data.survey import Survey
from thuiswerk.data.validation import validate_survey
from thuiswerk.modelling import specs
from thuiswerk.modelling.workflow import inputs_for


def test_empty_measure_answers_are_valid_and_excluded_with_a_count(tmp_path):
    sim = simulate.simulate(n_establishments=60, seed=4)
    est, emp = sim.establishments.copy(), sim.employees.copy()
    est.loc[est.index[:3], "employer_working_hours_agreements"] = None  # three employers: "weet niet"
    emp.loc[emp.index[:5], "knows_working_hours_agreements"] = None  # five employees did not answer
    simulate.write(simulate.SyntheticSurvey(est, emp, sim.truth), tmp_path)
    from thuiswerk.data.survey import load_survey

    survey = load_survey(tmp_path)
    assert validate_survey(survey).ok
    assert isinstance(survey, Survey)
    # awareness: one cell per employee and measure; an empty employer or employee answer leaves the cell out
    awareness = inputs_for(specs.get("awareness"), survey)
    employees_of_blank_employers = survey.employees["establishment_id"].isin(
        survey.establishments.loc[survey.establishments["employer_working_hours_agreements"].isna(), "establishment_id"]
    )
    blank_cells = int((employees_of_blank_employers | survey.employees["knows_working_hours_agreements"].isna()).sum())
    assert awareness.excluded == {"empty knows/employer cell": blank_cells}
    # workload (knows_working_hours is an exposure): the five who did not answer are left out, if they responded
    workload = inputs_for(specs.get("workload"), survey)
    responded = survey.employees["questionnaire_completed"] == 1
    unanswered = int((survey.employees["knows_working_hours_agreements"].isna() & responded).sum())
    assert workload.excluded.get("employee with an empty predictor", 0) == unanswered > 0
    assert not np.isnan(np.asarray(workload.data["Z"], dtype=float)).any()
