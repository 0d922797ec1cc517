"""The descriptive tables (thuiswerk.analysis.descriptive) on the shipped synthetic survey, and their blanks."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from thuiswerk.analysis import descriptive
from thuiswerk.core import codebook, nl
from thuiswerk.core.codebook import ROLES
from thuiswerk.core.resources import REPO_ROOT
from thuiswerk.data import describe
from thuiswerk.data.survey import load_survey


@pytest.fixture(scope="module")
def survey():
    return load_survey(REPO_ROOT / "data" / "synthetic")


@pytest.fixture(scope="module")
def tables(survey) -> pd.DataFrame:
    return descriptive.compute(survey.establishments, survey.employees)


def test_every_table_is_there_with_unique_rows(tables: pd.DataFrame) -> None:
    assert list(tables.columns) == descriptive.COLUMNS
    assert set(tables["table"]) == {t.name for t in descriptive.TABLES}
    assert not tables.duplicated(["table", "id", "role"]).any()
    assert tables.attrs["left_out"] == {}


def test_shares_are_fractions_and_intervals_hold_their_estimate(tables: pd.DataFrame) -> None:
    shares = tables.loc[tables["unit"] == "share", "value"].dropna()
    assert len(shares) > 50 and shares.between(0, 1).all()
    r = tables[tables["table"] == "isolation_exhaustion"]
    assert len(r) == 2 * len(ROLES) and r["value"].notna().all()
    assert (r["lo"] <= r["value"]).all() and (r["value"] <= r["hi"]).all()
    assert r["lo"].ge(-1).all() and r["hi"].le(1).all() and (r["hi"] - r["lo"]).gt(0).all()
    national = tables[tables["table"].str.startswith("national_")]
    assert (national["lo"] < national["value"]).all() and (national["value"] < national["hi"]).all()
    assert national["p_lower"].between(0, 1).all()


def test_overtime_is_actual_minus_contract_hours(survey, tables: pd.DataFrame) -> None:
    emp = survey.employees
    for role in ROLES:
        sub = emp[emp["role"] == role]
        direct = float((sub["actual_hours"].astype(float) - sub["contract_hours"].astype(float)).mean())
        assert descriptive.value(tables, "overtime", "overuren", role) == pytest.approx(direct)
        assert descriptive.comparison(tables, "nea_overuren", role).observed == pytest.approx(direct)


def test_correlation_against_numpy_and_fisher_z() -> None:
    rng = np.random.default_rng(4)
    x = rng.normal(size=200)
    y = 0.3 * x + rng.normal(size=200)
    r, lo, hi, n = descriptive.correlation(pd.Series(x), pd.Series(y))
    assert n == 200 and r == pytest.approx(np.corrcoef(x, y)[0, 1])
    half = descriptive.Z90 / math.sqrt(n - 3)
    assert (lo, hi) == pytest.approx((math.tanh(math.atanh(r) - half), math.tanh(math.atanh(r) + half)))
    assert math.isnan(descriptive.correlation(pd.Series(x[:9]), pd.Series(y[:9]))[0])  # 9 < MIN_CELL pairs


def test_a_role_below_the_disclosure_minimum_is_blank_in_every_table(survey) -> None:
    """Keep 6 managers: every per-role number of both roles is NaN (the other role with it), and so are their
    correlations and intervals; numbers over every respondent are not."""
    emp = survey.employees
    managers = emp.index[emp["role"] == ROLES[0]]
    small = emp.drop(managers[6:])
    assert (small["role"] == ROLES[0]).sum() < nl.MIN_CELL
    tables = descriptive.compute(survey.establishments, small)
    per_role = tables[(tables["role"] != "") & (tables["table"] != "leading_remotely")]
    # a correlation, a comparison with a national figure and respondents against non-respondents have no total
    # over both roles that would give a blank role away: only the small role is blank there
    blanked = per_role[~per_role["table"].isin(["isolation_exhaustion", "national_employees", "nonresponse"])]
    assert len(blanked) > 10 and blanked["value"].isna().all(), blanked[blanked["value"].notna()]
    r = tables[tables["table"] == "isolation_exhaustion"]
    assert r.loc[r["role"] == ROLES[0], ["value", "lo", "hi"]].isna().all().all()
    assert r.loc[r["role"] == ROLES[1], "value"].notna().all()  # a correlation has no total to give it away
    assert math.isnan(descriptive.value(tables, "leading_remotely", "moeite_leidinggeven", ROLES[0]))
    assert math.isnan(descriptive.comparison(tables, "nea_overuren", ROLES[0]).observed)
    assert not math.isnan(descriptive.value(tables, "exhaustion", "uitputting"))
    assert math.isnan(descriptive.value(tables, "complaints", "kans", ROLES[1]))  # the other role with it
    respondents = tables[(tables["table"] == "nonresponse") & (tables["id"] == "age_respondenten")]
    assert respondents.set_index("role")["value"].isna().to_dict() == {ROLES[0]: True, ROLES[1]: False}


def test_a_table_needing_an_absent_column_is_left_out(survey) -> None:
    emp = survey.employees.drop(columns=["separate_workspace"])
    tables = descriptive.compute(survey.establishments, emp)
    assert tables.attrs["left_out"] == {"workspace": ["separate_workspace"]}
    assert "workspace" not in set(tables["table"]) and "overtime" in set(tables["table"])
    assert descriptive.values(tables, "workspace", id="aparte_werkruimte") == {}


def test_the_chapters_numbers_are_the_describe_helpers(survey, tables: pd.DataFrame) -> None:
    est, emp = survey.establishments, survey.employees
    q = describe.questionnaire(emp)
    assert descriptive.value(tables, "exhaustion", "uitputting") == describe.mean(q["exhaustion"])
    assert descriptive.values(tables, "complaints", id="kans") == describe.by_role(
        emp, lambda d: describe.share(describe.any_complaint(d))
    )
    assert descriptive.value(tables, "rie", "aanwezig") == describe.share(est["rie_present"])


def test_chapter_6s_numbers_are_direct_computations(survey, tables: pd.DataFrame) -> None:
    """The furniture, missed measures, judgements and obstacles chapter 6 states, against the survey itself."""
    est, emp = survey.establishments, survey.employees
    offered = est["furniture_offered"].dropna().astype(str)
    assert descriptive.value(tables, "furniture_offered", "minstens_verstelbaar") == pytest.approx(
        offered.isin(["hoogte_verstelbaar", "zit_sta"]).mean()
    )
    assert descriptive.value(tables, "furniture_offered", "zit_sta") == pytest.approx((offered == "zit_sta").mean())
    assert descriptive.value(tables, "judgements", "werkdruk_na") == pytest.approx(
        est["judgement_workload_after"].astype(float).mean()
    )
    assert descriptive.value(tables, "obstacles", "none") == pytest.approx(est["obstacle_none"].astype(float).mean())
    employer = est.set_index("establishment_id")
    for role in ROLES:
        sub = emp[emp["role"] == role]
        missed = sum(
            (employer.loc[sub["establishment_id"], f"employer_{m}"].to_numpy() == 1)
            & (sub[f"knows_{m}"].to_numpy() == 0)
            for m in codebook.load().measures
        )
        assert descriptive.value(tables, "missed_measures", "gemist", role) == pytest.approx(np.mean(missed))


def test_design_counts_and_nonresponse_rows(survey, tables: pd.DataFrame) -> None:
    emp = survey.employees
    completed = emp["questionnaire_completed"].astype(float) == 1
    assert descriptive.value(tables, "design", "establishments") == len(survey.establishments)
    assert descriptive.value(tables, "design", "completed_managers") == (completed & (emp["role"] == ROLES[0])).sum()
    rows = tables[tables["table"] == "nonresponse"]
    age = rows[(rows["id"] == "age_verschil") & (rows["role"] == ROLES[1])].iloc[0]
    sub = emp[emp["role"] == ROLES[1]]
    direct = sub.loc[completed, "age"].astype(float).mean() - sub.loc[~completed, "age"].astype(float).mean()
    assert age["lo"] < age["value"] < age["hi"] and age["value"] == pytest.approx(direct, abs=0.5)
    female = rows[rows["id"] == "female_verschil"]
    assert set(female["unit"]) == {"points"}  # a difference of shares, in percentage points
    compared = int(descriptive.value(tables, "nonresponse", "vergelijkingen"))
    assert compared == rows["id"].str.endswith("_verschil").sum()
    assert descriptive.value(tables, "nonresponse", "verwacht_duidelijk_door_toeval") == pytest.approx(
        compared * 2 * (1 - nl.EVIDENCE_CLEAR_THRESHOLD)
    )
