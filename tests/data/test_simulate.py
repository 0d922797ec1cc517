"""The synthetic survey: determinism, design, data contract, truth, writing."""

from __future__ import annotations

import dataclasses
import json
import re
import shutil

import numpy as np
import pandas as pd
import pytest

from thuiswerk.core import codebook
from thuiswerk.data import calibrate, generator
from thuiswerk.data import simulate as sim
from thuiswerk.data.margins import Margins, load_margins

MANAGER, NONMANAGER = "leidinggevende", "niet_leidinggevende"


@pytest.fixture(scope="module")
def survey() -> sim.SyntheticSurvey:
    return sim.simulate()


@pytest.fixture(scope="module")
def cb():
    return codebook.load()


def _truth_json(truth: dict) -> str:
    return json.dumps(truth, sort_keys=True)


# ----------------------------------------------------------------------------- API


def test_constants_and_defaults(survey):
    assert sim.DEFAULT_N == 206
    assert sim.SURVEY_SEED == 20220201
    assert len(survey.establishments) == sim.DEFAULT_N
    assert survey.truth["seed"] == sim.SURVEY_SEED
    assert survey.truth["n_establishments"] == sim.DEFAULT_N


def test_same_seed_gives_identical_tables_and_truth(survey):
    again = sim.simulate(sim.DEFAULT_N, sim.SURVEY_SEED)
    pd.testing.assert_frame_equal(survey.establishments, again.establishments)
    pd.testing.assert_frame_equal(survey.employees, again.employees)
    assert _truth_json(survey.truth) == _truth_json(again.truth)


def test_calibration_is_deterministic_without_the_cache():
    before = calibrate.calibrate()
    calibrate._CALIBRATION_CACHE.clear()
    after = calibrate.calibrate()
    assert json.dumps(before, sort_keys=True) == json.dumps(after, sort_keys=True)


def test_different_seed_gives_different_tables(survey):
    other = sim.simulate(sim.DEFAULT_N, sim.SURVEY_SEED + 1)
    assert not survey.establishments.equals(other.establishments)
    assert not survey.employees.equals(other.employees)
    assert other.truth["seed"] == sim.SURVEY_SEED + 1
    # the planted parameters do not depend on the seed
    assert other.truth["slopes"] == survey.truth["slopes"]
    assert other.truth["workload"]["cuts"] == survey.truth["workload"]["cuts"]


def test_global_numpy_random_state_is_untouched():
    state = np.random.get_state()
    sim.simulate(30, seed=5)
    after = np.random.get_state()
    assert state[0] == after[0] and np.array_equal(state[1], after[1]) and state[2:] == after[2:]


def test_invalid_n_is_rejected():
    with pytest.raises(ValueError):
        sim.simulate(0)
    with pytest.raises(ValueError):
        sim.simulate(2.5)


def test_targets_come_from_the_margins_file():
    """Changing one margin changes the simulation: the targets are not literals in code."""
    margins = load_margins()
    target = "table1_employer_workstress_information"
    changed = Margins(
        entries=tuple(dataclasses.replace(m, value=0.70) if m.id == target else m for m in margins),
        path="modified",
    )
    out = sim.simulate(4000, seed=11, margins=changed)
    share = out.establishments["employer_workstress_information"].astype(float).mean()
    assert abs(share - 0.70) < 0.03
    assert out.truth["margins_digest"] == changed.digest() != margins.digest()


# ----------------------------------------------------------------------------- design


def test_ids_are_unique_and_formatted(survey):
    est, emp = survey.establishments, survey.employees
    assert est["establishment_id"].is_unique
    assert emp["employee_id"].is_unique
    assert est["establishment_id"].map(lambda s: bool(re.fullmatch(r"V\d{4}", s))).all()
    assert emp["employee_id"].map(lambda s: bool(re.fullmatch(r"W\d{5}", s))).all()


def test_every_employee_belongs_to_an_existing_establishment(survey):
    est, emp = survey.establishments, survey.employees
    assert emp["establishment_id"].isin(est["establishment_id"]).all()


def test_interview_design(survey):
    emp = survey.employees
    per_est = emp.groupby("establishment_id")["role"]
    # at least one interviewed employee everywhere, at most one per role
    assert set(emp["establishment_id"]) == set(survey.establishments["establishment_id"])
    assert per_est.size().between(1, 2).all()
    assert (emp.groupby(["establishment_id", "role"]).size() == 1).all()
    counts = emp["role"].value_counts()
    assert set(counts.index) == {MANAGER, NONMANAGER}
    # 192 managers and 193 non-managers expected of 206 (binomial SD about 3.6)
    assert abs(counts[MANAGER] - 192) <= 12
    assert abs(counts[NONMANAGER] - 193) <= 12
    # not exactly two per establishment
    assert (per_est.size() == 1).any()


def test_questionnaire_nonresponse(survey, cb):
    emp = survey.employees
    done = emp["questionnaire_completed"].astype(int)
    rate = done.groupby(emp["role"]).mean()
    assert abs(rate[MANAGER] - 157 / 192) < 0.08
    assert abs(rate[NONMANAGER] - 160 / 193) < 0.08
    items = [v.name for v in cb.table("employees") if v.applies_when.get("questionnaire_completed") == 1]
    assert len(items) >= 16
    # non-completers have every questionnaire item empty; completers mostly answered
    assert emp.loc[done == 0, items].isna().all().all()
    answered = emp.loc[done == 1, items].notna().mean()
    assert (answered > 0.9).all()


def test_establishment_sizes(survey):
    est = survey.establishments
    n = est["n_employees"].astype(int)
    assert (n >= 1).all()
    bounds = {"klein": (1, 49), "midden": (50, 249), "groot": (250, 100_000)}
    for size, (lo, hi) in bounds.items():
        rows = est["size_class"] == size
        assert n[rows].between(lo, hi).all()
    assert (est["n_screen_risk"] <= est["n_employees"]).all()
    assert (est["n_workload_risk"] <= est["n_screen_risk"]).all()


# ----------------------------------------------------------------------------- contract


@pytest.mark.parametrize("table", ["establishments", "employees"])
def test_tables_follow_the_codebook(survey, cb, table):
    frame = getattr(survey, table)
    assert list(frame.columns) == cb.columns(table)
    for var in cb.table(table):
        col = frame[var.name]
        applies = pd.Series(True, index=frame.index)
        for cond_col, cond_val in var.applies_when.items():
            applies &= frame[cond_col].astype(object).eq(cond_val).fillna(False).astype(bool)
        assert col[~applies].isna().all(), f"{var.name} must be empty where it does not apply"
        if var.missing is None:
            assert col[applies].notna().all(), f"{var.name} may not be missing"
        observed = col.dropna()
        if var.type in ("boolean", "ordinal", "integer"):
            assert str(col.dtype) == "Int64", var.name
        if var.type in ("boolean", "ordinal", "category"):
            assert set(observed.unique()) <= set(var.codes), var.name
        if var.type == "category":
            assert all(isinstance(x, str) for x in observed), var.name
        if var.type in ("integer", "float"):
            lo, hi = var.range
            assert observed.astype(float).between(lo, hi).all(), var.name
        if var.type == "id":
            assert all(isinstance(x, str) for x in observed), var.name


# ----------------------------------------------------------------------------- truth


def test_truth_is_json_serialisable(survey):
    text = json.dumps(survey.truth)
    assert json.loads(text) == survey.truth
    for key in (
        "seed",
        "n_establishments",
        "calibration",
        "slopes",
        "design",
        "employer",
        "knowledge",
        "workload",
        "isolation",
        "complaints",
        "structure",
    ):
        assert key in survey.truth


# (block, predictor, role, item) -> sign of the planted slope: the seed's role- and
# aspect-specific findings.
PLANTED_SIGNS = {
    ("workload", "knows_working_hours_agreements", MANAGER, "work_home_interference"): -1,
    ("workload", "knows_working_hours_agreements", NONMANAGER, "colleague_pressure"): -1,
    ("workload", "leading_remotely_difficulty", MANAGER, "telepressure"): 1,
    ("isolation", "knows_social_moments", NONMANAGER, "isolation_colleagues"): -1,
    ("isolation", "knows_social_moments", NONMANAGER, "isolation_company"): -1,
    ("isolation", "knows_conversations", NONMANAGER, "isolation_company"): -1,
    ("isolation", "knows_conversations", MANAGER, "isolation_company"): 0,
    ("complaints", "separate_workspace", MANAGER, "complaint_back"): -1,
    ("complaints", "exhaustion", NONMANAGER, "complaint_back"): 1,
    ("complaints", "home_share", MANAGER, "complaint_neck"): 1,
    ("complaints", "home_share", NONMANAGER, "complaint_neck"): 0,
    ("complaints", "home_share", MANAGER, "complaint_back"): 0,
}


@pytest.mark.parametrize("key,sign", sorted(PLANTED_SIGNS.items()))
def test_truth_records_each_planted_slope_with_its_sign(survey, key, sign):
    block, predictor, role, item = key
    assert np.sign(survey.truth["slopes"][block][predictor][role][item]) == sign
    assert predictor in survey.truth["predictor_units"]


def test_planted_slopes_differ_by_aspect_and_role(survey):
    hours = survey.truth["slopes"]["workload"]["knows_working_hours_agreements"]
    assert hours[MANAGER]["work_home_interference"] < hours[MANAGER]["colleague_pressure"]
    assert hours[NONMANAGER]["colleague_pressure"] < hours[NONMANAGER]["work_home_interference"]


def test_null_slopes_remove_every_exposure_effect_and_still_hit_the_margins(cb):
    null = generator.null_slopes()
    for block, predictors in null.items():
        for name, roles in predictors.items():
            values = [v for items in roles.values() for v in items.values()]
            if (block, name) == ("workload", "manager"):
                assert any(values)
            else:
                assert not any(values), (block, name)
    survey = sim.simulate(n_establishments=60, seed=5, slopes=null)
    assert survey.truth["slopes"] == null
    planted = sim.simulate(n_establishments=60, seed=5)
    # same design and knowledge, different outcomes
    assert survey.employees["knows_social_moments"].equals(planted.employees["knows_social_moments"])
    assert not survey.employees["isolation_company"].equals(planted.employees["isolation_company"])


def test_truth_records_the_zero_effects_in_detail(survey, cb):
    zero = survey.truth["zero_effects"]
    assert set(zero["employer_measures"]["per_measure"]) == set(cb.measure_columns("employer"))
    assert all(v == 0 for v in zero["employer_measures"]["per_measure"].values())
    demo = zero["demographics"]["per_variable"]
    assert set(demo) == {"age", "tenure_years", "living_alone", "children_at_home", "gender", "education"}
    assert all(v == 0 for v in demo.values())
    planted = {name for block in survey.truth["slopes"].values() for name in block}
    assert not any(name.startswith("employer_") for name in planted)


def test_truth_records_scales_and_random_effects(survey, cb):
    t = survey.truth
    assert t["predictor_units"]["home_share"].startswith("50 percentage points")
    for block in ("workload", "isolation"):
        assert t[block]["sd_establishment"] > 0 and t[block]["sd_employee"] > 0
        for cuts in t[block]["cuts"].values():
            assert len(cuts) == 4 and np.all(np.diff(cuts) > 0)
    assert t["complaints"]["sd_employee"] > 0
    assert set(t["complaints"]["intercept"]) == {"back", "neck", "shoulders", "arm"}
    for role in (MANAGER, NONMANAGER):
        loss = t["knowledge"]["information_loss"][role]
        assert set(loss["p_not_known_given_reported"]) == set(cb.measures)
        assert 0 < loss["pooled_p_not_known_given_reported"] < 1
        assert t["knowledge"]["employer_effect"][role] > 0
    assert t["calibration"]["seed"] == calibrate.CALIBRATION_SEED


# ----------------------------------------------------------------------------- writing


def test_write_is_complete_and_atomic(survey, tmp_path):
    out = tmp_path / "synthetic"
    sim.write(survey, out)
    sim.write(survey, out)  # overwriting works and leaves no temporary folder behind
    assert sorted(p.name for p in out.iterdir()) == ["employees.csv", "establishments.csv", "truth.json"]
    est = pd.read_csv(out / "establishments.csv")
    emp = pd.read_csv(out / "employees.csv")
    assert list(est.columns) == list(survey.establishments.columns)
    assert list(emp.columns) == list(survey.employees.columns)
    assert len(est) == len(survey.establishments) and len(emp) == len(survey.employees)
    assert est["establishment_id"].tolist() == survey.establishments["establishment_id"].tolist()
    truth = json.loads((out / "truth.json").read_text(encoding="utf-8"))
    files = truth.pop("files")
    assert truth == survey.truth
    import hashlib

    for name, digest in files.items():
        assert hashlib.sha256((out / name).read_bytes()).hexdigest() == digest


def test_is_synthetic_only_for_the_generators_unchanged_files(tmp_path):
    """The book's "Gebaseerd op synthetische gegevens" rests on this: written here and unchanged, yes; an edited
    file, a survey without its truth file (real data) or a truth file without the file digests, no."""
    from thuiswerk.core.resources import REPO_ROOT

    shipped = REPO_ROOT / "data" / "synthetic"
    assert sim.is_synthetic(shipped)
    copy = tmp_path / "copy"
    shutil.copytree(shipped, copy)
    assert sim.is_synthetic(copy)
    employees = copy / "employees.csv"
    employees.write_text(employees.read_text(encoding="utf-8").replace("\n", "\r\n", 1), encoding="utf-8")
    assert not sim.is_synthetic(copy)  # one byte changed: no longer the generator's survey
    real = tmp_path / "real"
    shutil.copytree(shipped, real, ignore=shutil.ignore_patterns("truth.json"))
    assert not sim.is_synthetic(real)
    truth = json.loads((shipped / "truth.json").read_text(encoding="utf-8"))
    truth.pop("files")
    (real / "truth.json").write_text(json.dumps(truth), encoding="utf-8")
    assert not sim.is_synthetic(real)
