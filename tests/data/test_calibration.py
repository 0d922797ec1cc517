"""Margins file, the margin statistics, and the calibration of the large simulation.

The large simulation is drawn once per module. It has 100,000 establishments rather than
20,000: at 20,000 the sector and size-class margins rest on 3,000-4,300 establishments,
whose Monte Carlo standard error (0.007-0.009) makes the 0.02 tolerance only 2.3-2.9
standard errors wide, so a correctly calibrated generator fails now and then by chance
(the default seed misses rie_present_klein by 0.022). At 100,000 the tolerance is at least
five standard errors, so a failure means a calibration error. Simulating takes about 2 s.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from thuiswerk.core import codebook
from thuiswerk.core.resources import REPO_ROOT
from thuiswerk.data import simulate as sim
from thuiswerk.data.margins import Margins, evaluate, load_margins, statistic_value

N_LARGE = 100_000
MARGINS = load_margins()
MANAGER, NONMANAGER = "leidinggevende", "niet_leidinggevende"


@pytest.fixture(scope="module")
def large() -> sim.SyntheticSurvey:
    return sim.simulate(N_LARGE, sim.SURVEY_SEED)


@pytest.fixture(scope="module")
def evaluation(large) -> pd.DataFrame:
    return evaluate(MARGINS, large.establishments, large.employees).set_index("id")


# ----------------------------------------------------------------------------- the file


def test_margins_file_has_two_separate_lists():
    assert MARGINS.published and MARGINS.assumptions
    assert all(m.quote and not m.reason for m in MARGINS.published)
    assert all(m.reason and not m.quote for m in MARGINS.assumptions)
    assert len(set(MARGINS.ids)) == len(MARGINS.ids)


def test_table1_has_all_45_cells():
    measures = codebook.load().measures
    expected = {f"table1_{who}_{m}" for who in ("employer", "manager", "nonmanager") for m in measures}
    published = {m.id for m in MARGINS.published}
    assert expected <= published
    assert len(expected) == 45


def test_required_published_margins_are_present():
    required = [
        "rie_present",
        "rie_present_klein",
        "rie_present_midden",
        "rie_present_groot",
        "rie_present_informatie_communicatie",
        "rie_present_overheid",
        "rie_homeworking_attention",
        "rie_homeworking_attention_onderwijs",
        "rie_homeworking_attention_financiele_dienstverlening",
        "rie_homeworking_both",
        "rie_homeworking_one",
        "rie_homeworking_no_attention",
        "plan_of_approach_homeworking",
        "home_share_manager",
        "home_share_nonmanager",
        "kans_any",
        "complaint_back_most_frequent",
        "disagreement_manager",
        "disagreement_nonmanager",
        "information_loss_manager",
        "information_loss_nonmanager",
        "screen_risk_per_establishment",
        "workload_risk_per_establishment",
        "establishments_below_50",
        "establishments_below_10",
        "overtime_manager",
        "overtime_nonmanager",
        "obstacle_none",
        "obstacles_investigated",
        "electronic_monitoring_no",
        "expected_change_yes",
        "expected_change_no_action",
    ]
    missing = [r for r in required if r not in MARGINS or MARGINS[r].kind != "published"]
    assert not missing


def test_shares_use_the_standard_tolerance():
    for m in MARGINS:
        if m.statistic["stat"] == "share" and m.tolerance != 0.02:
            # wider or narrower only where the seed gives a range or an exact count
            assert m.note or m.kind == "assumption", m.id


def test_statistics_name_codebook_variables():
    cb = codebook.load()
    names = {(v.table, v.name) for v in cb.variables}
    for m in MARGINS:
        spec = m.statistic
        table = spec["table"]
        for key in ("variable",):
            if key in spec:
                assert (table, spec[key]) in names, (m.id, spec[key])
        for var in [*spec.get("variables", []), *spec.get("others", [])]:
            assert (table, var) in names, (m.id, var)
        for col in spec.get("filter") or {}:
            assert (table, col) in names or ("establishments", col) in names, (m.id, col)


def _seed_text() -> str | None:
    for folder in (REPO_ROOT.parent / "shared" / "seed", Path("/work/shared/seed")):
        files = sorted(folder.glob("000_*.txt")) if folder.is_dir() else []
        if files:
            return files[0].read_text(encoding="utf-8")
    return None


def test_every_quote_is_in_the_seed():
    text = _seed_text()
    if text is None:
        pytest.skip("the seed report (shared/seed) is not beside this checkout")
    squeezed = re.sub(r"\s+", "", text)
    absent = [m.id for m in MARGINS.published if re.sub(r"\s+", "", m.quote) not in squeezed]
    assert not absent


# ----------------------------------------------------------------------------- statistics


@pytest.fixture()
def tiny():
    est = pd.DataFrame(
        {
            "establishment_id": ["V1", "V2"],
            "size_class": ["klein", "groot"],
            "employer_a": pd.array([1, 0], dtype="Int64"),
            "employer_b": pd.array([1, 1], dtype="Int64"),
        }
    )
    emp = pd.DataFrame(
        {
            "employee_id": ["W1", "W2", "W3"],
            "establishment_id": ["V1", "V1", "V2"],
            "role": [MANAGER, NONMANAGER, MANAGER],
            "knows_a": pd.array([1, 0, 1], dtype="Int64"),
            "knows_b": pd.array([0, 0, 1], dtype="Int64"),
            "x": pd.array([1, None, 0], dtype="Int64"),
            "y": pd.array([0, 1, 0], dtype="Int64"),
            "h": [10.0, 20.0, 60.0],
        }
    )
    return est, emp


def test_statistic_share_filter_and_missing(tiny):
    est, emp = tiny
    assert statistic_value({"table": "employees", "stat": "share", "variable": "x", "equals": 1}, est, emp) == 0.5
    spec = {"table": "employees", "stat": "share", "variable": "y", "equals": 0, "filter": {"size_class": "groot"}}
    assert statistic_value(spec, est, emp) == 1.0
    spec = {"table": "employees", "stat": "share_any", "variables": ["x", "y"], "equals": 1}
    assert statistic_value(spec, est, emp) == 0.5  # W2 has x missing and is left out
    spec = {"table": "employees", "stat": "share", "variable": "h", "at_least": 20}
    assert statistic_value(spec, est, emp) == pytest.approx(2 / 3)


def test_statistic_disagreement_counts_reported_but_not_known_only(tiny):
    est, emp = tiny
    # employer/knows: W1: a 1/1, b 1/0 -> 1; W2: a 1/0, b 1/0 -> 2; W3: a 0/1 (not counted), b 1/1 -> 0
    spec = {"table": "employees", "stat": "disagreement"}
    assert statistic_value(spec, est, emp) == pytest.approx(3 / 3)
    spec = {"table": "employees", "stat": "disagreement", "filter": {"role": MANAGER}, "normalise": True}
    assert statistic_value(spec, est, emp) == pytest.approx(0.25)
    spec = {"table": "employees", "stat": "known_to_reported_loss", "filter": {"role": MANAGER}}
    assert statistic_value(spec, est, emp) == pytest.approx(1 - 1.5 / 1.5)
    spec = {"table": "employees", "stat": "not_known_given_reported"}
    assert statistic_value(spec, est, emp) == pytest.approx(3 / 5)


def test_statistic_differences(tiny):
    est, emp = tiny
    spec = {
        "table": "employees",
        "stat": "share_difference",
        "variable": "y",
        "equals": 1,
        "by": {"role": [NONMANAGER, MANAGER]},
    }
    assert statistic_value(spec, est, emp) == 1.0
    spec = {"table": "employees", "stat": "share_lead", "variable": "y", "others": ["x"], "equals": 1}
    assert statistic_value(spec, est, emp) == pytest.approx(1 / 3 - 1 / 2)
    spec = {"table": "employees", "stat": "count_per_establishment", "filter": {"role": MANAGER}}
    assert statistic_value(spec, est, emp) == 1.0


def test_evaluate_flags_a_miss():
    """A margin evaluated on tables that cannot meet it is reported as not within."""
    single = Margins(entries=(MARGINS["rie_present"],))
    frame = pd.DataFrame({"establishment_id": ["V1"], "rie_present": pd.array([0], dtype="Int64")})
    table = evaluate(single, frame, pd.DataFrame({"establishment_id": []}))
    assert list(table.columns) == ["id", "kind", "stat", "target", "observed", "error", "tolerance", "within"]
    row = table.iloc[0]
    assert row["observed"] == 0.0 and not row["within"] and row["error"] == pytest.approx(-0.88)


def test_relative_tolerance_is_converted():
    m = MARGINS["screen_risk_per_establishment"]
    assert m.tolerance_type == "relative"
    assert m.absolute_tolerance == pytest.approx(0.10 * 131775 / 206)


# ----------------------------------------------------------------------------- calibration


@pytest.mark.parametrize("margin_id", [m.id for m in MARGINS.published])
def test_published_margin_is_met(evaluation, margin_id):
    row = evaluation.loc[margin_id]
    assert row["within"], (
        f"{margin_id}: simulated {row['observed']:.4f}, target {row['target']:.4f} ± {row['tolerance']:.4f}"
    )


@pytest.mark.parametrize("margin_id", [m.id for m in MARGINS.assumptions])
def test_assumption_is_met(evaluation, margin_id):
    row = evaluation.loc[margin_id]
    assert row["within"], (
        f"{margin_id}: simulated {row['observed']:.4f}, target {row['target']:.4f} ± {row['tolerance']:.4f}"
    )


# ----------------------------------------------------------------------------- planted effects


WORKLOAD = list(codebook.load().groups["workload"])
ISOLATION = list(codebook.load().groups["isolation"])
KANS = ["complaint_neck", "complaint_shoulders", "complaint_arm"]


@pytest.fixture(scope="module")
def respondents(large) -> pd.DataFrame:
    emp = large.employees
    emp = emp[emp["questionnaire_completed"] == 1].copy()
    emp["workload"] = emp[WORKLOAD].astype(float).mean(axis=1)
    emp["isolation"] = emp[ISOLATION].astype(float).mean(axis=1)
    emp["kans"] = emp[KANS].astype(float).max(axis=1)
    employer = large.establishments.set_index("establishment_id")
    emp["employer_working_hours_agreements"] = (
        emp["establishment_id"].map(employer["employer_working_hours_agreements"]).astype(float)
    )
    return emp


def test_knowing_working_hours_agreements_lowers_workload(respondents):
    by = respondents.groupby(respondents["knows_working_hours_agreements"].astype(int))["workload"].mean()
    assert by[1] - by[0] < -0.1


def test_employer_report_has_no_effect_beyond_knowledge(respondents):
    for known in (0, 1):
        rows = respondents[respondents["knows_working_hours_agreements"] == known]
        by = rows.groupby("employer_working_hours_agreements")["workload"].mean()
        assert abs(by[1.0] - by[0.0]) < 0.04


def test_knowing_social_moments_and_conversations_lowers_isolation(respondents):
    for var in ("knows_social_moments", "knows_conversations"):
        by = respondents.groupby(respondents[var].astype(int))["isolation"].mean()
        assert by[1] - by[0] < -0.05, var


def test_home_share_raises_kans_for_managers_only(respondents):
    gaps = {}
    for role in (MANAGER, NONMANAGER):
        rows = respondents[respondents["role"] == role]
        high = rows["home_share"] >= rows["home_share"].quantile(2 / 3)
        low = rows["home_share"] <= rows["home_share"].quantile(1 / 3)
        gaps[role] = rows.loc[high, "kans"].mean() - rows.loc[low, "kans"].mean()
    assert gaps[MANAGER] > 0.04
    assert abs(gaps[NONMANAGER]) < 0.02


def _within_role_correlation(respondents: pd.DataFrame, x: str, y: str) -> dict[str, float]:
    """Correlation of x and y within each role (the role confounds the pooled one)."""
    out = {}
    for role, rows in respondents.groupby("role"):
        pair = rows[[x, y]].dropna().astype(float)
        out[role] = float(np.corrcoef(pair[x], pair[y])[0, 1])
    return out


def test_home_share_does_not_affect_workload_or_isolation(respondents):
    for outcome in ("workload", "isolation"):
        r = _within_role_correlation(respondents, "home_share", outcome)
        assert max(abs(v) for v in r.values()) < 0.02, (outcome, r)


def test_back_complaints_workspace_and_exhaustion(respondents):
    back = respondents.dropna(subset=["complaint_back", "exhaustion"])
    by_ws = back.groupby(back["separate_workspace"].astype(int))["complaint_back"].mean()
    assert by_ws[1] < by_ws[0] - 0.03
    by_ex = back.groupby(back["exhaustion"].astype(int) >= 3)["complaint_back"].mean()
    assert by_ex[True] > by_ex[False] + 0.05


def test_leading_remotely_difficulty_raises_managers_workload(respondents):
    managers = respondents[respondents["role"] == MANAGER]
    lrd = managers["leading_remotely_difficulty"].astype(int)
    assert managers.loc[lrd >= 4, "workload"].mean() > managers.loc[lrd <= 2, "workload"].mean() + 0.2


def test_demographics_have_no_effect(respondents):
    for var in ("age", "tenure_years", "living_alone", "children_at_home"):
        for outcome in ("workload", "isolation", "kans"):
            r = _within_role_correlation(respondents, var, outcome)
            assert max(abs(v) for v in r.values()) < 0.02, (var, outcome, r)
