"""Generator scenarios (`thuiswerk simulate --scenario NAME`): each plants its threat and says so in
the truth; the default survey is untouched. The slow tier fits each scenario and records what the
findings table says under it (run with -m slow -s), and shows that the joint model tells the
employer_effect scenario apart from the default."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from thuiswerk.cli import app
from thuiswerk.data import simulate
from thuiswerk.data.survey import load_survey
from thuiswerk.data.validation import validate_survey

N = 1200  # establishments: enough to see each planted threat in raw summaries
SEED = 31


@pytest.fixture(scope="module")
def surveys() -> dict[str, simulate.SyntheticSurvey]:
    return {name: simulate.simulate(n_establishments=N, seed=SEED, scenario_name=name) for name in simulate.SCENARIOS}


def _respondents(s: simulate.SyntheticSurvey) -> pd.DataFrame:
    e = s.employees
    return e[e["questionnaire_completed"] == 1]


def _workload(e: pd.DataFrame) -> pd.Series:
    return e["psychological_workload"].astype(float)


def test_default_is_the_survey_without_a_scenario_and_every_scenario_says_what_it_is(surveys):
    plain = simulate.simulate(n_establishments=N, seed=SEED)
    pd.testing.assert_frame_equal(plain.employees, surveys["default"].employees)
    for name, s in surveys.items():
        assert s.truth["scenario"]["name"] == name and s.truth["scenario"]["description"]
        strengths = {k: v for k, v in s.truth["scenario"].items() if k not in ("name", "description")}
        assert (name == "default") == (not any(strengths.values()))
        # the design is kept: the same establishments, roles and number of respondents per role
        assert (
            s.employees.groupby("role")["questionnaire_completed"]
            .sum()
            .equals(surveys["default"].employees.groupby("role")["questionnaire_completed"].sum())
        )


def test_attentive_employees_know_more_and_report_more_workload(surveys):
    def corr(s):
        e = _respondents(s).dropna(subset=["psychological_workload"])
        known = e[[c for c in e if c.startswith("knows_")]].astype(float).sum(axis=1)
        return np.corrcoef(known, _workload(e))[0, 1]

    assert corr(surveys["attentive"]) > corr(surveys["default"]) + 0.1


def test_reverse_employers_with_more_workload_report_more_measures(surveys):
    def gap(s):
        e = _respondents(s).merge(s.establishments, on="establishment_id")
        reported = e["employer_working_hours_agreements"] == 1
        return _workload(e[reported]).mean() - _workload(e[~reported]).mean()

    assert gap(surveys["reverse"]) > gap(surveys["default"]) + 0.1


def test_employer_measures_act_also_where_they_are_not_known(surveys):
    def gap(s):
        e = _respondents(s).merge(s.establishments, on="establishment_id")
        unknown = e["knows_working_hours_agreements"] == 0
        reported = e["employer_working_hours_agreements"] == 1
        return _workload(e[unknown & reported]).mean() - _workload(e[unknown & ~reported]).mean()

    assert gap(surveys["employer_effect"]) < gap(surveys["default"]) - 0.1
    assert "employer_measures" not in surveys["employer_effect"].truth["zero_effects"]


def test_nonignorable_respondents_have_more_workload(surveys):
    # the same employees and latent workload; only who responds differs
    assert (
        _workload(_respondents(surveys["nonignorable"])).mean()
        > _workload(_respondents(surveys["default"])).mean() + 0.05
    )
    assert "workload effect" in surveys["nonignorable"].truth["missingness"]["questionnaire"]


def test_every_scenario_is_a_valid_survey_and_the_cli_writes_its_truth(tmp_path):
    result = CliRunner().invoke(
        app, ["simulate", "--scenario", "nonignorable", "--establishments", "40", "--out", str(tmp_path)]
    )
    assert result.exit_code == 0, result.output
    assert json.loads((tmp_path / "truth.json").read_text())["scenario"]["name"] == "nonignorable"
    assert validate_survey(load_survey(tmp_path)).ok
    bad = CliRunner().invoke(app, ["simulate", "--scenario", "nope", "--out", str(tmp_path / "x")])
    assert bad.exit_code == 3 and "employer_effect" in bad.output and not (tmp_path / "x").exists()


# --------------------------------------------------------------------------- the study's table and sentence


def _fake_study() -> pd.DataFrame:
    from thuiswerk.analysis import estimands

    ids = ["werkdruk_moeite_leidinggeven", "werkdruk_melding_zonder_kennis", "isolatie_sociale_momenten"]
    words = {
        "default": ["duidelijk", "geen duidelijk verband", "duidelijk"],
        "attentive": ["duidelijk", "geen duidelijk verband", "aanwijzing"],
        "employer_effect": ["duidelijk", "duidelijk", "duidelijk"],
    }
    rows = [
        {"scenario": s, "id": i, "model": estimands.BY_ID[i].model, "mean": 0.0, "q05": -1.0, "q95": 1.0,
         "p_expected_direction": 0.5, "wording": w}
        for s, ws in words.items() for i, w in zip(ids, ws)
    ]  # fmt: skip
    frame = pd.DataFrame(rows)
    frame.attrs = {"seed": 2022, "n_establishments": 206, "settings": "{}", "git_commit": "abc"}
    return frame


def test_the_study_table_and_sentence_follow_the_result(tmp_path):
    from thuiswerk.studies import scenarios

    study = _fake_study()
    verdict = scenarios.verdicts(study)
    assert verdict["attentive"].sum() == 1 and verdict["employer_effect"].sum() == 1
    table = scenarios.table_nl(study)
    assert list(table.columns[-3:]) == ["Geen", "Oplettende werknemer", "Maatregel werkt zonder kennis"]
    assert len(table) == 3
    text = scenarios.sentence(study)
    assert "één onder ‘oplettende werknemer’" in text and "één van de één verbanden" not in text
    assert "gezamenlijke modellen" in text
    back = scenarios.read(scenarios.write(study, tmp_path / "s.csv"))
    pd.testing.assert_frame_equal(back, study, check_dtype=False)
    assert back.attrs["git_commit"] == "abc" and back.attrs["seed"] == "2022"


@pytest.mark.slow
def test_the_joint_model_tells_the_employer_effect_scenario_apart():
    """Fitted on the employer_effect scenario, the joint workload model finds an effect of the employer's
    report where the employee does not know it; on the default survey it does not."""
    from thuiswerk.studies import scenarios

    result = scenarios.study(("default", "employer_effect"), models=("workload_joint",))
    print(result.to_string())
    row = result.set_index(["scenario", "id"])["wording"]
    assert row[("employer_effect", "werkdruk_melding_zonder_kennis")] == "duidelijk"
    assert row[("default", "werkdruk_melding_zonder_kennis")] != "duidelijk"


@pytest.mark.slow
def test_the_shipped_study_is_what_the_study_gives_now():
    """`thuiswerk scenarios` is reproducible: every scenario fitted again gives the wording in data/scenarios.csv
    (about 20 minutes; rerun the command and commit the file when a model changes on purpose)."""
    from thuiswerk.studies import scenarios

    shipped = scenarios.read(scenarios.STUDY_FILE)
    again = scenarios.study()
    merged = shipped.merge(again, on=["scenario", "id"], suffixes=("_shipped", "_now"))
    assert len(merged) == len(shipped) == len(again)
    changed = merged[merged["wording_shipped"] != merged["wording_now"]]
    assert changed.empty, changed[["scenario", "id", "wording_shipped", "wording_now"]].to_string()


def test_chapter_7s_caveat_counts_the_knowledge_findings_the_attentive_trait_changes():
    import pandas as pd

    from thuiswerk.core import nl
    from thuiswerk.studies import scenarios

    rows = [("a", "default", nl.EVIDENCE_CLEAR), ("a", "attentive", nl.EVIDENCE_NONE),
            ("b", "default", nl.EVIDENCE_NONE), ("b", "attentive", nl.EVIDENCE_NONE),
            ("c", "default", nl.EVIDENCE_HINT), ("c", "attentive", nl.EVIDENCE_CLEAR)]  # fmt: skip
    result = pd.DataFrame(rows, columns=["id", "scenario", "wording"])
    assert "luiden twee van de verbanden met kennis anders" in scenarios.attentive_caveat(result, ["a", "b", "c"])
    assert "luidt één van de verbanden" in scenarios.attentive_caveat(result, ["a", "b"])
    assert "niet gesimuleerd" in scenarios.attentive_caveat(result, ["b"])  # what the study did not plant, always
    missing = scenarios.attentive_caveat(None, ["a"], "De scenariostudie is niet uitgevoerd.")
    assert missing.endswith("De scenariostudie is niet uitgevoerd.") and "bijlage A" not in missing
